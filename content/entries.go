package content

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/models"
)

// NewEntry is the input of CreateEntry.
type NewEntry struct {
	Type   string         `json:"type"`
	Slug   string         `json:"slug"`
	Locale string         `json:"locale"`
	Data   map[string]any `json:"data"`
	// TranslationOf makes the entry a translation of another (of any of
	// its translations: they are one document), in a locale of its own.
	TranslationOf string `json:"translation_of"`
}

// CreateEntry adds a draft entry with version 1 and revision 1. Its slug is
// the given one, or derived from the type's slug field (made unique with a
// numeric suffix).
func (s *Service) CreateEntry(ctx context.Context, p models.Principal, in NewEntry) (*EntryView, error) {
	if in.Type == "" {
		return nil, models.Invalid(map[string]string{"type": "is required"})
	}
	db := s.db.WithContext(ctx)
	t, err := s.findType(db, in.Type)
	if errors.Is(err, errTypeNotFound) {
		return nil, models.Invalid(map[string]string{"type": fmt.Sprintf("there is no content type %q", in.Type)})
	} else if err != nil {
		return nil, err
	}
	if err := s.can(p, entryObject(t.Key), actCreate); err != nil {
		return nil, err
	}
	locales, err := readLocales(db)
	if err != nil {
		return nil, err
	}
	if in.Locale == "" {
		in.Locale = locales.Default
	}
	fields := map[string]string{}
	if !locales.has(in.Locale) {
		fields["locale"] = fmt.Sprintf("%q is not one of the locales (%s); an admin adds locales", in.Locale, locales.codes())
	}
	document := ""
	if in.TranslationOf != "" {
		source, err := s.readableEntry(db, p, in.TranslationOf)
		switch {
		case models.ErrorCode(err) == models.CodeNotFound:
			fields["translation_of"] = "there is no such entry"
		case err != nil:
			return nil, err
		case source.Type != t.Key:
			fields["translation_of"] = fmt.Sprintf("is a %s, not a %s", source.Type, t.Key)
		default:
			document = source.DocumentID
		}
	}
	if in.Slug != "" && !validSlug(in.Slug) {
		fields["slug"] = "must be lower-case letters, digits and single hyphens, at most 100 characters"
	}
	if len(fields) > 0 {
		return nil, models.Invalid(fields)
	}
	var out *EntryView
	err = db.Transaction(func(tx *gorm.DB) error {
		data, err := s.validateData(tx, t, &models.Entry{Locale: in.Locale}, nil, in.Data)
		if err != nil {
			return err
		}
		now := s.now()
		e := newDraft(t, p, in.Slug, in.Locale, data, now)
		if document != "" {
			e.DocumentID = document
			if err := translationFree(tx, &e); err != nil {
				return err
			}
		}
		if e.Slug == "" {
			if e.Slug, err = s.freeSlug(tx, t, e.Locale, data, e.ID); err != nil {
				return err
			}
		}
		if err := tx.Create(&e).Error; err != nil {
			if errors.Is(err, gorm.ErrDuplicatedKey) {
				return models.Errorf(models.CodeConflict, "another %s in locale %s already has the slug %q", e.Type, e.Locale, e.Slug)
			}
			return err
		}
		rev := revisionOf(&e, now)
		ev := historyEvent(&e, p, models.ActionCreate, "", "", models.StatusDraft, now)
		if err := tx.Create(&rev).Error; err != nil {
			return err
		}
		if err := tx.Create(&ev).Error; err != nil {
			return err
		}
		if err := syncRefs(tx, e.ID, models.RefWorking, mediaIDs(t, e.Data)); err != nil {
			return err
		}
		if err := entryEvent(tx, p, models.EventEntryCreated, t, &e, "", now); err != nil {
			return err
		}
		out, err = s.entryView(tx, p, &e)
		return err
	})
	return out, err
}

