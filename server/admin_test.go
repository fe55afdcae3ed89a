package server

import (
	"strings"
	"testing"

	"github.com/loamcms/cms/internal/dbtest"
	"github.com/loamcms/cms/migrations"
)

// TestAdminUIMount: index.html is revalidated on every load and forbids
// inline script; hashed assets are cached for good; UI routes get the app;
// a missing file is a 404, not the app.
func TestAdminUIMount(t *testing.T) {
	e := newEnv(t, dbtest.Open(t, migrations.SQLite))
	index := e.do(request{method: "GET", path: "/admin/"})
	expect(t, index, 200, "")
	csp := index.Header.Get("Content-Security-Policy")
	if index.Header.Get("Cache-Control") != "no-cache" || !strings.Contains(csp, "script-src 'self'") || strings.Contains(csp, "unsafe-inline") {
		t.Fatalf("index headers: %v", index.Header)
	}
	if strings.Contains(string(index.Body), "<script>") {
		t.Fatal("index.html has an inline script")
	}
	asset := strings.SplitN(strings.SplitN(string(index.Body), `src="/admin/`, 2)[1], `"`, 2)[0]
	r := e.do(request{method: "GET", path: "/admin/" + asset})
	expect(t, r, 200, "")
	if r.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Fatalf("asset %s: %v", asset, r.Header)
	}
	if r := e.do(request{method: "GET", path: "/admin/entries/some-id"}); r.Status != 200 || string(r.Body) != string(index.Body) {
		t.Fatalf("a UI route: %d", r.Status)
	}
	expect(t, e.do(request{method: "GET", path: "/admin/assets/missing.js"}), 404, "not_found")
	if r := e.do(request{method: "GET", path: "/"}); r.Status != 302 || r.Header.Get("Location") != "/admin/" {
		t.Fatalf("/: %d %v", r.Status, r.Header)
	}
}
