package webhooks_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
	"github.com/loamcms/cms/internal/outbox"
	"github.com/loamcms/cms/migrations"
	"github.com/loamcms/cms/models"
	"github.com/loamcms/cms/webhooks"
)

type admins struct{}

func (admins) Can(p models.Principal, obj, act string) bool { return p.HasRole(models.RoleAdmin) }
func (admins) Roles() []string                              { return []string{models.RoleAdmin} }

var admin = models.Principal{UserID: "u-admin", Name: "Admin", Roles: []string{models.RoleAdmin}}

// Short delays: River still moves retries to runnable only every 5 s.
var testConfig = webhooks.Config{Backoff: 100 * time.Millisecond, MaxBackoff: 200 * time.Millisecond, RetryFor: time.Minute}

// receiver is a real HTTP server on 127.0.0.2 that verifies every signature.
type receiver struct {
	*httptest.Server
	secrets  atomic.Value // []string
	mu       sync.Mutex
	ids      []string
	bad      []string
	answer   func(w http.ResponseWriter, r *http.Request, n int)
	received atomic.Int64
}

func listen(t *testing.T, addr string) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	return l
}

func newReceiver(t *testing.T, answer func(w http.ResponseWriter, r *http.Request, n int)) *receiver {
	rc := &receiver{answer: answer}
	rc.secrets.Store([]string{})
	rc.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		id := r.Header.Get("webhook-id")
		for _, s := range rc.secrets.Load().([]string) {
			if err := webhooks.Verify(s, id, r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature"), body, time.Now()); err != nil {
				rc.mu.Lock()
				rc.bad = append(rc.bad, err.Error())
				rc.mu.Unlock()
			}
		}
		rc.mu.Lock()
		rc.ids = append(rc.ids, id)
		n := len(rc.ids)
		rc.mu.Unlock()
		rc.received.Add(1)
		if rc.answer != nil {
			rc.answer(w, r, n)
		}
	}))
	rc.Listener = listen(t, "127.0.0.2:0")
	rc.Start()
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) got() (ids, bad []string) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.ids...), append([]string(nil), rc.bad...)
}

func guard() webhooks.Guard {
	return webhooks.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}}
}

func setup(t *testing.T, db *database.DB, start bool) (*outbox.Outbox, *webhooks.Service) {
	t.Helper()
	if err := outbox.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	ob, err := outbox.New(db, outbox.Config{PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	svc := webhooks.New(ob, admins{}, guard(), testConfig)
	if start {
		startOutbox(t, ob)
	}
	return ob, svc
}

func startOutbox(t *testing.T, ob *outbox.Outbox) {
	if err := ob.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ob.Stop(ctx)
	})
}

func create(t *testing.T, svc *webhooks.Service, rc *receiver, events, types []string) webhooks.View {
	t.Helper()
	name, url := "site", rc.URL+"/hook"
	v, err := svc.Create(context.Background(), admin, webhooks.Input{Name: &name, URL: &url, Events: &events, Types: &types})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(v.Secret, "whsec_") {
		t.Fatalf("secret %q", v.Secret)
	}
	rc.secrets.Store([]string{v.Secret})
	return v
}