// translationFree refuses a second translation of e's document in e's locale.
func translationFree(tx *gorm.DB, e *models.Entry) error {
	var other models.Entry
	err := tx.Select("id").Where("document_id = ? AND locale = ?", e.DocumentID, e.Locale).Take(&other).Error
	if err == nil {
		return &models.Error{Code: models.CodeConflict, Message: fmt.Sprintf("this entry already has a %s translation (%s)", e.Locale, other.ID)}
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil
	}
	return err
}

// newDraft is the row of a new entry: a draft at version 1 and revision 1,
// written and owned by p, a document of its own. An empty slug is derived
// later (freeSlug).
func newDraft(t *models.ContentType, p models.Principal, slug, locale string, data models.Data, now time.Time) models.Entry {
	id := newID()
	return models.Entry{
		ID: id, DocumentID: id, Type: t.Key, Slug: slug, Locale: locale, Status: models.StatusDraft, Version: 1, Revision: 1,
		Data: data, SearchText: searchText(t, data), AuthorID: p.UserID, RevisionAuthorID: p.UserID, CreatedAt: now, UpdatedAt: now,
	}
}

// revisionOf is the revision row of e's working copy as it stands.
func revisionOf(e *models.Entry, now time.Time) models.Revision {
	return models.Revision{ID: newID(), EntryID: e.ID, Number: e.Revision, Slug: e.Slug, Data: e.Data, AuthorID: e.RevisionAuthorID, CreatedAt: now}
}

// freeSlug derives a slug from the slug field that no other entry of the
// type and locale uses: "title", then "title-2", "title-3", …
func (s *Service) freeSlug(tx *gorm.DB, t *models.ContentType, locale string, data models.Data, id string) (string, error) {
	base := slugBase(t, locale, data, id)
	taken, err := takenSlugs(tx, t.Key, locale, base)
	if err != nil {
		return "", err
	}
	return firstFree(base, func(slug string) bool { return slices.Contains(taken, slug) }), nil
}

// slugBase is the slug an entry's slug field asks for, or, without one,
// the type and the end of the entry's id.
func slugBase(t *models.ContentType, locale string, data models.Data, id string) string {
	base := ""
	if v, ok := data[t.SlugField].(string); ok {
		base = slugify(v, locale)
	}
	if base == "" {
		base = t.Key + "-" + id[len(id)-8:]
	}
	return base
}

// takenSlugs lists the slugs of the type and locale that base or one of its
// numbered forms ("base-2", …) could collide with.
func takenSlugs(tx *gorm.DB, typ, locale, base string) ([]string, error) {
	// The first candidates by equality, which the (type, locale, slug)
	// index answers at once; only when all of them are taken the prefix
	// LIKE, which no index serves in every collation (750 ms at 1M posts).
	candidates := []string{base}
	for n := 2; n <= 20; n++ {
		candidates = append(candidates, fmt.Sprintf("%s-%d", base, n))
	}
	var taken []string
	err := tx.Model(&models.Entry{}).Where("type = ? AND locale = ? AND slug IN ?", typ, locale, candidates).Pluck("slug", &taken).Error
	if err != nil || len(taken) < len(candidates) {
		return taken, err
	}
	err = tx.Model(&models.Entry{}).Where("type = ? AND locale = ? AND (slug = ? OR slug LIKE ?)", typ, locale, base, base+"-%").
		Pluck("slug", &taken).Error
	return taken, err
}

// firstFree is base, or else the first of "base-2", "base-3", … not taken.
func firstFree(base string, taken func(string) bool) string {
	slug := base
	for n := 2; taken(slug); n++ {
		slug = fmt.Sprintf("%s-%d", base, n)
	}
	return slug
}

// GetEntry returns an entry's working copy.
func (s *Service) GetEntry(ctx context.Context, p models.Principal, id string) (*EntryView, error) {
	db := s.db.WithContext(ctx)
	e, err := s.readableEntry(db, p, id)
	if err != nil {
		return nil, err
	}
	return s.entryView(db, p, e)
}

