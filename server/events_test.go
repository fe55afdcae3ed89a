package server

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
	"github.com/loamcms/cms/internal/mediatest"
	"github.com/loamcms/cms/webhooks"
)

// receiver is a site's webhook endpoint: it checks every signature with
// the secret it was given and keeps what it received.
type receiver struct {
	*httptest.Server
	mu     sync.Mutex
	secret string
	got    []received
	t      *testing.T
}

type received struct {
	ID    string
	Event string          `json:"event"`
	Data  json.RawMessage `json:"data"`
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{t: t}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		id := r.Header.Get("webhook-id")
		if err := webhooks.Verify(rc.secret, id, r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature"), body, time.Now()); err != nil {
			t.Errorf("bad signature on %s: %v", id, err)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		var d received
		if err := json.Unmarshal(body, &d); err != nil {
			t.Errorf("delivery body %s: %v", body, err)
		}
		d.ID = id
		rc.got = append(rc.got, d)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// wait returns the deliveries once there are at least n, failing after 10 s.
func (rc *receiver) wait(n int) []received {
	rc.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		rc.mu.Lock()
		got := slices.Clone(rc.got)
		rc.mu.Unlock()
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			rc.t.Fatalf("%d deliveries after 10 s, want %d", len(got), n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// eventually polls check every 20 ms for up to 10 s.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !check() {
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestPublishReachesWebhookAuditAndNotifications follows one article from
// creation to publication through all three consumers of the outbox, over
// HTTP as a site and the admin UI see it.
func TestPublishReachesWebhookAuditAndNotifications(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		n.startOutbox()
		rc := newReceiver(t)

		r := n.call(n.admin, "POST", "/api/webhooks", map[string]any{"name": "Site", "url": rc.URL + "/hook",
			"events": []string{"entry.published", "entry.unpublished"}, "types": []string{"post"}})
		expect(t, r, 201, "")
		var hook struct{ ID, Secret string }
		r.json(t, &hook)
		if !strings.HasPrefix(hook.Secret, "whsec_") {
			t.Fatalf("secret %q", hook.Secret)
		}
		rc.mu.Lock()
		rc.secret = hook.Secret
		rc.mu.Unlock()
		if r := n.call(n.admin, "GET", "/api/webhooks/"+hook.ID, nil); strings.Contains(string(r.Body), hook.Secret) {
			t.Fatal("the secret is shown again")
		}
		expect(t, n.call(n.editor, "GET", "/api/webhooks", nil), 403, "forbidden")

		id := n.publish(t, "post", map[string]any{"title": "Hello hooks"})
		got := rc.wait(1)
		if got[0].Event != "entry.published" {
			t.Fatalf("first delivery %+v", got[0])
		}
		var item map[string]any
		if err := json.Unmarshal(got[0].Data, &item); err != nil || item["id"] != id || item["title"] != "Hello hooks" || item["slug"] == nil {
			t.Fatalf("entry.published data is not the delivery item: %s", got[0].Data)
		}

		// The log shows the attempt.
		var log struct {
			Data []struct {
				ID, Event  string
				EventID    string `json:"event_id"`
				StatusCode int    `json:"status_code"`
			}
		}
		eventually(t, "the attempt is logged", func() bool {
			r = n.call(n.admin, "GET", "/api/webhooks/"+hook.ID+"/deliveries", nil)
			expect(t, r, 200, "")
			r.json(t, &log)
			return len(log.Data) > 0
		})
		if len(log.Data) != 1 || log.Data[0].StatusCode != 204 || log.Data[0].EventID != got[0].ID {
			t.Fatalf("delivery log %s", r.Body)
		}
		// Redelivery sends the same webhook-id.
		expect(t, n.call(n.admin, "POST", "/api/webhooks/"+hook.ID+"/deliveries/"+log.Data[0].ID+"/redeliver", nil), 202, "")
		if again := rc.wait(2); again[1].ID != got[0].ID {
			t.Fatalf("redelivered as %s, first as %s", again[1].ID, got[0].ID)
		}

		// Delivery answers name what they show, for CDN purges by tag.
		r = n.call(n.editor, "GET", "/api/content/post", nil)
		expect(t, r, 200, "")
		if tags := r.Header.Get("Cache-Tag"); !strings.Contains(tags, "type:post") || !strings.Contains(tags, "entry:"+id) {
			t.Fatalf("Cache-Tag %q", tags)
		}

		// The audit log has the whole story, with who, from where, which request.
		type record struct {
			Action, Summary, IP string
			RequestID           string `json:"request_id"`
			Actor               struct{ ID, Name string }
		}
		var audit struct {
			Data []record
			Meta listMeta
		}
		eventually(t, "the audit log records the publish", func() bool {
			r = n.call(n.admin, "GET", "/api/audit?object_id="+id, nil)
			expect(t, r, 200, "")
			r.json(t, &audit)
			return len(audit.Data) >= 4
		})
		var actions []string
		for _, rec := range audit.Data {
			actions = append(actions, rec.Action)
			if rec.IP == "" || rec.RequestID == "" || rec.Actor.Name == "" {
				t.Errorf("record without actor, ip or request id: %+v", rec)
			}
		}
		if want := []string{"entry.published", "entry.approved", "entry.submitted", "entry.created"}; !slices.Equal(actions, want) {
			t.Fatalf("actions %v, want %v (newest first)", actions, want)
		}
		expect(t, n.call(n.editor, "GET", "/api/audit", nil), 403, "forbidden")
		expect(t, n.call(n.admin, "GET", "/api/audit?from=yesterday", nil), 400, "bad_request")

		// A failed sign-in is recorded, without the password tried.
		expect(t, n.do(request{method: "POST", path: "/api/auth/login", body: map[string]string{"email": "editor@example.com", "password": "guess-one-two-three"}}), 401, "unauthorized")
		eventually(t, "the failed sign-in is in the log", func() bool {
			r = n.call(n.admin, "GET", "/api/audit?action=user.sign_in_failed", nil)
			r.json(t, &audit)
			return len(audit.Data) == 1
		})
		if strings.Contains(string(r.Body), "guess-one-two-three") || !strings.Contains(audit.Data[0].Summary, "wrong password") || audit.Data[0].Actor.ID != "" {
			t.Fatalf("failed sign-in record (no actor: whoever typed it is unknown) %s", r.Body)
		}
		expect(t, n.call(n.admin, "GET", "/api/audit?action="+strings.Repeat("entry.created,", 60), nil), 422, "validation_failed")

		// Webhooks go to sites: events of working copies carry no words.
		var created string
		if err := db.Raw("SELECT data FROM outbox_events WHERE type = 'entry.created' AND object_id = ?", id).Scan(&created).Error; err != nil {
			t.Fatal(err)
		}
		if strings.Contains(created, "Hello hooks") || !strings.Contains(created, id) {
			t.Fatalf("entry.created data %s", created)
		}
		// The webhook's creation is there, its secret is not.
		r = n.call(n.admin, "GET", "/api/audit?action=webhook.", nil)
		if !strings.Contains(string(r.Body), "webhook.created") || strings.Contains(string(r.Body), hook.Secret) {
			t.Fatalf("webhook records %s", r.Body)
		}

		// CSV export of the same filter.
		r = n.call(n.admin, "GET", "/api/audit?format=csv&object_id="+id, nil)
		expect(t, r, 200, "")
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Fatalf("export content type %q", ct)
		}
		if lines := strings.Split(strings.TrimSpace(string(r.Body)), "\n"); len(lines) != 5 || !strings.HasPrefix(lines[0], "id,at,actor_id") {
			t.Fatalf("export:\n%s", r.Body)
		}

		// Append-only, also for someone with the database: updates are refused.
		if err := db.Exec("UPDATE audit_records SET summary = 'rewritten'").Error; err == nil {
			t.Fatal("an audit record was rewritten")
		}

		// Notifications: the author heard of the approval and the publish,
		// the reviewer of the submission; a mention reaches the one named.
		type notes struct {
			Data []struct {
				ID, Kind string
				Entry    struct{ ID, Title string }
				Read     bool
			}
			Meta struct{ Unread int }
		}
		var mine notes
		eventually(t, "the author is notified", func() bool {
			n.call(n.editor, "GET", "/api/notifications", nil).json(t, &mine)
			return mine.Meta.Unread == 2
		})
		if mine.Data[0].Kind != "published" || mine.Data[1].Kind != "approved" || mine.Data[0].Entry.ID != id || mine.Data[0].Entry.Title != "Hello hooks" {
			t.Fatalf("author's notifications %+v", mine)
		}
		var theirs notes
		n.call(n.reviewer, "GET", "/api/notifications", nil).json(t, &theirs)
		if len(theirs.Data) != 1 || theirs.Data[0].Kind != "submitted" {
			t.Fatalf("reviewer's notifications %+v", theirs)
		}
		expect(t, n.call(n.reviewer, "POST", "/api/entries/"+id+"/comments", map[string]any{
			"body": "@Editor2 can you check the dates?", "mentions": []string{n.editor2.user.ID}}), 201, "")
		var named notes
		eventually(t, "the person mentioned is notified", func() bool {
			n.call(n.editor2, "GET", "/api/notifications", nil).json(t, &named)
			return len(named.Data) == 1
		})
		if named.Data[0].Kind != "mention" {
			t.Fatalf("mention notification %+v", named)
		}
		eventually(t, "the author hears of the comment", func() bool {
			n.call(n.editor, "GET", "/api/notifications", nil).json(t, &mine)
			return mine.Meta.Unread == 3 && mine.Data[0].Kind == "comment"
		})
		// Marking one read, then the rest; someone else's id is ignored.
		expect(t, n.call(n.editor, "POST", "/api/notifications/read", map[string]any{"ids": []string{mine.Data[0].ID, named.Data[0].ID}}), 204, "")
		n.call(n.editor, "GET", "/api/notifications", nil).json(t, &mine)
		n.call(n.editor2, "GET", "/api/notifications", nil).json(t, &named)
		if mine.Meta.Unread != 2 || !mine.Data[0].Read || named.Meta.Unread != 1 {
			t.Fatalf("after reading one: mine %+v, theirs %+v", mine.Meta, named.Meta)
		}
		expect(t, n.call(n.editor, "POST", "/api/notifications/read", nil), 204, "")
		n.call(n.editor, "GET", "/api/notifications", nil).json(t, &mine)
		if mine.Meta.Unread != 0 {
			t.Fatalf("after reading all: %+v", mine.Meta)
		}

		// Unpublishing is delivered too; a rolled-back attempt (a stale
		// version) sends nothing.
		var e struct{ Version int }
		n.call(n.reviewer, "GET", "/api/entries/"+id, nil).json(t, &e)
		expect(t, n.call(n.reviewer, "POST", "/api/entries/"+id+"/unpublish", map[string]any{"version": e.Version - 1}), 409, "version_conflict")
		expect(t, n.call(n.reviewer, "POST", "/api/entries/"+id+"/unpublish", map[string]any{"version": e.Version}), 200, "")
		got = rc.wait(3)
		time.Sleep(300 * time.Millisecond) // room for a wrong extra delivery to arrive
		got = rc.wait(3)
		if len(got) != 3 || got[2].Event != "entry.unpublished" {
			t.Fatalf("deliveries %+v", got)
		}
	})
}

// TestEventConsumersFailAlone: a notification that cannot be written (the
// person mentioned was deleted before the event was dispatched) costs
// nobody else anything: the audit record, the author's notification and
// the webhook delivery of the same event all happen.
func TestEventConsumersFailAlone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		gone := n.newUser("gone@example.com", "editor")
		r := n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "data": map[string]any{"title": "Mentions"}})
		expect(t, r, 201, "")
		id := entryOf(t, r).ID
		expect(t, n.call(n.reviewer, "POST", "/api/entries/"+id+"/comments", map[string]any{
			"body": "@Gone have a look", "mentions": []string{gone.user.ID}}), 201, "")
		expect(t, n.call(n.admin, "DELETE", "/api/users/"+gone.user.ID, nil), 204, "")
		n.startOutbox() // only now is the comment's event dispatched

		var notes struct{ Data []struct{ Kind string } }
		eventually(t, "the author hears of the comment", func() bool {
			n.call(n.editor, "GET", "/api/notifications", nil).json(t, &notes)
			return len(notes.Data) == 1 && notes.Data[0].Kind == "comment"
		})
		var audit struct{ Data []struct{ Action string } }
		n.call(n.admin, "GET", "/api/audit?action=comment.created", nil).json(t, &audit)
		if len(audit.Data) != 1 {
			t.Fatalf("audit of the comment: %+v", audit)
		}
	})
}

