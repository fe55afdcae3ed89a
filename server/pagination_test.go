package server

import (
	"fmt"
	"net/url"
	"slices"
	"testing"

	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
)

// TestCursorPagination: walking a list by meta.next gives exactly the
// items, in the order, that walking it by offset gives — under sorts with
// ties and with NULLs (a number field some entries lack, and in previews a
// publication time drafts lack) — and a forged or mismatched cursor is a
// 400, never a 500.
func TestCursorPagination(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		expect(t, n.call(n.admin, "POST", "/api/content-types", map[string]any{"key": "item", "name": "Item", "fields": []map[string]any{
			{"name": "title", "type": "text"}, {"name": "rank", "type": "number"}, {"name": "done", "type": "boolean"}}}), 201, "")
		for i := range 23 {
			data := map[string]any{"title": fmt.Sprintf("Item %02d", i%9), "done": i%2 == 0}
			if i%5 != 0 {
				data["rank"] = i % 4
			}
			n.publish(t, "item", data)
		}
		for i := range 3 {
			expect(t, n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "item", "data": map[string]any{"title": fmt.Sprintf("Draft %d", i)}}), 201, "")
		}
		_, secret := n.token(t, "preview")
		page := func(query string) deliveryList {
			t.Helper()
			r := n.do(request{method: "GET", path: "/api/content/item?" + query, token: secret})
			expect(t, r, 200, "")
			var l deliveryList
			r.json(t, &l)
			return l
		}
		for _, q := range []string{"", "sort=rank", "sort=-rank,title", "sort=title,-rank", "sort=done,-rank", "sort=-published_at",
			"sort=published_at&preview=1", "sort=-published_at&preview=1", "sort=-rank&preview=1"} {
			var byOffset, byCursor []string
			for off := 0; ; off += 4 {
				l := page(fmt.Sprintf("%s&limit=4&offset=%d", q, off))
				for _, it := range l.Data {
					byOffset = append(byOffset, it["id"].(string))
				}
				if len(l.Data) < 4 {
					break
				}
			}
			next := ""
			for range 20 {
				query := q + "&limit=4"
				if next != "" {
					query += "&after=" + url.QueryEscape(next)
				}
				l := page(query)
				for _, it := range l.Data {
					byCursor = append(byCursor, it["id"].(string))
				}
				if next = l.Meta.Next; next == "" {
					break
				}
			}
			want := 23
			if slices.Contains([]string{"sort=published_at&preview=1", "sort=-published_at&preview=1", "sort=-rank&preview=1"}, q) {
				want = 26
			}
			unique := slices.Clone(byCursor)
			slices.Sort(unique)
			if len(slices.Compact(unique)) != want || !slices.Equal(byCursor, byOffset) {
				t.Errorf("%q: by cursor %d items, by offset %d, equal %v", q, len(byCursor), len(byOffset), slices.Equal(byCursor, byOffset))
			}
		}

		// The last page has no next; a cursor belongs to its sort.
		l := page("sort=title&limit=4")
		if l.Meta.Next == "" || l.Meta.Total != 23 {
			t.Fatalf("first page meta: %+v", l.Meta)
		}
		if last := page("sort=title&limit=100"); last.Meta.Next != "" {
			t.Fatalf("the only page has a next: %+v", last.Meta)
		}
		for _, bad := range []string{
			"sort=-title&after=" + url.QueryEscape(l.Meta.Next),
			"sort=title&after=nonsense",
			"sort=title&after=" + url.QueryEscape(l.Meta.Next) + "&offset=4",
			"after=eyJzIjoiIiwidiI6WyJub3QgYSB0aW1lIiwieCJdfQ",       // {"s":"","v":["not a time","x"]}
			"sort=rank&after=eyJzIjoicmFuayIsInYiOlsiYWJjIiwieCJdfQ", // {"s":"rank","v":["abc","x"]}
		} {
			expect(t, n.do(request{method: "GET", path: "/api/content/item?" + bad, token: secret}), 400, "bad_request")
		}
	})
}
