package content

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/loamcms/cms/delivery"
	"github.com/loamcms/cms/internal/changes"
	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
	"github.com/loamcms/cms/models"
	"github.com/loamcms/cms/policies"
)

// bulkEnv is a content service on a fresh database with an admin, an
// editor and a reviewer, and a counter of announced changes.
type bulkEnv struct {
	db                      *database.DB
	enf                     models.Authorizer
	svc                     *Service
	admin, editor, reviewer models.Principal
	changed                 *countingAnnouncer
}

type countingAnnouncer struct {
	n    int
	tags [][]string
}

func (c *countingAnnouncer) Changed(tx *gorm.DB, after func(func()), tags ...string) error {
	c.n++
	c.tags = append(c.tags, tags)
	return nil
}
func (c *countingAnnouncer) Gen() uint64 { return uint64(c.n) }

func newBulkEnv(t *testing.T, db *database.DB, selfApproval bool) *bulkEnv {
	t.Helper()
	enf, err := policies.Default()
	if err != nil {
		t.Fatal(err)
	}
	env := &bulkEnv{db: db, enf: enf, changed: &countingAnnouncer{}}
	env.svc = New(db.DB, enf, Options{Dialect: db.Dialect, SelfApproval: selfApproval, Changes: env.changed})
	now := time.Now().UTC()
	for _, u := range []struct {
		p    *models.Principal
		role string
	}{{&env.admin, models.RoleAdmin}, {&env.editor, models.RoleEditor}, {&env.reviewer, models.RoleReviewer}} {
		user := models.User{ID: newID(), Email: u.role + "@example.com", Name: u.role, PasswordHash: "x",
			Roles: models.Roles{u.role}, PasswordChangedAt: now, CreatedAt: now, UpdatedAt: now}
		if err := db.Create(&user).Error; err != nil {
			t.Fatal(err)
		}
		*u.p = models.Principal{UserID: user.ID, Name: user.Name, Roles: []string{u.role}}
	}
	return env
}

// kitchenType has a field of every type that a snapshot keeps differently
// (filterable or not, searchable or not, JSON that a round trip changes).
var kitchenType = models.ContentType{Key: "kitchen", Name: "Kitchen", SlugField: "title", Fields: models.Fields{
	{Name: "title", Type: models.FieldText, Required: true},
	{Name: "code", Type: models.FieldText},
	{Name: "body", Type: models.FieldRichText},
	{Name: "notes", Type: models.FieldMarkdown},
	{Name: "rating", Type: models.FieldNumber},
	{Name: "count", Type: models.FieldInteger},
	{Name: "flag", Type: models.FieldBoolean},
	{Name: "day", Type: models.FieldDate},
	{Name: "at", Type: models.FieldDateTime},
	{Name: "size", Type: models.FieldSelect, Options: []string{"s", "m", "l"}},
	{Name: "cover", Type: models.FieldMedia},
	{Name: "tags", Type: models.FieldRelation, To: "category", Many: true},
	{Name: "extra", Type: models.FieldJSON},
}}

// codedType has a unique field.
var codedType = models.ContentType{Key: "coded", Name: "Coded", SlugField: "title", Fields: models.Fields{
	{Name: "title", Type: models.FieldText, Required: true},
	{Name: "code", Type: models.FieldText, Unique: true},
}}

func (env *bulkEnv) addType(t *testing.T, ct models.ContentType) {
	t.Helper()
	ct.CreatedAt, ct.UpdatedAt = time.Now().UTC(), time.Now().UTC()
	if err := env.db.Create(&ct).Error; err != nil {
		t.Fatal(err)
	}
}