// readableEntry loads an entry the principal may read.
func (s *Service) readableEntry(db *gorm.DB, p models.Principal, id string) (*models.Entry, error) {
	if p.Anonymous() {
		return nil, models.ErrUnauthorized
	}
	if !validID(id) {
		return nil, models.Errorf(models.CodeBadRequest, "%q is not a valid id", id)
	}
	var e models.Entry
	if err := db.Where("id = ?", id).Take(&e).Error; isNotFound(err) {
		return nil, errEntryNotFound
	} else if err != nil {
		return nil, err
	}
	if err := s.can(p, entryObject(e.Type), actRead); err != nil {
		return nil, err
	}
	return &e, nil
}

// EntryQuery filters the entry list.
type EntryQuery struct {
	Type, Status, Author, Locale, Search, Sort string
	Limit, Offset                              int
}

// entrySorts are the sortable columns of the entry list.
var entrySorts = []string{"created_at", "updated_at", "published_at", "publish_at", "slug", "status", "type"}

// ListEntries returns working copies matching q, newest change first by default.
// The total is counted up to database.CountCap (capped: there are more).
func (s *Service) ListEntries(ctx context.Context, p models.Principal, q EntryQuery) (views []EntryView, total int64, capped bool, err error) {
	obj := entryObject("*")
	if q.Type != "" {
		obj = entryObject(q.Type)
	}
	if err := s.can(p, obj, actRead); err != nil {
		return nil, 0, false, err
	}
	db := s.db.WithContext(ctx).Model(&models.Entry{})
	if q.Type != "" {
		db = db.Where("type = ?", q.Type)
	}
	if q.Status != "" {
		if !slices.Contains(models.Statuses, models.Status(q.Status)) {
			return nil, 0, false, models.Errorf(models.CodeBadRequest, "status must be one of draft, in_review, changes_requested, approved, scheduled, published")
		}
		db = db.Where("status = ?", q.Status)
	}
	if q.Author != "" {
		if q.Author == "me" {
			q.Author = p.UserID
		} else if !validID(q.Author) {
			return nil, 0, false, models.Errorf(models.CodeBadRequest, "author must be a user id or \"me\"")
		}
		db = db.Where("author_id = ?", q.Author)
	}
	if q.Locale != "" {
		// Configured codes are canonical BCP 47: one check refuses both a
		// malformed code and one nobody writes in.
		locales, err := readLocales(s.db.WithContext(ctx))
		if err != nil {
			return nil, 0, false, err
		}
		if !locales.has(q.Locale) {
			return nil, 0, false, models.Errorf(models.CodeBadRequest, "locale: %s is not one of %s", q.Locale, locales.codes())
		}
		db = db.Where("locale = ?", q.Locale)
	}
	if q.Search != "" {
		ft, err := s.fullText(db, "entries", q.Search)
		if err != nil {
			return nil, 0, false, err
		}
		db = db.Where(ft.Where, ft.Args...)
	}
	order, err := sortClause(q.Sort, entrySorts, "-updated_at")
	if err != nil {
		return nil, 0, false, err
	}
	if total, capped, err = database.CountUpTo(s.db.WithContext(ctx), db); err != nil {
		return nil, 0, false, err
	}
	var entries []models.Entry
	if err := db.Order(order).Order("id").Limit(q.Limit).Offset(q.Offset).Find(&entries).Error; err != nil {
		return nil, 0, false, err
	}
	views, err = s.entryViews(s.db.WithContext(ctx), p, entries)
	return views, total, capped, err
}

// sortClause turns "-published_at,title" into an ORDER BY over allowed
// columns only; anything else is a bad request.
func sortClause(sort string, allowed []string, def string) (clause.OrderBy, error) {
	if sort == "" {
		sort = def
	}
	var by clause.OrderBy
	for part := range strings.SplitSeq(sort, ",") {
		desc := strings.HasPrefix(part, "-")
		name := strings.TrimPrefix(part, "-")
		if !slices.Contains(allowed, name) {
			return by, models.Errorf(models.CodeBadRequest, "cannot sort by %q; sort by %s", name, strings.Join(allowed, ", "))
		}
		by.Columns = append(by.Columns, clause.OrderByColumn{Column: clause.Column{Name: name}, Desc: desc})
	}
	return by, nil
}

