package server

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loamcms/cms/content"
	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
)

// entryOf decodes an entry answer.
func entryOf(t *testing.T, r *response) content.EntryView {
	t.Helper()
	var e content.EntryView
	r.json(t, &e)
	return e
}

// newsroom is an env with an editor, a second editor, a reviewer and an admin.
type newsroom struct {
	*env
	editor, editor2, reviewer, admin *account
}

func newNewsroom(t *testing.T, db *database.DB, opts ...envOption) *newsroom {
	e := newEnv(t, db, opts...)
	return &newsroom{env: e,
		editor:   e.signedIn("editor@example.com", "editor"),
		editor2:  e.signedIn("editor2@example.com", "editor"),
		reviewer: e.signedIn("reviewer@example.com", "reviewer"),
		admin:    e.signedIn("admin@example.com", "admin"),
	}
}

func (n *newsroom) call(who *account, method, path string, body any) *response {
	return n.do(request{method: method, path: path, body: body, token: who.access})
}

// category creates a category entry and returns its id.
func (n *newsroom) category(t *testing.T, name string) string {
	r := n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "category", "data": map[string]any{"name": name}})
	expect(t, r, 201, "")
	return entryOf(t, r).ID
}

func TestEditorialWorkflow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		cat := n.category(t, "Public benefit messages")

		// Create: slug from the title, rich text sanitised, draft v1 r1.
		r := n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "data": map[string]any{
			"title": "What to do if ID photos leak!", "category": cat,
			"body": `<p onclick="steal()">Hello <script>alert(1)</script><a href="javascript:alert(1)">x</a><b>bold</b></p>`,
		}})
		expect(t, r, 201, "")
		e := entryOf(t, r)
		if e.Slug != "what-to-do-if-id-photos-leak" || e.Status != "draft" || e.Version != 1 || e.Revision != 1 || e.Live || e.Locale != "en" || e.Author.Name != "editor" {
			t.Fatalf("created %+v", e)
		}
		body := e.Data["body"].(string)
		if strings.Contains(body, "script") || strings.Contains(body, "onclick") || strings.Contains(body, "javascript:") || !strings.Contains(body, "<b>bold</b>") {
			t.Fatalf("body not sanitised: %s", body)
		}
		path := "/api/entries/" + e.ID

		// A second entry with the same title gets the next free slug; an explicit taken slug is a conflict.
		r = n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "data": map[string]any{"title": "What to do if ID photos leak"}})
		expect(t, r, 201, "")
		if s := entryOf(t, r).Slug; s != "what-to-do-if-id-photos-leak-2" {
			t.Fatalf("second slug %q", s)
		}
		expect(t, n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "slug": "what-to-do-if-id-photos-leak", "data": map[string]any{"title": "x"}}), 409, "conflict")
		// The same slug in another locale is fine; a locale that is not configured is not.
		expect(t, n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "locale": "de", "slug": "what-to-do-if-id-photos-leak", "data": map[string]any{"title": "x"}}), 422, "validation_failed")
		expect(t, n.call(n.admin, "PUT", "/api/locales", map[string]any{"default": "en", "locales": []map[string]any{{"code": "en"}, {"code": "de", "fallback": "en"}}}), 200, "")
		expect(t, n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "locale": "de", "slug": "what-to-do-if-id-photos-leak", "data": map[string]any{"title": "x"}}), 201, "")

		// Updates need the current version; a stale one is a conflict and changes nothing.
		r = n.call(n.editor, "PATCH", path, map[string]any{"version": 1, "data": map[string]any{"summary": "Act fast."}})
		expect(t, r, 200, "")
		if e = entryOf(t, r); e.Version != 2 || e.Revision != 2 || e.Data["summary"] != "Act fast." || e.Data["title"] != "What to do if ID photos leak!" {
			t.Fatalf("updated %+v", e)
		}
		expect(t, n.call(n.editor, "PATCH", path, map[string]any{"version": 1, "data": map[string]any{"summary": "lost update"}}), 409, "version_conflict")
		expect(t, n.call(n.editor, "PATCH", path, map[string]any{"data": map[string]any{"summary": "no version"}}), 422, "validation_failed")
		if got := entryOf(t, n.call(n.editor, "GET", path, nil)); got.Data["summary"] != "Act fast." || got.Version != 2 {
			t.Fatalf("a stale write changed the entry: %+v", got)
		}
		// Another editor may not edit it; nobody may submit someone else's entry but its owner or an admin.
		expect(t, n.call(n.editor2, "PATCH", path, map[string]any{"version": 2, "data": map[string]any{"summary": "mine now"}}), 403, "forbidden")
		expect(t, n.call(n.editor2, "POST", path+"/submit", nil), 403, "forbidden")

		// Submit; while in review nobody edits it.
		r = n.call(n.editor, "POST", path+"/submit", nil)
		expect(t, r, 200, "")
		if entryOf(t, r).Status != "in_review" {
			t.Fatalf("submit: %s", r.Body)
		}
		expect(t, n.call(n.editor, "PATCH", path, map[string]any{"version": 3, "data": map[string]any{"summary": "x"}}), 409, "invalid_transition")
		expect(t, n.call(n.editor, "POST", path+"/submit", nil), 409, "invalid_transition")
		// Editors do not review; changes need a comment.
		expect(t, n.call(n.editor2, "POST", path+"/approve", nil), 403, "forbidden")
		expect(t, n.call(n.reviewer, "POST", path+"/request-changes", map[string]any{}), 422, "validation_failed")
		r = n.call(n.reviewer, "POST", path+"/request-changes", map[string]any{"comment": "Add the bank's hotline."})
		expect(t, r, 200, "")
		if entryOf(t, r).Status != "changes_requested" {
			t.Fatalf("request changes: %s", r.Body)
		}

		// The editor sees the comment, edits, resubmits.
		r = n.call(n.editor, "GET", path+"/comments", nil)
		expect(t, r, 200, "")
		if !strings.Contains(string(r.Body), `"kind":"request_changes"`) || !strings.Contains(string(r.Body), "Add the bank") {
			t.Fatalf("comments: %s", r.Body)
		}
		r = n.call(n.editor, "PATCH", path, map[string]any{"version": 4, "data": map[string]any{"summary": "Call your bank's hotline first."}})
		expect(t, r, 200, "")
		if e = entryOf(t, r); e.Status != "changes_requested" || e.Version != 5 {
			t.Fatalf("edit after changes requested: %+v", e)
		}
		expect(t, n.call(n.editor, "POST", path+"/submit", nil), 200, "")

		// Publishing needs an approval first; then the reviewer approves and publishes.
		expect(t, n.call(n.reviewer, "POST", path+"/publish", nil), 409, "invalid_transition")
		expect(t, n.call(n.reviewer, "POST", path+"/approve", map[string]any{"comment": "Good.", "version": 1}), 409, "version_conflict")
		expect(t, n.call(n.reviewer, "POST", path+"/submit", map[string]any{"comment": "no"}), 422, "validation_failed")
		expect(t, n.call(n.reviewer, "POST", path+"/approve", map[string]any{"comment": "Good.", "version": 6}), 200, "")
		expect(t, n.call(n.editor, "POST", path+"/publish", nil), 403, "forbidden")
		r = n.call(n.reviewer, "POST", path+"/publish", nil)
		expect(t, r, 200, "")
		if e = entryOf(t, r); e.Status != "published" || !e.Live || e.PublishedAt == nil {
			t.Fatalf("publish: %+v", e)
		}

		// Editing a published entry makes a new draft; the published revision stays live.
		r = n.call(n.editor, "PATCH", path, map[string]any{"version": e.Version, "data": map[string]any{"title": "Updated title"}})
		expect(t, r, 200, "")
		if e = entryOf(t, r); e.Status != "draft" || !e.Live || e.Slug != "what-to-do-if-id-photos-leak" {
			t.Fatalf("edit after publish: %+v", e)
		}

		// History records every step in order.
		r = n.call(n.reviewer, "GET", path+"/history", nil)
		expect(t, r, 200, "")
		var hist struct{ Data []content.EventView }
		r.json(t, &hist.Data)
		var steps []string
		for _, h := range hist.Data {
			steps = append(steps, fmt.Sprintf("%s:%s>%s", h.Action, h.From, h.To))
		}
		want := "create:>draft edit:draft>draft submit:draft>in_review request_changes:in_review>changes_requested " +
			"edit:changes_requested>changes_requested submit:changes_requested>in_review approve:in_review>approved " +
			"publish:approved>published edit:published>draft"
		if strings.Join(steps, " ") != want {
			t.Fatalf("history:\n%s\nwant\n%s", strings.Join(steps, " "), want)
		}

		// Revisions: newest first; one with its data; restore makes a new revision.
		r = n.call(n.reviewer, "GET", path+"/revisions", nil)
		expect(t, r, 200, "")
		var revs struct{ Data []content.RevisionView }
		r.json(t, &revs.Data)
		if len(revs.Data) != 4 || revs.Data[0].Number != 4 || !revs.Data[0].Current || !revs.Data[1].Published || revs.Data[0].Data != nil {
			t.Fatalf("revisions: %s", r.Body)
		}
		r = n.call(n.reviewer, "GET", path+"/revisions/1", nil)
		expect(t, r, 200, "")
		if !strings.Contains(string(r.Body), "What to do if ID photos leak!") {
			t.Fatalf("revision 1: %s", r.Body)
		}
		expect(t, n.call(n.reviewer, "GET", path+"/revisions/99", nil), 404, "not_found")
		expect(t, n.call(n.reviewer, "GET", path+"/revisions/x", nil), 400, "bad_request")
		expect(t, n.call(n.editor, "POST", path+"/revisions/1/restore", map[string]any{"version": 1}), 409, "version_conflict")
		r = n.call(n.editor, "POST", path+"/revisions/1/restore", map[string]any{"version": e.Version})
		expect(t, r, 200, "")
		if e = entryOf(t, r); e.Revision != 5 || e.Data["title"] != "What to do if ID photos leak!" || e.Data["summary"] != nil {
			t.Fatalf("restore: %+v", e)
		}

		// Unpublish takes it off; the editor may then delete it.
		// A live entry is unpublished from any status (here a draft of an
		// edit); the working copy keeps its status.
		r = n.call(n.reviewer, "POST", path+"/unpublish", nil)
		expect(t, r, 200, "")
		if e = entryOf(t, r); e.Live || e.Status != "draft" {
			t.Fatalf("unpublish: %+v", e)
		}
		expect(t, n.call(n.reviewer, "POST", path+"/unpublish", nil), 409, "invalid_transition") // no longer live
		expect(t, n.call(n.editor2, "DELETE", path, nil), 403, "forbidden")
		expect(t, n.call(n.editor, "DELETE", path, nil), 204, "")
		expect(t, n.call(n.editor, "GET", path, nil), 404, "not_found")

		// Lists filter by type, status, author and text.
		r = n.call(n.reviewer, "GET", "/api/entries?type=post&sort=-created_at&limit=10", nil)
		expect(t, r, 200, "")
		var list listBody[content.EntryView]
		r.json(t, &list)
		if list.Meta.Total != 2 || len(list.Data) != 2 {
			t.Fatalf("list: %s", r.Body)
		}
		r = n.call(n.reviewer, "GET", "/api/entries?search=PUBLIC+BENEFIT", nil)
		list = listBody[content.EntryView]{}
		r.json(t, &list)
		if list.Meta.Total != 1 || list.Data[0].Type != "category" {
			t.Fatalf("search: %s", r.Body)
		}
		r = n.call(n.editor2, "GET", "/api/entries?author=me", nil)
		list = listBody[content.EntryView]{}
		r.json(t, &list)
		if list.Meta.Total != 0 {
			t.Fatalf("author=me: %s", r.Body)
		}
		expect(t, n.call(n.reviewer, "GET", "/api/entries?status=bogus", nil), 400, "bad_request")
		expect(t, n.call(n.reviewer, "GET", "/api/entries?sort=password_hash", nil), 400, "bad_request")
		expect(t, n.call(n.reviewer, "GET", "/api/entries?author=x", nil), 400, "bad_request")

		// Authors of content cannot be deleted (their work names them); they can be disabled.
		expect(t, n.call(n.admin, "DELETE", "/api/users/"+n.editor.user.ID, nil), 409, "conflict")
		expect(t, n.call(n.admin, "PATCH", "/api/users/"+n.editor.user.ID, map[string]any{"disabled": true}), 200, "")
	})
}

