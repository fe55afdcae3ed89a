package server

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
	"github.com/loamcms/cms/internal/mediatest"
	"github.com/loamcms/cms/internal/outbox"
	"github.com/loamcms/cms/models"
	"github.com/loamcms/cms/policies"
	"github.com/loamcms/cms/webhooks"
)

// matrixRoles are the columns of the authorization matrix.
var matrixRoles = []string{"anonymous", "editor", "reviewer", "admin"}

// plainRow is a route that has no entry to own: one status per role.
type plainRow struct {
	body func(f *matrixFixture) any // request body, or nil
	want [4]int                     // anonymous, editor, reviewer, admin
}

var plainRoutes = map[string]plainRow{
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
		return map[string]any{"email": fmt.Sprintf("new%d@example.com", f.next()), "password": testPassword, "roles": []string{"editor"}}
	}},
	"GET /api/users/:id": {want: [4]int{401, 403, 403, 200}},
	"PATCH /api/users/:id": {want: [4]int{401, 403, 403, 200}, body: func(*matrixFixture) any {
		return map[string]any{"name": "Changed"}
	}},
	"DELETE /api/users/:id":       {want: [4]int{401, 403, 403, 204}},
	"GET /api/content-types":      {want: [4]int{401, 200, 200, 200}},
	"GET /api/content-types/:key": {want: [4]int{401, 200, 200, 200}},
	"POST /api/content-types":     {want: [4]int{401, 403, 403, 201}, body: newTypeBody},
	"PATCH /api/content-types/:key": {want: [4]int{401, 403, 403, 200}, body: func(*matrixFixture) any {
		return map[string]any{"name": "Renamed type"}
	}},
	"DELETE /api/content-types/:key": {want: [4]int{401, 403, 403, 204}},
	"GET /api/entries":               {want: [4]int{401, 200, 200, 200}},
	"GET /api/tokens":                {want: [4]int{401, 403, 403, 200}},
	"POST /api/tokens": {want: [4]int{401, 403, 403, 201}, body: func(*matrixFixture) any {
		return map[string]any{"name": "site", "scope": "delivery"}
	}},
	"DELETE /api/tokens/:id": {want: [4]int{401, 403, 403, 204}},
	// The delivery API of a non-public type: no API token, no answer; a
	// signed-in user may preview (the admin UI does).
	"GET /api/content/:type":       {want: [4]int{401, 200, 200, 200}},
	"GET /api/content/:type/:slug": {want: [4]int{401, 404, 404, 404}},
	"POST /api/entries": {want: [4]int{401, 201, 403, 201}, body: func(*matrixFixture) any {
		return map[string]any{"type": "post", "data": map[string]any{"title": "New post"}}
	}},
	"GET /api/locales": {want: [4]int{401, 200, 200, 200}},
	"GET /api/search":  {want: [4]int{401, 200, 200, 200}},
	"PUT /api/locales": {want: [4]int{401, 403, 403, 200}, body: func(*matrixFixture) any {
		return map[string]any{"default": "en", "locales": []map[string]any{{"code": "en"}, {"code": "fr", "fallback": "en"}}}
	}},
	"GET /api/media":  {want: [4]int{401, 200, 200, 200}},
	"GET /api/people": {want: [4]int{401, 200, 200, 200}},
	// On a comment the editor wrote: its author and admins resolve it.
	"PATCH /api/entries/:id/comments/:comment": {want: [4]int{401, 200, 403, 200}, body: func(*matrixFixture) any {
		return map[string]any{"resolved": true}
	}},
	"POST /api/media": {want: [4]int{401, 201, 403, 201}, body: func(*matrixFixture) any {
		return upload{filename: "new.png", data: mediatest.PNG(8, 8)}
	}},
	"GET /api/webhooks": {want: [4]int{401, 403, 403, 200}},
	"POST /api/webhooks": {want: [4]int{401, 403, 403, 201}, body: func(*matrixFixture) any {
		return map[string]any{"name": "Site", "url": "http://127.0.0.1:9/hook", "events": []string{"entry.published"}}
	}},
	"GET /api/webhooks/:id": {want: [4]int{401, 403, 403, 200}},
	"PATCH /api/webhooks/:id": {want: [4]int{401, 403, 403, 200}, body: func(*matrixFixture) any {
		return map[string]any{"name": "Renamed"}
	}},
	"DELETE /api/webhooks/:id":                              {want: [4]int{401, 403, 403, 204}},
	"POST /api/webhooks/:id/rotate-secret":                  {want: [4]int{401, 403, 403, 200}},
	"POST /api/webhooks/:id/test":                           {want: [4]int{401, 403, 403, 202}},
	"GET /api/webhooks/:id/deliveries":                      {want: [4]int{401, 403, 403, 200}},
	"POST /api/webhooks/:id/deliveries/:delivery/redeliver": {want: [4]int{401, 403, 403, 202}},
	"GET /api/audit":                                        {want: [4]int{401, 403, 403, 200}},
	"GET /api/notifications":                                {want: [4]int{401, 200, 200, 200}},
	"POST /api/notifications/read":                          {want: [4]int{401, 204, 204, 204}},
}

