package content

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/loamcms/cms/internal/changes"
	"github.com/loamcms/cms/internal/outbox"
	"github.com/loamcms/cms/models"
)

// BulkBatch is how many drafts BulkPublish writes in one transaction.
const BulkBatch = 1000

// EventEntryBulkPublished is the outbox event of one batch of BulkPublish
// (for the audit log; webhooks cannot subscribe to it).
const EventEntryBulkPublished = "entry.bulk_published"

// bulkSteps are the workflow actions that take a new draft live, in order.
var bulkSteps = []models.Action{models.ActionSubmit, models.ActionApprove, models.ActionPublish}

// BulkEntry names one entry BulkPublish published.
type BulkEntry struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
}

// BulkPublish creates one entry of type typ per draft, in the default
// locale, and publishes it: the rows it writes are the ones that
// CreateEntry, Submit, Approve and Publish by p would leave, built by the
// same functions (newDraft, revisionOf, historyEvent, snapshotOf), so a
// published snapshot is byte for byte the one the workflow would write.
// It is for imports and generated data sets: one transaction per
// BulkBatch drafts instead of four per entry.
//
// Each draft is validated and sanitised as CreateEntry does it (values as
// JSON decoding gives them: float64, []any), unique fields and slugs are
// also kept apart within a batch, and slugs are derived from the slug field
// ("title", "title-2", …). The caller needs every right of those four steps
// on any entry of the type, which the policy gives admins only, and the
// four-eyes rule holds as it does for Approve: an admin may approve their
// own drafts only where Options.SelfApproval is set.
//
// What it does not write: the per-entry outbox events (entry.created,
// submitted, approved and published), so no webhook delivery,
// notification or audit record per entry; a batch writes one
// EventEntryBulkPublished instead, for the audit log. Delivery caches are
// told of the change once per batch (the type's lists are stale).
//
// A batch commits as a whole or not at all. On an error, the entries of the
// batches before are published (they are returned) and the error names the
// draft by its index in drafts.
func (s *Service) BulkPublish(ctx context.Context, p models.Principal, typ string, drafts []models.Data) ([]BulkEntry, error) {
	if err := s.canBulkPublish(p, typ); err != nil {
		return nil, err
	}
	if _, err := s.findType(s.db.WithContext(ctx), typ); errors.Is(err, errTypeNotFound) {
		return nil, models.Invalid(map[string]string{"type": fmt.Sprintf("there is no content type %q", typ)})
	} else if err != nil {
		return nil, err
	}
	out := make([]BulkEntry, 0, len(drafts))
	for start := 0; start < len(drafts); start += BulkBatch {
		if err := s.analyzeIfGrown(ctx); err != nil {
			s.opt.Log.Warn("bulk publish: analyzing entries", "error", err)
		}
		done, err := s.bulkBatch(ctx, p, typ, drafts[start:min(start+BulkBatch, len(drafts))], start)
		if err != nil {
			return out, err
		}
		out = append(out, done...)
	}
	return out, nil
}

// canBulkPublish checks that p may take each step of BulkPublish on any
// entry of typ: create, submit anyone's entry (the admin's right), approve
// a revision p wrote (the four-eyes rule) and publish.
func (s *Service) canBulkPublish(p models.Principal, typ string) error {
	obj := entryObject(typ)
	if err := s.can(p, obj, actCreate); err != nil {
		return err
	}
	if err := s.can(p, obj, actSubmitAny); err != nil {
		return err
	}
	draft := models.Entry{Type: typ, Status: models.StatusDraft, AuthorID: p.UserID, RevisionAuthorID: p.UserID}
	for _, a := range bulkSteps {
		if err := s.authorizeStep(p, &draft, a); err != nil {
			return err
		}
	}
	return nil
}

// analyzeIfGrown refreshes PostgreSQL's statistics of the entries table
// when more rows changed since they were taken than the table then had.
// A bulk load outgrows them faster than autovacuum looks (it had not after
// 90 s and 20,000 posts): with the statistics of an empty table the planner
// takes "type = ? AND locale = ?" for a handful of rows, so the batch's slug
// check reads every entry of the type instead of one index range (the
// load slowed down as it grew). Growth by doubling costs about twenty
// ANALYZEs up to a million rows, each a sample of 30,000 rows.
func (s *Service) analyzeIfGrown(ctx context.Context) error {
	if s.opt.Dialect != "postgres" {
		return nil
	}
	var st struct {
		Tuples  float64
		Changed int64
	}
	err := s.db.WithContext(ctx).Raw(`SELECT c.reltuples AS tuples, s.n_mod_since_analyze AS changed
		FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = 'entries'::regclass`).Scan(&st).Error
	if err != nil || float64(st.Changed) <= max(st.Tuples, 0)+BulkBatch {
		return err
	}
	return s.db.WithContext(ctx).Exec("ANALYZE entries").Error
}

