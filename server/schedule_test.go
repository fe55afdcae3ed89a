package server

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/loamcms/cms/content"
	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
	"github.com/loamcms/cms/models"
	"github.com/loamcms/cms/policies"
)

// approved creates a post and takes it to approved; it returns the entry path.
func (n *newsroom) approved(t *testing.T, title string) string {
	t.Helper()
	r := n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "data": map[string]any{"title": title}})
	expect(t, r, 201, "")
	path := "/api/entries/" + entryOf(t, r).ID
	expect(t, n.call(n.editor, "POST", path+"/submit", nil), 200, "")
	expect(t, n.call(n.reviewer, "POST", path+"/approve", nil), 200, "")
	return path
}

func TestScheduledPublishing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		_, token := n.token(t, "delivery")
		path := n.approved(t, "Goes live later")
		at := time.Now().Add(1500 * time.Millisecond).UTC().Truncate(time.Millisecond)
		r := n.call(n.reviewer, "POST", path+"/publish", map[string]any{"at": at.Format(time.RFC3339Nano)})
		expect(t, r, 200, "")
		if e := entryOf(t, r); e.Status != "scheduled" || e.PublishAt == nil || !e.PublishAt.Equal(at) || e.Live {
			t.Fatalf("scheduled: %+v", e)
		}
		expect(t, n.do(request{method: "GET", path: "/api/content/post/goes-live-later", token: token}), 404, "not_found")

		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Go(func() {
			tick := time.NewTicker(100 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					if _, err := n.srv.content.PublishDue(t.Context()); err != nil {
						t.Error(err)
					}
				}
			}
		})
		var live time.Time
		for deadline := at.Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			if n.do(request{method: "GET", path: "/api/content/post/goes-live-later", token: token}).Status == 200 {
				live = time.Now()
				break
			}
		}
		close(stop)
		wg.Wait()
		if live.IsZero() {
			t.Fatal("the scheduled entry never went live")
		}
		if late := live.Sub(at); late < 0 || late > 2*time.Second {
			t.Fatalf("went live %v after its time", late)
		}
		t.Logf("live %v after its time", live.Sub(at).Round(time.Millisecond))
		e := entryOf(t, n.call(n.reviewer, "GET", path, nil))
		if e.Status != "published" || !e.Live || e.PublishAt != nil {
			t.Fatalf("after publishing: %+v", e)
		}
		r = n.call(n.reviewer, "GET", path+"/history", nil)
		var hist struct{ Data []content.EventView }
		r.json(t, &hist.Data)
		last := hist.Data[len(hist.Data)-1]
		if last.Action != models.ActionPublishDue || last.Actor.Name != "Scheduler" {
			t.Fatalf("history: %+v", last)
		}

		// Unpublishing a scheduled entry cancels it.
		path = n.approved(t, "Never mind")
		expect(t, n.call(n.reviewer, "POST", path+"/publish", map[string]any{"at": time.Now().Add(300 * time.Millisecond).Format(time.RFC3339Nano)}), 200, "")
		expect(t, n.call(n.reviewer, "POST", path+"/unpublish", nil), 200, "")
		time.Sleep(400 * time.Millisecond)
		if count, err := n.srv.content.PublishDue(t.Context()); err != nil || count != 0 {
			t.Fatalf("published %d after cancelling (%v)", count, err)
		}
		if e := entryOf(t, n.call(n.reviewer, "GET", path, nil)); e.Status != "draft" || e.Live || e.PublishAt != nil {
			t.Fatalf("cancelled: %+v", e)
		}
		// A time in the past publishes at once.
		path = n.approved(t, "Right now")
		r = n.call(n.reviewer, "POST", path+"/publish", map[string]any{"at": "2020-01-01T00:00:00Z"})
		if e := entryOf(t, r); e.Status != "published" {
			t.Fatalf("past time: %+v", e)
		}
	})
}

// TestSchedulersPublishOnce runs several schedulers, as several instances
// would, against one database: every due entry is published exactly once.
func TestSchedulersPublishOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db)
		const entries = 12
		for i := range entries {
			path := n.approved(t, fmt.Sprintf("Due %d", i))
			expect(t, n.call(n.reviewer, "POST", path+"/publish", map[string]any{"at": time.Now().Add(200 * time.Millisecond).Format(time.RFC3339Nano)}), 200, "")
		}
		time.Sleep(300 * time.Millisecond)
		// Four instances: separate services (and, on PostgreSQL, separate pools) on one database.
		var mu sync.Mutex
		total := 0
		var wg sync.WaitGroup
		for range 4 {
			other, err := database.Open(dbtest.URLOf(t, db))
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			enf, err := policies.Default()
			if err != nil {
				t.Fatal(err)
			}
			svc := content.New(other.DB, enf, content.Options{Dialect: other.Dialect})
			wg.Go(func() {
				count, err := svc.PublishDue(t.Context())
				if err != nil {
					t.Error(err)
				}
				mu.Lock()
				total += count
				mu.Unlock()
			})
		}
		wg.Wait()
		var events int64
		db.Model(&models.Event{}).Where("action = ?", models.ActionPublishDue).Count(&events)
		if total != entries || events != entries {
			t.Fatalf("%d entries due: schedulers published %d, history has %d", entries, total, events)
		}
	})
}
