package migrations

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// Dialects this package has migrations for.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// provider builds a goose provider for dialect. On PostgreSQL a session-level
// advisory lock makes concurrent starts of several instances safe: one
// migrates, the others wait and then find nothing to do. SQLite serialises
// writers itself.
func provider(db *sql.DB, dialect string) (*goose.Provider, error) {
	sub, err := fs.Sub(files, dialect)
	if err != nil {
		return nil, err
	}
	switch dialect {
	case SQLite:
		return goose.NewProvider(goose.DialectSQLite3, db, sub)
	case Postgres:
		// Poll the lock every second (goose's default is 5 s) for up to 5 minutes.
		locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
		if err != nil {
			return nil, err
		}
		return goose.NewProvider(goose.DialectPostgres, db, sub, goose.WithSessionLocker(locker))
	default:
		return nil, fmt.Errorf("migrations: unknown dialect %q", dialect)
	}
}

// Up applies every pending migration and returns the versions it applied.
func Up(ctx context.Context, db *sql.DB, dialect string) ([]int64, error) {
	p, err := provider(db, dialect)
	if err != nil {
		return nil, err
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	applied := make([]int64, 0, len(results))
	for _, r := range results {
		applied = append(applied, r.Source.Version)
	}
	return applied, nil
}

// Status returns the current and the newest available schema version.
func Status(ctx context.Context, db *sql.DB, dialect string) (current, latest int64, err error) {
	p, err := provider(db, dialect)
	if err != nil {
		return 0, 0, err
	}
	return p.GetVersions(ctx)
}