// bulkRows are the rows of one batch.
type bulkRows struct {
	entries []models.Entry
	revs    []models.Revision
	events  []models.Event
	snaps   []models.PublishedEntry
	refs    []models.MediaRef
}

func (s *Service) bulkBatch(ctx context.Context, p models.Principal, typ string, drafts []models.Data, offset int) ([]BulkEntry, error) {
	var out []BulkEntry
	err := outbox.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB, after func(func())) error {
		t, err := s.findType(tx, typ)
		if err != nil {
			return err
		}
		rows := bulkRows{
			entries: make([]models.Entry, 0, len(drafts)),
			revs:    make([]models.Revision, 0, len(drafts)),
			events:  make([]models.Event, 0, len(drafts)*(1+len(bulkSteps))),
			snaps:   make([]models.PublishedEntry, 0, len(drafts)),
		}
		seen := map[string]bool{} // field name + "\x00" + value of unique fields in this batch
		locales, err := readLocales(tx)
		if err != nil {
			return err
		}
		locale := locales.Default // bulk posts are in the default locale
		for i, in := range drafts {
			data, err := s.validateData(tx, t, &models.Entry{Locale: locale}, nil, in)
			if err != nil {
				return draftError(offset+i, err)
			}
			if err := uniqueInBatch(t, data, seen); err != nil {
				return draftError(offset+i, err)
			}
			if data, err = canonical(t, data); err != nil {
				return draftError(offset+i, err)
			}
			rows.entries = append(rows.entries, newDraft(t, p, "", locale, data, s.now()))
		}
		if err := bulkSlugs(tx, t, rows.entries); err != nil {
			return err
		}
		for i := range rows.entries {
			if err := rows.add(t, p, &rows.entries[i]); err != nil {
				return err
			}
		}
		if err := s.insertBulk(tx, &rows); err != nil {
			return err
		}
		out = make([]BulkEntry, len(rows.entries))
		for i, e := range rows.entries {
			out[i] = BulkEntry{ID: e.ID, Slug: e.Slug}
		}
		first, last := rows.entries[0], rows.entries[len(rows.entries)-1]
		err = outbox.Record(tx, outbox.Event{Type: EventEntryBulkPublished, ObjectType: entryObject(t.Key), ObjectID: first.ID,
			ActorID: p.UserID, Subject: t.Name,
			Summary: fmt.Sprintf("published %d entries in bulk, %s to %s", len(out), first.Slug, last.Slug),
			Data:    map[string]any{"type": t.Key, "locale": locale, "count": len(out), "first_id": first.ID, "last_id": last.ID}})
		if err != nil {
			return err
		}
		// New entries are in no cached answer yet, only in the type's lists.
		return s.opt.Changes.Changed(tx, after, changes.Type(t.Key))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// add takes a new draft through the workflow as Transition would (the
// workflow table decides each status), keeping the rows each step writes.
// Every step happens at the draft's creation time.
func (r *bulkRows) add(t *models.ContentType, p models.Principal, e *models.Entry) error {
	now := e.CreatedAt
	r.revs = append(r.revs, revisionOf(e, now))
	r.events = append(r.events, historyEvent(e, p, models.ActionCreate, "", "", models.StatusDraft, now))
	for _, a := range bulkSteps {
		to, ok := models.NextOf(e.Status, e.Live(), a)
		if !ok {
			return fmt.Errorf("bulk publish: the workflow has no %s from %s", a, e.Status)
		}
		r.events = append(r.events, historyEvent(e, p, a, "", e.Status, to, now))
		e.Status, e.Version, e.UpdatedAt = to, e.Version+1, now
	}
	rev, at := e.Revision, now
	e.PublishedRevision, e.PublishedAt, e.PublishAt = &rev, &at, nil
	r.snaps = append(r.snaps, snapshotOf(t, e, now))
	for _, id := range mediaIDs(t, e.Data) {
		r.refs = append(r.refs, models.MediaRef{EntryID: e.ID, MediaID: id, Scope: models.RefWorking},
			models.MediaRef{EntryID: e.ID, MediaID: id, Scope: models.RefLive})
	}
	return nil
}

func (s *Service) insertBulk(tx *gorm.DB, r *bulkRows) error {
	if err := createRows(tx, s.opt.Dialect, r.entries); err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return models.Errorf(models.CodeConflict, "another %s took one of the batch's slugs meanwhile; try again", r.entries[0].Type)
		}
		return err
	}
	if err := createRows(tx, s.opt.Dialect, r.revs); err != nil {
		return err
	}
	if err := createRows(tx, s.opt.Dialect, r.events); err != nil {
		return err
	}
	if err := createRows(tx, s.opt.Dialect, r.snaps); err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return models.Errorf(models.CodeConflict, "another published %s has one of the batch's slugs", r.entries[0].Type)
		}
		return err
	}
	err := createRows(tx.Clauses(clause.OnConflict{DoNothing: true}), s.opt.Dialect, r.refs)
	if errors.Is(err, gorm.ErrForeignKeyViolated) {
		return models.Invalid(map[string]string{"data": "uses a media item that was deleted meanwhile"})
	}
	return err
}