// TestCacheTagsNameEmbeddedEntries: an answer that embeds a category with
// include= is tagged with the category too, so purging it purges the posts.
func TestCacheTagsNameEmbeddedEntries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		cat := n.publish(t, "category", map[string]any{"name": "Notes"})
		post := n.publish(t, "post", map[string]any{"title": "Tagged", "category": cat})
		r := n.call(n.editor, "GET", "/api/content/post?include=category", nil)
		expect(t, r, 200, "")
		if tags := r.Header.Get("Cache-Tag"); !strings.Contains(tags, "entry:"+post) || !strings.Contains(tags, "entry:"+cat) {
			t.Fatalf("Cache-Tag %q lacks the post or its category", tags)
		}
	})
}

// TestPublishedEventCarriesTheDeliveryItem: entry.published's data is the
// item as the delivery API shows it, its media expanded (url, alt, size).
func TestPublishedEventCarriesTheDeliveryItem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		hero := n.upload(t, n.editor, upload{filename: "hero.png", data: mediatest.PNG(40, 20), fields: map[string]string{"alt": "A field"}})
		id := n.publish(t, "post", map[string]any{"title": "With a hero", "hero": hero.ID})
		var data string
		if err := db.Raw("SELECT data FROM outbox_events WHERE type = 'entry.published' AND object_id = ?", id).Scan(&data).Error; err != nil {
			t.Fatal(err)
		}
		var item struct {
			Title string
			Hero  struct{ ID, URL, Alt string }
		}
		if err := json.Unmarshal([]byte(data), &item); err != nil || item.Title != "With a hero" || item.Hero.ID != hero.ID || item.Hero.Alt != "A field" || !strings.HasPrefix(item.Hero.URL, "/media/") {
			t.Fatalf("entry.published data %s", data)
		}
	})
}