// EntryPatch is the input of UpdateEntry.
type EntryPatch struct {
	Data    map[string]any `json:"data"`
	Slug    *string        `json:"slug"`
	Version *int           `json:"version"`
}

// UpdateEntry writes a new working revision: the given data merged over the
// current data. The caller's version must be the entry's.
func (s *Service) UpdateEntry(ctx context.Context, p models.Principal, id string, in EntryPatch) (*EntryView, error) {
	if in.Version == nil {
		return nil, models.Invalid(map[string]string{"version": "is required: send the version you edited"})
	}
	if in.Slug != nil && !validSlug(*in.Slug) {
		return nil, models.Invalid(map[string]string{"slug": "must be lower-case letters, digits and single hyphens, at most 100 characters"})
	}
	return s.Transition(ctx, p, id, Step{Action: models.ActionEdit, Version: in.Version,
		Edit: func(tx *gorm.DB, e *models.Entry, t *models.ContentType) error {
			data, err := s.validateData(tx, t, e, e.Data, in.Data)
			if err != nil {
				return err
			}
			e.Data = data
			if in.Slug != nil {
				e.Slug = *in.Slug
			}
			return nil
		}})
}

// RestoreRevision writes a new working revision with revision n's data and slug.
func (s *Service) RestoreRevision(ctx context.Context, p models.Principal, id string, n int, version *int) (*EntryView, error) {
	if version == nil {
		return nil, models.Invalid(map[string]string{"version": "is required: send the version you restored over"})
	}
	return s.Transition(ctx, p, id, Step{Action: models.ActionEdit, Version: version,
		Summary: fmt.Sprintf("restored revision %d", n),
		Edit: func(tx *gorm.DB, e *models.Entry, t *models.ContentType) error {
			var rev models.Revision
			if err := tx.Where("entry_id = ? AND number = ?", e.ID, n).Take(&rev).Error; isNotFound(err) {
				return models.Errorf(models.CodeNotFound, "revision %d not found", n)
			} else if err != nil {
				return err
			}
			// Re-validate against today's type: fields removed since are dropped.
			data, err := s.validateData(tx, t, e, nil, knownFields(t, rev.Data))
			if err != nil {
				return err
			}
			e.Data, e.Slug, e.RevisionAuthorID = data, rev.Slug, rev.AuthorID
			return nil
		}})
}

func knownFields(t *models.ContentType, d models.Data) map[string]any {
	out := map[string]any{}
	for k, v := range d {
		if _, ok := t.Field(k); ok {
			out[k] = v
		}
	}
	return out
}

// DeleteEntry removes an entry with its revisions, comments and history.
func (s *Service) DeleteEntry(ctx context.Context, p models.Principal, id string) error {
	_, err := s.Transition(ctx, p, id, Step{Action: models.ActionDelete})
	return err
}

// Act is a workflow action as a client asks for it.
type Act struct {
	Action  models.Action // submit, withdraw, approve, request_changes, publish, unpublish or cancel_schedule
	Version *int          // optional: the version the client looked at
	Comment string        // approve (optional), request_changes (required)
	At      *time.Time    // publish: a future time schedules instead
}

// Act runs a workflow action. Publishing with a future time schedules.
func (s *Service) Act(ctx context.Context, p models.Principal, id string, a Act) (*EntryView, error) {
	st := Step{Action: a.Action, Version: a.Version, Comment: strings.TrimSpace(a.Comment)}
	switch a.Action {
	case models.ActionApprove, models.ActionRequestChanges:
		if err := checkComment(a.Comment, a.Action == models.ActionRequestChanges); err != nil {
			return nil, err
		}
	case models.ActionPublish:
		if a.At != nil && a.At.After(s.now()) {
			st.Action, st.At = models.ActionSchedule, *a.At
		}
	case models.ActionSubmit, models.ActionWithdraw, models.ActionUnpublish, models.ActionCancelSchedule:
	default:
		return nil, models.Errorf(models.CodeBadRequest, "unknown action %q", a.Action)
	}
	return s.Transition(ctx, p, id, st)
}