func (env *bulkEnv) addMedia(t *testing.T) string {
	t.Helper()
	w, h := 800, 600
	m := models.Media{ID: newID(), Filename: "photo.jpg", Mime: "image/jpeg", Kind: "image", Size: 1000, Width: &w, Height: &h,
		StorageKey: "k", Version: 1, CreatedBy: env.admin.UserID, CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
	if err := env.db.Create(&m).Error; err != nil {
		t.Fatal(err)
	}
	return m.ID
}

// viaWorkflow publishes data the usual way: create, submit, approve, publish.
func (env *bulkEnv) viaWorkflow(t *testing.T, typ string, data models.Data) string {
	t.Helper()
	ctx := context.Background()
	e, err := env.svc.CreateEntry(ctx, env.admin, NewEntry{Type: typ, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.svc.Submit(ctx, env.admin, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := env.svc.Approve(ctx, env.admin, e.ID, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := env.svc.Publish(ctx, env.admin, e.ID, nil); err != nil {
		t.Fatal(err)
	}
	return e.ID
}

func (env *bulkEnv) bulk(t *testing.T, typ string, drafts ...models.Data) []BulkEntry {
	t.Helper()
	out, err := env.svc.BulkPublish(context.Background(), env.admin, typ, drafts)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(drafts) {
		t.Fatalf("BulkPublish returned %d entries for %d drafts", len(out), len(drafts))
	}
	return out
}

// rows reads a query's rows as text, column by column, in one order.
func rows(t *testing.T, db *database.DB, query string, args ...any) [][]string {
	t.Helper()
	r, err := db.Raw(query, args...).Rows()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cols, _ := r.Columns()
	var out [][]string
	for r.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := r.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		row := make([]string, len(cols))
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				v = string(b)
			}
			row[i] = fmt.Sprint(v)
		}
		out = append(out, row)
	}
	return out
}

// sameRows checks that two entries' rows agree on the columns listed.
func sameRows(t *testing.T, db *database.DB, what, query, a, b string) {
	t.Helper()
	ra, rb := rows(t, db, query, a), rows(t, db, query, b)
	if len(ra) == 0 {
		t.Fatalf("%s: no rows for the workflow's entry", what)
	}
	if !reflect.DeepEqual(ra, rb) {
		t.Errorf("%s differ:\nworkflow: %q\nbulk:     %q", what, ra, rb)
	}
}

func TestBulkPublishWritesWhatTheWorkflowWrites(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		env := newBulkEnv(t, db, true)
		env.addType(t, kitchenType)
		ctx := context.Background()
		cats := env.bulk(t, "category", models.Data{"name": "Gardens"}, models.Data{"name": "Kitchens"})
		media := env.addMedia(t)

		post := models.Data{
			"title":   "  Growing tomatoes on a balcony  ",
			"summary": "Six pots, one summer & a lot of water.",
			"body": `<p onclick="steal()">Start in <b>April</b>.<script>alert(1)</script> See <a href="https://example.com/x">this</a> ` +
				`and <img src="/media/` + media + `/photo.jpg" alt="Pots, in a row"></p><p>Water &amp; wait.</p>`,
			"category": cats[1].ID,
		}
		kitchen := models.Data{
			"title": "Everything at once", "code": "K-1", "body": "<h2>Hi</h2><p>there<iframe src=x></iframe></p>",
			"notes": "# Notes\n\n*markdown* stays as it is <b>", "rating": 4.25, "count": float64(3), "flag": true,
			"day": "2026-12-04", "at": "2026-12-04T10:30:00+01:00", "size": "m", "cover": media,
			"tags":  []any{cats[0].ID, cats[1].ID, cats[0].ID},
			"extra": map[string]any{"z": 1, "a": []any{"x", 2.5, nil}, "html": "<b>&</b>", "big": int64(1) << 40},
		}
		for _, c := range []struct {
			typ  string
			data models.Data
		}{{"post", post}, {"kitchen", kitchen}} {
			t.Run(c.typ, func(t *testing.T) {
				wf := env.viaWorkflow(t, c.typ, c.data)
				bulk := env.bulk(t, c.typ, c.data)[0]

				sameRows(t, db, "published_entries", `SELECT type, locale, revision, data, attrs, search_text, document_id = entry_id FROM published_entries WHERE entry_id = ?`, wf, bulk.ID)
				sameRows(t, db, "entries", `SELECT type, locale, status, version, revision, data, search_text, author_id, revision_author_id,
					published_revision, publish_at IS NULL, published_at = updated_at, document_id = id FROM entries WHERE id = ?`, wf, bulk.ID)
				sameRows(t, db, "revisions", `SELECT number, slug = (SELECT slug FROM entries WHERE id = entry_id), data, author_id FROM revisions WHERE entry_id = ? ORDER BY number`, wf, bulk.ID)
				sameRows(t, db, "events", `SELECT action, from_status, to_status, actor_id, revision, comment FROM events WHERE entry_id = ? ORDER BY at, id`, wf, bulk.ID)
				sameRows(t, db, "media refs", `SELECT media_id, scope FROM media_refs WHERE entry_id = ? ORDER BY media_id, scope`, wf, bulk.ID)

				var wfSlug string
				if err := db.Raw("SELECT slug FROM entries WHERE id = ?", wf).Scan(&wfSlug).Error; err != nil {
					t.Fatal(err)
				}
				if bulk.Slug != wfSlug+"-2" {
					t.Errorf("bulk slug %q after the workflow's %q, want %q", bulk.Slug, wfSlug, wfSlug+"-2")
				}

				reader := delivery.New(db.DB, env.enf, delivery.Options{Dialect: db.Dialect})
				token := models.Principal{TokenID: "bench", Roles: []string{models.RoleTokenDelivery}}
				answer := func(slug string) string {
					a, err := reader.Read(ctx, token, delivery.Query{Type: c.typ, Slug: slug, Locale: "en", Fallback: true})
					if err != nil {
						t.Fatal(err)
					}
					var out struct{ Data map[string]any }
					if err := json.Unmarshal(a.Body, &out); err != nil {
						t.Fatal(err)
					}
					for _, k := range []string{"id", "slug", "published_at", "updated_at"} {
						if out.Data[k] == nil {
							t.Errorf("delivered item has no %s: %s", k, a.Body)
						}
						delete(out.Data, k)
					}
					b, _ := json.Marshal(out.Data)
					return string(b)
				}
				if a, b := answer(wfSlug), answer(bulk.Slug); a != b {
					t.Errorf("delivery answers differ:\nworkflow: %s\nbulk:     %s", a, b)
				} else if !strings.Contains(a, "srcset") && c.typ == "post" {
					t.Errorf("the answer's image was not expanded: %s", a)
				}
			})
		}
		if env.changed.n < 4 {
			t.Errorf("%d changes announced, want one per batch and one per publish", env.changed.n)
		}
	})
}

