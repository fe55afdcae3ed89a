package server

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/loamcms/cms/delivery"
	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
)

// publish creates an entry as the editor, gets it approved and published,
// and returns its id.
func (n *newsroom) publish(t *testing.T, typ string, data map[string]any) string {
	t.Helper()
	return n.publishNew(t, map[string]any{"type": typ, "data": data})
}

// publishNew creates an entry (POST /api/entries with body) as the editor
// and takes it through review to the delivery API; its id.
func (n *newsroom) publishNew(t *testing.T, body map[string]any) string {
	t.Helper()
	r := n.call(n.editor, "POST", "/api/entries", body)
	expect(t, r, 201, "")
	id := entryOf(t, r).ID
	expect(t, n.call(n.editor, "POST", "/api/entries/"+id+"/submit", nil), 200, "")
	expect(t, n.call(n.reviewer, "POST", "/api/entries/"+id+"/approve", nil), 200, "")
	expect(t, n.call(n.reviewer, "POST", "/api/entries/"+id+"/publish", nil), 200, "")
	return id
}

func (n *newsroom) token(t *testing.T, scope string) (id, secret string) {
	t.Helper()
	r := n.call(n.admin, "POST", "/api/tokens", map[string]any{"name": "site " + scope, "scope": scope})
	expect(t, r, 201, "")
	var tok struct{ ID, Token string }
	r.json(t, &tok)
	if !strings.HasPrefix(tok.Token, "cms_") {
		t.Fatalf("token %q", tok.Token)
	}
	return tok.ID, tok.Token
}

type deliveryList struct {
	Data []map[string]any `json:"data"`
	Meta delivery.Meta    `json:"meta"`
}

func TestDeliveryAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		cat := n.publish(t, "category", map[string]any{"name": "Public benefit messages"})
		hidden := n.category(t, "Unpublished category")
		first := n.publish(t, "post", map[string]any{"title": "ID card photos leaked", "summary": "Freeze and report.", "category": cat, "body": "<p>Call the bank.</p>"})
		second := n.publish(t, "post", map[string]any{"title": "Bank card photos leaked", "summary": "Block the card.", "category": hidden})
		draft := entryOf(t, n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "data": map[string]any{"title": "Secret draft"}}))
		_, secret := n.token(t, "delivery")
		_, previewSecret := n.token(t, "preview")
		get := func(path, token string, header map[string]string) *response {
			return n.do(request{method: "GET", path: path, token: token, header: header})
		}
		list := func(query string) deliveryList {
			t.Helper()
			r := get("/api/content/post?"+query, secret, nil)
			expect(t, r, 200, "")
			var l deliveryList
			r.json(t, &l)
			return l
		}
		slugs := func(l deliveryList) string {
			var out []string
			for _, it := range l.Data {
				out = append(out, it["slug"].(string))
			}
			return strings.Join(out, ",")
		}

		// Tokens: none for a non-public type is 401; a made-up one too.
		expect(t, get("/api/content/post", "", nil), 401, "unauthorized")
		expect(t, get("/api/content/post", "cms_madeup", nil), 401, "unauthorized")
		expect(t, get("/api/content/nothing", secret, nil), 404, "not_found")

		// Published items only, flat, newest first; drafts never.
		l := list("")
		if l.Meta.Total != 2 || slugs(l) != "bank-card-photos-leaked,id-card-photos-leaked" {
			t.Fatalf("list: %+v", l)
		}
		it := l.Data[1]
		for _, k := range []string{"id", "type", "slug", "locale", "published_at", "updated_at", "title", "summary", "body", "category"} {
			if _, ok := it[k]; !ok {
				t.Errorf("item has no %s: %v", k, it)
			}
		}
		if it["id"] != first || it["status"] != nil || it["data"] != nil {
			t.Fatalf("item %v", it)
		}
		expect(t, get("/api/content/post/secret-draft", secret, nil), 404, "not_found")
		expect(t, get("/api/content/post/id-card-photos-leaked", secret, nil), 200, "")

		// Filters, sort, paging, fields, search, locale.
		if s := slugs(list("filter[title][contains]=ID+CARD")); s != "id-card-photos-leaked" {
			t.Errorf("contains: %s", s)
		}
		if s := slugs(list("filter[slug]=bank-card-photos-leaked")); s != "bank-card-photos-leaked" {
			t.Errorf("eq: %s", s)
		}
		if s := slugs(list("filter[slug][ne]=bank-card-photos-leaked")); s != "id-card-photos-leaked" {
			t.Errorf("ne: %s", s)
		}
		if s := slugs(list("filter[id][in]=" + first + "," + second + "&sort=title")); s != "bank-card-photos-leaked,id-card-photos-leaked" {
			t.Errorf("in + sort: %s", s)
		}
		if s := slugs(list("filter[category]=" + cat)); s != "id-card-photos-leaked" {
			t.Errorf("relation eq: %s", s)
		}
		if s := slugs(list("filter[published_at][lte]=" + url.QueryEscape(time.Now().Add(time.Hour).UTC().Format(time.RFC3339)))); s == "" {
			t.Errorf("published_at lte: nothing")
		}
		// where=field:op:value is the same filter, in a form generated clients send.
		at := url.QueryEscape(time.Now().Add(time.Hour).UTC().Format(time.RFC3339))
		for flat, nested := range map[string]string{
			"where=title:contains:ID+CARD":                            "filter[title][contains]=ID+CARD",
			"where=slug:ne:bank-card-photos-leaked":                   "filter[slug][ne]=bank-card-photos-leaked",
			"where=published_at:lte:" + at:                            "filter[published_at][lte]=" + at,
			"where=category:eq:" + cat + "&where=title:contains:card": "filter[category]=" + cat + "&filter[title][contains]=card",
			"where=id:in:" + first + "," + second + "&sort=title":     "filter[id][in]=" + first + "," + second + "&sort=title",
		} {
			if a, b := slugs(list(flat)), slugs(list(nested)); a != b || a == "" {
				t.Errorf("%s: %q; %s: %q", flat, a, nested, b)
			}
		}
		for flat, nested := range map[string]string{"where=password:eq:x": "filter[password][eq]=x", "where=title:regex:x": "filter[title][regex]=x"} {
			a, b := get("/api/content/post?"+flat, secret, nil), get("/api/content/post?"+nested, secret, nil)
			if a.Status != 400 || string(a.Body) != string(b.Body) {
				t.Errorf("%s: %d %s; %s: %s", flat, a.Status, a.Body, nested, b.Body)
			}
		}
		if l := list("sort=-title&limit=1&offset=1"); slugs(l) != "bank-card-photos-leaked" || l.Meta.Total != 2 || l.Meta.Limit != 1 || l.Meta.Offset != 1 {
			t.Errorf("paging: %+v", l)
		}
		if l := list("fields=title&limit=1"); len(l.Data[0]) != 2 || l.Data[0]["title"] == nil {
			t.Errorf("fields: %v", l.Data[0])
		}
		if s := slugs(list("search=call+bank")); s != "id-card-photos-leaked" {
			t.Errorf("search: %s", s)
		}
		expect(t, get("/api/content/post?locale=de", secret, nil), 400, "bad_request") // not a configured locale
		if l := list("locale=en&fallback=false"); l.Meta.Total != 2 {
			t.Errorf("locale: %+v", l)
		}
		// include embeds published relations only.
		l = list("include=category&sort=title")
		if c, ok := l.Data[1]["category"].(map[string]any); !ok || c["name"] != "Public benefit messages" || c["slug"] != "public-benefit-messages" {
			t.Errorf("included: %v", l.Data[1]["category"])
		}
		if l.Data[0]["category"] != nil {
			t.Errorf("an unpublished category leaked: %v", l.Data[0]["category"])
		}
		for _, bad := range []string{"filter[title][regex]=x", "filter[password]=x", "filter[body]=x", "sort=body", "sort=;drop", "limit=0", "limit=101",
			"fields=secret", "include=title", "foo=bar", "filter[status]=draft", "preview=yes", "filter[published_at][gt]=yesterday",
			"where=title", "where=title:x", "where=:eq:x", "where=Title:eq:x", "where=title::x"} {
			if r := get("/api/content/post?"+bad, secret, nil); r.Status != 400 || r.errorCode() != "bad_request" {
				t.Errorf("%s: %d %s", bad, r.Status, r.Body)
			}
		}

		// ETag, Cache-Control and 304.
		r := get("/api/content/post/id-card-photos-leaked", secret, nil)
		etag := r.Header.Get("ETag")
		if etag == "" || r.Header.Get("Cache-Control") == "" || r.Header.Get("Vary") != "Authorization" {
			t.Fatalf("headers %v", r.Header)
		}
		r = get("/api/content/post/id-card-photos-leaked", secret, map[string]string{"If-None-Match": etag})
		expect(t, r, 304, "")
		if len(r.Body) != 0 {
			t.Fatal("304 with a body")
		}

		// Drafts never leak: not by preview with a delivery token, not by filter.
		expect(t, get("/api/content/post?preview=1", secret, nil), 403, "forbidden")
		expect(t, get("/api/content/post/secret-draft?preview=1", secret, nil), 403, "forbidden")
		r = get("/api/content/post/secret-draft?preview=1", previewSecret, nil)
		expect(t, r, 200, "")
		if r.Header.Get("Cache-Control") != "no-store" || !strings.Contains(string(r.Body), draft.ID) {
			t.Fatalf("preview: %v %s", r.Header, r.Body)
		}
		expect(t, get("/api/content/post/secret-draft?preview=1", n.editor.access, nil), 200, "")

		// An edit of a published entry does not show until it is published.
		e := entryOf(t, n.call(n.editor, "GET", "/api/entries/"+first, nil))
		expect(t, n.call(n.editor, "PATCH", "/api/entries/"+first, map[string]any{"version": e.Version, "data": map[string]any{"title": "New title"}}), 200, "")
		if r := get("/api/content/post/id-card-photos-leaked", secret, nil); !strings.Contains(string(r.Body), "ID card photos leaked") {
			t.Fatalf("the working draft leaked: %s", r.Body)
		}

		// Unpublish: gone at once, also from the cache, also from includes.
		expect(t, n.call(n.reviewer, "POST", "/api/entries/"+second+"/unpublish", nil), 200, "")
		expect(t, get("/api/content/post/bank-card-photos-leaked", secret, nil), 404, "not_found")
		if l := list(""); l.Meta.Total != 1 {
			t.Fatalf("after unpublish: %+v", l)
		}

		// A revoked token stops at once.
		id, doomed := n.token(t, "delivery")
		expect(t, get("/api/content/post", doomed, nil), 200, "")
		expect(t, n.call(n.admin, "DELETE", "/api/tokens/"+id, nil), 204, "")
		expect(t, get("/api/content/post", doomed, nil), 401, "unauthorized")

		// Public types need no token.
		expect(t, n.call(n.admin, "PATCH", "/api/content-types/category", map[string]any{"public": true}), 200, "")
		r = get("/api/content/category/public-benefit-messages", "", nil)
		expect(t, r, 200, "")
		if !strings.Contains(r.Header.Get("Cache-Control"), "public") {
			t.Fatalf("public cache-control: %v", r.Header)
		}
	})
}

