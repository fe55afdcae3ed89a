package server

import (
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
)

func withCORS(public, admin []string) envOption {
	return func(c *envConfig) { c.server.CORSOrigins, c.server.CORSAdminOrigins = public, admin }
}

// TestCORS: a page on an allowed origin may read the delivery API (a
// preflight answered and cached for a day, the answer's ETag readable), a
// page elsewhere may not; the management API answers other origins only
// when they are named for it; no answer allows credentials.
func TestCORS(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		const site, admin, other = "https://site.example", "https://admin.example", "https://evil.example"
		n := newNewsroom(t, db, withCORS([]string{site}, []string{admin}))
		slug := entryOf(t, n.call(n.editor, "GET", "/api/entries/"+n.publish(t, "post", map[string]any{"title": "Hello"}), nil)).Slug
		_, token := n.token(t, "delivery")
		preflight := func(path, origin, method string) *response {
			return n.do(request{method: "OPTIONS", path: path, header: map[string]string{
				"Origin": origin, "Access-Control-Request-Method": method, "Access-Control-Request-Headers": "authorization"}})
		}
		allowed := func(r *response) string { return r.Header.Get("Access-Control-Allow-Origin") }

		r := preflight("/api/content/post/"+slug, site, "GET")
		if r.Status != http.StatusNoContent || allowed(r) != site || r.Header.Get("Access-Control-Max-Age") != "86400" ||
			!strings.Contains(r.Header.Get("Access-Control-Allow-Headers"), "Authorization") || !strings.Contains(r.Header.Get("Access-Control-Allow-Methods"), "GET") ||
			strings.Contains(r.Header.Get("Access-Control-Allow-Methods"), "POST") {
			t.Errorf("preflight from the site: %d %v", r.Status, r.Header)
		}
		if r := preflight("/api/content/post/"+slug, other, "GET"); allowed(r) != "" {
			t.Errorf("preflight from elsewhere is allowed: %v", r.Header)
		}
		r = n.do(request{method: "GET", path: "/api/content/post/" + slug, token: token, header: map[string]string{"Origin": site}})
		expect(t, r, 200, "")
		if allowed(r) != site || !strings.Contains(r.Header.Get("Access-Control-Expose-Headers"), "ETag") ||
			!slices.Contains(r.Header.Values("Vary"), "Origin") || !slices.Contains(r.Header.Values("Vary"), "Authorization") {
			t.Errorf("read from the site: %v", r.Header)
		}
		if r := n.do(request{method: "GET", path: "/api/content/post/" + slug, token: token, header: map[string]string{"Origin": other}}); allowed(r) != "" {
			t.Errorf("read from elsewhere is allowed: %v", r.Header)
		}
		// The management API: the admin origin only, with its methods; the site is not it.
		if r := preflight("/api/entries", site, "POST"); allowed(r) != "" {
			t.Errorf("the site may call the management API: %v", r.Header)
		}
		r = preflight("/api/auth/login", admin, "POST")
		if r.Status != http.StatusNoContent || allowed(r) != admin || !strings.Contains(r.Header.Get("Access-Control-Allow-Methods"), "PATCH") {
			t.Errorf("preflight from the admin origin: %d %v", r.Status, r.Header)
		}
		for _, r := range []*response{r, preflight("/api/content/post", site, "GET")} {
			if r.Header.Get("Access-Control-Allow-Credentials") != "" {
				t.Errorf("credentials allowed: %v", r.Header)
			}
		}

		// "*": any page reads the delivery API, and the answer says * (shared caches keep one copy).
		any := newEnv(t, db, withCORS([]string{"*"}, nil)) // the same database, another configuration
		if r := any.do(request{method: "GET", path: "/api/content/post", token: token, header: map[string]string{"Origin": other}}); allowed(r) != "*" || r.Header.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("with *: %v", r.Header)
		}
		if r := any.do(request{method: "OPTIONS", path: "/api/entries", header: map[string]string{"Origin": other, "Access-Control-Request-Method": "GET"}}); allowed(r) != "" {
			t.Errorf("* opened the management API: %v", r.Header)
		}
		// None configured (the default): nothing changes.
		none := newEnv(t, db)
		if r := none.do(request{method: "GET", path: "/api/content/post", token: token, header: map[string]string{"Origin": site}}); allowed(r) != "" || slices.Contains(r.Header.Values("Vary"), "Origin") {
			t.Errorf("CORS without configuration: %v", r.Header)
		}
	})
}
