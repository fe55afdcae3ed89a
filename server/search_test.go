package server

import (
	"cmp"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
	"github.com/loamcms/cms/internal/dialect"
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

// TestSearchRankAndLimit: /api/search answers the best matches first, with
// their ranks in descending order, and limit= of them (the index ranks and
// limits the matches before the entries are read).
func TestSearchRankAndLimit(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		filler := strings.Repeat("the river ran past the mill and the meadow ", 30)
		for _, p := range []struct{ slug, title, body string }{
			{"once-long", "Notes", "<p>" + filler + "one kayak " + filler + "</p>"},
			{"thrice-short", "Kayak kayak", "<p>A kayak.</p>"},
			{"once-short", "Kayak", "<p>A short note.</p>"},
			{"none", "Canoe", "<p>No match here.</p>"},
		} {
			r := n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "slug": p.slug, "data": map[string]any{"title": p.title, "body": p.body}})
			expect(t, r, 201, "")
		}
		hits := func(q string, limit int) (slugs []string, ranks []float64) {
			r := n.call(n.editor, "GET", "/api/search?q="+url.QueryEscape(q)+"&limit="+strconv.Itoa(limit), nil)
			expect(t, r, 200, "")
			var out struct {
				Data []struct {
					Entry struct {
						Slug string `json:"slug"`
					} `json:"entry"`
					Rank float64 `json:"rank"`
				} `json:"data"`
			}
			if err := json.Unmarshal(r.Body, &out); err != nil {
				t.Fatal(err)
			}
			for _, h := range out.Data {
				slugs, ranks = append(slugs, h.Entry.Slug), append(ranks, h.Rank)
			}
			return slugs, ranks
		}
		slugs, ranks := hits("kayak", 20)
		// (PostgreSQL's ts_rank does not weigh the text's length: the two
		// single mentions tie there.)
		if len(slugs) != 3 || slugs[0] != "thrice-short" || db.Dialect == "sqlite" && slugs[2] != "once-long" {
			t.Fatalf("kayak: %v %v, want thrice-short first (and on SQLite once-long last) of 3", slugs, ranks)
		}
		if !slices.IsSortedFunc(ranks, func(a, b float64) int { return cmp.Compare(b, a) }) || ranks[2] <= 0 || ranks[0] == ranks[1] {
			t.Errorf("ranks %v: want positive and descending", ranks)
		}
		if top, _ := hits("kayak", 2); len(top) != 2 || top[0] != "thrice-short" {
			t.Errorf("limit=2: %v, want thrice-short and one more", top)
		}
		// Only the newest RankCandidates matches are ranked.
		defer func(n int) { dialect.RankCandidates = n }(dialect.RankCandidates)
		dialect.RankCandidates = 2
		if slugs, _ := hits("kayak", 20); !slices.Equal(slugs, []string{"thrice-short", "once-short"}) {
			t.Errorf("the newest 2 matches ranked: %v, want thrice-short, once-short", slugs)
		}
	})
}
