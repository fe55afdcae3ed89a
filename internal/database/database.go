package database

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/gofrs/flock"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/loamcms/cms/migrations"
)

// DB is an open database and the migrations dialect it speaks.
type DB struct {
	*gorm.DB
	Dialect string
	path    string // the SQLite file; "" on PostgreSQL
}

// Open connects to url: "sqlite://PATH" (a relative PATH is taken as it is,
// relative to the working directory) or "postgres://…".
func Open(rawURL string) (*DB, error) {
	switch {
	case strings.HasPrefix(rawURL, "sqlite://"):
		return openSQLite(strings.TrimPrefix(rawURL, "sqlite://"))
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return openPostgres(rawURL)
	default:
		return nil, fmt.Errorf("database: unsupported URL %q (want sqlite://PATH or postgres://…)", Redact(rawURL))
	}
}

func gormConfig() *gorm.Config {
	return &gorm.Config{
		Logger:                 logger.Discard,
		SkipDefaultTransaction: true,
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
		TranslateError:         true,
	}
}

// openSQLite opens the file with WAL (readers never block the writer), a busy
// timeout (writers wait rather than fail), foreign keys on, and IMMEDIATE
// transactions so a transaction that writes takes the lock up front instead
// of failing with SQLITE_BUSY when it upgrades.
func openSQLite(path string) (*DB, error) {
	if path == "" {
		return nil, fmt.Errorf("database: sqlite:// needs a file path")
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return nil, fmt.Errorf("database: %w", err)
		}
	}
	// busy_timeout comes first: the pragmas run in order, and switching a new
	// file to WAL takes a lock that a process starting beside it may hold.
	dsn := "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	db, err := gorm.Open(sqlite.Open(dsn), gormConfig())
	if err != nil {
		return nil, fmt.Errorf("database: open sqlite: %w", err)
	}
	// Keep connections open for concurrent readers (WAL): the default of two
	// idle ones makes a busy server reopen a connection, pragmas and schema
	// read included, for most requests.
	if sqlDB, err := db.DB(); err == nil {
		sqlDB.SetMaxIdleConns(16)
		sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	}
	return &DB{DB: db, Dialect: migrations.SQLite, path: path}, nil
}

func openPostgres(rawURL string) (*DB, error) {
	db, err := gorm.Open(postgres.Open(rawURL), gormConfig())
	if err != nil {
		return nil, fmt.Errorf("database: open postgres %s: %w", Redact(rawURL), err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	sqlDB.SetMaxOpenConns(20)
	sqlDB.SetMaxIdleConns(10)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	return &DB{DB: db, Dialect: migrations.Postgres}, nil
}

// Migrate applies pending migrations and returns the versions applied. On
// PostgreSQL an advisory lock (in migrations) serialises instances; a SQLite
// file has no such lock, so an exclusive lock on a file beside it does the
// same for processes sharing the file.
func (d *DB) Migrate(ctx context.Context) ([]int64, error) {
	sqlDB, err := d.DB.DB()
	if err != nil {
		return nil, err
	}
	var applied []int64
	err = d.MigrationLock(ctx, func() error {
		applied, err = migrations.Up(ctx, sqlDB, d.Dialect)
		return err
	})
	return applied, err
}

// migrationLockKey is the PostgreSQL advisory lock that migrating
// processes hold (an arbitrary constant: "cms mig" in ASCII).
const migrationLockKey = 0x636d73206d6967

// MigrationLock runs fn while no other process migrates the database:
// on PostgreSQL it holds an advisory lock on a connection of its own; on
// SQLite, an exclusive lock on a file beside the database. (River's
// migrator takes no lock of its own, so its migrations run under this too.)
func (d *DB) MigrationLock(ctx context.Context, fn func() error) error {
	if d.path == "" {
		sqlDB, err := d.DB.DB()
		if err != nil {
			return err
		}
		conn, err := sqlDB.Conn(ctx)
		if err != nil {
			return fmt.Errorf("database: lock for migrations: %w", err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", migrationLockKey); err != nil {
			return fmt.Errorf("database: lock for migrations: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLockKey)
		return fn()
	}
	// A file lock, portable to Windows: it goes with the process, so a crash never leaves it held.
	lock := flock.New(d.path + ".migrate-lock")
	if err := lock.Lock(); err != nil {
		return fmt.Errorf("database: lock for migrations: %w", err)
	}
	defer lock.Unlock()
	return fn()
}

// Close releases the connection pool.
func (d *DB) Close() error {
	sqlDB, err := d.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Redact hides the password of a database URL so it can be logged.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.User == nil {
		return rawURL
	}
	return u.Redacted()
}

// LikePattern is a case-insensitive LIKE pattern (use with ESCAPE '\\' and
// LOWER of the column) that matches s anywhere, its % _ and \\ literally.
func LikePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}

// CountCap is where list totals stop counting: a count of matches costs at
// most this many index entries however large the table, and pages beyond
// it are reached by cursor or by narrowing the filters.
const CountCap = 10000

// CountUpTo counts the rows query matches, up to CountCap; capped reports
// that there are more (and n is CountCap). db runs the count.
func CountUpTo(db, query *gorm.DB) (n int64, capped bool, err error) {
	matching := query.Session(&gorm.Session{}).Select("1").Limit(CountCap + 1)
	if err := db.Table("(?) AS matching", matching).Count(&n).Error; err != nil {
		return 0, false, err
	}
	if n > CountCap {
		return CountCap, true, nil
	}
	return n, false, nil
}