func TestAPITokens(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		soon := time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339)
		expect(t, n.call(n.admin, "POST", "/api/tokens", map[string]any{"name": "", "scope": "admin"}), 422, "validation_failed")
		expect(t, n.call(n.admin, "POST", "/api/tokens", map[string]any{"name": "old", "scope": "delivery", "expires_at": past}), 422, "validation_failed")
		r := n.call(n.admin, "POST", "/api/tokens", map[string]any{"name": "short-lived", "scope": "delivery", "expires_at": soon})
		expect(t, r, 201, "")
		var tok struct{ Token string }
		r.json(t, &tok)
		expect(t, n.do(request{method: "GET", path: "/api/content/post", token: tok.Token}), 200, "")

		// The list never shows a secret or its hash.
		r = n.call(n.admin, "GET", "/api/tokens", nil)
		expect(t, r, 200, "")
		if strings.Contains(string(r.Body), tok.Token) || strings.Contains(string(r.Body), "hash") || !strings.Contains(string(r.Body), tok.Token[:12]) {
			t.Fatalf("token list: %s", r.Body)
		}
		var stored string
		if err := db.Raw("SELECT token_hash FROM api_tokens").Scan(&stored).Error; err != nil || stored == tok.Token || len(stored) != 64 {
			t.Fatalf("stored %q, %v", stored, err)
		}
		expect(t, n.call(n.admin, "DELETE", "/api/tokens/0190c7a8-0000-7000-8000-000000000000", nil), 404, "not_found")
		expect(t, n.call(n.admin, "DELETE", "/api/tokens/nope", nil), 400, "bad_request")

		// Expiry is checked on every request, cached or not.
		time.Sleep(time.Until(time.Now().Add(2100 * time.Millisecond)))
		expect(t, n.do(request{method: "GET", path: "/api/content/post", token: tok.Token}), 401, "unauthorized")
	})
}

