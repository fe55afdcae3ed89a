package models

import (
	"database/sql/driver"
	"time"
)

// User is an account of the admin UI and management API. PasswordHash never
// leaves the process: it has no JSON name.
type User struct {
	ID                string    `gorm:"primaryKey" json:"id"`
	Email             string    `gorm:"not null;uniqueIndex" json:"email"`
	Name              string    `gorm:"not null" json:"name"`
	PasswordHash      string    `gorm:"not null" json:"-"`
	Roles             Roles     `gorm:"type:text;not null" json:"roles"`
	Disabled          bool      `gorm:"not null" json:"disabled"`
	PasswordChangedAt time.Time `gorm:"not null" json:"-"`
	CreatedAt         time.Time `gorm:"not null" json:"created_at"`
	UpdatedAt         time.Time `gorm:"not null" json:"updated_at"`
}

// Roles is a list of role names, stored as a JSON array in a text column.
type Roles []string

// Value implements driver.Valuer.
func (r Roles) Value() (driver.Value, error) {
	if r == nil {
		r = Roles{}
	}
	return jsonValue([]string(r))
}

// Scan implements sql.Scanner.
func (r *Roles) Scan(src any) error {
	*r = Roles{}
	return jsonScan(src, (*[]string)(r))
}

// Session is one sign-in: a chain of refresh tokens. Revoking it ends every
// access and refresh token issued for it.
type Session struct {
	ID        string     `gorm:"primaryKey"`
	UserID    string     `gorm:"not null;index"`
	CreatedAt time.Time  `gorm:"not null"`
	ExpiresAt time.Time  `gorm:"not null"`
	RevokedAt *time.Time ``
}

// RefreshToken is one link of a session's chain, stored only as a SHA-256
// hash. A token is spent when it is exchanged; presenting a spent one again
// revokes its session.
type RefreshToken struct {
	ID        string     `gorm:"primaryKey"`
	SessionID string     `gorm:"not null;index"`
	TokenHash string     `gorm:"not null;uniqueIndex"`
	CreatedAt time.Time  `gorm:"not null"`
	SpentAt   *time.Time ``
}

// LoginThrottle counts failed sign-ins for one key (an account or a client
// address) within a window that starts at the first failure.
type LoginThrottle struct {
	Key         string    `gorm:"primaryKey"`
	Failures    int       `gorm:"not null"`
	WindowStart time.Time `gorm:"not null"`
}

// SetupToken is a one-time secret, stored as a hash, that lets the first
// visitor of a fresh installation create the first admin.
type SetupToken struct {
	TokenHash string    `gorm:"primaryKey"`
	ExpiresAt time.Time `gorm:"not null"`
}

// API token scopes.
const (
	ScopeDelivery = "delivery" // read published content
	ScopePreview  = "preview"  // also read the latest working revision, with ?preview=1
)

// APIToken lets a site read the delivery API. Only its SHA-256 hash is
// stored; Prefix (the first characters) helps people recognise it.
type APIToken struct {
	ID        string     `gorm:"primaryKey" json:"id"`
	Name      string     `gorm:"not null" json:"name"`
	Scope     string     `gorm:"not null" json:"scope"`
	TokenHash string     `gorm:"not null;uniqueIndex" json:"-"`
	Prefix    string     `gorm:"not null" json:"prefix"`
	CreatedBy *string    `json:"created_by"` // nil when the system made it (the demo)
	CreatedAt time.Time  `gorm:"not null" json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at"`
}