func publish(t *testing.T, db *gorm.DB, typ, id string) {
	t.Helper()
	err := db.Transaction(func(tx *gorm.DB) error {
		return outbox.Record(tx, outbox.Event{Type: models.EventEntryPublished, ObjectType: "entries/" + typ,
			ObjectID: id, ActorID: admin.UserID, Data: map[string]any{"id": id, "title": "Hello"}})
	})
	if err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func deliveries(t *testing.T, svc *webhooks.Service, id string) []webhooks.DeliveryView {
	t.Helper()
	ds, err := svc.Deliveries(context.Background(), admin, id, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func TestDeliversCommittedEventsSignedAndFiltered(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		_, svc := setup(t, db, true)
		posts := newReceiver(t, nil)
		pages := newReceiver(t, nil)
		hook := create(t, svc, posts, []string{models.EventEntryPublished}, []string{"post"})
		create(t, svc, pages, []string{models.EventEntryPublished}, []string{"page"})

		// Rolled back: nothing is sent.
		err := db.Transaction(func(tx *gorm.DB) error {
			if err := outbox.Record(tx, outbox.Event{Type: models.EventEntryPublished, ObjectType: "entries/post", ObjectID: "gone"}); err != nil {
				return err
			}
			return errors.New("roll back")
		})
		if err == nil {
			t.Fatal("transaction committed")
		}
		publish(t, db.DB, "post", "e1")
		waitFor(t, 10*time.Second, "a delivery", func() bool { return posts.received.Load() == 1 })
		waitFor(t, 5*time.Second, "the log", func() bool { return len(deliveries(t, svc, hook.ID)) == 1 })
		time.Sleep(300 * time.Millisecond)
		ids, bad := posts.got()
		if len(ids) != 1 || len(bad) != 0 {
			t.Fatalf("post receiver: ids %v, bad signatures %v", ids, bad)
		}
		if n := pages.received.Load(); n != 0 {
			t.Fatalf("page receiver got %d deliveries of a post", n)
		}
		d := deliveries(t, svc, hook.ID)[0]
		if d.StatusCode != 200 || d.Attempt != 1 || d.EventID != ids[0] || d.Event != models.EventEntryPublished || d.NextAttemptAt != nil {
			t.Fatalf("log %+v", d)
		}

		// A ping goes to this webhook only, logged like any delivery.
		if _, err := svc.Test(context.Background(), admin, hook.ID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "the ping", func() bool { return posts.received.Load() == 2 })
		// Redeliver sends the same event again with the same webhook-id.
		if err := svc.Redeliver(context.Background(), admin, hook.ID, d.ID); err != nil {
			t.Fatal(err)
		}
		waitFor(t, 10*time.Second, "the redelivery", func() bool { return posts.received.Load() == 3 })
		ids, bad = posts.got()
		if ids[2] != ids[0] || len(bad) != 0 {
			t.Fatalf("redelivered ids %v, bad %v", ids, bad)
		}
	})
}

func TestRetryKeepsWebhookID(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		_, svc := setup(t, db, true)
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				http.Error(w, "down", http.StatusInternalServerError)
			}
		})
		hook := create(t, svc, rc, []string{models.EventEntryPublished}, nil)
		publish(t, db.DB, "post", "e1")
		waitFor(t, 20*time.Second, "the retry", func() bool { return rc.received.Load() == 2 })
		waitFor(t, 5*time.Second, "the log", func() bool { return len(deliveries(t, svc, hook.ID)) == 2 })
		ids, bad := rc.got()
		if ids[0] != ids[1] || len(bad) != 0 {
			t.Fatalf("ids %v, bad %v", ids, bad)
		}
		ds := deliveries(t, svc, hook.ID) // newest first
		if ds[1].StatusCode != 500 || ds[1].Attempt != 1 || ds[1].NextAttemptAt == nil || ds[1].Error == "" {
			t.Errorf("first attempt %+v", ds[1])
		}
		if ds[0].StatusCode != 200 || ds[0].Attempt != 2 {
			t.Errorf("second attempt %+v", ds[0])
		}
	})
}

// TestReceiverThatHangsTimesOut: a receiver that never answers costs one
// attempt of at most Timeout (10 s), logged without a status, and the retry
// carries the same webhook-id.
func TestReceiverThatHangsTimesOut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		_, svc := setup(t, db, true)
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				select { // hang until the sender gives up
				case <-r.Context().Done():
				case <-time.After(2 * webhooks.Timeout):
				}
			}
		})
		hook := create(t, svc, rc, []string{models.EventEntryPublished}, nil)
		start := time.Now()
		publish(t, db.DB, "post", "e1")
		waitFor(t, 30*time.Second, "the retry", func() bool { return rc.received.Load() == 2 })
		if took := time.Since(start); took > webhooks.Timeout+5*time.Second {
			t.Errorf("the hung attempt took %v", took)
		}
		waitFor(t, 5*time.Second, "the log", func() bool { return len(deliveries(t, svc, hook.ID)) == 2 })
		ids, bad := rc.got()
		if ids[0] != ids[1] || len(bad) != 0 {
			t.Fatalf("ids %v, bad %v", ids, bad)
		}
		first := deliveries(t, svc, hook.ID)[1]
		if first.StatusCode != 0 || !strings.Contains(first.Error, "Timeout") && !strings.Contains(first.Error, "deadline") || first.DurationMS < 9000 {
			t.Errorf("hung attempt logged as %+v", first)
		}
	})
}

func TestGoneDisablesWebhook(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		_, svc := setup(t, db, true)
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) { w.WriteHeader(http.StatusGone) })
		hook := create(t, svc, rc, []string{models.EventEntryPublished}, nil)
		publish(t, db.DB, "post", "e1")
		waitFor(t, 10*time.Second, "disabling", func() bool {
			v, err := svc.Get(context.Background(), admin, hook.ID)
			return err == nil && !v.Enabled
		})
		v, _ := svc.Get(context.Background(), admin, hook.ID)
		if !strings.Contains(v.DisabledReason, "410") {
			t.Errorf("reason %q", v.DisabledReason)
		}
		publish(t, db.DB, "post", "e2")
		time.Sleep(500 * time.Millisecond)
		if n := rc.received.Load(); n != 1 {
			t.Errorf("a disabled webhook got %d deliveries", n)
		}
	})
}

