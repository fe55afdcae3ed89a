package server

import (
	"strings"
	"testing"
	"time"

	"github.com/loamcms/cms/accounts"
	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
	"github.com/loamcms/cms/models"
)

func TestUsersAPI(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		admin := e.signedIn("admin@example.com", "admin")
		call := func(method, path string, body any) *response {
			return e.do(request{method: method, path: path, body: body, token: admin.access})
		}

		r := call("POST", "/api/users", map[string]any{"email": "Editor@Example.com", "name": "Eda", "password": testPassword, "roles": []string{"editor"}})
		expect(t, r, 201, "")
		var ed models.User
		r.json(t, &ed)
		if ed.Email != "editor@example.com" || ed.Name != "Eda" || ed.Disabled || len(ed.Roles) != 1 || ed.ID == "" || ed.CreatedAt.IsZero() {
			t.Fatalf("created %+v", ed)
		}

		// Validation: one message per field; unknown roles are those the policy does not define.
		r = call("POST", "/api/users", map[string]any{"email": "nope", "password": "short", "roles": []string{"superuser"}})
		expect(t, r, 422, "validation_failed")
		for _, f := range []string{`"email"`, `"password"`, `"roles"`} {
			if !strings.Contains(string(r.Body), f) {
				t.Errorf("no message for %s in %s", f, r.Body)
			}
		}
		expect(t, call("POST", "/api/users", map[string]any{"email": "x@example.com", "password": testPassword, "roles": []string{}}), 422, "validation_failed")
		expect(t, call("POST", "/api/users", map[string]any{"email": "x@example.com", "password": testPassword, "roles": []string{"editor"}, "admin": true}), 422, "validation_failed")
		expect(t, call("POST", "/api/users", map[string]any{"email": "EDITOR@example.com", "password": testPassword, "roles": []string{"editor"}}), 409, "conflict")

		// List, paged, ordered by email.
		r = call("GET", "/api/users?limit=1&offset=1", nil)
		expect(t, r, 200, "")
		var list listBody[models.User]
		r.json(t, &list)
		if list.Meta.Total != 2 || list.Meta.Limit != 1 || list.Meta.Offset != 1 || len(list.Data) != 1 || list.Data[0].Email != "editor@example.com" {
			t.Fatalf("list %+v", list)
		}
		expect(t, call("GET", "/api/users?limit=0", nil), 400, "bad_request")
		expect(t, call("GET", "/api/users?limit=101", nil), 400, "bad_request")
		expect(t, call("GET", "/api/users?offset=-1", nil), 400, "bad_request")

		// Get: a bad id is 400, a missing one 404.
		expect(t, call("GET", "/api/users/"+ed.ID, nil), 200, "")
		expect(t, call("GET", "/api/users/not-an-id", nil), 400, "bad_request")
		expect(t, call("GET", "/api/users/0190c7a8-0000-7000-8000-000000000000", nil), 404, "not_found")

		// Patch: roles and name; the email must stay unique.
		r = call("PATCH", "/api/users/"+ed.ID, map[string]any{"roles": []string{"editor", "reviewer"}, "name": "Eda R."})
		expect(t, r, 200, "")
		if !strings.Contains(string(r.Body), `"roles":["editor","reviewer"]`) || !strings.Contains(string(r.Body), `"name":"Eda R."`) {
			t.Fatalf("patched %s", r.Body)
		}
		expect(t, call("PATCH", "/api/users/"+ed.ID, map[string]any{"email": "admin@example.com"}), 409, "conflict")
		expect(t, call("PATCH", "/api/users/"+ed.ID, map[string]any{"name": ""}), 422, "validation_failed")
		expect(t, call("PATCH", "/api/users/"+ed.ID, map[string]any{"roles": "editor"}), 422, "validation_failed")

		// Nobody changes their own roles, disables or deletes themselves.
		expect(t, call("PATCH", "/api/users/"+admin.user.ID, map[string]any{"roles": []string{"editor"}}), 403, "forbidden")
		expect(t, call("PATCH", "/api/users/"+admin.user.ID, map[string]any{"disabled": true}), 403, "forbidden")
		expect(t, call("DELETE", "/api/users/"+admin.user.ID, nil), 403, "forbidden")
		expect(t, call("PATCH", "/api/users/"+admin.user.ID, map[string]any{"roles": []string{"admin"}, "name": "Still me"}), 200, "")

		// Disabling ends the user's sessions at once, and sign-in stops working.
		edSession := e.login("editor@example.com", testPassword)
		expect(t, call("PATCH", "/api/users/"+ed.ID, map[string]any{"disabled": true}), 200, "")
		expect(t, e.do(request{method: "GET", path: "/api/auth/me", token: edSession.access}), 401, "unauthorized")
		expect(t, e.do(request{method: "POST", path: "/api/auth/refresh", body: map[string]string{"refresh_token": edSession.refresh}}), 401, "unauthorized")
		expect(t, e.do(request{method: "POST", path: "/api/auth/login", body: map[string]string{"email": "editor@example.com", "password": testPassword}}), 401, "unauthorized")
		expect(t, call("PATCH", "/api/users/"+ed.ID, map[string]any{"disabled": false}), 200, "")

		// A new password ends the sessions too; the new password works, the old does not.
		edSession = e.login("editor@example.com", testPassword)
		expect(t, call("PATCH", "/api/users/"+ed.ID, map[string]any{"password": "a brand new passphrase"}), 200, "")
		expect(t, e.do(request{method: "GET", path: "/api/auth/me", token: edSession.access}), 401, "unauthorized")
		expect(t, e.do(request{method: "POST", path: "/api/auth/login", body: map[string]string{"email": "editor@example.com", "password": testPassword}}), 401, "unauthorized")
		e.login("editor@example.com", "a brand new passphrase")

		// Delete.
		expect(t, call("DELETE", "/api/users/"+ed.ID, nil), 204, "")
		expect(t, call("GET", "/api/users/"+ed.ID, nil), 404, "not_found")
		expect(t, call("DELETE", "/api/users/"+ed.ID, nil), 404, "not_found")

		// No answer of this test carried a password hash.
		all := call("GET", "/api/users", nil)
		if strings.Contains(string(all.Body), "argon2") || strings.Contains(string(all.Body), "password") {
			t.Fatalf("users list leaks: %s", all.Body)
		}
	})
}

