package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
	"github.com/loamcms/cms/migrations"
	"github.com/loamcms/cms/models"
	"github.com/loamcms/cms/webhooks"
)

// TestThreeServersOnePostgres: three instances on one database. A token
// minted on A works on B and C; what A publishes, B and C serve within
// the bound; and after the database drops every instance's LISTEN
// connection, invalidation still arrives (reconnect, or the counter poll).
func TestThreeServersOnePostgres(t *testing.T) {
	url := dbtest.URL(t, migrations.Postgres)
	a := startServe(t, instanceEnv(t, url, t.TempDir())...)
	b := startServe(t, instanceEnv(t, url, t.TempDir())...)
	c := startServe(t, instanceEnv(t, url, t.TempDir())...)
	onA := signIn(t, a, "root@example.com", adminPassword)
	token := newDeliveryToken(t, onA)
	readers := []*client{{t: t, base: "http://" + b.addr, token: token}, {t: t, base: "http://" + c.addr, token: token}}

	// seen publishes on A and returns how long until both B and C serve it.
	seen := func(title string) time.Duration {
		for _, r := range readers {
			r.do("GET", "/api/content/post?limit=1&sort=-published_at", nil, nil) // a cached list that must give way
		}
		slug := onA.schedule(title, time.Now().Add(-time.Second))
		start := time.Now()
		for _, r := range readers {
			for {
				var list struct{ Data []struct{ Slug string } }
				r.do("GET", "/api/content/post?limit=1&sort=-published_at", nil, &list)
				if len(list.Data) == 1 && list.Data[0].Slug == slug {
					break
				}
				if time.Since(start) > 5*time.Second {
					t.Fatalf("%s not in %s's list after 5 s", slug, r.base)
				}
				time.Sleep(2 * time.Millisecond)
			}
		}
		return time.Since(start)
	}
	var lags []time.Duration
	for i := range 10 {
		lags = append(lags, seen(fmt.Sprintf("Published on A %d", i)))
	}
	slices.Sort(lags)
	t.Logf("publish on A → served by B and C: median %v, max %v", lags[len(lags)/2].Round(time.Millisecond), lags[len(lags)-1].Round(time.Millisecond))
	if lags[len(lags)-1] > time.Second {
		t.Errorf("slowest propagation %v", lags[len(lags)-1])
	}

	// The database drops every LISTEN connection.
	admin, err := database.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var dropped int
	if err := admin.Raw("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'").Scan(&dropped).Error; err != nil {
		t.Fatal(err)
	}
	if dropped < 3 {
		t.Fatalf("dropped %d LISTEN connections, want one per instance", dropped)
	}
	lag := seen("Published after the drop")
	t.Logf("after dropping %d LISTEN connections: served by B and C after %v", dropped, lag.Round(time.Millisecond))
	if lag > 2*time.Second {
		t.Errorf("after the drop, propagation took %v", lag)
	}
}

// hookLog is a site's webhook endpoint that answers 200 and remembers every
// delivery it was sent: per entry and event, the webhook-ids of the POSTs.
type hookLog struct {
	*httptest.Server
	mu     sync.Mutex
	secret string
	got    map[[2]string][]string // {entry id, event} → webhook-id of each POST
	bad    []string               // deliveries whose signature did not verify
}

func newHookLog(t *testing.T) *hookLog {
	h := &hookLog{got: map[[2]string][]string{}}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var d struct {
			Event string
			Data  struct{ ID string }
		}
		_ = json.Unmarshal(body, &d)
		h.mu.Lock()
		defer h.mu.Unlock()
		id := r.Header.Get("webhook-id")
		if err := webhooks.Verify(h.secret, id, r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature"), body, time.Now()); err != nil {
			h.bad = append(h.bad, id+": "+err.Error())
		}
		k := [2]string{d.Data.ID, d.Event}
		h.got[k] = append(h.got[k], id)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(h.Close)
	return h
}

// count is how many POSTs of event for entry arrived.
func (h *hookLog) count(entry, event string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.got[[2]string{entry, event}])
}