func TestFourEyes(t *testing.T) {
	for _, self := range []bool{false, true} {
		t.Run(fmt.Sprintf("self-approval=%v", self), func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, db *database.DB) {
				n := newNewsroom(t, db, func(c *envConfig) { c.content.SelfApproval = self })
				// An admin writes and submits a post.
				r := n.call(n.admin, "POST", "/api/entries", map[string]any{"type": "post", "data": map[string]any{"title": "Admin's own"}})
				expect(t, r, 201, "")
				path := "/api/entries/" + entryOf(t, r).ID
				expect(t, n.call(n.admin, "POST", path+"/submit", nil), 200, "")
				if self {
					expect(t, n.call(n.admin, "POST", path+"/approve", nil), 200, "")
				} else {
					expect(t, n.call(n.admin, "POST", path+"/approve", nil), 403, "forbidden")
					expect(t, n.call(n.admin, "POST", path+"/request-changes", map[string]any{"comment": "me"}), 403, "forbidden")
				}
				// A reviewer who edited a revision never approves it, whatever the setting.
				r = n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "data": map[string]any{"title": "Team work"}})
				e := entryOf(t, r)
				path = "/api/entries/" + e.ID
				rev := n.signedIn(fmt.Sprintf("rev-editor-%v@example.com", self), "reviewer", "editor")
				expect(t, n.call(n.admin, "PATCH", path, map[string]any{"version": 1, "data": map[string]any{"summary": "admin touch"}}), 200, "")
				expect(t, n.call(n.editor, "POST", path+"/submit", nil), 200, "")
				// The admin wrote revision 2: the admin may approve only on a one-person site.
				if self {
					expect(t, n.call(n.admin, "POST", path+"/approve", nil), 200, "")
				} else {
					expect(t, n.call(n.admin, "POST", path+"/approve", nil), 403, "forbidden")
					expect(t, n.call(rev, "POST", path+"/approve", nil), 200, "")
				}
			})
		})
	}
}

func TestContentTypeValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		cat := n.category(t, "News")
		// A type with every kind of rule.
		r := n.call(n.admin, "POST", "/api/content-types", map[string]any{
			"key": "event", "name": "Event", "slug_field": "title",
			"fields": []map[string]any{
				{"name": "title", "type": "text", "required": true, "min": 3, "max": 20},
				{"name": "seats", "type": "integer", "min": 1, "max": 500},
				{"name": "price", "type": "number", "min": 0},
				{"name": "kind", "type": "select", "options": []string{"talk", "workshop"}},
				{"name": "day", "type": "date"},
				{"name": "starts", "type": "datetime"},
				{"name": "online", "type": "boolean"},
				{"name": "topics", "type": "relation", "to": "category", "many": true},
				{"name": "extra", "type": "json"},
				{"name": "notes", "type": "markdown"},
			},
		})
		expect(t, r, 201, "")
		expect(t, n.call(n.admin, "POST", "/api/content-types", map[string]any{"key": "event", "name": "Again", "fields": []map[string]any{{"name": "a", "type": "text"}}}), 409, "conflict")
		expect(t, n.call(n.editor, "POST", "/api/content-types", map[string]any{"key": "x", "name": "X", "fields": []map[string]any{{"name": "a", "type": "text"}}}), 403, "forbidden")
		r = n.call(n.admin, "POST", "/api/content-types", map[string]any{"key": "Bad Key", "name": "", "slug_field": "nope", "fields": []map[string]any{
			{"name": "slug", "type": "text"}, {"name": "a", "type": "colour"}, {"name": "b", "type": "select"}, {"name": "c", "type": "relation", "to": "ghost"},
		}})
		expect(t, r, 422, "validation_failed")
		for _, f := range []string{"key", "name", "slug_field", "fields[0].name", "fields[1].type", "fields[2].options", "fields[3].to"} {
			if !strings.Contains(string(r.Body), `"`+f+`"`) {
				t.Errorf("no message for %s: %s", f, r.Body)
			}
		}

		// Entry data is checked field by field, all problems at once.
		r = n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "event", "data": map[string]any{
			"title": "ab", "seats": 2.5, "price": -1, "kind": "party", "day": "27/11/2026", "starts": "tomorrow",
			"online": "yes", "topics": []string{cat, "01a21b6e-0000-7000-8000-000000000000"}, "ghost": 1,
		}})
		expect(t, r, 422, "validation_failed")
		var eb struct {
			Error struct {
				Fields map[string]string `json:"fields"`
			} `json:"error"`
		}
		r.json(t, &eb)
		for _, f := range []string{"title", "seats", "price", "kind", "day", "starts", "online", "topics", "ghost"} {
			if eb.Error.Fields[f] == "" {
				t.Errorf("no message for %s: %s", f, r.Body)
			}
		}
		// A relation must point at an entry of the right type.
		post := entryOf(t, n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "data": map[string]any{"title": "A post"}}))
		expect(t, n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "data": map[string]any{"title": "B", "category": post.ID}}), 422, "validation_failed")
		expect(t, n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "data": map[string]any{}}), 422, "validation_failed")
		expect(t, n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "ghost", "data": map[string]any{}}), 422, "validation_failed")
		r = n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "event", "data": map[string]any{
			"title": "Fine event", "seats": 40, "price": 12.5, "kind": "talk", "day": "2026-11-27", "starts": "2026-11-27T10:00:00+01:00",
			"online": true, "topics": []string{cat, cat}, "extra": map[string]any{"a": []int{1}}, "notes": "# Hi",
		}})
		expect(t, r, 201, "")
		ev := entryOf(t, r)
		if ev.Data["starts"] != "2026-11-27T09:00:00Z" || len(ev.Data["topics"].([]any)) != 1 {
			t.Fatalf("stored %+v", ev.Data)
		}

		// A type with entries cannot be deleted; changing it keeps entries.
		expect(t, n.call(n.admin, "DELETE", "/api/content-types/event", nil), 409, "conflict")
		expect(t, n.call(n.admin, "DELETE", "/api/content-types/category", nil), 409, "conflict")
		r = n.call(n.admin, "PATCH", "/api/content-types/event", map[string]any{"public": true, "fields": []map[string]any{{"name": "title", "type": "text", "required": true}}})
		expect(t, r, 200, "")
		// The dropped fields are dropped on the next edit, which must not fail because of them.
		r = n.call(n.editor, "PATCH", "/api/entries/"+ev.ID, map[string]any{"version": 1, "data": map[string]any{"title": "Renamed"}})
		expect(t, r, 200, "")
		if b, _ := json.Marshal(entryOf(t, r).Data); string(b) != `{"title":"Renamed"}` {
			t.Fatalf("data after type change: %s", b)
		}
		expect(t, n.call(n.editor, "GET", "/api/content-types", nil), 200, "")
		expect(t, n.call(n.reviewer, "GET", "/api/content-types/post", nil), 200, "")
		expect(t, n.call(n.reviewer, "GET", "/api/content-types/ghost", nil), 404, "not_found")
	})
}