func TestUpdateOwnAccount(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		me := e.signedIn("self@example.com", "reviewer")
		other := e.login("self@example.com", testPassword)
		patch := func(body any) *response {
			return e.do(request{method: "PATCH", path: "/api/auth/me", body: body, token: me.access})
		}
		expect(t, patch(map[string]any{"name": "Rita"}), 200, "")
		expect(t, patch(map[string]any{"roles": []string{"admin"}}), 422, "validation_failed")
		expect(t, patch(map[string]any{"password": "another long passphrase", "current_password": "wrong"}), 422, "validation_failed")
		expect(t, patch(map[string]any{"password": "another long passphrase", "current_password": testPassword}), 200, "")
		// This session stays, every other one ends.
		expect(t, e.do(request{method: "GET", path: "/api/auth/me", token: me.access}), 200, "")
		expect(t, e.do(request{method: "GET", path: "/api/auth/me", token: other.access}), 401, "unauthorized")
		e.login("self@example.com", "another long passphrase")
	})
}

func TestOwnPasswordNeedsTheCurrentOne(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db, func(c *envConfig) {
			c.accounts.Throttle = accounts.ThrottleLimits{Window: time.Minute, PerAccount: 3, PerIP: 100}
		})
		admin := e.signedIn("admin@example.com", "admin")
		expect(t, e.do(request{method: "PATCH", path: "/api/users/" + admin.user.ID, token: admin.access,
			body: map[string]any{"password": "no current password given"}}), 403, "forbidden")
		for range 3 {
			expect(t, e.do(request{method: "PATCH", path: "/api/auth/me", token: admin.access,
				body: map[string]any{"password": "a new long password", "current_password": "a guess"}}), 422, "validation_failed")
		}
		expect(t, e.do(request{method: "PATCH", path: "/api/auth/me", token: admin.access,
			body: map[string]any{"password": "a new long password", "current_password": testPassword}}), 429, "rate_limited")
	})
}
