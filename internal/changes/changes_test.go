package changes_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/loamcms/cms/internal/changes"
	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
)

// TestChangesReachOtherInstances: a change announced by one instance moves
// the count of another instance on the same database — on PostgreSQL by
// notification, on SQLite (another process on the same file) by polling.
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
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		// A long poll on PostgreSQL, so only the notification can be fast.
		poll := 50 * time.Millisecond
		if db.Dialect == "postgres" {
			poll = time.Hour
		}
		go b.Watch(ctx, other.DB, url, poll)
		time.Sleep(300 * time.Millisecond) // let b read the counter and start listening
		before := b.Gen()

		if err := db.Transaction(func(tx *gorm.DB) error { return a.Announce(tx) }); err != nil {
			t.Fatal(err)
		}
		a.Bump()
		if a.Gen() != 1 {
			t.Fatalf("a's own count: %d", a.Gen())
		}
		start := time.Now()
		for b.Gen() == before {
			if time.Since(start) > 3*time.Second {
				t.Fatal("b never heard of a's change")
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Logf("b saw the change after %v", time.Since(start).Round(time.Millisecond))

		// A rolled-back change is never announced.
		seen := b.Gen()
		db.Transaction(func(tx *gorm.DB) error {
			a.Announce(tx)
			return gorm.ErrInvalidData
		})
		time.Sleep(200 * time.Millisecond)
		if b.Gen() != seen {
			t.Fatal("a rolled-back change reached b")
		}
	})
}
