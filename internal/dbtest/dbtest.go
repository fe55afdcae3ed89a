package dbtest

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/outbox"
	"github.com/loamcms/cms/migrations"
)

// EnvPostgres names a PostgreSQL server URL (any database on it, e.g.
// postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable) on which tests
// may create and drop databases.
const EnvPostgres = "CMS_TEST_POSTGRES"

// Dialects lists the dialects Each runs on.
var Dialects = []string{migrations.SQLite, migrations.Postgres}

// Each runs fn once per dialect as subtests named "sqlite" and "postgres",
// each with its own fresh database. The PostgreSQL subtest is skipped, saying
// so, when CMS_TEST_POSTGRES is unset, and fails when it is set but unreachable.
func Each(t *testing.T, fn func(t *testing.T, db *database.DB)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(d, func(t *testing.T) { fn(t, Open(t, d)) })
	}
}

// urls remembers the URL each test database was opened from.
var urls sync.Map // *database.DB → string

// URLOf returns the URL db was opened from, to open it again as another
// instance would.
func URLOf(t testing.TB, db *database.DB) string {
	u, ok := urls.Load(db)
	if !ok {
		t.Fatal("dbtest: database not opened by dbtest")
	}
	return u.(string)
}

// Open returns a fresh migrated database of the dialect, closed (and on
// PostgreSQL dropped) when the test ends.
func Open(t testing.TB, dialect string) *database.DB {
	t.Helper()
	url := URL(t, dialect)
	db, err := database.Open(url)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	urls.Store(db, url)
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("dbtest: migrate %s: %v", dialect, err)
	}
	// Services write events and their jobs in their transactions, as in
	// serve: River's tables must exist (jobs run only where a test starts an outbox).
	if err := outbox.Migrate(context.Background(), db); err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	return db
}

// URL returns the URL of a new, empty database of the dialect (not migrated),
// for tests that start the program themselves.
func URL(t testing.TB, dialect string) string {
	t.Helper()
	switch dialect {
	case migrations.SQLite:
		return "sqlite://" + filepath.Join(t.TempDir(), "cms.db")
	case migrations.Postgres:
		return newPostgresDatabase(t)
	default:
		t.Fatalf("dbtest: unknown dialect %q", dialect)
		return ""
	}
}

var (
	adminOnce sync.Once
	admin     *database.DB
	adminErr  error
)

func newPostgresDatabase(t testing.TB) string {
	server := os.Getenv(EnvPostgres)
	if server == "" {
		t.Skipf("PostgreSQL half skipped: set %s to a server URL to run it", EnvPostgres)
	}
	adminOnce.Do(func() {
		admin, adminErr = database.Open(server)
		if adminErr == nil {
			adminErr = admin.Exec("SELECT 1").Error
		}
	})
	if adminErr != nil {
		t.Fatalf("dbtest: %s is set but PostgreSQL is unreachable: %v", EnvPostgres, adminErr)
	}
	name := "cms_test_" + strings.ToLower(rand.Text()[:16])
	if err := admin.Exec("CREATE DATABASE " + name).Error; err != nil {
		t.Fatalf("dbtest: create database: %v", err)
	}
	t.Cleanup(func() {
		if err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)").Error; err != nil {
			t.Logf("dbtest: drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(server)
	if err != nil {
		t.Fatalf("dbtest: %s: %v", EnvPostgres, err)
	}
	u.Path = "/" + name
	return u.String()
}
