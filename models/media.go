package models

import "time"

// ObjMedia is the policy object of uploaded files.
const ObjMedia = "media"

// Media is an uploaded file: what the library lists and entries point at.
// The bytes live in a media.Store under StorageKey, never at a name the
// client chose.
type Media struct {
	ID          string    `gorm:"primaryKey"`
	Filename    string    `gorm:"not null"` // display only, cleaned
	Mime        string    `gorm:"not null"` // sniffed from the bytes
	Kind        string    `gorm:"not null"` // image, video, audio or document
	Size        int64     `gorm:"not null"`
	Width       *int      ``
	Height      *int      ``
	Alt         string    `gorm:"not null"`
	Title       string    `gorm:"not null"`
	FocalX      float64   `gorm:"not null"`
	FocalY      float64   `gorm:"not null"`
	Placeholder string    `gorm:"not null"`
	SHA256      string    `gorm:"column:sha256;not null"`
	StorageKey  string    `gorm:"not null"`
	Version     int       `gorm:"not null"`
	Variants    int       `gorm:"not null"` // variants made of the current file: bounded, see media.DefaultMaxVariants
	CreatedBy   string    `gorm:"not null"`
	CreatedAt   time.Time `gorm:"not null"`
	UpdatedAt   time.Time `gorm:"not null"`
}

// TableName keeps the table's name singular-looking: "media" is already plural.
func (Media) TableName() string { return "media" }

// Where an entry uses a media item: its working copy, its live revision, or both.
const (
	RefWorking = "working"
	RefLive    = "live"
)

// MediaRef records that an entry's working copy or live revision uses a
// media item, in a field or inside rich text. The content package writes
// them with every change of either; a media item with refs cannot be deleted.
type MediaRef struct {
	EntryID string `gorm:"primaryKey"`
	MediaID string `gorm:"primaryKey"`
	Scope   string `gorm:"primaryKey"` // RefWorking or RefLive
}