func newTypeBody(f *matrixFixture) any {
	return map[string]any{"key": fmt.Sprintf("type_%d", f.next()), "name": "T", "fields": []map[string]any{{"name": "a", "type": "text"}}}
}

// entryRule is who may call a route on one entry, written from the
// contract's Roles table: each role's reach ("any", "own" for the entry's
// author only, or none), the statuses it works from, and its success status.
type entryRule struct {
	reach map[string]string
	from  []models.Status // nil: every status
	ok    int
	body  func(v int) any // v is the entry's version
}

var (
	everyone   = map[string]string{"editor": "any", "reviewer": "any", "admin": "any"}
	owners     = map[string]string{"editor": "own", "admin": "any"}
	reviewers  = map[string]string{"reviewer": "any", "admin": "any"}
	editable   = []models.Status{models.StatusDraft, models.StatusChangesRequested, models.StatusApproved, models.StatusPublished}
	notLive    = []models.Status{models.StatusDraft, models.StatusChangesRequested, models.StatusApproved} // published ones are live
	versioned  = func(v int) any { return map[string]any{"version": v, "data": map[string]any{"summary": "changed"}} }
	entryRules = map[string]entryRule{
		"GET /api/entries/:id":                       {reach: everyone, ok: 200},
		"GET /api/entries/:id/revisions":             {reach: everyone, ok: 200},
		"GET /api/entries/:id/revisions/:n":          {reach: everyone, ok: 200},
		"GET /api/entries/:id/comments":              {reach: everyone, ok: 200},
		"GET /api/entries/:id/history":               {reach: everyone, ok: 200},
		"POST /api/entries/:id/preview":              {reach: everyone, ok: 201},
		"POST /api/entries/:id/comments":             {reach: everyone, ok: 201, body: func(int) any { return map[string]any{"body": "A note"} }},
		"PATCH /api/entries/:id":                     {reach: owners, from: editable, ok: 200, body: versioned},
		"POST /api/entries/:id/revisions/:n/restore": {reach: owners, from: editable, ok: 200, body: func(v int) any { return map[string]any{"version": v} }},
		"DELETE /api/entries/:id":                    {reach: owners, from: notLive, ok: 204},
		"POST /api/entries/:id/submit":               {reach: owners, from: []models.Status{models.StatusDraft, models.StatusChangesRequested}, ok: 200},
		"POST /api/entries/:id/withdraw":             {reach: owners, from: []models.Status{models.StatusInReview}, ok: 200},
		"POST /api/entries/:id/approve":              {reach: reviewers, from: []models.Status{models.StatusInReview}, ok: 200},
		"POST /api/entries/:id/request-changes":      {reach: reviewers, from: []models.Status{models.StatusInReview}, ok: 200, body: func(int) any { return map[string]any{"comment": "Please fix"} }},
		"POST /api/entries/:id/publish":              {reach: reviewers, from: []models.Status{models.StatusApproved}, ok: 200},
		"POST /api/entries/:id/unpublish":            {reach: reviewers, from: []models.Status{models.StatusPublished, models.StatusScheduled}, ok: 200},
		"POST /api/entries/:id/cancel-schedule":      {reach: reviewers, from: []models.Status{models.StatusScheduled}, ok: 200},
	}
	// mediaRules are routes on one media item, own (the editor uploaded
	// it) or another editor's; the status does not apply.
	mediaRules = map[string]entryRule{
		"GET /api/media/:id":       {reach: everyone, ok: 200},
		"GET /api/media/:id/usage": {reach: everyone, ok: 200},
		"PATCH /api/media/:id":     {reach: owners, ok: 200, body: func(v int) any { return map[string]any{"version": v, "alt": "Changed"} }},
		"PUT /api/media/:id/file":  {reach: owners, ok: 200, body: func(int) any { return upload{filename: "again.png", data: mediatest.PNG(9, 9)} }},
		"DELETE /api/media/:id":    {reach: owners, ok: 204},
		// Files are public by unguessable id, so sites can embed them.
		"GET /media/:id/:filename": {reach: map[string]string{"anonymous": "any", "editor": "any", "reviewer": "any", "admin": "any"}, ok: 200},
	}
)

