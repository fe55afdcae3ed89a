package server

import (
	"net/url"
	"strings"
	"testing"

	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
)

// TestFullTextSearch: words of the text, stemmed, not of the markup; the
// admin search and the entry list read the working copies, the delivery
// API only what is published, so a draft's words are never found there;
// and no search string is anything but words.
func TestFullTextSearch(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		live := n.publish(t, "post", map[string]any{"title": "Harbour lights", "body": "<p>The <strong>fishermen</strong> were publishing their catch at dawn.</p>"})
		expect(t, n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "data": map[string]any{"title": "Secret harbour plans"}}), 201, "")
		_, secret := n.token(t, "delivery")
		deliver := func(q string) string {
			r := n.do(request{method: "GET", path: "/api/content/post?fields=slug&search=" + url.QueryEscape(q), token: secret})
			expect(t, r, 200, "")
			return string(r.Body)
		}
		search := func(q string) string {
			r := n.call(n.editor, "GET", "/api/search?q="+url.QueryEscape(q), nil)
			expect(t, r, 200, "")
			return string(r.Body)
		}

		if body := search("harbour"); !strings.Contains(body, "harbour-lights") || !strings.Contains(body, "secret-harbour-plans") ||
			!strings.Contains(body, `\u003cmark\u003eHarbour\u003c/mark\u003e lights`) {
			t.Fatalf("admin search: %s", body)
		}
		if body := search("published"); !strings.Contains(body, "harbour-lights") { // publishing ~ published: stems
			t.Fatalf("stemmed search: %s", body)
		}
		if body := search("strong"); strings.Contains(body, "harbour-lights") {
			t.Fatalf("markup was indexed: %s", body)
		}
		if body := string(n.call(n.editor, "GET", "/api/entries?search=secret", nil).Body); !strings.Contains(body, "secret-harbour-plans") || strings.Contains(body, `"slug":"harbour-lights"`) {
			t.Fatalf("entry list search: %s", body)
		}

		// The delivery API finds only published words.
		if body := deliver("harbour"); !strings.Contains(body, "harbour-lights") || strings.Contains(body, "secret") {
			t.Fatalf("delivery search: %s", body)
		}
		if body := deliver("secret plans"); strings.Contains(body, "slug") {
			t.Fatalf("a draft's words were found on the delivery API: %s", body)
		}
		e := entryOf(t, n.call(n.editor, "GET", "/api/entries/"+live, nil))
		expect(t, n.call(n.editor, "PATCH", "/api/entries/"+live, map[string]any{"version": e.Version, "data": map[string]any{"summary": "A lighthouse keeper"}}), 200, "")
		if body := deliver("lighthouse"); strings.Contains(body, "slug") {
			t.Fatalf("an unpublished edit's words were found on the delivery API: %s", body)
		}
		if body := search("lighthouse"); !strings.Contains(body, "harbour-lights") {
			t.Fatalf("the working copy's new words: %s", body)
		}

		// Operators, quotes and junk are words (or nothing), never syntax or a 500.
		for _, q := range []string{`harbour OR secret`, `"harbour`, `harbour"`, `NEAR(harbour secret)`, `harbour*`, `-harbour`, `title:harbour`,
			`'; DROP TABLE entries; --`, `!!!`, `&|!():*`, strings.Repeat("x", 10000), "ünïcödé 東京"} {
			for _, path := range []string{"/api/search?q=" + url.QueryEscape(q), "/api/entries?search=" + url.QueryEscape(q)} {
				if r := n.call(n.editor, "GET", path, nil); r.Status != 200 {
					t.Errorf("%s: %d %s", path, r.Status, r.Body)
				}
			}
			if r := n.do(request{method: "GET", path: "/api/content/post?search=" + url.QueryEscape(q), token: secret}); r.Status != 200 {
				t.Errorf("delivery %q: %d %s", q, r.Status, r.Body)
			}
		}
		expect(t, n.call(n.editor, "GET", "/api/search?q="+url.QueryEscape(strings.Repeat("word ", 2000)), nil), 400, "bad_request")
		expect(t, n.call(n.editor, "GET", "/api/search?q=", nil), 400, "bad_request")
		expect(t, n.call(n.editor, "GET", "/api/search?q=a%00b", nil), 400, "bad_request")
	})
}
