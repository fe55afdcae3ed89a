package changes_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/loamcms/cms/internal/changes"
	"github.com/loamcms/cms/internal/dbtest"
	"github.com/loamcms/cms/migrations"
)

// TestChangesReachOtherInstances: a change on one instance's feed moves the
// count of another listening on the same PostgreSQL database.
func TestChangesReachOtherInstances(t *testing.T) {
	db := dbtest.Open(t, migrations.Postgres)
	sqlDB, err := db.DB.DB()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, b := changes.Postgres(sqlDB, log), changes.Postgres(sqlDB, log)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go b.Listen(ctx, dbtest.URLOf(t, db))
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			if ok() {
				return
			}
		}
		t.Fatal(what)
	}
	waitFor("b never started listening", func() bool { return b.Gen() > 0 })
	before := b.Gen()
	a.Changed(t.Context())
	if a.Gen() != 1 {
		t.Fatalf("a's own count: %d", a.Gen())
	}
	waitFor("b never heard of a's change", func() bool { return b.Gen() > before })

	local := changes.Local()
	local.Changed(t.Context())
	if local.Gen() != 1 {
		t.Fatalf("local count: %d", local.Gen())
	}
}
