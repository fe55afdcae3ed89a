package server

import (
	"encoding/json"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
)

func TestErrorsHaveTheContractBody(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		admin := e.signedIn("admin@example.com", "admin")
		e.srv.echo.GET("/api/test-panic", func(echo.Context) error { panic("boom: secret internals") })
		huge := `{"email":"` + strings.Repeat("a", 70<<10) + `","password":"x"}`

		cases := []struct {
			name   string
			rq     request
			status int
			code   string
		}{
			{"malformed JSON", request{method: "POST", path: "/api/auth/login", body: `{"email":`}, 400, "bad_request"},
			{"not an object", request{method: "POST", path: "/api/auth/login", body: `[1,2]`}, 400, "bad_request"},
			{"trailing data", request{method: "POST", path: "/api/auth/login", body: `{"email":"a","password":"b"} {}`}, 400, "bad_request"},
			{"empty body", request{method: "POST", path: "/api/auth/login", body: ``, header: map[string]string{"Content-Type": "application/json"}}, 400, "bad_request"},
			{"wrong field type", request{method: "POST", path: "/api/auth/login", body: `{"email":1,"password":"b"}`}, 422, "validation_failed"},
			{"unknown field", request{method: "POST", path: "/api/auth/login", body: `{"email":"a","password":"b","admin":true}`}, 422, "validation_failed"},
			{"not JSON", request{method: "POST", path: "/api/auth/login", body: `email=a`, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, 415, "unsupported_media_type"},
			{"too large", request{method: "POST", path: "/api/auth/login", body: huge}, 413, "payload_too_large"},
			{"unknown API route", request{method: "GET", path: "/api/nothing-here"}, 404, "not_found"},
			{"unknown route", request{method: "GET", path: "/nothing-here"}, 404, "not_found"},
			{"wrong method", request{method: "PUT", path: "/api/auth/login"}, 405, "bad_request"},
			{"panic", request{method: "GET", path: "/api/test-panic"}, 500, "internal"},
			{"no credentials", request{method: "GET", path: "/api/users"}, 401, "unauthorized"},
			{"bad id", request{method: "GET", path: "/api/users/1", token: admin.access}, 400, "bad_request"},
		}
		for _, c := range cases {
			r := e.do(c.rq)
			if r.Status != c.status || r.errorCode() != c.code {
				t.Errorf("%s: %d %s, want %d %s", c.name, r.Status, r.Body, c.status, c.code)
				continue
			}
			var body map[string]map[string]any
			if err := json.Unmarshal(r.Body, &body); err != nil || body["error"]["message"] == "" {
				t.Errorf("%s: body %s is not the contract's", c.name, r.Body)
			}
			if _, has := body["error"]["fields"]; has != (c.code == "validation_failed") {
				t.Errorf("%s: fields present = %v in %s", c.name, has, r.Body)
			}
			if strings.Contains(string(r.Body), "boom") || strings.Contains(string(r.Body), "goroutine") {
				t.Errorf("%s: internals leak: %s", c.name, r.Body)
			}
		}

		// A body of unknown length is cut off at the limit too.
		req := httptest.NewRequest("POST", "/api/auth/login", io.MultiReader(strings.NewReader(huge)))
		req.ContentLength = -1
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		e.srv.ServeHTTP(rec, req)
		if rec.Code != 413 || !strings.Contains(rec.Body.String(), "payload_too_large") {
			t.Errorf("streamed body: %d %s", rec.Code, rec.Body)
		}

		// The panic was logged with its request id and stack, for the operator only.
		logs := e.logs.String()
		if !strings.Contains(logs, "panic recovered") || !strings.Contains(logs, "boom: secret internals") || !strings.Contains(logs, "request_id=") {
			t.Errorf("panic not logged with a request id:\n%s", logs)
		}
		// Secrets never reach the log.
		if strings.Contains(logs, admin.access) || strings.Contains(logs, testPassword) {
			t.Error("a token or password was logged")
		}
	})
}