// want is the status a role must get on an entry of the given owner and status.
func (r entryRule) want(role string, own bool, status models.Status) int {
	switch reach := r.reach[role]; {
	case role == "anonymous" && reach == "":
		return 401
	case reach == "" || (reach == "own" && !own):
		return 403
	case r.from != nil && !slices.Contains(r.from, status):
		return 409
	}
	return r.ok
}

// matrixFixture holds one signed-in user per role on one database, and the
// authors of the entries acted on: the editor ("own") and another editor.
type matrixFixture struct {
	env           *env
	tokens        map[string]string // role → access token ("" for anonymous)
	editor, other string            // user ids
	n             int
}

func newMatrixFixture(t *testing.T, db *database.DB) *matrixFixture {
	f := &matrixFixture{env: newEnv(t, db), tokens: map[string]string{"anonymous": ""}}
	for _, role := range matrixRoles[1:] {
		a := f.env.signedIn(role+"@example.com", role)
		f.tokens[role] = a.access
		if role == "editor" {
			f.editor = a.user.ID
		}
	}
	f.env.newUser("spare@example.com", "editor")
	f.other = f.insertUser(t, "other-editor@example.com")
	return f
}

func (f *matrixFixture) next() int { f.n++; return f.n }

// insertUser adds a user straight into the database: hashing a password for
// each of the many cells would only slow the test down.
func (f *matrixFixture) insertUser(t *testing.T, email string) string {
	now := time.Now().UTC()
	u := models.User{ID: uuid.Must(uuid.NewV7()).String(), Email: email, Name: "Target",
		PasswordHash: "unusable", Roles: models.Roles{"editor"}, PasswordChangedAt: now, CreatedAt: now, UpdatedAt: now}
	if err := f.env.db.Create(&u).Error; err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// insertToken adds an API token straight into the database.
func (f *matrixFixture) insertToken(t *testing.T) string {
	tok := models.APIToken{ID: uuid.Must(uuid.NewV7()).String(), Name: "cell", Scope: "delivery",
		TokenHash: fmt.Sprintf("hash-%d", f.next()), Prefix: "cms_", CreatedBy: &f.editor, CreatedAt: time.Now().UTC()}
	if err := f.env.db.Create(&tok).Error; err != nil {
		t.Fatal(err)
	}
	return tok.ID
}

// insertWebhook adds a subscription (pointing nowhere) and returns its id.
func (f *matrixFixture) insertWebhook(t *testing.T) string {
	now := time.Now().UTC()
	w := models.Webhook{ID: uuid.Must(uuid.NewV7()).String(), Name: "cell", URL: "http://127.0.0.1:9/hook",
		Events: `["entry.published"]`, Types: "[]", Enabled: true, Secret: webhooks.NewSecret(), CreatedBy: f.editor,
		CreatedAt: now, UpdatedAt: now}
	if err := f.env.db.Create(&w).Error; err != nil {
		t.Fatal(err)
	}
	return w.ID
}

// insertDelivery logs a failed attempt of a ping to the webhook.
func (f *matrixFixture) insertDelivery(t *testing.T, hook string) string {
	var id string
	err := f.env.db.Transaction(func(tx *gorm.DB) error {
		e, err := outbox.Store(tx, outbox.Event{Type: models.EventPing, ObjectType: models.ObjWebhooks, ObjectID: hook})
		if err != nil {
			return err
		}
		d := models.WebhookDelivery{ID: uuid.Must(uuid.NewV7()).String(), WebhookID: hook, EventID: e.ID, Event: e.Type,
			StatusCode: 500, Attempt: 1, CreatedAt: time.Now().UTC()}
		id = d.ID
		return tx.Create(&d).Error
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// insertComment adds a comment by author on an entry.
func (f *matrixFixture) insertComment(t *testing.T, entry, author string) string {
	c := models.Comment{ID: uuid.Must(uuid.NewV7()).String(), EntryID: entry, AuthorID: author, Kind: models.CommentNote,
		Revision: 1, Body: "Note", CreatedAt: time.Now().UTC()}
	if err := f.env.db.Create(&c).Error; err != nil {
		t.Fatal(err)
	}
	return c.ID
}

// insertMedia adds an 8×8 PNG uploaded by owner, row and file.
func (f *matrixFixture) insertMedia(t *testing.T, owner string) string {
	now := time.Now().UTC()
	id := uuid.Must(uuid.NewV7()).String()
	png := mediatest.PNG(8, 8)
	eight := 8
	m := models.Media{ID: id, Filename: "cell.png", Mime: "image/png", Kind: "image", Size: int64(len(png)), Width: &eight, Height: &eight,
		FocalX: .5, FocalY: .5, SHA256: strings.Repeat("ab", 32), StorageKey: id + "/abababab/original.png", Version: 1,
		CreatedBy: owner, CreatedAt: now, UpdatedAt: now}
	if err := f.env.db.Create(&m).Error; err != nil {
		t.Fatal(err)
	}
	if err := f.env.store.Put(t.Context(), m.StorageKey, bytes.NewReader(png), int64(len(png)), m.Mime); err != nil {
		t.Fatal(err)
	}
	return id
}

// insertEntry adds a post by author in the given status, with one revision.
func (f *matrixFixture) insertEntry(t *testing.T, author string, status models.Status) (id string, version int) {
	now := time.Now().UTC()
	e := models.Entry{ID: uuid.Must(uuid.NewV7()).String(), Type: "post", Slug: fmt.Sprintf("post-%d", f.next()), Locale: "en",
		Status: status, Version: 3, Revision: 1, Data: models.Data{"title": "Cell"}, AuthorID: author, RevisionAuthorID: author,
		CreatedAt: now, UpdatedAt: now}
	e.DocumentID = e.ID
	if status == models.StatusPublished {
		one := 1
		e.PublishedRevision, e.PublishedAt = &one, &now
	}
	if status == models.StatusScheduled {
		later := now.Add(time.Hour)
		e.PublishAt = &later
	}
	rev := models.Revision{ID: uuid.Must(uuid.NewV7()).String(), EntryID: e.ID, Number: 1, Slug: e.Slug, Data: e.Data, AuthorID: author, CreatedAt: now}
	if err := f.env.db.Create(&e).Error; err != nil {
		t.Fatal(err)
	}
	if err := f.env.db.Create(&rev).Error; err != nil {
		t.Fatal(err)
	}
	return e.ID, e.Version
}

// cell is one request of the matrix.
type cell struct {
	route  string // "METHOD path" as registered
	role   string
	own    bool // entry routes: the editor wrote the entry
	status models.Status
	want   int
}

// cells lists the matrix: every registered route × role, and for entry
// routes × own/other's × status. With successesOnly it keeps one status per
// entry route and only the cells that must succeed: removing a policy line
// can only turn a success into a refusal, and the policy does not look at
// the status, so these cells catch any removed line.
func (f *matrixFixture) cells(t *testing.T, successesOnly bool) []cell {
	var out []cell
	seen := map[string]bool{}
	for _, r := range f.env.srv.Routes() {
		if strings.HasPrefix(r.Method, "echo_") {
			continue
		}
		key := r.Method + " " + r.Path
		seen[key] = true
		if row, ok := plainRoutes[key]; ok {
			if successesOnly && row.want == [4]int{row.want[0], row.want[0], row.want[0], row.want[0]} {
				continue // the same for everyone, anonymous included: no policy line is involved
			}
			for i, role := range matrixRoles {
				if !successesOnly || row.want[i] < 300 {
					out = append(out, cell{route: key, role: role, want: row.want[i]})
				}
			}
			continue
		}
		rule, ok := entryRules[key]
		statuses := models.Statuses
		if !ok {
			if rule, ok = mediaRules[key]; !ok {
				t.Fatalf("route %s has no row in the authorization matrix: add one", key)
			}
			statuses = statuses[:1] // media have no status
		}
		if successesOnly && rule.from != nil {
			statuses = rule.from[:1]
		} else if successesOnly {
			statuses = statuses[:1]
		}
		for _, role := range matrixRoles {
			for _, own := range []bool{true, false} {
				for _, st := range statuses {
					want := rule.want(role, own, st)
					if !successesOnly || want < 300 {
						out = append(out, cell{route: key, role: role, own: own, status: st, want: want})
					}
				}
			}
		}
	}
	for key := range plainRoutes {
		if !seen[key] {
			t.Errorf("the matrix has a row for %s, which is not a route", key)
		}
	}
	for key := range entryRules {
		if !seen[key] {
			t.Errorf("the matrix has a rule for %s, which is not a route", key)
		}
	}
	for key := range mediaRules {
		if !seen[key] {
			t.Errorf("the matrix has a rule for %s, which is not a route", key)
		}
	}
	return out
}

// run calls every cell with the given policy and returns the cells whose
// status differs from the expected one.
func (f *matrixFixture) run(t *testing.T, policy string, cells []cell) []string {
	enf, err := policies.New(policy)
	if err != nil {
		t.Fatal(err)
	}
	// Same database and signing key, so the role users' tokens stay valid.
	f.env = newEnvWith(t, f.env.db, enf)
	var diffs []string
	for _, c := range cells {
		method, path, _ := strings.Cut(c.route, " ")
		path = strings.Replace(path, "*", "", 1)
		path = strings.Replace(path, ":n", "1", 1)
		var body any
		if row, ok := plainRoutes[c.route]; ok {
			if strings.Contains(path, ":comment") {
				entry, _ := f.insertEntry(t, f.editor, models.StatusDraft)
				path = strings.Replace(strings.Replace(path, ":id", entry, 1), ":comment", f.insertComment(t, entry, f.editor), 1)
			}
			if strings.Contains(path, "/webhooks/:id") {
				hook := f.insertWebhook(t)
				path = strings.Replace(path, ":id", hook, 1)
				path = strings.Replace(path, ":delivery", f.insertDelivery(t, hook), 1)
			}
			if strings.Contains(path, "/tokens/:id") {
				path = strings.Replace(path, ":id", f.insertToken(t), 1)
			}
			if strings.Contains(path, ":id") {
				path = strings.Replace(path, ":id", f.insertUser(t, fmt.Sprintf("target%d@example.com", f.next())), 1)
			}
			path = strings.Replace(strings.Replace(path, ":type", "post", 1), ":slug", "nothing-published", 1)
			if path == "/api/search" {
				path += "?q=post"
			}
			if strings.Contains(path, ":key") {
				key := "post"
				if method == "DELETE" {
					key = fmt.Sprintf("gone_%d", f.next())
					if err := f.env.db.Exec("INSERT INTO content_types (key, name, public, slug_field, fields, created_at, updated_at) VALUES (?, 'Gone', false, '', '[]', ?, ?)", key, time.Now().UTC(), time.Now().UTC()).Error; err != nil {
						t.Fatal(err)
					}
				}
				path = strings.Replace(path, ":key", key, 1)
			}
			if row.body != nil {
				body = row.body(f)
			}
		} else if rule, ok := mediaRules[c.route]; ok {
			author := f.other
			if c.own {
				author = f.editor
			}
			path = strings.Replace(strings.Replace(path, ":id", f.insertMedia(t, author), 1), ":filename", "x.png", 1)
			if rule.body != nil {
				body = rule.body(1)
			}
		} else {
			author := f.other
			if c.own {
				author = f.editor
			}
			id, version := f.insertEntry(t, author, c.status)
			path = strings.Replace(path, ":id", id, 1)
			if rule := entryRules[c.route]; rule.body != nil {
				body = rule.body(version)
			}
		}
		got := f.env.do(request{method: method, path: path, body: body, token: f.tokens[c.role]})
		if got.Status != c.want {
			diffs = append(diffs, fmt.Sprintf("%s as %s (own=%v, %s): %d, want %d %s", c.route, c.role, c.own, c.status, got.Status, c.want, got.Body))
		}
	}
	return diffs
}

// TestAuthorizationMatrix walks every route × every role (× own/other's ×
// status for entries) against the expected table, then proves the table has
// teeth: deleting any one policy line must change at least one cell.
func TestAuthorizationMatrix(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		f := newMatrixFixture(t, db)
		reads := newDeliveryFixture(t, f)
		policy := policies.DefaultPolicy()
		all := f.cells(t, false)
		for _, d := range append(f.run(t, policy, all), reads.run(t, f, policy)...) {
			t.Error(d)
		}
		t.Logf("%d cells checked, and %d delivery reads", len(all), len(deliveryReaders)*len(deliveryReads)*len(deliveryWant))
		successes := f.cells(t, true)
		lines := strings.Split(policy, "\n")
		for i, line := range lines {
			if l := strings.TrimSpace(line); l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			without := strings.Join(slices.Delete(slices.Clone(lines), i, i+1), "\n")
			diffs := f.run(t, without, successes)
			if strings.Contains(line, "content,") {
				diffs = append(diffs, reads.run(t, f, without)...)
			}
			if len(diffs) == 0 {
				t.Errorf("deleting policy line %q changed nothing: the matrix does not cover it", line)
			} else {
				t.Logf("without %q: %d cells change, e.g. %s", line, len(diffs), diffs[0])
			}
		}
	})
}
