package server

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loamcms/cms/content"
	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
)

// TestBadInputNeverFails500 sends what once made PostgreSQL fail: every
// answer must be a 4xx with the contract's body.
func TestBadInputNeverFails500(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		expect(t, n.call(n.admin, "POST", "/api/content-types", map[string]any{"key": "item", "name": "Item", "public": true, "slug_field": "title",
			"fields": []map[string]any{{"name": "title", "type": "text"}, {"name": "rank", "type": "text"}, {"name": "ok", "type": "boolean"}, {"name": "secret", "type": "text"}}}), 201, "")
		n.publish(t, "item", map[string]any{"title": "First", "rank": "abc", "ok": true, "secret": "s3cret"})
		path := entryOf(t, n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "data": map[string]any{"title": "x"}})).ID

		// The field changes type after publishing; filters and sorts on it still answer.
		expect(t, n.call(n.admin, "PATCH", "/api/content-types/item", map[string]any{"fields": []map[string]any{
			{"name": "title", "type": "text"}, {"name": "rank", "type": "number"}, {"name": "ok", "type": "boolean"}}}), 200, "")
		expect(t, n.do(request{method: "GET", path: "/api/content/item?filter[rank][gt]=1"}), 200, "")
		expect(t, n.do(request{method: "GET", path: "/api/content/item?sort=rank"}), 200, "")
		// A removed field can no longer be searched.
		r := n.do(request{method: "GET", path: "/api/content/item?search=s3cret"})
		if !strings.Contains(string(r.Body), `"total":0`) {
			t.Errorf("a removed field is still searchable: %s", r.Body)
		}

		many := strings.TrimSuffix(strings.Repeat("a,", 101), ",")
		for _, q := range []string{
			"filter[rank][contains]=5", "filter[ok][contains]=true", "filter[published_at][contains]=2026-01-01T00:00:00Z",
			"filter[title][in]=" + many, "search=" + strings.Repeat("w+", 11), "sort=title,title,title,title,title,title",
			"filter[title]=a%00b", "search=%00", "locale=e%00n",
		} {
			if r := n.do(request{method: "GET", path: "/api/content/item?" + q}); r.Status != 400 || r.errorCode() != "bad_request" {
				t.Errorf("%s: %d %s", q, r.Status, r.Body)
			}
		}
		expect(t, n.call(n.editor, "GET", "/api/entries?search=%00", nil), 400, "bad_request")
		// Invalid UTF-8 anywhere in the URL, anonymously or not (a 500 on PostgreSQL before).
		for _, path := range []string{"/api/content/%FF", "/api/content/item/%C3%28", "/api/content/item?locale=%FF", "/api/content/item?filter[title]=%FE",
			"/media/%FF/x.png"} {
			expect(t, n.do(request{method: "GET", path: path}), 400, "bad_request")
		}
		expect(t, n.call(n.editor, "GET", "/api/entries?type=%FF", nil), 400, "bad_request")
		expect(t, n.call(n.editor, "GET", "/api/entries/%FF", nil), 400, "bad_request")
		expect(t, n.call(n.editor, "GET", "/api/content/item?search=caf%C3%A9", nil), 200, "") // valid UTF-8 passes
		expect(t, n.call(n.editor, "GET", "/api/entries/"+path+"/revisions/3000000000", nil), 400, "bad_request")
		expect(t, n.call(n.editor, "POST", "/api/entries", `{"type":"post","data":{"title":"nul \u0000 here"}}`), 400, "bad_request")
		expect(t, n.call(n.editor, "POST", "/api/entries/"+path+"/comments", `{"body":"\u0000"}`), 400, "bad_request")
	})
}

func TestIncludeRespectsPublicTypes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		cat := n.publish(t, "category", map[string]any{"name": "Private category"})
		n.publish(t, "post", map[string]any{"title": "Public post", "category": cat})
		expect(t, n.call(n.admin, "PATCH", "/api/content-types/post", map[string]any{"public": true}), 200, "")
		expect(t, n.do(request{method: "GET", path: "/api/content/post"}), 200, "")
		expect(t, n.do(request{method: "GET", path: "/api/content/post?include=category"}), 401, "unauthorized")
		expect(t, n.do(request{method: "GET", path: "/api/content/category"}), 401, "unauthorized")
		_, token := n.token(t, "delivery")
		r := n.do(request{method: "GET", path: "/api/content/post?include=category", token: token})
		expect(t, r, 200, "")
		if !strings.Contains(string(r.Body), "Private category") {
			t.Fatalf("with a token the category is embedded: %s", r.Body)
		}
		// A type deleted and made again private is not served from the cache.
		expect(t, n.call(n.admin, "POST", "/api/content-types", map[string]any{"key": "tmp", "name": "Tmp", "public": true, "fields": []map[string]any{{"name": "a", "type": "text"}}}), 201, "")
		expect(t, n.do(request{method: "GET", path: "/api/content/tmp"}), 200, "")
		expect(t, n.call(n.admin, "DELETE", "/api/content-types/tmp", nil), 204, "")
		expect(t, n.do(request{method: "GET", path: "/api/content/tmp"}), 404, "not_found")
		expect(t, n.call(n.admin, "POST", "/api/content-types", map[string]any{"key": "tmp", "name": "Tmp", "fields": []map[string]any{{"name": "a", "type": "text"}}}), 201, "")
		expect(t, n.do(request{method: "GET", path: "/api/content/tmp"}), 401, "unauthorized")
	})
}

