package server

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/loamcms/cms/internal/dbtest"
	"github.com/loamcms/cms/migrations"
)

// documentedRoutes are the routes the OpenAPI document must describe: all
// but the admin UI's file mount and the redirect to it.
func documentedRoutes(s *Server) map[string]bool {
	out := map[string]bool{}
	param := regexp.MustCompile(`:(\w+)`)
	for _, r := range s.Routes() {
		if r.Path == "/" || r.Path == "/admin" || strings.HasPrefix(r.Path, "/admin/") || strings.HasPrefix(r.Method, "echo_") {
			continue
		}
		out[strings.ToLower(r.Method)+" "+param.ReplaceAllString(r.Path, "{$1}")] = true
	}
	return out
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	e := newEnv(t, dbtest.Open(t, migrations.SQLite))
	r := e.do(request{method: "GET", path: "/api/openapi.json"})
	expect(t, r, 200, "")
	var doc map[string]any
	r.json(t, &doc)
	if doc["openapi"] != "3.1.0" {
		t.Fatalf("openapi version %v", doc["openapi"])
	}
	described := map[string]bool{}
	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			if method == "parameters" {
				continue
			}
			described[method+" "+path] = true
			// Said either way: a generated client must not guess whether to send a token.
			if _, ok := op.(map[string]any)["security"]; !ok {
				t.Errorf("%s %s says nothing of security (security: [] for a public operation)", method, path)
			}
		}
	}
	for route := range documentedRoutes(e.srv) {
		if !described[route] {
			t.Errorf("route %s is missing from openapi.json", route)
		}
		delete(described, route)
	}
	for stale := range described {
		t.Errorf("openapi.json describes %s, which is not a route", stale)
	}

	// Every $ref points at something that exists.
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				var cur any = doc
				for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
					m, _ := cur.(map[string]any)
					cur = m[part]
				}
				if cur == nil {
					t.Errorf("dangling $ref %s", ref)
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
	if _, err := json.Marshal(doc); err != nil {
		t.Fatal(err)
	}
}
