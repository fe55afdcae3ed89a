package content

import (
	"errors"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/loamcms/cms/internal/changes"
	"github.com/loamcms/cms/models"
)

// Options tune a Service.
type Options struct {
	// SelfApproval lets an admin approve their own revision: for one-person
	// sites only (CMS_SELF_APPROVAL). Off by default.
	SelfApproval bool
	// Dialect is the database dialect ("sqlite" or "postgres"), for the few
	// JSON expressions that differ.
	Dialect string
	// Changes hears of every change to what the delivery API shows, so that
	// caches here and on other instances are dropped (internal/changes.Feed).
	Changes changes.Announcer
	Now     func() time.Time
	Log     *slog.Logger // default slog.Default()
}

// Service implements the content use-cases.
type Service struct {
	db    *gorm.DB
	authz models.Authorizer
	opt   Options
}

// New returns a Service.
func New(db *gorm.DB, authz models.Authorizer, opt Options) *Service {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Changes == nil {
		opt.Changes = changes.None
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	return &Service{db: db, authz: authz, opt: opt}
}

func (s *Service) now() time.Time { return s.opt.Now().UTC().Truncate(time.Microsecond) }

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func validID(id string) bool {
	_, err := uuid.Parse(id)
	return err == nil && len(id) == 36
}

// can checks the policy for obj and act.
func (s *Service) can(p models.Principal, obj, act string) error {
	return models.Authorize(s.authz, p, obj, act)
}

func isNotFound(err error) bool { return errors.Is(err, gorm.ErrRecordNotFound) }
