package database_test

import (
	"testing"

	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
)

// TestCountUpTo: exact up to the cap, then the cap and "capped".
func TestCountUpTo(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		if err := db.Exec("CREATE TABLE numbers (n INTEGER NOT NULL)").Error; err != nil {
			t.Fatal(err)
		}
		err := db.Exec("INSERT INTO numbers (n) WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < ?) SELECT n FROM s", database.CountCap+5).Error
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			below  int
			want   int64
			capped bool
		}{{10, 9, false}, {database.CountCap + 1, database.CountCap, false}, {database.CountCap + 2, database.CountCap, true}, {1 << 30, database.CountCap, true}} {
			n, capped, err := database.CountUpTo(db.DB, db.Table("numbers").Where("n < ?", c.below))
			if err != nil || n != c.want || capped != c.capped {
				t.Errorf("n < %d: %d, capped %v, %v; want %d, %v", c.below, n, capped, err, c.want, c.capped)
			}
		}
	})
}
