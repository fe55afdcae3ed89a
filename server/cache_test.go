package server

import (
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
)

// TestInvalidationMatchesTheChange: publishing a new post leaves every
// other post's cached answer alone; the lists it may extend keep being
// served, stale, to a burst of readers while exactly one recomputation
// runs, and show the post as soon as it is done; a republished or
// unpublished entry is never served from the cache again.
func TestInvalidationMatchesTheChange(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		a := n.publish(t, "post", map[string]any{"title": "First post"})
		n.publish(t, "post", map[string]any{"title": "Second post"})
		_, secret := n.token(t, "delivery")
		get := func(path string) string {
			r := n.do(request{method: "GET", path: path, token: secret})
			expect(t, r, 200, "")
			return string(r.Body)
		}
		var counts, reads atomic.Int64 // list counts, and reads of snapshots
		watch := func(tx *gorm.DB) {
			sql := tx.Statement.SQL.String()
			if strings.Contains(sql, "published_entries") {
				reads.Add(1)
				if strings.Contains(sql, "count(") {
					counts.Add(1)
				}
			}
		}
		db.Callback().Query().After("gorm:query").Register("test:watch", watch)
		db.Callback().Row().After("gorm:row").Register("test:watch", watch)
		get("/api/content/post/first-post")
		get("/api/content/post/second-post")
		get("/api/content/post")

		n.publish(t, "post", map[string]any{"title": "Third post"})
		reads.Store(0)
		counts.Store(0)
		if body := get("/api/content/post/first-post"); !strings.Contains(body, "First post") || reads.Load() != 0 {
			t.Fatalf("another post's answer was recomputed (%d reads): %s", reads.Load(), body)
		}
		var wg sync.WaitGroup
		var stale atomic.Int64
		for range 40 {
			wg.Go(func() {
				if !strings.Contains(get("/api/content/post"), "third-post") {
					stale.Add(1)
				}
			})
		}
		wg.Wait()
		start := time.Now()
		for !strings.Contains(get("/api/content/post"), "third-post") {
			if time.Since(start) > time.Second {
				t.Fatal("the list never showed the new post")
			}
			time.Sleep(2 * time.Millisecond)
		}
		if counts.Load() != 1 {
			t.Errorf("%d recomputations of the list for 41+ readers, want 1", counts.Load())
		}
		t.Logf("%d of 40 readers got the previous list while it was recomputed", stale.Load())

		// A republished entry: its new words at once.
		e := entryOf(t, n.call(n.editor, "GET", "/api/entries/"+a, nil))
		expect(t, n.call(n.editor, "PATCH", "/api/entries/"+a, map[string]any{"version": e.Version, "data": map[string]any{"title": "First post, corrected"}}), 200, "")
		expect(t, n.call(n.editor, "POST", "/api/entries/"+a+"/submit", nil), 200, "")
		expect(t, n.call(n.reviewer, "POST", "/api/entries/"+a+"/approve", nil), 200, "")
		expect(t, n.call(n.reviewer, "POST", "/api/entries/"+a+"/publish", nil), 200, "")
		if body := get("/api/content/post/first-post"); !strings.Contains(body, "corrected") {
			t.Fatalf("the republished post was served from the cache: %s", body)
		}
		// An unpublished one: gone at once from the lists that showed it.
		get("/api/content/post")
		expect(t, n.call(n.reviewer, "POST", "/api/entries/"+a+"/unpublish", nil), 200, "")
		if body := get("/api/content/post"); strings.Contains(body, "first-post") {
			t.Fatalf("the unpublished post was served from the cache: %s", body)
		}
	})
}
