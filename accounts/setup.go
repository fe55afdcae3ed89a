package accounts

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/loamcms/cms/models"
)

const setupTokenTTL = 24 * time.Hour

// HasUsers reports whether any account exists.
func (s *Service) HasUsers(ctx context.Context) (bool, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&models.User{}).Limit(1).Count(&n).Error
	return n > 0, err
}

// BootstrapAdmin creates the first admin from the configuration, but only
// while there are no users at all. It reports whether it created one.
func (s *Service) BootstrapAdmin(ctx context.Context, email, password string) (bool, error) {
	created := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var n int64
		if err := tx.Model(&models.User{}).Count(&n).Error; err != nil || n > 0 {
			return err
		}
		_, err := s.createUser(tx, NewUser{Email: email, Password: password, Roles: []string{models.RoleAdmin}})
		created = err == nil
		return err
	})
	return created, err
}

// NewSetupToken returns a one-time token for creating the first admin, valid
// for a day, while there are no users; otherwise "". Every instance that
// starts on an empty database issues its own, and any of them works until
// one is used.
func (s *Service) NewSetupToken(ctx context.Context) (string, error) {
	if has, err := s.HasUsers(ctx); err != nil || has {
		return "", err
	}
	token, hash := newSecret("cmss_")
	err := s.db.WithContext(ctx).Create(&models.SetupToken{TokenHash: hash, ExpiresAt: s.now().Add(setupTokenTTL)}).Error
	return token, err
}

var errBadSetup = &models.Error{Code: models.CodeNotFound, Message: "this setup link is invalid, expired or already used"}

// CompleteSetup spends a setup token to create the first admin.
func (s *Service) CompleteSetup(ctx context.Context, token string, in NewUser) (*models.User, error) {
	var out *models.User
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var st models.SetupToken
		err := tx.Where("token_hash = ? AND expires_at > ?", hashSecret(token), s.now()).Take(&st).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return errBadSetup
		} else if err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&models.User{}).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return errBadSetup
		}
		in.Roles = []string{models.RoleAdmin}
		if out, err = s.createUser(tx, in); err != nil {
			return err
		}
		// Every outstanding setup link dies with the first admin.
		return tx.Where("1 = 1").Delete(&models.SetupToken{}).Error
	})
	return out, err
}
