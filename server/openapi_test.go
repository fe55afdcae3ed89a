package server

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/loamcms/cms/internal/dbtest"
	"github.com/loamcms/cms/migrations"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	"net/http/httptest"
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

// TestOpenAPITypes: ?types=1 adds each content type's items and data and
// its own delivery routes; anonymous callers learn the public types only;
// the typed document is valid, and a real answer matches it.
func TestOpenAPITypes(t *testing.T) {
	n := newNewsroom(t, dbtest.Open(t, migrations.SQLite))
	expect(t, n.call(n.admin, "PATCH", "/api/content-types/category", map[string]any{"public": true}), 200, "")
	n.publish(t, "post", map[string]any{"title": "Hello", "category": n.publish(t, "category", map[string]any{"name": "News"})})
	_, token := n.token(t, "delivery")
	typed := func(token string) (map[string]any, []byte) {
		t.Helper()
		r := n.do(request{method: "GET", path: "/api/openapi.json?types=1", token: token})
		expect(t, r, 200, "")
		var doc map[string]any
		r.json(t, &doc)
		return doc, r.Body
	}
	schemaOf := func(doc map[string]any, name string) map[string]any {
		s, _ := doc["components"].(map[string]any)["schemas"].(map[string]any)[name].(map[string]any)
		return s
	}
	anon, _ := typed("")
	if schemaOf(anon, "CategoryItem") == nil || schemaOf(anon, "PostItem") != nil || anon["paths"].(map[string]any)["/api/content/post"] != nil {
		t.Errorf("anonymous: a private type shown, or the public one missing")
	}
	doc, raw := typed(token)
	post := schemaOf(doc, "PostItem")
	if post == nil {
		t.Fatal("no PostItem for a token")
	}
	props := post["properties"].(map[string]any)
	if props["title"].(map[string]any)["type"] != "string" || schemaOf(doc, "PostData")["required"].([]any)[0] != "title" {
		t.Errorf("PostItem %v", post)
	}
	list := doc["paths"].(map[string]any)["/api/content/post"].(map[string]any)["get"].(map[string]any)
	if list["operationId"] != "deliverListPost" {
		t.Errorf("list operation %v", list["operationId"])
	}
	expect(t, n.do(request{method: "GET", path: "/api/openapi.json?types=2"}), 400, "bad_request")

	// Valid, and the answers of the post routes match their typed schemas.
	spec, err := libopenapi.NewDocument(raw)
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(spec)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if ok, errs := v.ValidateDocument(); !ok {
		t.Fatalf("the typed document: %v", errs[0])
	}
	for _, path := range []string{"/api/content/post?include=category", "/api/content/post/hello"} {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		rec := httptest.NewRecorder()
		n.srv.ServeHTTP(rec, req)
		if ok, errs := v.ValidateHttpResponse(req, rec.Result()); !ok || rec.Code != 200 {
			t.Errorf("%s → %d does not match the typed document: %v", path, rec.Code, errs)
		}
	}
	// A wrong type in the answer would be caught: title as a number.
	bad := httptest.NewRecorder()
	bad.Header().Set("Content-Type", "application/json")
	bad.WriteHeader(200)
	bad.WriteString(`{"data":{"id":"x","title":42}}`)
	if ok, _ := v.ValidateHttpResponse(httptest.NewRequest("GET", "/api/content/post/x", nil), bad.Result()); ok {
		t.Error("a post whose title is a number matched the typed document")
	}
}
