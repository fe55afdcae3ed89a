package changes

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

const channel = "cms_changes"

// Tags name what a change touched, for caches that drop only what it
// affects: Entry(id) and Type(key) for content, Media(id), or All.
const All = "*"

func Entry(id string) string   { return "entry:" + id }
func Type(key string) string   { return "type:" + key }
func Media(id string) string   { return "media:" + id }
func Doc(id string) string     { return "doc:" + id } // a document: an entry and its translations
func Accounts() string         { return "accounts" }
func isAll(tags []string) bool { return len(tags) == 0 || (len(tags) == 1 && tags[0] == All) }

// keepLog is how long change_log rows stay: longer than any instance
// should take between two polls. One that falls further behind drops
// everything instead.
const keepLog = 10 * time.Minute

// Feed tells every instance what changed. A writer calls Changed inside
// the transaction that makes the change, with the tags of what it touched:
// a change_log row under the next value of the counter row (and on
// PostgreSQL a notification) take effect with the commit, and this
// instance hears of it at once after the commit. Watch makes every
// instance hear of other processes' changes: woken by LISTEN on
// PostgreSQL, and within one poll of the counter on either database, which
// also covers a notification that got lost.
//
// Gen counts the changes heard of, for caches that drop everything on any
// change; OnChange handlers get the tags, for caches that drop less.
type Feed struct {
	gen      atomic.Uint64
	postgres bool
	log      *slog.Logger
	wake     chan struct{}

	mu    sync.Mutex
	seen  int64          // the last counter value whose change was applied; -1 before the first poll
	local map[int64]bool // values of this process's own changes, applied at commit, not again from the log
	subs  []func(tags []string)
}

// New returns a feed for a database of the dialect ("sqlite" or "postgres").
func New(dialect string, log *slog.Logger) *Feed {
	return &Feed{postgres: dialect == "postgres", log: log, wake: make(chan struct{}, 1), seen: -1, local: map[int64]bool{}}
}

// Gen is the count of changes heard of.
func (f *Feed) Gen() uint64 { return f.gen.Load() }

// OnChange registers fn to hear the tags of every change, this process's
// and others'. Register before the first change.
func (f *Feed) OnChange(fn func(tags []string)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.subs = append(f.subs, fn)
}

// Changed records a change touching tags in tx and, once tx has committed,
// tells this instance: after is the after-commit hook of
// outbox.Transaction, so no service writes the record/apply pair by hand.
// No tags means everything.
func (f *Feed) Changed(tx *gorm.DB, after func(func()), tags ...string) error {
	if isAll(tags) {
		tags = []string{All}
	}
	var gen int64
	if err := tx.Raw("UPDATE change_counter SET gen = gen + 1 WHERE id = 1 RETURNING gen").Scan(&gen).Error; err != nil {
		return err
	}
	if err := tx.Exec("INSERT INTO change_log (gen, tags, created_at) VALUES (?, ?, ?)", gen, strings.Join(tags, " "), time.Now().UTC()).Error; err != nil {
		return err
	}
	if f.postgres {
		if err := tx.Exec("SELECT pg_notify(?, '')", channel).Error; err != nil {
			return err
		}
	}
	after(func() { f.apply(gen, tags, true) })
	return nil
}

// apply tells the handlers of one change, once: a change of this process
// is applied at its commit and skipped when the poll reads it back.
func (f *Feed) apply(gen int64, tags []string, local bool) {
	f.mu.Lock()
	if local {
		f.local[gen] = true
	} else if f.local[gen] {
		f.mu.Unlock()
		return
	}
	subs := f.subs
	f.mu.Unlock()
	for _, fn := range subs {
		fn(tags)
	}
	f.gen.Add(1)
}

// Watch hears of changes made by other processes until ctx ends: it polls
// every interval (at once when a notification wakes it), and on
// PostgreSQL listens at url.
func (f *Feed) Watch(ctx context.Context, db *gorm.DB, url string, interval time.Duration) {
	if f.postgres {
		go f.listen(ctx, url)
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	lastPrune := time.Now()
	for {
		if err := f.poll(db.WithContext(ctx)); err != nil && ctx.Err() == nil {
			f.log.Warn("polling for changes", "error", err)
		}
		if time.Since(lastPrune) > time.Minute {
			lastPrune = time.Now()
			if err := db.WithContext(ctx).Exec("DELETE FROM change_log WHERE created_at < ?", time.Now().UTC().Add(-keepLog)).Error; err != nil && ctx.Err() == nil {
				f.log.Warn("pruning the change log", "error", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-f.wake:
		}
	}
}

// poll applies the changes logged since the last one applied. The first
// poll only learns where the log stands (caches start empty); a gap (rows
// pruned while this instance was away) drops everything.
func (f *Feed) poll(db *gorm.DB) error {
	var counter int64
	if err := db.Raw("SELECT gen FROM change_counter WHERE id = 1").Scan(&counter).Error; err != nil {
		return err
	}
	f.mu.Lock()
	seen := f.seen
	f.mu.Unlock()
	if seen < 0 {
		f.setSeen(counter)
		f.apply(0, []string{All}, false)
		return nil
	}
	for seen < counter {
		var rows []struct {
			Gen  int64
			Tags string
		}
		if err := db.Raw("SELECT gen, tags FROM change_log WHERE gen > ? ORDER BY gen LIMIT 1000", seen).Scan(&rows).Error; err != nil {
			return err
		}
		if len(rows) == 0 || rows[0].Gen != seen+1 {
			f.log.Info("changes missing from the log; dropping every cached answer", "from", seen+1)
			f.apply(0, []string{All}, false)
			f.setSeen(counter)
			return nil
		}
		for _, r := range rows {
			if r.Gen != seen+1 {
				break // the rest on the next round
			}
			f.apply(r.Gen, strings.Fields(r.Tags), false)
			seen = r.Gen
		}
		f.setSeen(seen)
	}
	return nil
}

// setSeen moves the applied mark to gen and forgets the own changes up to it.
func (f *Feed) setSeen(gen int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen = gen
	for g := range f.local {
		if g <= gen {
			delete(f.local, g)
		}
	}
}

// listen wakes the poll on every notification until ctx ends, reconnecting
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
	f.poke() // anything may have changed while we were not listening
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		f.poke()
	}
}

func (f *Feed) poke() {
	select {
	case f.wake <- struct{}{}:
	default:
	}
}

// Announcer is what services need of a Feed.
type Announcer interface {
	Changed(tx *gorm.DB, after func(func()), tags ...string) error
	Gen() uint64
}

// None announces nothing: for a service alone on its database with no
// cache to drop (some tests).
var None Announcer = none{}

type none struct{}

func (none) Changed(*gorm.DB, func(func()), ...string) error { return nil }
func (none) Gen() uint64                                     { return 0 }