// TestEntryPreviewLinks: a short-lived token that shows one entry's working
// copy, through the type's preview URL template.
func TestEntryPreviewLinks(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		expect(t, n.call(n.admin, "PATCH", "/api/content-types/post", map[string]any{"preview_url": "https://site.example/{nope}"}), 422, "validation_failed")
		expect(t, n.call(n.admin, "PATCH", "/api/content-types/post", map[string]any{"preview_url": "javascript:alert(1)//{slug}"}), 422, "validation_failed")
		expect(t, n.call(n.admin, "PATCH", "/api/content-types/post", map[string]any{"preview_url": "https://site.example/{locale}/{slug}?preview={token}"}), 200, "")
		id := n.publish(t, "post", map[string]any{"title": "Shown early"})
		draft := entryOf(t, n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "data": map[string]any{"title": "Other draft"}}))
		cur := entryOf(t, n.call(n.editor, "GET", "/api/entries/"+id, nil))
		expect(t, n.call(n.editor, "PATCH", "/api/entries/"+id, map[string]any{"version": cur.Version, "data": map[string]any{"summary": "Not published yet"}}), 200, "")

		r := n.call(n.reviewer, "POST", "/api/entries/"+id+"/preview", nil)
		expect(t, r, 201, "")
		var link struct {
			Token     string    `json:"token"`
			ExpiresAt time.Time `json:"expires_at"`
			URL       string    `json:"url"`
		}
		r.json(t, &link)
		if !strings.HasPrefix(link.Token, "cmsp_") || time.Until(link.ExpiresAt) > time.Hour+time.Minute ||
			link.URL != "https://site.example/en/shown-early?preview="+url.QueryEscape(link.Token) {
			t.Fatalf("link %+v", link)
		}
		get := func(path, bearer string) *response { return n.do(request{method: "GET", path: path, token: bearer}) }
		for _, r := range []*response{get("/api/content/post/shown-early", link.Token), get("/api/content/post/shown-early?token="+link.Token, "")} {
			expect(t, r, 200, "")
			if !strings.Contains(string(r.Body), "Not published yet") || r.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("preview: %s %v", r.Body, r.Header)
			}
		}
		// One entry only: not another draft, not a list, not the management API.
		expect(t, get("/api/content/post/other-draft", link.Token), 404, "not_found")
		_ = draft
		expect(t, get("/api/content/post", link.Token), 403, "forbidden")
		expect(t, get("/api/entries/"+id, link.Token), 401, "unauthorized")
		expect(t, get("/api/content/post/shown-early", link.Token[:len(link.Token)-2]+"xx"), 401, "unauthorized")
		_, secret := n.token(t, "delivery")
		expect(t, get("/api/content/post/shown-early?token="+secret, ""), 400, "bad_request")
	})
}