func TestFailingWebhookIsDisabled(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		if err := outbox.Migrate(context.Background(), db); err != nil {
			t.Fatal(err)
		}
		ob, _ := outbox.New(db, outbox.Config{PollInterval: 50 * time.Millisecond})
		cfg := testConfig
		cfg.RetryFor = time.Second // stands for the 24 hours
		svc := webhooks.New(ob, admins{}, guard(), cfg)
		startOutbox(t, ob)
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) { w.WriteHeader(http.StatusServiceUnavailable) })
		hook := create(t, svc, rc, []string{models.EventEntryPublished}, nil)
		publish(t, db.DB, "post", "e1")
		waitFor(t, 20*time.Second, "disabling", func() bool {
			v, err := svc.Get(context.Background(), admin, hook.ID)
			return err == nil && !v.Enabled
		})
		v, _ := svc.Get(context.Background(), admin, hook.ID)
		if !strings.Contains(v.DisabledReason, "failed since") {
			t.Errorf("reason %q", v.DisabledReason)
		}
	})
}

func TestRedirectToLoopbackRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		_, svc := setup(t, db, true)
		var hit atomic.Int64
		inside := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hit.Add(1) }))
		defer inside.Close()
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			http.Redirect(w, r, inside.URL+"/admin", http.StatusTemporaryRedirect)
		})
		hook := create(t, svc, rc, []string{models.EventEntryPublished}, nil)
		publish(t, db.DB, "post", "e1")
		waitFor(t, 10*time.Second, "the log", func() bool { return len(deliveries(t, svc, hook.ID)) >= 1 })
		d := deliveries(t, svc, hook.ID)[0]
		if !strings.Contains(d.Error, "forbidden target") || d.NextAttemptAt == nil {
			t.Errorf("log %+v", d)
		}
		if hit.Load() != 0 {
			t.Error("the redirect reached 127.0.0.1")
		}
	})
}

func TestHugeAnswerIsCut(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		_, svc := setup(t, db, true)
		var written atomic.Int64
		rc := newReceiver(t, func(w http.ResponseWriter, r *http.Request, n int) {
			chunk := []byte(strings.Repeat("x", 64<<10))
			for range 100 << 20 / len(chunk) {
				k, err := w.Write(chunk)
				written.Add(int64(k))
				if err != nil {
					return
				}
			}
		})
		hook := create(t, svc, rc, []string{models.EventEntryPublished}, nil)
		publish(t, db.DB, "post", "e1")
		waitFor(t, 15*time.Second, "the log", func() bool { return len(deliveries(t, svc, hook.ID)) >= 1 })
		d := deliveries(t, svc, hook.ID)[0]
		if d.StatusCode != 200 || len(d.Response) > 2048 {
			t.Errorf("log: status %d, excerpt of %d bytes", d.StatusCode, len(d.Response))
		}
		time.Sleep(200 * time.Millisecond)
		if w := written.Load(); w >= 100<<20 {
			t.Errorf("the receiver wrote all %d bytes: the answer was not cut", w)
		}
	})
}

func TestRotationSignsWithBothSecrets(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		_, svc := setup(t, db, true)
		rc := newReceiver(t, nil)
		hook := create(t, svc, rc, []string{models.EventEntryPublished}, nil)
		old := hook.Secret
		rotated, err := svc.RotateSecret(context.Background(), admin, hook.ID)
		if err != nil || rotated.Secret == old || !strings.HasPrefix(rotated.Secret, "whsec_") {
			t.Fatalf("rotate: %v %q", err, rotated.Secret)
		}
		if v, _ := svc.Get(context.Background(), admin, hook.ID); v.Secret != "" {
			t.Fatal("Get shows the secret")
		}
		rc.secrets.Store([]string{old, rotated.Secret}) // each must verify on its own
		publish(t, db.DB, "post", "e1")
		waitFor(t, 10*time.Second, "a delivery", func() bool { return rc.received.Load() == 1 })
		if _, bad := rc.got(); len(bad) != 0 {
			t.Fatalf("bad signatures %v", bad)
		}
	})
}

func TestDeletedWebhookEndsQuietly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ob, svc := setup(t, db, false)
		rc := newReceiver(t, nil)
		hook := create(t, svc, rc, []string{models.EventEntryPublished}, nil)
		if _, err := svc.Test(context.Background(), admin, hook.ID); err != nil { // a pending delivery job
			t.Fatal(err)
		}
		if err := svc.Delete(context.Background(), admin, hook.ID); err != nil {
			t.Fatal(err)
		}
		startOutbox(t, ob)
		waitFor(t, 10*time.Second, "the job to end", func() bool {
			var n int64
			db.Table("river_job").Where("kind = ? AND state = ?", "webhooks.deliver", "completed").Count(&n)
			return n == 1
		})
		if rc.received.Load() != 0 {
			t.Error("a deleted webhook got a delivery")
		}
		if _, err := svc.Get(context.Background(), admin, hook.ID); models.ErrorCode(err) != models.CodeNotFound {
			t.Errorf("get after delete: %v", err)
		}
	})
}

func TestAdminOnlyAndValidation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		_, svc := setup(t, db, false)
		ctx := context.Background()
		editor := models.Principal{UserID: "u-ed", Roles: []string{models.RoleEditor}}
		if _, err := svc.List(ctx, editor); models.ErrorCode(err) != models.CodeForbidden {
			t.Errorf("editor list: %v", err)
		}
		if _, err := svc.List(ctx, models.Principal{}); models.ErrorCode(err) != models.CodeUnauthorized {
			t.Errorf("anonymous list: %v", err)
		}
		name, events := "x", []string{models.EventEntryPublished}
		for _, u := range []string{"http://127.0.0.1/", "http://2130706433/", "file:///etc/passwd", "http://u:p@example.com/"} {
			_, err := svc.Create(ctx, admin, webhooks.Input{Name: &name, URL: &u, Events: &events})
			if models.ErrorCode(err) != models.CodeValidationFailed {
				t.Errorf("create %s: %v", u, err)
			}
		}
		bad, u := []string{"entry.nope"}, "https://example.com/hook"
		if _, err := svc.Create(ctx, admin, webhooks.Input{Name: &name, URL: &u, Events: &bad}); models.ErrorCode(err) != models.CodeValidationFailed {
			t.Errorf("unknown event: %v", err)
		}
		v, err := svc.Create(ctx, admin, webhooks.Input{Name: &name, URL: &u, Events: &events})
		if err != nil {
			t.Fatal(err)
		}
		off := false
		if v, err = svc.Update(ctx, admin, v.ID, webhooks.Input{Enabled: &off}); err != nil || v.Enabled || v.Secret != "" {
			t.Fatalf("update: %v %+v", err, v)
		}
		list, err := svc.List(ctx, admin)
		if err != nil || len(list) != 1 || list[0].Secret != "" {
			t.Fatalf("list: %v %+v", err, list)
		}
	})
}

func TestBackoffCoversADay(t *testing.T) {
	cfg := webhooks.Config{}
	var total time.Duration
	for a := 1; a < 60; a++ {
		d := cfg.NextRetry(42, a)
		if d < 24*time.Second || d > 72*time.Minute {
			t.Fatalf("attempt %d: delay %v", a, d)
		}
		total += d
	}
	if total < 24*time.Hour {
		t.Fatalf("60 attempts span %v, want at least 24 h", total)
	}
}

// Two instances (two River clients) on one PostgreSQL deliver each event once.
func TestTwoInstancesDeliverOnce(t *testing.T) {
	db := dbtest.Open(t, migrations.Postgres)
	db2, err := database.Open(dbtest.URLOf(t, db))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db2.Close() }) // after the outbox on it stops
	_, svc := setup(t, db, true)
	_, _ = setup(t, db2, true)
	rc := newReceiver(t, nil)
	create(t, svc, rc, []string{models.EventEntryPublished}, nil)
	const n = 30
	for i := range n {
		target := db.DB
		if i%2 == 1 {
			target = db2.DB
		}
		publish(t, target, "post", fmt.Sprint("e", i))
	}
	waitFor(t, 20*time.Second, "every delivery", func() bool { return rc.received.Load() >= n })
	time.Sleep(time.Second)
	ids, bad := rc.got()
	seen := map[string]int{}
	for _, id := range ids {
		seen[id]++
	}
	if len(ids) != n || len(seen) != n || len(bad) != 0 {
		t.Fatalf("%d deliveries of %d events (want %d each once), bad signatures %v", len(ids), len(seen), n, bad)
	}
}

// An event committed by a process that died before delivering it is
// delivered by the next process on the same database (the job is durable).
func TestDeliveredAfterRestart(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		_, svc := setup(t, db, false) // this "process" commits and never works a job
		rc := newReceiver(t, nil)
		create(t, svc, rc, []string{models.EventEntryPublished}, nil)
		publish(t, db.DB, "post", "e1")
		db2, err := database.Open(dbtest.URLOf(t, db))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db2.Close() }) // after the outbox on it stops
		setup(t, db2, true)
		waitFor(t, 10*time.Second, "the delivery", func() bool { return rc.received.Load() == 1 })
		if _, bad := rc.got(); len(bad) != 0 {
			t.Fatalf("bad signatures %v", bad)
		}
	})
}
