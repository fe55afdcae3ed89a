package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/loamcms/cms/internal/dbtest"
	"github.com/loamcms/cms/webhooks"
)

// siteReceiver is a site's webhook endpoint that can be made to fail. It
// verifies every signature and remembers, per event, each webhook-id it saw
// and how many attempts it accepted.
type siteReceiver struct {
	*httptest.Server
	mu       sync.Mutex
	secret   string
	failing  bool
	ids      map[string][]string // entry id → webhook-ids of its entry.published attempts
	accepted map[string]int      // entry id → attempts answered 200
}

func newSiteReceiver(t *testing.T) *siteReceiver {
	rc := &siteReceiver{failing: true, ids: map[string][]string{}, accepted: map[string]int{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		id := r.Header.Get("webhook-id")
		if err := webhooks.Verify(rc.secret, id, r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature"), body, time.Now()); err != nil {
			t.Errorf("signature of %s: %v", id, err)
		}
		var d struct {
			Event string
			Data  struct{ ID string }
		}
		_ = json.Unmarshal(body, &d)
		rc.ids[d.Data.ID] = append(rc.ids[d.Data.ID], id)
		if rc.failing {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		rc.accepted[d.Data.ID]++
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *siteReceiver) attempts(entry string) []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.ids[entry]...)
}

// TestWebhookEventsSurviveKill9 kills the server with SIGKILL while two
// events are committed but not delivered — one whose first attempt failed
// (waiting for its retry), one published just before the kill — and starts
// another: both are delivered, each under one webhook-id, and accepted once.
func TestWebhookEventsSurviveKill9(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			rc := newSiteReceiver(t)
			env := append(instanceEnv(t, dbtest.URL(t, dialect), t.TempDir()), "CMS_WEBHOOK_ALLOW_PRIVATE=true")
			a := startServe(t, env...)
			admin := signIn(t, a, "root@example.com", adminPassword)
			var hook struct{ Secret string }
			if st := admin.do("POST", "/api/webhooks", map[string]any{"name": "Site", "url": rc.URL,
				"events": []string{"entry.published"}}, &hook); st != 201 {
				t.Fatalf("create webhook: %d", st)
			}
			rc.mu.Lock()
			rc.secret = hook.Secret
			rc.mu.Unlock()

			first := publishedID(t, admin, "Failed once")
			for deadline := time.Now().Add(10 * time.Second); len(rc.attempts(first)) == 0; time.Sleep(10 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("no first attempt within 10 s")
				}
			}
			// Let River record the failure (its completer batches), so this
			// event waits for its retry rather than for a rescue.
			time.Sleep(time.Second)
			second := publishedID(t, admin, "Committed, then killed")
			a.cmd.Process.Kill() // SIGKILL: no shutdown of any kind
			<-a.done
			if n := len(rc.attempts(second)); n != 0 {
				t.Logf("the second event was attempted before the kill (%d attempts): only the first tests a pending retry", n)
			}

			rc.mu.Lock()
			rc.failing = false
			rc.mu.Unlock()
			startServe(t, env...)
			restarted := time.Now()
			// The first retry waits 30 s ± 20 %, and the new process ~15 s for
			// River's leadership; a job killed mid-attempt is rescued after 1 min.
			deadline := time.Now().Add(150 * time.Second)
			for {
				rc.mu.Lock()
				done := rc.accepted[first] > 0 && rc.accepted[second] > 0
				rc.mu.Unlock()
				if done {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("not delivered after the restart: first %v, second %v", rc.attempts(first), rc.attempts(second))
				}
				time.Sleep(50 * time.Millisecond)
			}
			t.Logf("both delivered %v after the restart", time.Since(restarted).Round(time.Second))
			time.Sleep(500 * time.Millisecond) // room for a duplicate to arrive
			rc.mu.Lock()
			defer rc.mu.Unlock()
			for _, entry := range []string{first, second} {
				ids := rc.ids[entry]
				for _, id := range ids {
					if id != ids[0] {
						t.Errorf("entry %s delivered under several webhook-ids: %v", entry, ids)
					}
				}
				if rc.accepted[entry] != 1 {
					t.Errorf("entry %s accepted %d times", entry, rc.accepted[entry])
				}
			}
		})
	}
}

// publishedID writes and publishes a post as the admin (self-approval on)
// and returns its id.
func publishedID(t *testing.T, c *client, title string) string {
	t.Helper()
	var e struct{ ID string }
	if st := c.do("POST", "/api/entries", map[string]any{"type": "post", "data": map[string]any{"title": title}}, &e); st != 201 {
		t.Fatalf("create: %d", st)
	}
	for _, step := range []string{"submit", "approve", "publish"} {
		if st := c.do("POST", "/api/entries/"+e.ID+"/"+step, nil, nil); st != 200 {
			t.Fatalf("%s: %d", step, st)
		}
	}
	return e.ID
}
