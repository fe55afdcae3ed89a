package accounts

import (
	"context"
	"errors"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/loamcms/cms/models"
)

const setupTokenTTL = 24 * time.Hour

// HasAdmin reports whether any admin account exists. Until one does, the
// first admin may be created from the configuration or a setup link (demo
// users, who are no admins, do not close that door).
func (s *Service) HasAdmin(ctx context.Context) (bool, error) {
	return hasAdmin(s.db.WithContext(ctx))
}

func hasAdmin(db *gorm.DB) (bool, error) {
	var n int64
	err := db.Model(&models.User{}).Where("roles LIKE ?", `%"`+models.RoleAdmin+`"%`).Count(&n).Error
	return n > 0, err
}

// BootstrapAdmin creates the first admin from the configuration, but only
// while there is no admin. It reports whether it created one. When
// several instances start at once, the ones that lose the race find the
// email taken, which is success too.
func (s *Service) BootstrapAdmin(ctx context.Context, email, password string) (bool, error) {
	created := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if has, err := hasAdmin(tx); err != nil || has {
			return err
		}
		_, err := s.createUser(tx, models.Principal{System: true}, NewUser{Email: email, Password: password, Roles: []string{models.RoleAdmin}})
		created = err == nil
		return err
	})
	if errors.Is(err, errEmailTaken) {
		return false, nil
	}
	return created, err
}

// NewSetupToken returns a one-time token for creating the first admin, valid
// for a day, while there is no admin; otherwise "". Every instance that
// starts on an empty database issues its own, and any of them works until
// one is used.
func (s *Service) NewSetupToken(ctx context.Context) (string, error) {
	if has, err := s.HasAdmin(ctx); err != nil || has {
		return "", err
	}
	token, hash := newSecret("cmss_")
	err := s.db.WithContext(ctx).Create(&models.SetupToken{TokenHash: hash, ExpiresAt: s.now().Add(setupTokenTTL)}).Error
	return token, err
}

var errBadSetup = &models.Error{Code: models.CodeNotFound, Message: "this setup link is invalid, expired or already used"}

// CompleteSetup spends a setup token to create the first admin. It first
// deletes every live setup token and goes on only if the presented one was
// among them: concurrent attempts, with this token or another instance's,
// wait on those rows and then find them gone, so exactly one admin is made.
func (s *Service) CompleteSetup(ctx context.Context, token string, in NewUser) (*models.User, error) {
	var out *models.User
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var live []string
		if err := tx.Raw("DELETE FROM setup_tokens WHERE expires_at > ? RETURNING token_hash", s.now()).Scan(&live).Error; err != nil {
			return err
		}
		if !slices.Contains(live, hashSecret(token)) {
			return errBadSetup // rolls back: the deleted tokens stay valid
		}
		if has, err := hasAdmin(tx); err != nil || has {
			if err == nil {
				err = errBadSetup
			}
			return err
		}
		in.Roles = []string{models.RoleAdmin}
		var err error
		out, err = s.createUser(tx, models.Principal{System: true}, in)
		return err
	})
	return out, err
}

// Prune deletes what can no longer be used: throttle counts whose window has
// passed, sessions that expired or were revoked a day ago (with their
// refresh tokens), and expired setup links. `serve` runs it hourly.
func (s *Service) Prune(ctx context.Context) error {
	now := s.now()
	db := s.db.WithContext(ctx)
	if err := db.Where("window_start <= ?", now.Add(-s.throttle.Window)).Delete(&models.LoginThrottle{}).Error; err != nil {
		return err
	}
	if err := db.Where("expires_at <= ? OR revoked_at <= ?", now, now.Add(-24*time.Hour)).Delete(&models.Session{}).Error; err != nil {
		return err
	}
	return db.Where("expires_at <= ?", now).Delete(&models.SetupToken{}).Error
}
