package content

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/loamcms/cms/delivery"
	"github.com/loamcms/cms/models"
)

// Delivery filters and sorts read fields out of the published snapshots'
// JSON. Without an index each such query reads every snapshot of the type
// (a COUNT over 10,000 posts took 18 ms on SQLite), so every filterable field
// name gets an index on (type, the field's expression, published_at): the
// same expression fieldExpr writes, which the database can then match. One
// index serves every type with a field of that name and kind.
//
// Indexes are built in the background after a type is saved, outside any
// transaction: on PostgreSQL with CREATE INDEX CONCURRENTLY, so publishing
// never waits for them. Two concurrent builds on one table deadlock (each
// waits for the other's transaction to end), so builders take turns through
// one advisory lock, and wait for it in Go between tries rather than in a
// statement (a statement waiting for the lock would itself hold up the build
// in progress). A failed build is logged and retried at the next start or
// type save: filters still work without the index, only slower.

// indexName names the index of a field expression.
func indexName(f models.Field) string { return "pe_f_" + f.Name + "_" + kindOf(f) }

// EnsureIndexes builds the missing indexes of every content type's
// filterable fields. `serve` calls it at start.
func (s *Service) EnsureIndexes(ctx context.Context) error {
	var types []models.ContentType
	if err := s.db.WithContext(ctx).Find(&types).Error; err != nil {
		return err
	}
	for i := range types {
		if err := s.ensureIndexes(ctx, &types[i]); err != nil {
			return err
		}
	}
	return nil
}

// buildIndexesLater builds a saved type's indexes in the background,
// logging a failure.
func (s *Service) buildIndexesLater(ctx context.Context, t *models.ContentType) {
	ctx = context.WithoutCancel(ctx)
	go func() {
		if err := s.ensureIndexes(ctx, t); err != nil {
			s.opt.Log.Warn("building filter indexes", "type", t.Key, "error", err)
		}
	}()
}

func (s *Service) ensureIndexes(ctx context.Context, t *models.ContentType) error {
	for _, f := range t.Fields {
		// The name was checked against namePattern when the type was saved,
		// and is again here, so writing it into DDL is safe.
		if !f.Filterable() || f.Many || !namePattern.MatchString(f.Name) {
			continue
		}
		if err := s.buildIndex(ctx, f); err != nil {
			return fmt.Errorf("index for field %s: %w", f.Name, err)
		}
	}
	return nil
}

func (s *Service) buildIndex(ctx context.Context, f models.Field) error {
	name := indexName(f)
	expr := delivery.FieldExpr(s.opt.Dialect, "attrs", f)
	if s.opt.Dialect != "postgres" {
		return s.db.WithContext(ctx).Exec(fmt.Sprintf(
			"CREATE INDEX IF NOT EXISTS %s ON published_entries (type, %s, published_at)", name, expr)).Error
	}
	// One session for the advisory lock, the build and the unlock.
	return s.db.WithContext(ctx).Connection(func(conn *gorm.DB) error {
		for tries := 0; ; tries++ {
			var locked bool
			if err := conn.Raw("SELECT pg_try_advisory_lock(hashtext('cms_filter_indexes'))").Scan(&locked).Error; err != nil {
				return err
			}
			if locked {
				break
			}
			if tries == 600 {
				return fmt.Errorf("another instance kept the index lock for a minute")
			}
			time.Sleep(100 * time.Millisecond)
		}
		defer conn.Exec("SELECT pg_advisory_unlock(hashtext('cms_filter_indexes'))")
		// A build that was interrupted leaves an invalid index behind: drop it first.
		var invalid int64
		err := conn.Raw("SELECT COUNT(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = ? AND NOT i.indisvalid", name).
			Scan(&invalid).Error
		if err != nil {
			return err
		}
		if invalid > 0 {
			if err := conn.Exec("DROP INDEX CONCURRENTLY IF EXISTS " + name).Error; err != nil {
				return err
			}
		}
		return conn.Exec(fmt.Sprintf(
			"CREATE INDEX CONCURRENTLY IF NOT EXISTS %s ON published_entries (type, %s, published_at)", name, expr)).Error
	})
}

func kindOf(f models.Field) string {
	switch f.Type {
	case models.FieldNumber, models.FieldInteger:
		return "num"
	case models.FieldBoolean:
		return "bool"
	}
	return "text"
}