// createRows inserts rows (of a model whose every field is a column) in as
// few INSERTs as the dialect allows. The SQLite driver binds each parameter
// by searching all of the statement's arguments, which is quadratic in their
// count (1,000 entries in one INSERT took 5 s to bind), so there one INSERT
// carries about 500 parameters; PostgreSQL takes up to 65,535.
func createRows[T any](tx *gorm.DB, dialect string, rows []T) error {
	if len(rows) == 0 {
		return nil
	}
	per := BulkBatch
	if dialect != "postgres" {
		per = max(1, 500/reflect.TypeFor[T]().NumField())
	}
	return tx.CreateInBatches(rows, per).Error
}

// bulkSlugs gives each new entry the slug freeSlug would give it had the
// entries before it in the batch been created one by one: its slug field's
// slug, or the first numbered form that neither the database nor an
// earlier entry of the batch has. One query finds which plain slugs are
// taken; only those (rare) take freeSlug's query of their own.
func bulkSlugs(tx *gorm.DB, t *models.ContentType, entries []models.Entry) error {
	bases := make([]string, len(entries))
	for i := range entries {
		bases[i] = slugBase(t, entries[i].Locale, entries[i].Data, entries[i].ID)
	}
	var found []string
	if err := tx.Model(&models.Entry{}).Where("type = ? AND locale = ? AND slug IN ?", t.Key, entries[0].Locale, bases).
		Pluck("slug", &found).Error; err != nil {
		return err
	}
	inDB := make(map[string]bool, len(found))
	for _, s := range found {
		inDB[s] = true
	}
	mine := make(map[string]bool, len(entries)) // slugs given in this batch
	for i := range entries {
		base, slug := bases[i], bases[i]
		if inDB[base] || mine[base] {
			taken, err := takenSlugs(tx, t.Key, entries[i].Locale, base)
			if err != nil {
				return err
			}
			slug = firstFree(base, func(s string) bool { return mine[s] || slices.Contains(taken, s) })
		}
		mine[slug] = true
		entries[i].Slug = slug
	}
	return nil
}

// uniqueInBatch refuses a value of a unique field that an earlier draft of
// the batch has (checkUnique has seen the database only).
func uniqueInBatch(t *models.ContentType, data models.Data, seen map[string]bool) error {
	for _, f := range t.Fields {
		v, ok := data[f.Name].(string)
		if !f.Unique || !ok || v == "" {
			continue
		}
		key := f.Name + "\x00" + v
		if seen[key] {
			return models.Invalid(map[string]string{f.Name: "another " + t.Key + " has this value already"})
		}
		seen[key] = true
	}
	return nil
}

// canonical gives data the form it has when read back from the database,
// where Publish takes it from: JSON fields may hold values (an int, a
// struct) that a round trip changes. The other field types are plain
// strings, float64s, booleans and lists of strings, which marshal the same
// either way, so they skip the round trip.
func canonical(t *models.ContentType, data models.Data) (models.Data, error) {
	if !slices.ContainsFunc(t.Fields, func(f models.Field) bool { return f.Type == models.FieldJSON }) {
		return data, nil
	}
	b, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	var out models.Data
	return out, json.Unmarshal(b, &out)
}

// draftError says which draft an error is about.
func draftError(i int, err error) error {
	var me *models.Error
	if !errors.As(err, &me) {
		return fmt.Errorf("draft %d: %w", i, err)
	}
	out := *me
	out.Message = fmt.Sprintf("draft %d: %s", i, me.Message)
	return &out
}