// TestLiveEntriesAndAllowedActions covers the workflow rules of a live
// entry and that allowed_actions says exactly what the caller may do.
func TestLiveEntriesAndAllowedActions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		actions := func(who *account, id string) string {
			t.Helper()
			r := n.call(who, "GET", "/api/entries/"+id, nil)
			expect(t, r, 200, "")
			return fmt.Sprint(entryOf(t, r).AllowedActions)
		}
		r := n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "data": map[string]any{"title": "Live rules"}})
		expect(t, r, 201, "")
		e := entryOf(t, r)
		if got := fmt.Sprint(e.AllowedActions); got != "[edit submit delete]" {
			t.Errorf("the author's draft: %s", got)
		}
		for who, want := range map[*account]string{n.editor2: "[]", n.reviewer: "[]", n.admin: "[edit submit delete]"} {
			if got := actions(who, e.ID); got != want {
				t.Errorf("%s on a draft: %s, want %s", who.user.Email, got, want)
			}
		}
		id := n.publish(t, "post", map[string]any{"title": "Published and edited"})
		if got := actions(n.reviewer, id); got != "[unpublish]" {
			t.Errorf("reviewer on a published entry: %s", got)
		}
		// Edited while live: a draft that cannot be deleted, but can be unpublished.
		cur := entryOf(t, n.call(n.editor, "GET", "/api/entries/"+id, nil))
		expect(t, n.call(n.editor, "PATCH", "/api/entries/"+id, map[string]any{"version": cur.Version, "data": map[string]any{"summary": "more"}}), 200, "")
		if got := actions(n.editor, id); got != "[edit submit]" {
			t.Errorf("author of a live draft: %s", got)
		}
		expect(t, n.call(n.editor, "DELETE", "/api/entries/"+id, nil), 409, "invalid_transition")
		expect(t, n.call(n.admin, "DELETE", "/api/entries/"+id, nil), 409, "invalid_transition")
		expect(t, n.call(n.editor, "POST", "/api/entries/"+id+"/submit", nil), 200, "")
		if got := actions(n.reviewer, id); got != "[approve request_changes unpublish]" {
			t.Errorf("reviewer on a live entry in review: %s", got)
		}
		r = n.call(n.reviewer, "POST", "/api/entries/"+id+"/unpublish", nil)
		expect(t, r, 200, "")
		if e := entryOf(t, r); e.Live || e.Status != "in_review" {
			t.Errorf("unpublished in review: %+v", e)
		}
		expect(t, n.call(n.reviewer, "POST", "/api/entries/"+id+"/withdraw", nil), 403, "forbidden")
		expect(t, n.call(n.editor, "POST", "/api/entries/"+id+"/withdraw", nil), 200, "")
		expect(t, n.call(n.editor, "DELETE", "/api/entries/"+id, nil), 204, "")

		// Cancelling a schedule: back to approved, nothing goes live.
		r = n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "data": map[string]any{"title": "Later"}})
		sid := entryOf(t, r).ID
		expect(t, n.call(n.editor, "POST", "/api/entries/"+sid+"/submit", nil), 200, "")
		expect(t, n.call(n.reviewer, "POST", "/api/entries/"+sid+"/approve", nil), 200, "")
		expect(t, n.call(n.reviewer, "POST", "/api/entries/"+sid+"/publish", map[string]any{"at": time.Now().Add(time.Hour).UTC()}), 200, "")
		if got := actions(n.reviewer, sid); got != "[cancel_schedule unpublish]" {
			t.Errorf("reviewer on a scheduled entry: %s", got)
		}
		expect(t, n.call(n.editor, "POST", "/api/entries/"+sid+"/cancel-schedule", nil), 403, "forbidden")
		r = n.call(n.reviewer, "POST", "/api/entries/"+sid+"/cancel-schedule", nil)
		expect(t, r, 200, "")
		if e := entryOf(t, r); e.Status != "approved" || e.Live || e.PublishAt != nil {
			t.Errorf("cancelled: %+v", e)
		}
		expect(t, n.call(n.reviewer, "POST", "/api/entries/"+sid+"/cancel-schedule", nil), 409, "invalid_transition")
	})
}

