package changes

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

const channel = "cms_changes"

// Feed counts changes. A cache filled at one Gen is stale at the next.
//
// A writer calls Announce inside the transaction that makes a change, and
// Bump after it commits. Announce bumps a counter row (and, on PostgreSQL,
// sends a notification), both of which take effect only with the commit.
// Watch makes every instance notice other processes' changes: at once
// through LISTEN on PostgreSQL, and within one poll of the counter row on
// either database, which also covers a notification that got lost.
type Feed struct {
	gen      atomic.Uint64
	postgres bool
	seen     atomic.Int64 // the counter row's value when last polled
	log      *slog.Logger
}

// New returns a feed for a database of the dialect ("sqlite" or "postgres").
func New(dialect string, log *slog.Logger) *Feed {
	return &Feed{postgres: dialect == "postgres", log: log}
}

// Gen is the current count.
func (f *Feed) Gen() uint64 { return f.gen.Load() }

// Bump makes this instance's caches stale.
func (f *Feed) Bump() { f.gen.Add(1) }

// Announce records a change in tx, for every instance to see when tx commits.
func (f *Feed) Announce(tx *gorm.DB) error {
	if err := tx.Exec("UPDATE change_counter SET gen = gen + 1 WHERE id = 1").Error; err != nil {
		return err
	}
	if f.postgres {
		return tx.Exec("SELECT pg_notify(?, '')", channel).Error
	}
	return nil
}

// Watch notices changes made by other processes until ctx ends: it polls
// the counter row every interval, and on PostgreSQL also listens at url.
func (f *Feed) Watch(ctx context.Context, db *gorm.DB, url string, interval time.Duration) {
	if f.postgres {
		go f.listen(ctx, url)
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		var gen int64
		if err := db.WithContext(ctx).Raw("SELECT gen FROM change_counter WHERE id = 1").Scan(&gen).Error; err != nil {
			if ctx.Err() == nil {
				f.log.Warn("polling for changes", "error", err)
			}
		} else if f.seen.Swap(gen) != gen {
			f.Bump()
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// listen bumps the count on every notification until ctx ends, reconnecting
// after a second when the connection fails.
func (f *Feed) listen(ctx context.Context, url string) {
	for ctx.Err() == nil {
		err := f.listenOnce(ctx, url)
		if ctx.Err() == nil {
			f.log.Warn("listening for changes; retrying", "error", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

func (f *Feed) listenOnce(ctx context.Context, url string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+channel); err != nil {
		return err
	}
	f.Bump() // anything may have changed while we were not listening
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		f.Bump()
	}
}

// Changed announces a change in tx and, once tx has committed, makes this
// instance's caches stale: after is the after-commit hook of
// outbox.Transaction, so no service writes the announce/bump pair by hand.
func (f *Feed) Changed(tx *gorm.DB, after func(func())) error {
	if err := f.Announce(tx); err != nil {
		return err
	}
	after(f.Bump)
	return nil
}

// Announcer is what services need of a Feed.
type Announcer interface {
	Changed(tx *gorm.DB, after func(func())) error
	Gen() uint64
}

// None announces nothing: for a service alone on its database with no
// cache to drop (some tests).
var None Announcer = none{}

type none struct{}

func (none) Changed(*gorm.DB, func(func())) error { return nil }
func (none) Gen() uint64                          { return 0 }