func TestBulkPublishIsForAdmins(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		draft := []models.Data{{"title": "Nope"}}
		env := newBulkEnv(t, db, true)
		for _, c := range []struct {
			who  string
			p    models.Principal
			want models.Code
		}{
			{"anonymous", models.Principal{}, models.CodeUnauthorized},
			{"editor", env.editor, models.CodeForbidden},
			{"reviewer", env.reviewer, models.CodeForbidden},
			{"scheduler", models.Principal{System: true}, models.CodeForbidden},
		} {
			if _, err := env.svc.BulkPublish(ctx, c.p, "post", draft); models.ErrorCode(err) != c.want {
				t.Errorf("%s: %v, want %s", c.who, err, c.want)
			}
		}
		// Without self-approval, an admin may not approve their own drafts:
		// the four-eyes rule of Approve.
		enf, _ := policies.Default()
		strict := New(db.DB, enf, Options{Dialect: db.Dialect})
		if _, err := strict.BulkPublish(ctx, env.admin, "post", draft); models.ErrorCode(err) != models.CodeForbidden ||
			!strings.Contains(err.Error(), "someone else must review") {
			t.Errorf("admin without self-approval: %v, want the four-eyes refusal", err)
		}
		if _, err := env.svc.BulkPublish(ctx, env.admin, "nothing", draft); models.ErrorCode(err) != models.CodeValidationFailed {
			t.Errorf("unknown type: %v", err)
		}
		var n int64
		if err := db.Model(&models.Entry{}).Count(&n).Error; err != nil || n != 0 {
			t.Errorf("%d entries written by refused calls (%v)", n, err)
		}
	})
}

