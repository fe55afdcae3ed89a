package audit

import (
	"cmp"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/outbox"
	"github.com/loamcms/cms/models"
)

// Config tunes the service. Zero values take the defaults.
type Config struct {
	// Retention is how long records are kept (default 365 days).
	Retention time.Duration
	// EventRetention is how long outbox events are kept after they occurred
	// (default 7 days: far beyond the webhooks' 25 hours of retries).
	EventRetention time.Duration
}

// Service reads the audit log and the notifications, and writes both from
// the outbox.
type Service struct {
	db    *gorm.DB
	authz models.Authorizer
	cfg   Config
	now   func() time.Time
}

// New makes the service and registers its outbox handlers on ob (before ob.Start).
func New(ob *outbox.Outbox, authz models.Authorizer, cfg Config) *Service {
	if cfg.Retention <= 0 {
		cfg.Retention = 365 * 24 * time.Hour
	}
	if cfg.EventRetention <= 0 {
		cfg.EventRetention = 7 * 24 * time.Hour
	}
	s := &Service{db: ob.DB().DB, authz: authz, cfg: cfg, now: func() time.Time { return time.Now().UTC() }}
	ob.Handle("audit", s.write)
	ob.Handle("notifications", s.notify)
	return s
}

// write is the outbox handler of the audit log: one record per event (the
// event's id, so a dispatch that runs twice writes it once).
func (s *Service) write(ctx context.Context, tx *gorm.DB, e outbox.Event) error {
	if e.Type == models.EventPing {
		return nil
	}
	summary := e.Summary
	if e.Subject != "" {
		summary = strings.TrimSuffix("“"+e.Subject+"”: "+summary, ": ")
	}
	area, _, _ := strings.Cut(e.Type, ".")
	r := models.AuditRecord{ID: e.ID, At: e.OccurredAt, ActorID: e.ActorID, ActorName: actorNames(tx, e.ActorID)[e.ActorID],
		Action: e.Type, Area: area, ObjectType: e.ObjectType, ObjectID: e.ObjectID, Summary: summary, IP: e.IP, RequestID: e.RequestID}
	return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&r).Error
}

// actorNames is what the given users are called (their name, else their
// email), in one query; the system ("") and people since deleted have none.
func actorNames(db *gorm.DB, ids ...string) map[string]string {
	out := map[string]string{}
	var users []models.User
	if err := db.Select("id", "name", "email").Where("id IN ?", ids).Find(&users).Error; err != nil {
		return out
	}
	for _, u := range users {
		out[u.ID] = cmp.Or(u.Name, u.Email)
	}
	return out
}

// Actor is who did something.
type Actor struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Record is one line of the log as the API shows it.
type Record struct {
	ID         string    `json:"id"`
	At         time.Time `json:"at"`
	Actor      Actor     `json:"actor"`
	Action     string    `json:"action"`
	ObjectType string    `json:"object_type"`
	ObjectID   string    `json:"object_id"`
	Summary    string    `json:"summary"`
	IP         string    `json:"ip"`
	RequestID  string    `json:"request_id"`
}

func view(r models.AuditRecord) Record {
	return Record{ID: r.ID, At: r.At, Actor: Actor{ID: r.ActorID, Name: r.ActorName}, Action: r.Action,
		ObjectType: r.ObjectType, ObjectID: r.ObjectID, Summary: r.Summary, IP: r.IP, RequestID: r.RequestID}
}

// Query filters the log. Action may list several actions, comma-separated;
// an action ending in "." matches every action it starts ("entry.").
// From is inclusive, To exclusive.
type Query struct {
	Actor, Action, ObjectType, ObjectID string
	From, To                            *time.Time
	Limit, Offset                       int
}

// MaxLimit bounds one page.
const MaxLimit = 500

// maxActions bounds the actions one query may list.
const maxActions = 50

func (s *Service) filter(db *gorm.DB, q Query) *gorm.DB {
	if q.Actor != "" {
		db = db.Where("actor_id = ?", q.Actor)
	}
	if q.Action != "" {
		var exact []string
		var or *gorm.DB
		for _, a := range strings.Split(q.Action, ",") {
			a = strings.TrimSpace(a)
			if strings.HasSuffix(a, ".") {
				// An area ("entry.") has its own column and index, which give
				// the order too; a deeper prefix is a range of the action
				// index ("entry.schedule." ≤ a < "entry.schedule/"), since
				// LIKE is case-insensitive on SQLite and collation-bound on
				// PostgreSQL and neither would use one.
				area := strings.TrimSuffix(a, ".")
				cond := s.db.Where("area = ?", area)
				if strings.Contains(area, ".") {
					cond = s.db.Where("action >= ? AND action < ?", a, area+"/")
				}
				if or == nil {
					or = cond
				} else {
					or = or.Or(cond)
				}
			} else if a != "" {
				exact = append(exact, a)
			}
		}
		if len(exact) > 0 {
			cond := s.db.Where("action IN ?", exact)
			if or == nil {
				or = cond
			} else {
				or = or.Or(cond)
			}
		}
		if or != nil {
			db = db.Where(or)
		}
	}
	if q.ObjectType != "" {
		db = db.Where("object_type = ?", q.ObjectType)
	}
	if q.ObjectID != "" {
		db = db.Where("object_id = ?", q.ObjectID)
	}
	if q.From != nil {
		db = db.Where("at >= ?", q.From.UTC())
	}
	if q.To != nil {
		db = db.Where("at < ?", q.To.UTC())
	}
	return db
}