// TestRestoreKeepsTheWordsAuthor: a restored revision keeps its original
// author, so whoever wrote those words still cannot approve them after
// someone else restored them.
func TestRestoreKeepsTheWordsAuthor(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		both := n.signedIn("both@example.com", "editor", "reviewer")
		r := n.call(both, "POST", "/api/entries", map[string]any{"type": "post", "data": map[string]any{"title": "Words of both"}})
		e := entryOf(t, r)
		r = n.call(n.admin, "PATCH", "/api/entries/"+e.ID, map[string]any{"version": e.Version, "data": map[string]any{"title": "The admin's words"}})
		e = entryOf(t, r)
		r = n.call(n.admin, "POST", "/api/entries/"+e.ID+"/revisions/1/restore", map[string]any{"version": e.Version})
		expect(t, r, 200, "")
		if e = entryOf(t, r); e.RevisionAuthor.ID != both.user.ID || e.Data["title"] != "Words of both" {
			t.Fatalf("restored: %+v", e)
		}
		expect(t, n.call(n.admin, "POST", "/api/entries/"+e.ID+"/submit", nil), 200, "")
		expect(t, n.call(both, "POST", "/api/entries/"+e.ID+"/approve", nil), 403, "forbidden")
		expect(t, n.call(n.reviewer, "POST", "/api/entries/"+e.ID+"/approve", nil), 200, "")
	})
}