func TestBulkPublishBatches(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		env := newBulkEnv(t, db, true)
		env.addType(t, codedType)
		env.viaWorkflow(t, "post", models.Data{"title": "Taken"})
		announced := env.changed.n

		drafts := make([]models.Data, 2*BulkBatch+500)
		for i := range drafts {
			drafts[i] = models.Data{"title": fmt.Sprintf("Post %d", i), "body": "<p>Body</p>"}
		}
		drafts[3], drafts[4], drafts[BulkBatch+1] = models.Data{"title": "Same"}, models.Data{"title": "Same!"}, models.Data{"title": "same"}
		drafts[5] = models.Data{"title": "Taken"}
		drafts[6] = models.Data{"title": "Post 7"} // the same slug as the next draft's
		drafts[8] = models.Data{"title": "…"}      // no slug of its own: the type and id
		out, err := env.svc.BulkPublish(ctx, env.admin, "post", drafts)
		if err != nil {
			t.Fatal(err)
		}
		if got := env.changed.n - announced; got != 3 {
			t.Errorf("%d changes announced for 3 batches, want 3", got)
		} else if tags := env.changed.tags[announced]; !reflect.DeepEqual(tags, []string{changes.Type("post")}) {
			t.Errorf("a batch announced %q, want the type's lists", tags)
		}
		want := map[int]string{0: "post-0", 3: "same", 4: "same-2", BulkBatch + 1: "same-3", 5: "taken-2", 6: "post-7", 7: "post-7-2"}
		for i, slug := range want {
			if out[i].Slug != slug {
				t.Errorf("draft %d has slug %q, want %q", i, out[i].Slug, slug)
			}
		}
		if !strings.HasPrefix(out[8].Slug, "post-") || len(out[8].Slug) != len("post-")+8 {
			t.Errorf("a title without letters gave the slug %q", out[8].Slug)
		}
		var n int64
		db.Model(&models.PublishedEntry{}).Where("type = 'post'").Count(&n)
		if n != int64(len(drafts))+1 {
			t.Errorf("%d posts published, want %d", n, len(drafts)+1)
		}
		db.Model(&models.Event{}).Where("entry_id = ?", out[0].ID).Count(&n)
		if n != 4 {
			t.Errorf("%d history events for one entry, want 4", n)
		}
		db.Model(&models.OutboxEvent{}).Where("type = ?", EventEntryBulkPublished).Count(&n)
		if n != 3 {
			t.Errorf("%d bulk events in the outbox, want one per batch", n)
		}

		// A bad draft fails its batch only: the batches before stay published.
		bad := make([]models.Data, BulkBatch+10)
		for i := range bad {
			bad[i] = models.Data{"title": fmt.Sprintf("Second run %d", i)}
		}
		bad[BulkBatch+3] = models.Data{"summary": "no title"}
		out, err = env.svc.BulkPublish(ctx, env.admin, "post", bad)
		var me *models.Error
		if models.ErrorCode(err) != models.CodeValidationFailed || !strings.Contains(err.Error(), fmt.Sprintf("draft %d", BulkBatch+3)) {
			t.Fatalf("a draft without title: %v", err)
		} else if errors.As(err, &me); me.Fields["title"] != "is required" {
			t.Errorf("fields %v", me.Fields)
		}
		if len(out) != BulkBatch {
			t.Errorf("%d entries reported published before the failing batch, want %d", len(out), BulkBatch)
		}
		db.Model(&models.Entry{}).Where("slug LIKE 'second-run-%'").Count(&n)
		if n != BulkBatch {
			t.Errorf("%d entries of the second run, want the first batch's %d", n, BulkBatch)
		}

		// Unique values are kept apart within a batch as across batches.
		_, err = env.svc.BulkPublish(ctx, env.admin, "coded", []models.Data{{"title": "a", "code": "X"}, {"title": "b", "code": "X"}})
		if models.ErrorCode(err) != models.CodeValidationFailed || !strings.Contains(err.Error(), "draft 1") {
			t.Errorf("a unique value twice in one batch: %v", err)
		}
		env.bulk(t, "coded", models.Data{"title": "a", "code": "Y"})
		_, err = env.svc.BulkPublish(ctx, env.admin, "coded", []models.Data{{"title": "b", "code": "Y"}})
		if models.ErrorCode(err) != models.CodeValidationFailed {
			t.Errorf("a unique value taken before: %v", err)
		}
	})
}
