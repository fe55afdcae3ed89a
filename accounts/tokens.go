package accounts

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/loamcms/cms/internal/changes"
	"github.com/loamcms/cms/internal/outbox"
	"github.com/loamcms/cms/models"
)

// API tokens are for sites reading the delivery API. They start with
// tokenPrefix, so a bearer credential is told apart from an access JWT at a glance.
const tokenPrefix = "cms_"

// IsAPIToken reports whether a bearer credential is an API token (not a JWT).
func IsAPIToken(bearer string) bool { return strings.HasPrefix(bearer, tokenPrefix) }

// NewToken is the input of CreateToken.
type NewToken struct {
	Name      string     `json:"name"`
	Scope     string     `json:"scope"`
	ExpiresAt *time.Time `json:"expires_at"`
}

// CreatedToken is a new token with its secret, which is shown this once.
type CreatedToken struct {
	models.APIToken
	Token string `json:"token"`
}

var errTokenNotFound = &models.Error{Code: models.CodeNotFound, Message: "token not found"}

// CreateToken issues an API token. Admin only.
func (s *Service) CreateToken(ctx context.Context, p models.Principal, in NewToken) (*CreatedToken, error) {
	if err := s.can(p, models.ObjTokens, models.ActCreate); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || utf8.RuneCountInString(in.Name) > 100 {
		fields["name"] = "is required, at most 100 characters"
	}
	if in.Scope != models.ScopeDelivery && in.Scope != models.ScopePreview {
		fields["scope"] = "must be delivery or preview"
	}
	now := s.now()
	if in.ExpiresAt != nil && !in.ExpiresAt.After(now) {
		fields["expires_at"] = "must be in the future"
	}
	if len(fields) > 0 {
		return nil, models.Invalid(fields)
	}
	secret, hash := newSecret(tokenPrefix)
	t := models.APIToken{ID: newID(), Name: in.Name, Scope: in.Scope, TokenHash: hash, Prefix: secret[:12], CreatedAt: now}
	if p.UserID != "" {
		t.CreatedBy = &p.UserID
	}
	if in.ExpiresAt != nil {
		exp := in.ExpiresAt.UTC().Truncate(time.Microsecond)
		t.ExpiresAt = &exp
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&t).Error; err != nil {
			return err
		}
		return tokenEvent(tx, p, models.EventTokenCreated, &t)
	})
	if err != nil {
		return nil, err
	}
	return &CreatedToken{APIToken: t, Token: secret}, nil
}

// ListTokens lists API tokens without their secrets, newest first. Admin only.
func (s *Service) ListTokens(ctx context.Context, p models.Principal) ([]models.APIToken, error) {
	if err := s.can(p, models.ObjTokens, models.ActRead); err != nil {
		return nil, err
	}
	tokens := []models.APIToken{}
	return tokens, s.db.WithContext(ctx).Order("created_at DESC").Find(&tokens).Error
}

// DeleteToken revokes an API token at once, on every instance. Admin only.
func (s *Service) DeleteToken(ctx context.Context, p models.Principal, id string) error {
	if err := s.can(p, models.ObjTokens, models.ActDelete); err != nil {
		return err
	}
	if !validID(id) {
		return models.Errorf(models.CodeBadRequest, "%q is not a valid id", id)
	}
	return outbox.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB, after func(func())) error {
		var t models.APIToken
		if err := tx.Where("id = ?", id).Take(&t).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return errTokenNotFound
		} else if err != nil {
			return err
		}
		if err := tx.Where("id = ?", id).Delete(&models.APIToken{}).Error; err != nil {
			return err
		}
		if err := tokenEvent(tx, p, models.EventTokenDeleted, &t); err != nil {
			return err
		}
		return s.changes.Changed(tx, after, changes.Accounts())
	})
}

// tokenCache remembers verified tokens until anything changes (a token is
// revoked here or on another instance), so the delivery API's hot path
// needs no database round trip to check its caller. Readers take no lock:
// the tokens heard of since the last change are a generation of their
// own, swapped for a new one when the change count moves.
type tokenCache struct {
	current atomic.Pointer[tokenGen]
}

type tokenGen struct {
	gen     uint64
	entries sync.Map // SHA-256 of the secret ([32]byte) → cachedToken
	n       atomic.Int64
}

// cachedToken is a token as read, with its role (a zero ID means "no such token").
type cachedToken struct {
	models.APIToken
	role string
}

// maxCachedTokens bounds one generation: past it, tokens are checked
// against the database each time until the next change.
const maxCachedTokens = 10000

// generation is the cache of change count gen.
func (c *tokenCache) generation(gen uint64) *tokenGen {
	for {
		g := c.current.Load()
		if g != nil && g.gen >= gen {
			return g
		}
		fresh := &tokenGen{gen: gen}
		if c.current.CompareAndSwap(g, fresh) {
			return fresh
		}
	}
}

// verifyToken returns the principal of a valid, unexpired API token (its
// role is its scope), or unauthorized.
func (s *Service) verifyToken(ctx context.Context, secret string) (models.Principal, error) {
	sum := sha256.Sum256([]byte(secret))
	gen := s.gen()
	g := s.tokenCache.generation(gen)
	var t cachedToken
	if v, ok := g.entries.Load(sum); ok && g.gen == gen {
		t = v.(cachedToken)
	} else {
		err := s.db.WithContext(ctx).Where("token_hash = ?", hex.EncodeToString(sum[:])).Take(&t.APIToken).Error
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return models.Principal{}, err
		}
		t.role = models.TokenRolePrefix + t.Scope
		// Kept only in the generation the read began in: a change during
		// the read (a revocation) moved the count, and the next reader
		// reads again.
		if g.gen == gen && g.n.Add(1) <= maxCachedTokens {
			g.entries.Store(sum, t)
		}
	}
	if t.ID == "" || (t.ExpiresAt != nil && !s.now().Before(*t.ExpiresAt)) {
		return models.Principal{}, &models.Error{Code: models.CodeUnauthorized, Message: "invalid or expired API token"}
	}
	return models.Principal{TokenID: t.ID, Name: t.Name, Roles: []string{t.role}}, nil
}

// Reader is who is calling the delivery API, from the bearer value sent
// (none: anonymous): an API token, an entry preview link, or a signed-in
// user's session (the admin UI previews with its own).
func (s *Service) Reader(ctx context.Context, bearer string) (models.Principal, error) {
	switch {
	case bearer == "":
		return models.Principal{}, nil
	case IsPreviewToken(bearer):
		id, err := s.jwt.verifyPreview(bearer)
		if err != nil {
			return models.Principal{}, &models.Error{Code: models.CodeUnauthorized, Message: "the preview link is invalid or has expired"}
		}
		return models.Principal{Entry: id, Roles: []string{models.RolePreviewLink}}, nil
	case IsAPIToken(bearer):
		return s.verifyToken(ctx, bearer)
	}
	return s.Authenticate(ctx, bearer)
}

// IssuePreview makes a short-lived token that opens one entry's working
// copy on the delivery API. The caller has checked the user may preview it.
func (s *Service) IssuePreview(entryID string) (string, time.Time, error) {
	return s.jwt.issuePreview(entryID, s.now())
}

// IsPreviewToken reports whether a bearer value looks like an entry preview token.
func IsPreviewToken(token string) bool { return strings.HasPrefix(token, PreviewPrefix) }
