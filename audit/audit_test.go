package audit_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/loamcms/cms/audit"
	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
	"github.com/loamcms/cms/internal/outbox"
	"github.com/loamcms/cms/models"
	"github.com/loamcms/cms/policies"
)

// TestListCountsUpToTheCap: beyond CountCap matches the total says "at
// least" (capped), below it it is exact; a prefix filter matches exactly
// the actions it starts, and paging reads newest first.
func TestListCountsUpToTheCap(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ob, err := outbox.New(db, outbox.Config{})
		if err != nil {
			t.Fatal(err)
		}
		enf, err := policies.Default()
		if err != nil {
			t.Fatal(err)
		}
		svc := audit.New(ob, enf, audit.Config{})
		start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		var rows []models.AuditRecord
		for i := range audit.CountCap + 50 {
			action := models.EventEntryUpdated
			if i%100 == 0 {
				action = models.EventUserSignedIn
			}
			rows = append(rows, models.AuditRecord{ID: fmt.Sprintf("r%06d", i), At: start.Add(time.Duration(i) * time.Minute),
				ActorID: "u1", ActorName: "U", Action: action, Area: strings.Split(action, ".")[0], ObjectType: "entries/post", ObjectID: fmt.Sprintf("e%d", i%7)})
		}
		if err := db.CreateInBatches(rows, 500).Error; err != nil {
			t.Fatal(err)
		}
		admin := models.Principal{UserID: "u1", Roles: []string{models.RoleAdmin}}
		ctx := context.Background()

		got, total, capped, err := svc.List(ctx, admin, audit.Query{Limit: 3})
		if err != nil || total != audit.CountCap || !capped || len(got) != 3 || got[0].ID != rows[len(rows)-1].ID {
			t.Fatalf("unfiltered: %d capped=%v first %v err %v", total, capped, got, err)
		}
		_, total, capped, err = svc.List(ctx, admin, audit.Query{Action: "user."})
		if err != nil || total != 101 || capped {
			t.Fatalf("user. prefix: %d capped=%v err %v", total, capped, err)
		}
		_, total, _, _ = svc.List(ctx, admin, audit.Query{Action: "user"}) // not a prefix: an exact action
		if total != 0 {
			t.Fatalf("action user matched %d", total)
		}
		if _, _, _, err := svc.List(ctx, models.Principal{UserID: "u2", Roles: []string{models.RoleEditor}}, audit.Query{}); models.ErrorCode(err) != models.CodeForbidden {
			t.Fatalf("an editor read the audit log: %v", err)
		}
	})
}