func TestScheduleWithATakenSlug(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		a := n.publish(t, "post", map[string]any{"title": "Dup"})
		e := entryOf(t, n.call(n.editor, "GET", "/api/entries/"+a, nil))
		expect(t, n.call(n.editor, "PATCH", "/api/entries/"+a, map[string]any{"version": e.Version, "slug": "dup-old"}), 200, "")
		// B takes the slug A still holds on the delivery API: scheduling says so at once.
		b := n.approved(t, "Dup")
		bEntry := entryOf(t, n.call(n.editor, "GET", b, nil))
		if bEntry.Slug != "dup" {
			t.Fatalf("slug %q", bEntry.Slug)
		}
		later := time.Now().Add(200 * time.Millisecond).Format(time.RFC3339Nano)
		expect(t, n.call(n.reviewer, "POST", b+"/publish", map[string]any{"at": later}), 409, "conflict")

		// If the slug is taken after scheduling, the scheduler hands the entry
		// back (approved, with the reason) and carries on with the others.
		c := n.approved(t, "Fine one")
		d := n.approved(t, "Clashes later")
		expect(t, n.call(n.reviewer, "POST", d+"/publish", map[string]any{"at": later}), 200, "")
		expect(t, n.call(n.reviewer, "POST", c+"/publish", map[string]any{"at": later}), 200, "")
		other := n.approved(t, "Another")
		oEntry := entryOf(t, n.call(n.editor, "GET", other, nil))
		expect(t, n.call(n.editor, "PATCH", other, map[string]any{"version": oEntry.Version, "slug": "clashes-later"}), 409, "conflict")
		// Publish something under d's slug in another way: rename a published entry's snapshot holder.
		x := n.publish(t, "post", map[string]any{"title": "Holder"})
		db.Exec("UPDATE published_entries SET slug = 'clashes-later' WHERE entry_id = ?", x)
		time.Sleep(300 * time.Millisecond)
		count, err := n.srv.content.PublishDue(t.Context())
		if err != nil || count != 1 {
			t.Fatalf("published %d, %v", count, err)
		}
		dEntry := entryOf(t, n.call(n.editor, "GET", d, nil))
		if dEntry.Status != "approved" || dEntry.PublishAt != nil {
			t.Fatalf("the clashing entry: %+v", dEntry)
		}
		r := n.call(n.editor, "GET", d+"/history", nil)
		var hist []content.EventView
		r.json(t, &hist)
		if last := hist[len(hist)-1]; last.Action != "schedule_failed" || !strings.Contains(last.Comment, "slug") {
			t.Fatalf("history: %+v", last)
		}
		if cEntry := entryOf(t, n.call(n.editor, "GET", c, nil)); cEntry.Status != "published" {
			t.Fatalf("the other entry: %s", cEntry.Status)
		}
	})
}

// TestTypeSavesAndIndexes: saving types never fails because two of them
// build the same filter index at once, and publishing does not wait for it.
func TestTypeSavesAndIndexes(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		counts := parallel(4, func(i int) int {
			return n.call(n.admin, "POST", "/api/content-types", map[string]any{"key": fmt.Sprintf("kind_%d", i), "name": "Kind",
				"fields": []map[string]any{{"name": "shared_field", "type": "text"}, {"name": "score", "type": "number"}}}).Status
		})
		if counts[201] != 4 {
			t.Fatalf("4 types with the same field names at once: %v", counts)
		}
		// They are built in the background, once.
		var indexes int64
		for deadline := time.Now().Add(10 * time.Second); indexes != 2 && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if db.Dialect == "postgres" {
				db.Raw("SELECT COUNT(*) FROM pg_indexes WHERE indexname IN ('pe_f_shared_field_text', 'pe_f_score_num')").Scan(&indexes)
			} else {
				db.Raw("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name IN ('pe_f_shared_field_text', 'pe_f_score_num')").Scan(&indexes)
			}
		}
		if indexes != 2 {
			t.Fatalf("%d of the 2 filter indexes exist", indexes)
		}
	})
}

// TestTextBecomingRichTextIsSanitised: values stored as plain text are
// sanitised once the field becomes rich text, in snapshots and working copies.
func TestTextBecomingRichTextIsSanitised(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		expect(t, n.call(n.admin, "POST", "/api/content-types", map[string]any{"key": "note", "name": "Note", "public": true, "slug_field": "title",
			"fields": []map[string]any{{"name": "title", "type": "text"}, {"name": "text", "type": "text"}}}), 201, "")
		id := n.publish(t, "note", map[string]any{"title": "Hi", "text": `<img src=x onerror="alert(1)">hello`})
		expect(t, n.call(n.admin, "PATCH", "/api/content-types/note", map[string]any{"fields": []map[string]any{
			{"name": "title", "type": "text"}, {"name": "text", "type": "richtext"}}}), 200, "")
		for _, r := range []*response{n.do(request{method: "GET", path: "/api/content/note/hi"}), n.call(n.editor, "GET", "/api/entries/"+id, nil)} {
			if strings.Contains(string(r.Body), "onerror") || !strings.Contains(string(r.Body), "hello") {
				t.Fatalf("not sanitised: %s", r.Body)
			}
		}
	})
}