// Shorthands for the demo and tests.

func (s *Service) Submit(ctx context.Context, p models.Principal, id string) (*EntryView, error) {
	return s.Act(ctx, p, id, Act{Action: models.ActionSubmit})
}

func (s *Service) Approve(ctx context.Context, p models.Principal, id, comment string) (*EntryView, error) {
	return s.Act(ctx, p, id, Act{Action: models.ActionApprove, Comment: comment})
}

func (s *Service) Publish(ctx context.Context, p models.Principal, id string, at *time.Time) (*EntryView, error) {
	return s.Act(ctx, p, id, Act{Action: models.ActionPublish, At: at})
}

func checkComment(body string, required bool) error {
	body = strings.TrimSpace(body)
	switch {
	case required && body == "":
		return models.Invalid(map[string]string{"comment": "is required: say what should change"})
	case utf8.RuneCountInString(body) > 10000:
		return models.Invalid(map[string]string{"comment": "must be at most 10000 characters"})
	}
	return nil
}

// Revisions lists an entry's revisions, newest first.
func (s *Service) Revisions(ctx context.Context, p models.Principal, id string) ([]RevisionView, error) {
	db := s.db.WithContext(ctx)
	e, err := s.readableEntry(db, p, id)
	if err != nil {
		return nil, err
	}
	var revs []models.Revision
	if err := db.Omit("data").Where("entry_id = ?", e.ID).Order("number DESC").Find(&revs).Error; err != nil {
		return nil, err
	}
	return revisionViews(db, e, revs, false)
}

// Revision returns revision n of an entry, with its data.
func (s *Service) Revision(ctx context.Context, p models.Principal, id string, n int) (*RevisionView, error) {
	db := s.db.WithContext(ctx)
	e, err := s.readableEntry(db, p, id)
	if err != nil {
		return nil, err
	}
	var rev models.Revision
	if err := db.Where("entry_id = ? AND number = ?", e.ID, n).Take(&rev).Error; isNotFound(err) {
		return nil, models.Errorf(models.CodeNotFound, "revision %d not found", n)
	} else if err != nil {
		return nil, err
	}
	views, err := revisionViews(db, e, []models.Revision{rev}, true)
	if err != nil {
		return nil, err
	}
	return &views[0], nil
}

func revisionViews(db *gorm.DB, e *models.Entry, revs []models.Revision, withData bool) ([]RevisionView, error) {
	var ids []string
	for _, r := range revs {
		ids = append(ids, r.AuthorID)
	}
	names, err := people(db, ids...)
	if err != nil {
		return nil, err
	}
	out := make([]RevisionView, len(revs))
	for i, r := range revs {
		out[i] = RevisionView{Number: r.Number, Slug: r.Slug, Author: names[r.AuthorID], CreatedAt: r.CreatedAt,
			Current: r.Number == e.Revision, Published: e.PublishedRevision != nil && *e.PublishedRevision == r.Number}
		if withData {
			out[i].Data = r.Data
		}
	}
	return out, nil
}

// History lists an entry's workflow events, oldest first.
func (s *Service) History(ctx context.Context, p models.Principal, id string) ([]EventView, error) {
	db := s.db.WithContext(ctx)
	e, err := s.readableEntry(db, p, id)
	if err != nil {
		return nil, err
	}
	var evs []models.Event
	if err := db.Where("entry_id = ?", e.ID).Order("at, id").Find(&evs).Error; err != nil {
		return nil, err
	}
	var ids []string
	for _, ev := range evs {
		ids = append(ids, ev.ActorID)
	}
	names, err := people(db, ids...)
	if err != nil {
		return nil, err
	}
	out := make([]EventView, len(evs))
	for i, ev := range evs {
		out[i] = EventView{Action: ev.Action, From: ev.From, To: ev.To, Actor: names[ev.ActorID], Revision: ev.Revision, At: ev.At, Comment: ev.Comment}
	}
	return out, nil
}