// TestThreeServersPublishScheduledOnce: three instances on one PostgreSQL
// database, all three sweeping for due entries. An editor writes 40 posts,
// a reviewer approves them and schedules them all for the same instant a
// moment ahead. Every post goes live on all three instances, and each was
// published exactly once: one publish step in its history, one
// entry.published event in the outbox, one audit record, one notification
// to its author, and one webhook delivery per event it had.
//
// 40, because one sweep of 40 takes longer than the scheduler's interval,
// so the three instances' sweeps overlap and race for the same entries.
// (With 20, one instance often published them all before another looked,
// and a scheduler without its row lock and version guard passed one run
// in three; with 40 it failed 9 runs of 9.)
func TestThreeServersPublishScheduledOnce(t *testing.T) {
	const n = 40
	url := dbtest.URL(t, migrations.Postgres)
	hook := newHookLog(t)
	var procs []*proc
	for range 3 {
		procs = append(procs, startServe(t, append(instanceEnv(t, url, t.TempDir()), "CMS_WEBHOOK_ALLOW_PRIVATE=true")...))
	}
	on := func(c *client, p *proc) *client { return &client{t: t, base: "http://" + p.addr, token: c.token} }
	admin := signIn(t, procs[0], "root@example.com", adminPassword)
	events := []string{models.EventEntryCreated, models.EventEntrySubmitted, models.EventEntryApproved,
		models.EventEntryScheduled, models.EventEntryPublished}
	var wh struct{ ID, Secret string }
	if st := admin.do("POST", "/api/webhooks", map[string]any{"name": "Site", "url": hook.URL, "events": events, "types": []string{"post"}}, &wh); st != 201 {
		t.Fatalf("create webhook: %d", st)
	}
	hook.mu.Lock()
	hook.secret = wh.Secret
	hook.mu.Unlock()
	for _, u := range []struct{ email, role string }{{"ed@example.com", "editor"}, {"rev@example.com", "reviewer"}} {
		if st := admin.do("POST", "/api/users", map[string]any{"email": u.email, "name": u.role, "password": adminPassword, "roles": []string{u.role}}, nil); st != 201 {
			t.Fatalf("create %s: %d", u.role, st)
		}
	}
	editor := signIn(t, procs[0], "ed@example.com", adminPassword)
	reviewer := signIn(t, procs[1], "rev@example.com", adminPassword)
	token := newDeliveryToken(t, admin)

	// The editor writes and submits on A, the reviewer approves on B.
	var ids, slugs []string
	for i := range n {
		var e struct{ ID, Slug string }
		if st := editor.do("POST", "/api/entries", map[string]any{"type": "post", "data": map[string]any{"title": fmt.Sprintf("Scheduled once %d", i)}}, &e); st != 201 {
			t.Fatalf("create: %d", st)
		}
		if st := editor.do("POST", "/api/entries/"+e.ID+"/submit", nil, nil); st != 200 {
			t.Fatalf("submit: %d", st)
		}
		if st := reviewer.do("POST", "/api/entries/"+e.ID+"/approve", nil, nil); st != 200 {
			t.Fatalf("approve: %d", st)
		}
		ids, slugs = append(ids, e.ID), append(slugs, e.Slug)
	}
	// The reviewer schedules them all for one instant, on C.
	at := time.Now().Add(2 * time.Second)
	onC := on(reviewer, procs[2])
	for _, id := range ids {
		var out struct{ Status string }
		if st := onC.do("POST", "/api/entries/"+id+"/publish", map[string]any{"at": at.Format(time.RFC3339Nano)}, &out); st != 200 || out.Status != "scheduled" {
			t.Fatalf("schedule: %d %s", st, out.Status)
		}
	}
	if wait := time.Until(at); wait < 300*time.Millisecond {
		t.Fatalf("scheduling took too long: only %v left before the time", wait)
	}

	// All go live on every instance.
	var lateAll time.Duration
	for _, p := range procs {
		r := &client{t: t, base: "http://" + p.addr, token: token}
		for deadline := at.Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			var list struct {
				Data []struct{ Slug string }
				Meta struct{ Total int }
			}
			r.do("GET", "/api/content/post?limit=100", nil, &list)
			if list.Meta.Total == n {
				got := map[string]bool{}
				for _, d := range list.Data {
					got[d.Slug] = true
				}
				for _, s := range slugs {
					if !got[s] {
						t.Fatalf("%s lists %d posts but not %s", p.addr, n, s)
					}
				}
				break
			}
			if list.Meta.Total > n {
				t.Fatalf("%s lists %d posts, want %d", p.addr, list.Meta.Total, n)
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s lists %d of %d posts 5 s after their time", p.addr, list.Meta.Total, n)
			}
		}
		lateAll = max(lateAll, time.Since(at))
	}
	t.Logf("%d posts scheduled for one instant: all live on all 3 instances %v after it", n, lateAll.Round(time.Millisecond))

	// Every event reaches the site; then room for a duplicate to arrive.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		missing := 0
		for _, id := range ids {
			for _, ev := range events {
				if hook.count(id, ev) == 0 {
					missing++
				}
			}
		}
		if missing == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d webhook events not delivered after 10 s", missing, n*len(events))
		}
	}
	t.Logf("all %d webhook events delivered %v after the publish time", n*len(events), time.Since(at).Round(time.Millisecond))
	time.Sleep(1500 * time.Millisecond)

	// Which instance published how many (each logs its sweeps).
	published := regexp.MustCompile(`msg="published scheduled entries" count=(\d+)`)
	var byInstance []int
	total := 0
	for _, p := range procs {
		c := 0
		for _, m := range published.FindAllStringSubmatch(p.output(), -1) {
			k, _ := strconv.Atoi(m[1])
			c += k
		}
		byInstance, total = append(byInstance, c), total+c
	}
	t.Logf("published by instance A, B, C: %v", byInstance)
	if slices.Max(byInstance) == total {
		t.Logf("one instance published them all: this run's sweeps did not overlap")
	}
	if total != n {
		t.Errorf("the instances logged %d scheduled publishes of %d posts", total, n)
	}

	// Through the API: one publish step in each history, one audit record
	// and one notification each, one delivery of each event.
	for i, id := range ids {
		var hist []struct{ Action string }
		on(admin, procs[i%3]).do("GET", "/api/entries/"+id+"/history", nil, &hist)
		steps := 0
		for _, h := range hist {
			if h.Action == string(models.ActionPublishDue) || h.Action == string(models.ActionPublish) {
				steps++
			}
		}
		if steps != 1 {
			t.Errorf("entry %s: %d publish steps in its history, want 1: %v", id, steps, hist)
		}
		var recs struct{ Data []struct{ Action string } }
		on(admin, procs[(i+1)%3]).do("GET", "/api/audit?action="+models.EventEntryPublished+"&object_id="+id, nil, &recs)
		if len(recs.Data) != 1 {
			t.Errorf("entry %s: %d entry.published audit records, want 1", id, len(recs.Data))
		}
		for _, ev := range events {
			if c := hook.count(id, ev); c != 1 {
				t.Errorf("entry %s: %s delivered %d times, want once", id, ev, c)
			}
		}
	}
	var notes struct {
		Data []struct {
			Kind  string
			Entry struct{ ID string }
		}
	}
	editor.do("GET", "/api/notifications?limit=100", nil, &notes)
	told := map[string]int{}
	for _, nt := range notes.Data {
		if nt.Kind == models.NotifyPublished {
			told[nt.Entry.ID]++
		}
	}
	for _, id := range ids {
		if told[id] != 1 {
			t.Errorf("entry %s: its author was told %d times that it was published", id, told[id])
		}
	}
	type delivery struct {
		Event      string
		EventID    string `json:"event_id"`
		StatusCode int    `json:"status_code"`
	}
	var deliveries []delivery
	for offset := 0; ; offset += 100 {
		var page struct{ Data []delivery }
		if st := admin.do("GET", fmt.Sprintf("/api/webhooks/%s/deliveries?limit=100&offset=%d", wh.ID, offset), nil, &page); st != 200 {
			t.Fatalf("deliveries: %d", st)
		}
		deliveries = append(deliveries, page.Data...)
		if len(page.Data) < 100 {
			break
		}
	}
	attempts := map[string]int{}
	for _, d := range deliveries {
		attempts[d.EventID]++
		if d.StatusCode != 200 {
			t.Errorf("delivery of %s (%s) answered %d", d.EventID, d.Event, d.StatusCode)
		}
	}
	if len(deliveries) != n*len(events) || len(attempts) != n*len(events) {
		t.Errorf("webhook log: %d attempts of %d events, want %d of %d", len(deliveries), len(attempts), n*len(events), n*len(events))
	}

	// In the database: per entry, one entry.published event, one audit
	// record, one publish step, one delivery of each of its events.
	db, err := database.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	perEntry := func(what, query string) {
		t.Helper()
		var rows []struct {
			ID string
			N  int
		}
		if err := db.Raw(query, ids).Scan(&rows).Error; err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		got := map[string]int{}
		for _, r := range rows {
			got[r.ID] = r.N
		}
		for _, id := range ids {
			if got[id] != 1 {
				t.Errorf("entry %s: %d %s, want 1", id, got[id], what)
			}
		}
	}
	perEntry("entry.published outbox events", `SELECT object_id AS id, COUNT(*) AS n FROM outbox_events
		WHERE type = 'entry.published' AND object_id IN ? GROUP BY object_id`)
	perEntry("entry.published audit records", `SELECT object_id AS id, COUNT(*) AS n FROM audit_records
		WHERE action = 'entry.published' AND object_id IN ? GROUP BY object_id`)
	perEntry("publish steps in events", `SELECT entry_id AS id, COUNT(*) AS n FROM events
		WHERE action IN ('publish', 'publish_due') AND entry_id IN ? GROUP BY entry_id`)
	perEntry("published notifications", `SELECT entry_id AS id, COUNT(*) AS n FROM notifications
		WHERE kind = 'published' AND entry_id IN ? GROUP BY entry_id`)
	perEntry("deliveries of entry.published", `SELECT o.object_id AS id, COUNT(*) AS n FROM webhook_deliveries d
		JOIN outbox_events o ON o.id = d.event_id WHERE o.type = 'entry.published' AND o.object_id IN ? GROUP BY o.object_id`)
	var dup int64
	if err := db.Raw(`SELECT COUNT(*) FROM (SELECT event_id FROM webhook_deliveries GROUP BY event_id HAVING COUNT(*) > 1) AS d`).Scan(&dup).Error; err != nil {
		t.Fatal(err)
	}
	if dup > 0 {
		t.Errorf("%d events delivered more than once", dup)
	}
	var versions []int
	db.Raw(`SELECT DISTINCT version FROM entries WHERE id IN ?`, ids).Scan(&versions)
	t.Logf("versions of the published posts: %v (created 1, submitted 2, approved 3, scheduled 4, published 5)", versions)
	hook.mu.Lock()
	if len(hook.bad) > 0 {
		t.Errorf("signatures that did not verify: %v", hook.bad)
	}
	hook.mu.Unlock()
}
