package server

import (
	"fmt"
	"strings"
	"testing"

	"github.com/loamcms/cms/content"
	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
)

// TestTranslationsAndFallback: translations share a document; the
// delivery API answers each document in the first published locale of
// the reader's chain, relations included, and changes as soon as a better
// translation is published or one is taken down.
func TestTranslationsAndFallback(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		expect(t, n.call(n.admin, "PUT", "/api/locales", map[string]any{"default": "en", "locales": []map[string]any{
			{"code": "en"}, {"code": "fr", "fallback": "en"}, {"code": "fr-CA", "fallback": "fr"}}}), 200, "")
		translate := func(of, locale string, data map[string]any) string {
			t.Helper()
			r := n.call(n.editor, "POST", "/api/entries", map[string]any{"type": typeOf(t, n, of), "locale": locale, "translation_of": of, "data": data})
			expect(t, r, 201, "")
			return entryOf(t, r).ID
		}
		publish := func(id string) {
			t.Helper()
			expect(t, n.call(n.editor, "POST", "/api/entries/"+id+"/submit", nil), 200, "")
			expect(t, n.call(n.reviewer, "POST", "/api/entries/"+id+"/approve", nil), 200, "")
			expect(t, n.call(n.reviewer, "POST", "/api/entries/"+id+"/publish", nil), 200, "")
		}
		cat := n.publish(t, "category", map[string]any{"name": "News"})
		publish(translate(cat, "fr", map[string]any{"name": "Actualités"}))
		post := n.publish(t, "post", map[string]any{"title": "Hello", "category": cat})
		fr := translate(post, "fr", map[string]any{"title": "Bonjour", "category": cat})
		publish(fr)

		// One per locale; a translation of a translation joins the same document.
		expect(t, n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "locale": "fr", "translation_of": post, "data": map[string]any{"title": "Encore"}}), 409, "conflict")
		expect(t, n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "locale": "fr-CA", "translation_of": cat, "data": map[string]any{"title": "x"}}), 422, "validation_failed")
		expect(t, n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "locale": "fr-CA", "translation_of": "01a23f16-e259-74d2-9e08-4a3931ebf52a", "data": map[string]any{"title": "x"}}), 422, "validation_failed")
		expect(t, n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "locale": "xx-YY-ZZ!", "data": map[string]any{"title": "x"}}), 422, "validation_failed")
		ca := translate(fr, "fr-CA", map[string]any{"title": "Allô", "category": cat})
		if e := entryOf(t, n.call(n.editor, "GET", "/api/entries/"+post, nil)); len(e.Translations) != 2 {
			t.Fatalf("translations of the post: %+v", e.Translations)
		}

		_, secret := n.token(t, "delivery")
		get := func(path string) *response {
			t.Helper()
			r := n.do(request{method: "GET", path: path, token: secret})
			expect(t, r, 200, "")
			return r
		}
		body := func(path string) string { return string(get(path).Body) }

		// fr-CA is a draft: fr answers, and its category is the French one.
		r := get("/api/content/post?locale=fr-CA&include=category")
		if b := string(r.Body); !strings.Contains(b, `"locale":"fr"`) || !strings.Contains(b, "Bonjour") || !strings.Contains(b, "Actualités") ||
			strings.Contains(b, "Hello") || strings.Contains(b, "Allô") || !strings.Contains(b, `"total":1`) {
			t.Fatalf("fr-CA list: %s", b)
		}
		if r.Header.Get("Content-Language") != "fr-CA" {
			t.Errorf("list Content-Language %q", r.Header.Get("Content-Language"))
		}
		if b := body("/api/content/post?locale=fr-CA&fallback=false"); !strings.Contains(b, `"total":0`) {
			t.Fatalf("without fallback: %s", b)
		}
		if get("/api/content/post?locale=fr").Header.Get("ETag") == get("/api/content/post?locale=en").Header.Get("ETag") {
			t.Error("the same ETag in two locales")
		}
		// By slug: a slug of any translation finds the document in the best locale.
		r = get("/api/content/post/hello?locale=fr")
		if b := string(r.Body); !strings.Contains(b, `"slug":"bonjour"`) || r.Header.Get("Content-Language") != "fr" {
			t.Fatalf("hello in fr: %s %v", b, r.Header)
		}
		// en falls back to nothing: the French slug is not an English one.
		expect(t, n.do(request{method: "GET", path: "/api/content/post/bonjour?locale=en", token: secret}), 404, "not_found")
		if b := body("/api/content/post/bonjour?locale=fr-CA"); !strings.Contains(b, "Bonjour") {
			t.Fatalf("bonjour in fr-CA: %s", b)
		}

		// A better translation published: at once, also where it was cached.
		body("/api/content/post/hello?locale=fr-CA")
		publish(ca)
		if b := body("/api/content/post/hello?locale=fr-CA"); !strings.Contains(b, "Allô") {
			t.Fatalf("after publishing fr-CA: %s", b)
		}
		// One taken down: the next best, at once.
		expect(t, n.call(n.reviewer, "POST", "/api/entries/"+ca+"/unpublish", nil), 200, "")
		if b := body("/api/content/post/hello?locale=fr-CA"); !strings.Contains(b, "Bonjour") {
			t.Fatalf("after unpublishing fr-CA: %s", b)
		}
		// Deleting one translation leaves the others.
		expect(t, n.call(n.editor, "DELETE", "/api/entries/"+ca, nil), 204, "")
		if e := entryOf(t, n.call(n.editor, "GET", "/api/entries/"+post, nil)); len(e.Translations) != 1 || e.Translations[0].ID != fr {
			t.Fatalf("after deleting fr-CA: %+v", e.Translations)
		}
		if b := body("/api/content/post/hello?locale=fr-CA"); !strings.Contains(b, "Bonjour") {
			t.Fatalf("after deleting fr-CA: %s", b)
		}
	})
}