func TestCommentsEditResolveMention(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		r := n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "data": map[string]any{"title": "Thread"}})
		id := entryOf(t, r).ID
		path := "/api/entries/" + id + "/comments"

		r = n.call(n.reviewer, "GET", "/api/people", nil)
		expect(t, r, 200, "")
		var people struct{ Data []struct{ ID, Name string } }
		r.json(t, &people)
		if len(people.Data) != 4 {
			t.Fatalf("people: %+v", people)
		}

		r = n.call(n.editor, "POST", path, map[string]any{"body": "@reviewer can you look?", "mentions": []string{n.reviewer.user.ID, n.reviewer.user.ID}})
		expect(t, r, 201, "")
		var c content.CommentView
		r.json(t, &c)
		if len(c.Mentions) != 1 || c.Mentions[0].ID != n.reviewer.user.ID || c.Resolved || c.EditedAt != nil {
			t.Fatalf("comment %+v", c)
		}
		expect(t, n.call(n.editor, "POST", path, map[string]any{"body": "x", "mentions": []string{"01900000-0000-7000-8000-000000000000"}}), 422, "validation_failed")
		expect(t, n.call(n.editor, "POST", path, map[string]any{"body": "x", "mentions": []string{"nobody"}}), 422, "validation_failed")

		one := path + "/" + c.ID
		r = n.call(n.editor, "PATCH", one, map[string]any{"body": "@reviewer could you look, please?"})
		expect(t, r, 200, "")
		r.json(t, &c)
		if c.Body != "@reviewer could you look, please?" || c.EditedAt == nil {
			t.Errorf("edited %+v", c)
		}
		expect(t, n.call(n.reviewer, "PATCH", one, map[string]any{"body": "mine now"}), 403, "forbidden")
		expect(t, n.call(n.reviewer, "PATCH", one, map[string]any{"resolved": true}), 403, "forbidden")
		expect(t, n.call(n.editor, "PATCH", one, map[string]any{}), 422, "validation_failed")
		expect(t, n.call(n.editor, "PATCH", one, map[string]any{"body": "  "}), 422, "validation_failed")
		expect(t, n.call(n.editor, "PATCH", path+"/01900000-0000-7000-8000-000000000000", map[string]any{"resolved": true}), 404, "not_found")
		expect(t, n.call(n.editor, "PATCH", path+"/nope", map[string]any{"resolved": true}), 404, "not_found")
		r = n.call(n.admin, "PATCH", one, map[string]any{"resolved": true})
		expect(t, r, 200, "")
		if r.json(t, &c); !c.Resolved {
			t.Error("not resolved")
		}

		// A change request is part of the record: its words stay, but its author resolves it.
		expect(t, n.call(n.editor, "POST", "/api/entries/"+id+"/submit", nil), 200, "")
		expect(t, n.call(n.reviewer, "POST", "/api/entries/"+id+"/request-changes", map[string]any{"comment": "Add sources."}), 200, "")
		var thread []content.CommentView
		n.call(n.editor, "GET", path, nil).json(t, &thread)
		req := thread[len(thread)-1]
		if req.Kind != "request_changes" {
			t.Fatalf("thread %+v", thread)
		}
		expect(t, n.call(n.reviewer, "PATCH", path+"/"+req.ID, map[string]any{"body": "rewritten"}), 403, "forbidden")
		expect(t, n.call(n.reviewer, "PATCH", path+"/"+req.ID, map[string]any{"resolved": true}), 200, "")
	})
}

