package changes_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/loamcms/cms/internal/changes"
	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
)

// commit runs fn in a transaction and then its after-commit hooks, as
// outbox.Transaction does.
func commit(db *gorm.DB, fn func(tx *gorm.DB, after func(func())) error) error {
	var hooks []func()
	err := db.Transaction(func(tx *gorm.DB) error { return fn(tx, func(h func()) { hooks = append(hooks, h) }) })
	if err == nil {
		for _, h := range hooks {
			h()
		}
	}
	return err
}

// TestChangesReachOtherInstances: the tags of a change announced by one
// instance reach another instance on the same database, once and in
// order — on PostgreSQL woken by notification, on SQLite (another process
// on the same file) by polling — and the writer hears of its own change
// at its commit.
func TestChangesReachOtherInstances(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		url := dbtest.URLOf(t, db)
		other, err := database.Open(url)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		a, b := changes.New(db.Dialect, log), changes.New(db.Dialect, log)
		var mu sync.Mutex
		var heardA, heardB [][]string
		a.OnChange(func(tags []string) { mu.Lock(); heardA = append(heardA, tags); mu.Unlock() })
		b.OnChange(func(tags []string) { mu.Lock(); heardB = append(heardB, tags); mu.Unlock() })
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		// A long poll on PostgreSQL, so only the notification can be fast.
		poll := 50 * time.Millisecond
		if db.Dialect == "postgres" {
			poll = time.Hour
		}
		go b.Watch(ctx, other.DB, url, poll)
		time.Sleep(300 * time.Millisecond) // let b read the counter and start listening
		mu.Lock()
		heardB = nil // the first poll's "everything"
		mu.Unlock()
		before := b.Gen()

		for _, tags := range [][]string{{changes.Entry("e1"), changes.Type("post")}, {changes.Media("m1")}} {
			if err := commit(db.DB, func(tx *gorm.DB, after func(func())) error { return a.Changed(tx, after, tags...) }); err != nil {
				t.Fatal(err)
			}
		}
		mu.Lock()
		if fmt.Sprint(heardA) != "[[entry:e1 type:post] [media:m1]]" {
			t.Fatalf("a heard of its own changes: %v", heardA)
		}
		mu.Unlock()
		start := time.Now()
		for b.Gen() < before+2 {
			if time.Since(start) > 3*time.Second {
				t.Fatal("b never heard of a's changes")
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Logf("b heard of the changes after %v", time.Since(start).Round(time.Millisecond))
		mu.Lock()
		if fmt.Sprint(heardB) != "[[entry:e1 type:post] [media:m1]]" {
			t.Fatalf("b heard: %v", heardB)
		}
		mu.Unlock()

		// A rolled-back change is never announced.
		seen := b.Gen()
		commit(db.DB, func(tx *gorm.DB, after func(func())) error {
			a.Changed(tx, after, changes.Entry("e2"))
			return gorm.ErrInvalidData
		})
		time.Sleep(200 * time.Millisecond)
		if b.Gen() != seen {
			t.Fatal("a rolled-back change reached b")
		}

		// Rows missing from the log (pruned while b was away) drop everything.
		cancel()
		time.Sleep(100 * time.Millisecond) // b's watch has stopped
		if err := commit(db.DB, func(tx *gorm.DB, after func(func())) error { return a.Changed(tx, after, changes.Entry("e3")) }); err != nil {
			t.Fatal(err)
		}
		if err := db.Exec("DELETE FROM change_log").Error; err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		heardB = nil
		mu.Unlock()
		go b.Watch(t.Context(), other.DB, url, poll)
		start = time.Now()
		for {
			mu.Lock()
			got := fmt.Sprint(heardB)
			mu.Unlock()
			if got == "[[*]]" {
				break
			}
			if time.Since(start) > 3*time.Second {
				t.Fatalf("b heard %s after the log lost rows, want everything dropped", got)
			}
			time.Sleep(5 * time.Millisecond)
		}
	})
}
