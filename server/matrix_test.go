package server

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
	"github.com/loamcms/cms/models"
	"github.com/loamcms/cms/policies"
)

// matrixRoles are the columns of the authorization matrix.
var matrixRoles = []string{"anonymous", "editor", "reviewer", "admin"}

// matrixRow is one registered route: how to call it, and the status each role must get.
type matrixRow struct {
	body func(f *matrixFixture) any // request body, or nil
	want [4]int                     // anonymous, editor, reviewer, admin
}

// authzMatrix has a row for every registered route (the test fails on a route
// without one), keyed "METHOD path" exactly as registered.
var authzMatrix = map[string]matrixRow{
	"GET /":                 {want: [4]int{302, 302, 302, 302}},
	"GET /admin":            {want: [4]int{301, 301, 301, 301}},
	"GET /admin/*":          {want: [4]int{200, 200, 200, 200}},
	"GET /healthz":          {want: [4]int{200, 200, 200, 200}},
	"GET /readyz":           {want: [4]int{200, 200, 200, 200}},
	"GET /api/openapi.json": {want: [4]int{200, 200, 200, 200}},
	"POST /api/auth/login": {want: [4]int{200, 200, 200, 200}, body: func(f *matrixFixture) any {
		return map[string]string{"email": "spare@example.com", "password": testPassword}
	}},
	"POST /api/auth/refresh": {want: [4]int{200, 200, 200, 200}, body: func(f *matrixFixture) any {
		return map[string]string{"refresh_token": f.env.login("spare@example.com", testPassword).refresh}
	}},
	"POST /api/auth/logout": {want: [4]int{204, 204, 204, 204}, body: func(f *matrixFixture) any {
		return map[string]string{"refresh_token": f.env.login("spare@example.com", testPassword).refresh}
	}},
	"GET /api/auth/me": {want: [4]int{401, 200, 200, 200}},
	"PATCH /api/auth/me": {want: [4]int{401, 200, 200, 200}, body: func(*matrixFixture) any {
		return map[string]string{"name": "Renamed"}
	}},
	"GET /api/setup": {want: [4]int{200, 200, 200, 200}},
	"POST /api/setup": {want: [4]int{404, 404, 404, 404}, body: func(*matrixFixture) any {
		return map[string]string{"token": "cmss_x", "email": "late@example.com", "password": testPassword}
	}},
	"GET /api/users": {want: [4]int{401, 403, 403, 200}},
	"POST /api/users": {want: [4]int{401, 403, 403, 201}, body: func(f *matrixFixture) any {
		f.n++
		return map[string]any{"email": fmt.Sprintf("new%d@example.com", f.n), "password": testPassword, "roles": []string{"editor"}}
	}},
	"GET /api/users/:id": {want: [4]int{401, 403, 403, 200}},
	"PATCH /api/users/:id": {want: [4]int{401, 403, 403, 200}, body: func(*matrixFixture) any {
		return map[string]any{"name": "Changed"}
	}},
	"DELETE /api/users/:id": {want: [4]int{401, 403, 403, 204}},
}

// matrixFixture holds one signed-in user per role on one database.
type matrixFixture struct {
	env    *env
	tokens map[string]string // role → access token ("" for anonymous)
	n      int
}

func newMatrixFixture(t *testing.T, db *database.DB) *matrixFixture {
	f := &matrixFixture{env: newEnv(t, db), tokens: map[string]string{"anonymous": ""}}
	for _, role := range matrixRoles[1:] {
		f.tokens[role] = f.env.signedIn(role+"@example.com", role).access
	}
	f.env.newUser("spare@example.com", "editor")
	return f
}

// run calls every route as every role with the given policy and returns the
// cells whose status differs from authzMatrix.
func (f *matrixFixture) run(t *testing.T, policy string) []string {
	enf, err := policies.New(policy)
	if err != nil {
		t.Fatal(err)
	}
	// Same database and signing key, so the role users' tokens stay valid.
	f.env = newEnvWith(t, f.env.db, enf)
	e := f.env
	var diffs []string
	seen := map[string]bool{}
	for _, r := range e.srv.Routes() {
		if strings.HasPrefix(r.Method, "echo_") {
			continue
		}
		key := r.Method + " " + r.Path
		seen[key] = true
		row, ok := authzMatrix[key]
		if !ok {
			t.Fatalf("route %s has no row in authzMatrix: add one", key)
		}
		for i, role := range matrixRoles {
			path := strings.Replace(r.Path, "*", "", 1)
			if strings.Contains(path, ":id") {
				path = strings.Replace(path, ":id", f.target(t), 1)
			}
			var body any
			if row.body != nil {
				body = row.body(f)
			}
			got := e.do(request{method: r.Method, path: path, body: body, token: f.tokens[role]}).Status
			if got != row.want[i] {
				diffs = append(diffs, fmt.Sprintf("%s as %s: %d, want %d", key, role, got, row.want[i]))
			}
		}
	}
	for key := range authzMatrix {
		if !seen[key] {
			t.Errorf("authzMatrix has a row for %s, which is not a route", key)
		}
	}
	return diffs
}

// target inserts a fresh user to act on, straight into the database: hashing
// a password for each of the many cells would only slow the test down.
func (f *matrixFixture) target(t *testing.T) string {
	f.n++
	now := time.Now().UTC()
	u := models.User{ID: uuid.Must(uuid.NewV7()).String(), Email: fmt.Sprintf("target%d@example.com", f.n), Name: "Target",
		PasswordHash: "unusable", Roles: models.Roles{"editor"}, PasswordChangedAt: now, CreatedAt: now, UpdatedAt: now}
	if err := f.env.db.Create(&u).Error; err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// TestAuthorizationMatrix walks every route × every role against the expected
// table, then proves the table has teeth: deleting any one policy line must
// change at least one cell.
func TestAuthorizationMatrix(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newMatrixFixture(t, db)
		policy := policies.DefaultPolicy()
		for _, d := range f.run(t, policy) {
			t.Error(d)
		}
		lines := strings.Split(policy, "\n")
		for i, line := range lines {
			if l := strings.TrimSpace(line); l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			without := strings.Join(slices.Delete(slices.Clone(lines), i, i+1), "\n")
			diffs := f.run(t, without)
			if len(diffs) == 0 {
				t.Errorf("deleting policy line %q changed nothing: the matrix does not cover it", line)
			} else {
				t.Logf("without %q: %s", line, strings.Join(diffs, "; "))
			}
		}
	})
}