func typeOf(t *testing.T, n *newsroom, id string) string {
	return entryOf(t, n.call(n.editor, "GET", "/api/entries/"+id, nil)).Type
}

// TestOutdatedTranslationsAndLocaleFilter: a translation is outdated once
// its source's text is revised after it (a workflow step is not a
// revision), and up to date again once it is revised itself; the admin
// list filters by a configured locale and refuses other codes.
func TestOutdatedTranslationsAndLocaleFilter(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		expect(t, n.call(n.admin, "PUT", "/api/locales", map[string]any{"default": "en", "locales": []map[string]any{{"code": "en"}, {"code": "fr", "fallback": "en"}}}), 200, "")
		post := entryOf(t, n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "data": map[string]any{"title": "Hello"}}))
		fr := entryOf(t, n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "locale": "fr", "translation_of": post.ID, "data": map[string]any{"title": "Bonjour"}}))
		get := func(id string) content.EntryView {
			t.Helper()
			r := n.call(n.editor, "GET", "/api/entries/"+id, nil)
			expect(t, r, 200, "")
			return entryOf(t, r)
		}
		state := func(when string, wantOutdated bool) {
			t.Helper()
			src, tr := get(post.ID), get(fr.ID)
			if len(src.Translations) != 1 || len(tr.Translations) != 1 {
				t.Fatalf("%s: translations %+v / %+v", when, src.Translations, tr.Translations)
			}
			if tr.Outdated != wantOutdated || src.Translations[0].Outdated != wantOutdated || src.Outdated || tr.Translations[0].Outdated {
				t.Errorf("%s: fr outdated %v (seen from en %v), want %v; en outdated %v (seen from fr %v)", when, tr.Outdated, src.Translations[0].Outdated, wantOutdated, src.Outdated, tr.Translations[0].Outdated)
			}
			if !tr.Translations[0].Source || src.Translations[0].Source || tr.RevisedAt.IsZero() || src.Translations[0].RevisedAt != tr.RevisedAt {
				t.Errorf("%s: source/revised_at: %+v / %+v (fr revised %v)", when, src.Translations, tr.Translations, tr.RevisedAt)
			}
		}
		state("just translated", false)
		expect(t, n.call(n.editor, "POST", "/api/entries/"+post.ID+"/submit", nil), 200, "")
		expect(t, n.call(n.editor, "POST", "/api/entries/"+post.ID+"/withdraw", nil), 200, "")
		state("source submitted and withdrawn", false)
		cur := get(post.ID)
		expect(t, n.call(n.editor, "PATCH", "/api/entries/"+post.ID, map[string]any{"version": cur.Version, "data": map[string]any{"title": "Hello again"}}), 200, "")
		state("source revised", true)
		cur = get(fr.ID)
		expect(t, n.call(n.editor, "PATCH", "/api/entries/"+fr.ID, map[string]any{"version": cur.Version, "data": map[string]any{"title": "Re-bonjour"}}), 200, "")
		state("translation revised", false)

		var list struct{ Data []content.EntryView }
		r := n.call(n.editor, "GET", "/api/entries?type=post&locale=fr", nil)
		expect(t, r, 200, "")
		r.json(t, &list)
		if len(list.Data) != 1 || list.Data[0].ID != fr.ID || !strings.Contains(string(r.Body), `"total":1`) {
			t.Errorf("locale=fr: %s", r.Body)
		}
		expect(t, n.call(n.editor, "GET", "/api/entries?locale=de", nil), 400, "bad_request")
		expect(t, n.call(n.editor, "GET", "/api/entries?locale=FR", nil), 400, "bad_request")
		expect(t, n.call(n.editor, "GET", "/api/entries?locale=%00", nil), 400, "bad_request")
	})
}

// TestFallbackTotal: a list with a fallback counts each document once, in
// whichever locale answers, with or without a filter.
func TestFallbackTotal(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		expect(t, n.call(n.admin, "PUT", "/api/locales", map[string]any{"default": "en", "locales": []map[string]any{{"code": "en"}, {"code": "fr", "fallback": "en"}}}), 200, "")
		n.publish(t, "post", map[string]any{"title": "Only English"})
		both := n.publish(t, "post", map[string]any{"title": "Both"})
		n.publishNew(t, map[string]any{"type": "post", "locale": "fr", "translation_of": both, "data": map[string]any{"title": "Les deux"}})
		n.publishNew(t, map[string]any{"type": "post", "locale": "fr", "data": map[string]any{"title": "Seulement français"}})
		expect(t, n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "data": map[string]any{"title": "A draft"}}), 201, "")
		_, secret := n.token(t, "delivery")
		total := func(path string) string {
			t.Helper()
			r := n.do(request{method: "GET", path: path, token: secret})
			expect(t, r, 200, "")
			var out struct{ Meta struct{ Total int } }
			r.json(t, &out)
			return fmt.Sprint(out.Meta.Total)
		}
		for path, want := range map[string]string{
			"/api/content/post?locale=fr":                        "3",
			"/api/content/post?locale=fr&fallback=false":         "2",
			"/api/content/post?locale=en":                        "2",
			"/api/content/post?locale=fr&filter[title]=Both":     "0", // Both answers in French
			"/api/content/post?locale=fr&filter[title]=Les+deux": "1",
			"/api/content/post?locale=fr&search=English":         "1",
		} {
			if got := total(path); got != want {
				t.Errorf("%s: total %s, want %s", path, got, want)
			}
		}
	})
}
