package accounts

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/loamcms/cms/internal/changes"
	"github.com/loamcms/cms/models"
)

// Options tune a Service; zero values take the defaults.
type Options struct {
	JWTSecret  []byte        // HMAC key for access tokens (required, ≥ 32 bytes)
	AccessTTL  time.Duration // default 15 minutes
	SessionTTL time.Duration // a sign-in lasts at most this long; default 30 days
	Throttle   ThrottleLimits
	Now        func() time.Time // for tests; default time.Now
	// Changes tells this instance and the others that something cached
	// changed (a revoked API token); nil when there is only one instance
	// and no cache to drop.
	Changes changes.Announcer
}

// Service implements accounts use-cases on a database.
type Service struct {
	db         *gorm.DB
	authz      models.Authorizer
	jwt        *signer
	sessionTTL time.Duration
	throttle   ThrottleLimits
	now        func() time.Time
	changes    changes.Announcer
	tokenCache tokenCache
}

// New returns a Service.
func New(db *gorm.DB, authz models.Authorizer, opt Options) *Service {
	if opt.AccessTTL == 0 {
		opt.AccessTTL = 15 * time.Minute
	}
	if opt.SessionTTL == 0 {
		opt.SessionTTL = 30 * 24 * time.Hour
	}
	if opt.Throttle == (ThrottleLimits{}) {
		opt.Throttle = DefaultThrottle
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Changes == nil {
		opt.Changes = changes.None
	}
	return &Service{
		db:         db,
		authz:      authz,
		jwt:        newSigner(opt.JWTSecret, opt.AccessTTL),
		sessionTTL: opt.SessionTTL,
		throttle:   opt.Throttle,
		now:        func() time.Time { return opt.Now().UTC().Truncate(time.Microsecond) },
		changes:    opt.Changes,
	}
}

func (s *Service) gen() uint64 { return s.changes.Gen() }

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// newSecret returns a random token with a readable prefix (so leaked tokens
// are easy to recognise in logs and by secret scanners) and its SHA-256 hash,
// which is all the database ever stores.
func newSecret(prefix string) (token, hash string) {
	token = prefix + rand.Text() + rand.Text()
	return token, hashSecret(token)
}

// hashSecret hashes a high-entropy random token. A fast hash is right here:
// unlike a password, a 256-bit random token cannot be guessed offline.
func hashSecret(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// validID reports whether id looks like one of our ids; anything else is a bad request.
func validID(id string) bool {
	_, err := uuid.Parse(id)
	return err == nil && len(id) == 36
}
