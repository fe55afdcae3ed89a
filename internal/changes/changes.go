package changes

import (
	"context"
	"database/sql"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

const channel = "cms_changes"

// Feed counts changes. A cache filled at one Gen is stale at the next.
type Feed struct {
	gen atomic.Uint64
	db  *sql.DB // PostgreSQL, to notify the other instances; nil on SQLite
	log *slog.Logger
}

// Local returns a feed for a single process (SQLite).
func Local() *Feed { return &Feed{} }

// Postgres returns a feed that also notifies the other instances sharing db.
// Call Listen to hear theirs.
func Postgres(db *sql.DB, log *slog.Logger) *Feed { return &Feed{db: db, log: log} }

// Gen is the current count.
func (f *Feed) Gen() uint64 { return f.gen.Load() }

// Changed records a change here and tells the other instances.
func (f *Feed) Changed(ctx context.Context) {
	f.gen.Add(1)
	if f.db == nil {
		return
	}
	// The change is committed already: a failed notification must not fail
	// the request. The others then catch up when their listener reconnects.
	if _, err := f.db.ExecContext(context.WithoutCancel(ctx), "SELECT pg_notify($1, '')", channel); err != nil {
		f.log.Warn("notifying other instances of a change", "error", err)
	}
}

// Listen bumps the count on every notification from another instance until
// ctx ends. While it cannot listen it counts a change every second, so
// nothing cached outlives a missed notification by more than that.
func (f *Feed) Listen(ctx context.Context, url string) {
	for ctx.Err() == nil {
		err := f.listen(ctx, url)
		f.gen.Add(1)
		if ctx.Err() == nil {
			f.log.Warn("listening for changes; retrying", "error", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func (f *Feed) listen(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		return err
	}
	f.gen.Add(1) // anything may have changed while we were not listening
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		f.gen.Add(1)
	}
}