func (s *Service) check(p models.Principal, q Query) error {
	if err := models.Authorize(s.authz, p, models.ObjAudit, models.ActRead); err != nil {
		return err
	}
	fields := map[string]string{}
	if strings.Count(q.Action, ",") >= maxActions {
		fields["action"] = "at most " + strconv.Itoa(maxActions) + " actions"
	}
	if q.Limit < 0 || q.Limit > MaxLimit {
		fields["limit"] = "must be between 1 and " + strconv.Itoa(MaxLimit)
	}
	if q.Offset < 0 {
		fields["offset"] = "must not be negative"
	}
	if q.From != nil && q.To != nil && !q.From.Before(*q.To) {
		fields["to"] = "must be after from"
	}
	if len(fields) > 0 {
		return models.Invalid(fields)
	}
	return nil
}

// CountCap bounds how far List counts: beyond it a total is "at least
// CountCap" (an exact count of a million records costs 50–300 ms).
const CountCap = database.CountCap

// List returns a page of matching records, newest first, and how many
// match, counted up to CountCap (capped reports that there are more). Admin only.
func (s *Service) List(ctx context.Context, p models.Principal, q Query) (rows []Record, total int64, capped bool, err error) {
	if err := s.check(p, q); err != nil {
		return nil, 0, false, err
	}
	if q.Limit == 0 {
		q.Limit = 50
	}
	db := s.db.WithContext(ctx)
	if total, capped, err = database.CountUpTo(db, s.filter(db.Model(&models.AuditRecord{}), q)); err != nil {
		return nil, 0, false, err
	}
	var found []models.AuditRecord
	if err := s.filter(db, q).Order("at DESC, id DESC").Limit(q.Limit).Offset(q.Offset).Find(&found).Error; err != nil {
		return nil, 0, false, err
	}
	rows = make([]Record, 0, len(found))
	for _, r := range found {
		rows = append(rows, view(r))
	}
	return rows, total, capped, nil
}

// CanExport reports whether p may export the log (checked before a
// response starts, since Export writes as it reads).
func (s *Service) CanExport(p models.Principal, q Query) error {
	q.Limit, q.Offset = 0, 0
	return s.check(p, q)
}

// Export writes every matching record (Limit and Offset ignored), newest
// first, as CSV to w, reading the log in batches. Admin only.
func (s *Service) Export(ctx context.Context, p models.Principal, q Query, w io.Writer) error {
	q.Limit, q.Offset = 0, 0
	if err := s.check(p, q); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	var last *models.AuditRecord
	for {
		db := s.filter(s.db.WithContext(ctx), q)
		if last != nil { // keyset paging: the next batch is older than the last row written
			db = db.Where("at < ? OR (at = ? AND id < ?)", last.At, last.At, last.ID)
		}
		var rows []models.AuditRecord
		if err := db.Order("at DESC, id DESC").Limit(1000).Find(&rows).Error; err != nil {
			return err
		}
		// The header goes out with the first batch: an error before it
		// leaves w untouched, so the caller can still answer with an error.
		if last == nil {
			if err := cw.Write([]string{"id", "at", "actor_id", "actor_name", "action", "object_type", "object_id", "summary", "ip", "request_id"}); err != nil {
				return err
			}
		}
		for _, r := range rows {
			rec := []string{r.ID, r.At.UTC().Format(time.RFC3339Nano), r.ActorID, r.ActorName, r.Action, r.ObjectType,
				r.ObjectID, r.Summary, r.IP, r.RequestID}
			for i := range rec {
				rec[i] = safeCell(rec[i])
			}
			if err := cw.Write(rec); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		if len(rows) < 1000 {
			return nil
		}
		last = &rows[len(rows)-1]
	}
}

// safeCell keeps a spreadsheet from running a cell as a formula: a value
// that starts like one (a title or an email someone chose) gets a quote.
func safeCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
		return "'" + v
	}
	return v
}

// Prune deletes audit records older than the retention, notifications read
// more than the retention ago, and outbox events older than theirs.
func (s *Service) Prune(ctx context.Context) error {
	now := s.now()
	db := s.db.WithContext(ctx)
	errAudit := db.Where("at < ?", now.Add(-s.cfg.Retention)).Delete(&models.AuditRecord{}).Error
	errNotes := db.Where("read_at < ?", now.Add(-s.cfg.Retention)).Delete(&models.Notification{}).Error
	_, errEvents := outbox.Prune(ctx, s.db, now.Add(-s.cfg.EventRetention))
	return errors.Join(errAudit, errNotes, errEvents)
}

// RunPrune prunes every interval until ctx ends (serve runs it hourly).
func (s *Service) RunPrune(ctx context.Context, interval time.Duration, log *slog.Logger) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if err := s.Prune(ctx); err != nil && ctx.Err() == nil {
			log.Warn("pruning the audit log", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
