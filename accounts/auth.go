package accounts

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/loamcms/cms/models"
)

// Tokens is what a successful sign-in or refresh returns.
type Tokens struct {
	AccessToken  string       `json:"access_token"`
	RefreshToken string       `json:"refresh_token"`
	TokenType    string       `json:"token_type"`
	ExpiresIn    int          `json:"expires_in"`
	User         *models.User `json:"user"`
}

var errBadCredentials = &models.Error{Code: models.CodeUnauthorized, Message: "invalid email or password"}
var errBadRefresh = &models.Error{Code: models.CodeUnauthorized, Message: "invalid or expired refresh token"}

// Login checks email and password and starts a session. Unknown emails,
// wrong passwords and disabled accounts get the same answer after the same
// work. Repeated attempts for the account or from clientIP are refused with
// rate_limited before any password is checked.
func (s *Service) Login(ctx context.Context, email, password, clientIP string) (*Tokens, error) {
	email = normalizeEmail(email)
	accountKey, ipKey := throttleKeyAccount(email), throttleKeyIP(clientIP)
	if err := s.reserveAttempt(ctx, []string{accountKey, ipKey}); err != nil {
		return nil, err
	}
	var u models.User
	err := s.db.WithContext(ctx).Where("email = ?", email).Take(&u).Error
	switch {
	case errors.Is(err, gorm.ErrRecordNotFound):
		VerifyPassword(dummyHash(), password)
		return nil, s.refuse(ctx, nil, email, "no such account")
	case err != nil:
		return nil, err
	}
	if !VerifyPassword(u.PasswordHash, password) {
		return nil, s.refuse(ctx, &u, email, "wrong password")
	}
	if u.Disabled {
		return nil, s.refuse(ctx, &u, email, "the account is disabled")
	}
	if err := s.succeeded(ctx, accountKey, ipKey); err != nil {
		return nil, err
	}
	return s.startSession(ctx, &u)
}

// startSession creates a session and its first refresh token.
func (s *Service) startSession(ctx context.Context, u *models.User) (*Tokens, error) {
	now := s.now()
	sess := models.Session{ID: newID(), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(s.sessionTTL)}
	var refresh string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&sess).Error; err != nil {
			return err
		}
		var err error
		if refresh, err = s.addRefreshToken(tx, sess.ID, now); err != nil {
			return err
		}
		return userEvent(tx, models.Principal{UserID: u.ID}, models.EventUserSignedIn, u, "")
	})
	if err != nil {
		return nil, err
	}
	return s.tokens(u, sess.ID, refresh, now)
}

func (s *Service) addRefreshToken(tx *gorm.DB, sessionID string, now time.Time) (string, error) {
	token, hash := newSecret("cmsr_")
	rt := models.RefreshToken{ID: newID(), SessionID: sessionID, TokenHash: hash, CreatedAt: now}
	return token, tx.Create(&rt).Error
}

func (s *Service) tokens(u *models.User, sessionID, refresh string, now time.Time) (*Tokens, error) {
	access, err := s.jwt.issue(u.ID, sessionID, now)
	if err != nil {
		return nil, err
	}
	return &Tokens{
		AccessToken:  access,
		RefreshToken: refresh,
		TokenType:    "Bearer",
		ExpiresIn:    int(s.jwt.ttl.Seconds()),
		User:         u,
	}, nil
}

// Refresh exchanges a refresh token for a new pair. The presented token is
// spent; presenting a spent token again means it was stolen or replayed, so
// the whole session is revoked.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (*Tokens, error) {
	now := s.now()
	db := s.db.WithContext(ctx)
	var rt models.RefreshToken
	err := db.Where("token_hash = ?", hashSecret(refreshToken)).Take(&rt).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, errBadRefresh
	} else if err != nil {
		return nil, err
	}
	if rt.SpentAt != nil {
		if err := s.revokeSession(db, rt.SessionID); err != nil {
			return nil, err
		}
		return nil, errBadRefresh
	}
	var sess models.Session
	if err := db.Where("id = ?", rt.SessionID).Take(&sess).Error; err != nil {
		return nil, err
	}
	var u models.User
	if err := db.Where("id = ?", sess.UserID).Take(&u).Error; err != nil {
		return nil, err
	}
	if sess.RevokedAt != nil || !now.Before(sess.ExpiresAt) || u.Disabled {
		return nil, errBadRefresh
	}
	var refresh string
	reused := false
	err = db.Transaction(func(tx *gorm.DB) error {
		// Only one of two concurrent exchanges of the same token can spend it.
		res := tx.Model(&models.RefreshToken{}).Where("id = ? AND spent_at IS NULL", rt.ID).Update("spent_at", now)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			reused = true
			return nil
		}
		var err error
		refresh, err = s.addRefreshToken(tx, sess.ID, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	if reused {
		if err := s.revokeSession(db, sess.ID); err != nil {
			return nil, err
		}
		return nil, errBadRefresh
	}
	return s.tokens(&u, sess.ID, refresh, now)
}

// Logout ends the session of refreshToken. Unknown tokens are ignored, so
// signing out twice is harmless.
func (s *Service) Logout(ctx context.Context, refreshToken string) error {
	db := s.db.WithContext(ctx)
	var rt models.RefreshToken
	err := db.Where("token_hash = ?", hashSecret(refreshToken)).Take(&rt).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	return db.Transaction(func(tx *gorm.DB) error {
		var sess models.Session
		err := tx.Where("id = ?", rt.SessionID).Take(&sess).Error
		if errors.Is(err, gorm.ErrRecordNotFound) || err == nil && sess.RevokedAt != nil {
			return nil // signed out already
		} else if err != nil {
			return err
		}
		if err := s.revokeSession(tx, rt.SessionID); err != nil {
			return err
		}
		u, err := s.findUser(tx, sess.UserID)
		if err != nil {
			return err
		}
		return userEvent(tx, models.Principal{UserID: u.ID}, models.EventUserSignedOut, u, "")
	})
}

func (s *Service) revokeSession(db *gorm.DB, sessionID string) error {
	return db.Model(&models.Session{}).Where("id = ? AND revoked_at IS NULL", sessionID).
		Update("revoked_at", s.now()).Error
}

// revokeUserSessions ends every session of a user except keep (which may be "").
func (s *Service) revokeUserSessions(db *gorm.DB, userID, keep string) error {
	return db.Model(&models.Session{}).Where("user_id = ? AND id <> ? AND revoked_at IS NULL", userID, keep).
		Update("revoked_at", s.now()).Error
}

// Authenticate turns a bearer access token into a principal. The token must
// verify and its session must still be live and its user enabled, so a
// revoked session stops working at once rather than when the token expires.
func (s *Service) Authenticate(ctx context.Context, bearer string) (models.Principal, error) {
	userID, sessionID, err := s.jwt.verify(bearer)
	if err != nil {
		return models.Principal{}, models.ErrUnauthorized
	}
	var u models.User
	err = s.db.WithContext(ctx).Select("users.*").
		Joins("JOIN sessions ON sessions.user_id = users.id").
		Where("users.id = ? AND sessions.id = ? AND sessions.revoked_at IS NULL AND sessions.expires_at > ? AND users.disabled = ?",
			userID, sessionID, s.now(), false).
		Take(&u).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.Principal{}, models.ErrUnauthorized
	} else if err != nil {
		return models.Principal{}, err
	}
	return models.Principal{UserID: u.ID, Name: u.Name, Roles: u.Roles, SessionID: sessionID}, nil
}

func normalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }
