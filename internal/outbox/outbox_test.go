package outbox_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
	"github.com/loamcms/cms/internal/outbox"
	"github.com/loamcms/cms/models"
)

func open(t *testing.T, db *database.DB) *outbox.Outbox {
	t.Helper()
	ctx := context.Background()
	if err := outbox.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	ob, err := outbox.New(db, outbox.Config{PollInterval: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return ob
}

func count(t *testing.T, db *gorm.DB, table string) int64 {
	t.Helper()
	var n int64
	if err := db.Table(table).Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRecordDispatchesCommittedEventsOnly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ob := open(t, db)
		var mu sync.Mutex
		got := map[string]outbox.Event{}
		ob.Handle("test", func(ctx context.Context, tx *gorm.DB, e outbox.Event) error {
			mu.Lock()
			defer mu.Unlock()
			got[e.ID] = e
			return nil
		})

		// A rolled-back transaction leaves neither the event nor its job.
		boom := errors.New("boom")
		err := db.Transaction(func(tx *gorm.DB) error {
			if err := outbox.Record(tx, outbox.Event{Type: models.EventEntryPublished, ObjectType: "entries/post", ObjectID: "x"}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatal(err)
		}
		if n := count(t, db.DB, "outbox_events"); n != 0 {
			t.Fatalf("rolled back: %d events", n)
		}
		if n := count(t, db.DB, "river_job"); n != 0 {
			t.Fatalf("rolled back: %d jobs", n)
		}

		ran := false
		err = outbox.Transaction(db.DB, func(tx *gorm.DB, after func(func())) error {
			after(func() { ran = true })
			return outbox.Record(tx, outbox.Event{Type: models.EventEntryPublished, ObjectType: "entries/post",
				ObjectID: "e1", ActorID: "u1", Data: map[string]any{"title": "Hello"}})
		})
		if err != nil || !ran {
			t.Fatalf("commit: err %v, after hook ran %v", err, ran)
		}
		if err := ob.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ob.Stop(context.Background()) })
		deadline := time.Now().Add(10 * time.Second)
		for {
			mu.Lock()
			n := len(got)
			mu.Unlock()
			if n == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("dispatched %d events, want 1", n)
			}
			time.Sleep(20 * time.Millisecond)
		}
		for _, e := range got {
			if e.Type != models.EventEntryPublished || e.ObjectID != "e1" || e.ContentType() != "post" ||
				string(e.RawData()) == "" {
				t.Errorf("event %+v", e)
			}
		}
	})
}

func TestTransactionSkipsHooksOnRollback(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ran := false
		err := outbox.Transaction(db.DB, func(tx *gorm.DB, after func(func())) error {
			after(func() { ran = true })
			return errors.New("no")
		})
		if err == nil || ran {
			t.Fatalf("err %v, hook ran %v", err, ran)
		}
	})
}

func TestRecordOutsideTransactionFails(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		open(t, db)
		if err := outbox.Record(db.DB, outbox.Event{Type: "entry.created"}); err == nil {
			t.Fatal("Record outside a transaction succeeded")
		}
	})
}

// TestConcurrentMigrate: instances starting together each migrate River's
// tables; on either database they take turns instead of colliding.
func TestConcurrentMigrate(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			url := dbtest.URL(t, dialect)
			var wg sync.WaitGroup
			errs := make(chan error, 4)
			for range 4 {
				db, err := database.Open(url)
				if err != nil {
					t.Fatal(err)
				}
				defer db.Close()
				wg.Add(1)
				go func() {
					defer wg.Done()
					errs <- outbox.Migrate(context.Background(), db)
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				if err != nil {
					t.Error(err)
				}
			}
		})
	}
}

// TestFailingHandlerIsRetriedAlone: a handler that fails has its writes
// undone (its savepoint) and runs again on its own until it succeeds; the
// other handlers of the same event run once and keep what they wrote.
func TestFailingHandlerIsRetriedAlone(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ob := open(t, db)
		var mu sync.Mutex
		runs := map[string]int{}
		ob.Handle("steady", func(ctx context.Context, tx *gorm.DB, e outbox.Event) error {
			mu.Lock()
			defer mu.Unlock()
			runs["steady"]++
			return nil
		})
		ob.Handle("flaky", func(ctx context.Context, tx *gorm.DB, e outbox.Event) error {
			mu.Lock()
			defer mu.Unlock()
			runs["flaky"]++
			if runs["flaky"] > 1 {
				return nil
			}
			// A write that must not survive the failure that follows it.
			if err := tx.Exec("UPDATE outbox_events SET summary = 'written by a failed try' WHERE id = ?", e.ID).Error; err != nil {
				return err
			}
			return errors.New("the first try fails")
		})
		var id string
		err := db.Transaction(func(tx *gorm.DB) error {
			e, err := outbox.Store(tx, outbox.Event{Type: models.EventEntryPublished, ObjectType: "entries/post", ObjectID: "x"})
			id = e.ID
			if err != nil {
				return err
			}
			_, err = ob.InsertTx(tx, outbox.DispatchArgs{EventID: e.ID}, nil)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := ob.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ob.Stop(context.Background()) })
		deadline := time.Now().Add(20 * time.Second)
		for {
			mu.Lock()
			done := runs["flaky"] >= 2
			mu.Unlock()
			if done {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the failed handler was not retried: %v", runs)
			}
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond)
		mu.Lock()
		defer mu.Unlock()
		if runs["steady"] != 1 || runs["flaky"] != 2 {
			t.Fatalf("runs %v: the steady handler must run once, the flaky one twice", runs)
		}
		var summary string
		if err := db.Raw("SELECT summary FROM outbox_events WHERE id = ?", id).Scan(&summary).Error; err != nil {
			t.Fatal(err)
		}
		if summary != "" {
			t.Fatalf("summary %q: the failed try's write was kept", summary)
		}
	})
}