// TestFieldRulesAndRenames: help text, patterns and unique values, and a
// renamed field taking its data along (working copies, revisions, the
// published snapshot).
func TestFieldRulesAndRenames(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		fields := []map[string]any{
			{"name": "title", "type": "text", "required": true},
			{"name": "code", "type": "text", "pattern": "[A-Z]{3}-[0-9]+", "unique": true, "help": "Like ABC-12"},
			{"name": "note", "type": "text"},
		}
		expect(t, n.call(n.admin, "POST", "/api/content-types", map[string]any{"key": "ticket", "name": "Ticket", "slug_field": "title",
			"fields": []map[string]any{{"name": "t", "type": "text", "pattern": "("}}}), 422, "validation_failed")
		expect(t, n.call(n.admin, "POST", "/api/content-types", map[string]any{"key": "ticket", "name": "Ticket", "slug_field": "title",
			"fields": []map[string]any{{"name": "n", "type": "number", "unique": true}}}), 422, "validation_failed")
		r := n.call(n.admin, "POST", "/api/content-types", map[string]any{"key": "ticket", "name": "Ticket", "slug_field": "title", "fields": fields})
		expect(t, r, 201, "")
		if !strings.Contains(string(r.Body), `"help":"Like ABC-12"`) {
			t.Errorf("help lost: %s", r.Body)
		}
		create := func(data map[string]any) *response {
			return n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "ticket", "data": data})
		}
		expect(t, create(map[string]any{"title": "A", "code": "abc-1"}), 422, "validation_failed")
		first := entryOf(t, create(map[string]any{"title": "A", "code": "ABC-1", "note": "first note"}))
		r = create(map[string]any{"title": "B", "code": "ABC-1"})
		expect(t, r, 422, "validation_failed")
		if !strings.Contains(string(r.Body), "code") {
			t.Errorf("unique: %s", r.Body)
		}
		expect(t, n.call(n.editor, "PATCH", "/api/entries/"+first.ID, map[string]any{"version": first.Version, "data": map[string]any{"title": "A2"}}), 200, "") // its own value is no clash

		// Publish it, then rename note → remark.
		expect(t, n.call(n.editor, "POST", "/api/entries/"+first.ID+"/submit", nil), 200, "")
		expect(t, n.call(n.reviewer, "POST", "/api/entries/"+first.ID+"/approve", nil), 200, "")
		expect(t, n.call(n.reviewer, "POST", "/api/entries/"+first.ID+"/publish", nil), 200, "")
		renamed := []map[string]any{fields[0], fields[1], {"name": "remark", "type": "text", "renamed_from": "note"}}
		bad := []map[string]any{fields[0], fields[1], fields[2], {"name": "remark", "type": "text", "renamed_from": "note"}}
		expect(t, n.call(n.admin, "PATCH", "/api/content-types/ticket", map[string]any{"fields": bad}), 422, "validation_failed")
		wrongType := []map[string]any{fields[0], fields[1], {"name": "remark", "type": "number", "renamed_from": "note"}}
		expect(t, n.call(n.admin, "PATCH", "/api/content-types/ticket", map[string]any{"fields": wrongType}), 422, "validation_failed")
		r = n.call(n.admin, "PATCH", "/api/content-types/ticket", map[string]any{"fields": renamed})
		expect(t, r, 200, "")
		if strings.Contains(string(r.Body), "renamed_from") {
			t.Errorf("renamed_from was stored: %s", r.Body)
		}
		e := entryOf(t, n.call(n.editor, "GET", "/api/entries/"+first.ID, nil))
		if e.Data["remark"] != "first note" || e.Data["note"] != nil {
			t.Errorf("working copy: %v", e.Data)
		}
		var rev content.RevisionView
		n.call(n.editor, "GET", "/api/entries/"+first.ID+"/revisions/1", nil).json(t, &rev)
		if rev.Data["remark"] != "first note" {
			t.Errorf("revision 1: %v", rev.Data)
		}
		_, secret := n.token(t, "delivery")
		r = n.do(request{method: "GET", path: "/api/content/ticket/a?filter[remark]=first%20note", token: secret})
		expect(t, r, 200, "")
		if !strings.Contains(string(r.Body), `"remark":"first note"`) {
			t.Errorf("delivered: %s", r.Body)
		}
	})
}
