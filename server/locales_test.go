package server

import (
	"strings"
	"testing"

	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
)

func TestLocaleSettings(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		r := n.call(n.editor, "GET", "/api/locales", nil)
		expect(t, r, 200, "")
		if body := strings.TrimSpace(string(r.Body)); body != `{"default":"en","locales":[{"code":"en"}]}` {
			t.Fatalf("a fresh database: %s", body)
		}
		three := map[string]any{"default": "en", "locales": []map[string]any{{"code": "en"}, {"code": "fr", "fallback": "en"}, {"code": "fr-CA", "fallback": "fr"}}}
		r = n.call(n.admin, "PUT", "/api/locales", three)
		expect(t, r, 200, "")
		if body := strings.TrimSpace(string(r.Body)); body != `{"default":"en","locales":[{"code":"en"},{"code":"fr","fallback":"en"},{"code":"fr-CA","fallback":"fr"}]}` {
			t.Fatalf("after PUT: %s", body)
		}

		bad := []struct {
			locales any
			def     string
			field   string
		}{
			{[]map[string]any{{"code": "en"}, {"code": "fr_CA"}}, "en", "locales[1].code"},
			{[]map[string]any{{"code": "en-us"}}, "en-us", "locales[0].code"},
			{[]map[string]any{{"code": "en"}, {"code": "en"}}, "en", "locales[1].code"},
			{[]map[string]any{{"code": "en"}, {"code": "de", "fallback": "nl"}}, "en", "locales[1].fallback"},
			{[]map[string]any{{"code": "en", "fallback": "en"}}, "en", "locales[0].fallback"},
			{[]map[string]any{{"code": "en"}, {"code": "fr", "fallback": "fr-CA"}, {"code": "fr-CA", "fallback": "fr"}}, "en", "locales[1].fallback"},
			{[]map[string]any{{"code": "en"}}, "de", "default"},
			{[]map[string]any{}, "en", "locales"},
			{[]map[string]any{{"code": strings.Repeat("a", 40)}}, "en", "locales[0].code"},
			{[]map[string]any{{"code": "en-"}}, "en", "locales[0].code"},
		}
		for _, b := range bad {
			r := n.call(n.admin, "PUT", "/api/locales", map[string]any{"default": b.def, "locales": b.locales})
			expect(t, r, 422, "validation_failed")
			if !strings.Contains(string(r.Body), `"`+b.field+`"`) {
				t.Errorf("%v: %s", b.locales, r.Body)
			}
		}
		expect(t, n.call(n.admin, "PUT", "/api/locales", map[string]any{"default": "en", "locales": "en"}), 422, "validation_failed")
		expect(t, n.call(n.admin, "PUT", "/api/locales", map[string]any{"default": "en", "locales": []map[string]any{{"code": "en\x00"}}}), 400, "bad_request")

		// A locale in use stays.
		expect(t, n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "locale": "fr", "data": map[string]any{"title": "Bonjour"}}), 201, "")
		r = n.call(n.admin, "PUT", "/api/locales", map[string]any{"default": "en", "locales": []map[string]any{{"code": "en"}, {"code": "fr-CA", "fallback": "en"}}})
		expect(t, r, 409, "conflict")
		if !strings.Contains(string(r.Body), "fr by 1 entry") {
			t.Fatalf("409 says: %s", r.Body)
		}
		if body := string(n.call(n.editor, "GET", "/api/locales", nil).Body); !strings.Contains(body, `"fr-CA","fallback":"fr"`) {
			t.Fatalf("a refused PUT changed the settings: %s", body)
		}
	})
}
