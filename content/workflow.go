package content

import (
	"context"
	"errors"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/loamcms/cms/internal/changes"
	"github.com/loamcms/cms/internal/outbox"
	"github.com/loamcms/cms/models"
)

// Policy actions on "entries/<type>". An editor's rights are limited to
// their own entries (the *_own actions); an admin's *_any actions cover all.
// Withdrawing is undoing a submission, so it needs the submit right;
// unpublishing and scheduling need the publish right.
const (
	actRead      = "read"
	actCreate    = "create"
	actUpdateOwn = "update_own"
	actUpdateAny = "update_any"
	actDeleteOwn = "delete_own"
	actDeleteAny = "delete_any"
	actSubmitOwn = "submit_own"
	actSubmitAny = "submit_any"
	actReview    = "review"
	actPublish   = "publish"
	actComment   = "comment"
)

func entryObject(typ string) string { return "entries/" + typ }

// Step is one use of Transition.
type Step struct {
	Action  models.Action
	Version *int   // the version the caller saw; nil where the contract sends none
	Comment string // approve, request changes
	At      time.Time
	// Edit sets the new working data and slug (for ActionEdit), and the
	// revision's author when it is not the caller (a restore keeps the
	// words' author, so the four-eyes rule still sees who wrote them).
	Edit func(tx *gorm.DB, e *models.Entry, t *models.ContentType) error
	// Summary replaces the outbox event's summary (a restore says which
	// revision came back).
	Summary string
}

var errEntryNotFound = &models.Error{Code: models.CodeNotFound, Message: "entry not found"}

func versionConflict(current int) error {
	return models.Errorf(models.CodeVersionConflict, "the entry was changed by someone else (it is now at version %d); reload it and try again", current)
}

// authorizeStep checks the policy, ownership and the four-eyes rule for an
// action on a loaded entry.
func (s *Service) authorizeStep(p models.Principal, e *models.Entry, action models.Action) error {
	obj := entryObject(e.Type)
	own := e.AuthorID == p.UserID
	ownOrAny := func(ownAct, anyAct string) error {
		if s.authz.Can(p, obj, anyAct) || (own && s.authz.Can(p, obj, ownAct)) {
			return nil
		}
		return s.can(p, obj, anyAct) // unauthorized or forbidden
	}
	switch action {
	case models.ActionEdit:
		return ownOrAny(actUpdateOwn, actUpdateAny)
	case models.ActionDelete:
		return ownOrAny(actDeleteOwn, actDeleteAny)
	case models.ActionSubmit, models.ActionWithdraw:
		return ownOrAny(actSubmitOwn, actSubmitAny)
	case models.ActionApprove, models.ActionRequestChanges:
		if err := s.can(p, obj, actReview); err != nil {
			return err
		}
		// Four eyes: nobody reviews a revision they wrote, except an admin
		// on a site configured for one person.
		if e.RevisionAuthorID == p.UserID && !(s.opt.SelfApproval && p.HasRole(models.RoleAdmin)) {
			return models.Errorf(models.CodeForbidden, "you wrote this revision, so someone else must review it")
		}
		return nil
	case models.ActionPublish, models.ActionSchedule, models.ActionUnpublish, models.ActionCancelSchedule:
		return s.can(p, obj, actPublish)
	case models.ActionPublishDue, models.ActionScheduleFailed:
		if !p.System {
			return models.ErrForbidden
		}
		return nil
	}
	return models.ErrForbidden
}

// Transition is the only writer of an entry's status. It loads the entry,
// checks the caller's version, authorizes, applies the workflow table, and
// writes the entry (guarded by its version), the revision, the published
// snapshot, the history event and any review comment in one transaction.
// After the commit it reports delivery-visible changes.
func (s *Service) Transition(ctx context.Context, p models.Principal, id string, st Step) (*EntryView, error) {
	if !validID(id) {
		return nil, models.Errorf(models.CodeBadRequest, "%q is not a valid id", id)
	}
	var out *EntryView
	visible := false
	err := outbox.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB, after func(func())) error {
		var e models.Entry
		load := tx
		if s.opt.Dialect == "postgres" {
			// Concurrent transitions of one entry wait here, then see the new
			// version and fail the check below cleanly. (SQLite's write
			// transactions are serial already.)
			load = tx.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		if err := load.Where("id = ?", id).Take(&e).Error; isNotFound(err) {
			return errEntryNotFound
		} else if err != nil {
			return err
		}
		if st.Version != nil && *st.Version != e.Version {
			return versionConflict(e.Version)
		}
		if err := s.authorizeStep(p, &e, st.Action); err != nil {
			return err
		}
		to, ok := models.NextOf(e.Status, e.Live(), st.Action)
		if !ok && st.Action == models.ActionDelete && e.Live() {
			return models.Errorf(models.CodeInvalidTransition, "this entry is live: a reviewer unpublishes it first, then it can be deleted")
		}
		if !ok {
			return models.Errorf(models.CodeInvalidTransition, "cannot %s an entry that is %s", actionWords[st.Action], e.Status)
		}
		from, wasLive, now := e.Status, e.Live(), s.now()
		t, err := s.findType(tx, e.Type)
		if err != nil {
			return err
		}
		event, summary := eventOf[st.Action], st.Summary
		if st.Action == models.ActionDelete {
			res := tx.Where("id = ? AND version = ?", e.ID, e.Version).Delete(&models.Entry{})
			if res.Error != nil {
				return res.Error
			}
			if res.RowsAffected == 0 {
				return versionConflict(e.Version)
			}
			if err := entryEvent(tx, p, event, t, &e, summary, now); err != nil {
				return err
			}
			if wasLive {
				return s.opt.Changes.Changed(tx, after, changes.Entry(e.ID), changes.Type(e.Type), changes.Doc(e.DocumentID))
			}
			return nil
		}

		update := map[string]any{"status": to, "version": e.Version + 1, "updated_at": now}
		switch st.Action {
		case models.ActionEdit:
			before, slugBefore := e.Data, e.Slug
			e.RevisionAuthorID = p.UserID // who writes the new revision, unless Edit says otherwise
			if err := st.Edit(tx, &e, t); err != nil {
				return err
			}
			if err := syncRefs(tx, e.ID, models.RefWorking, mediaIDs(t, e.Data)); err != nil {
				return err
			}
			e.Revision++
			rev := revisionOf(&e, now)
			if err := tx.Create(&rev).Error; err != nil {
				return err
			}
			update["data"], update["slug"], update["revision"], update["revision_author_id"] = e.Data, e.Slug, e.Revision, e.RevisionAuthorID
			update["search_text"] = searchText(t, e.Data)
			if summary == "" {
				summary = changedFields(before, e.Data, slugBefore, e.Slug)
			}
		case models.ActionPublish, models.ActionPublishDue:
			if err := s.writeSnapshot(tx, &e, now); err != nil {
				return err
			}
			update["published_revision"], update["published_at"], update["publish_at"] = e.Revision, now, nil
			visible = true
		case models.ActionSchedule:
			if err := slugFree(tx, &e); err != nil {
				return err
			}
			update["publish_at"] = st.At.UTC()
		case models.ActionScheduleFailed, models.ActionCancelSchedule:
			update["publish_at"] = nil
		case models.ActionUnpublish:
			if err := tx.Where("entry_id = ?", e.ID).Delete(&models.PublishedEntry{}).Error; err != nil {
				return err
			}
			if err := syncRefs(tx, e.ID, models.RefLive, nil); err != nil {
				return err
			}
			update["published_revision"], update["published_at"], update["publish_at"] = nil, nil, nil
			visible = wasLive
		}
		res := tx.Model(&models.Entry{}).Where("id = ? AND version = ?", e.ID, e.Version).Updates(update)
		if res.Error != nil {
			if errors.Is(res.Error, gorm.ErrDuplicatedKey) {
				return models.Errorf(models.CodeConflict, "another %s in locale %s already has the slug %q", e.Type, e.Locale, e.Slug)
			}
			return res.Error
		}
		if res.RowsAffected == 0 {
			return versionConflict(e.Version)
		}
		if err := s.record(tx, &e, p, st, from, to, now); err != nil {
			return err
		}
		e.Status, e.Version = to, e.Version+1
		switch st.Action {
		case models.ActionPublish, models.ActionPublishDue:
			rev := e.Revision
			e.PublishedRevision = &rev
		case models.ActionUnpublish:
			e.PublishedRevision = nil
		}
		if summary == "" && st.Comment != "" {
			summary = st.Comment
		}
		if err := entryEvent(tx, p, event, t, &e, summary, now); err != nil {
			return err
		}
		if visible {
			if err := s.opt.Changes.Changed(tx, after, changes.Entry(e.ID), changes.Type(e.Type), changes.Doc(e.DocumentID)); err != nil {
				return err
			}
		}
		var saved models.Entry
		if err := tx.Where("id = ?", e.ID).Take(&saved).Error; err != nil {
			return err
		}
		out, err = s.entryView(tx, p, &saved)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// record writes the history event and, for reviews, the comment.
func (s *Service) record(tx *gorm.DB, e *models.Entry, p models.Principal, st Step, from, to models.Status, now time.Time) error {
	ev := historyEvent(e, p, st.Action, st.Comment, from, to, now)
	if err := tx.Create(&ev).Error; err != nil {
		return err
	}
	kind := map[models.Action]string{models.ActionApprove: models.CommentApproval, models.ActionRequestChanges: models.CommentChangesRequest}[st.Action]
	if kind == "" || st.Comment == "" {
		return nil
	}
	c := models.Comment{ID: newID(), EntryID: e.ID, AuthorID: p.UserID, Kind: kind, Revision: e.Revision, Body: st.Comment, CreatedAt: now}
	return tx.Create(&c).Error
}

// historyEvent is the history row of p's action on e, moving it from one
// status to another (from is empty for a creation).
func historyEvent(e *models.Entry, p models.Principal, action models.Action, comment string, from, to models.Status, now time.Time) models.Event {
	return models.Event{ID: newID(), EntryID: e.ID, Action: action, From: from, To: to, ActorID: p.UserID,
		Revision: e.Revision, Comment: comment, At: now}
}

// derived computes what a snapshot keeps besides the data: the filterable
// fields (attrs) and the plain text that search reads. Only the type's
// current fields count.
func derived(t *models.ContentType, data models.Data) (models.Data, string) {
	attrs := models.Data{}
	for _, f := range t.Fields {
		if v, ok := data[f.Name]; ok && f.Filterable() {
			attrs[f.Name] = v
		}
	}
	return attrs, searchText(t, data)
}

// searchText is what full-text search reads of data: the plain text of
// its text, markdown and rich-text fields (rich text as its words, not
// its markup), in the type's field order.
func searchText(t *models.ContentType, data models.Data) string {
	var text []string
	for _, f := range t.Fields {
		if s, ok := data[f.Name].(string); ok && (f.Type == models.FieldText || f.Type == models.FieldRichText || f.Type == models.FieldMarkdown) {
			text = append(text, plainText(s))
		}
	}
	return strings.Join(text, " ")
}

// refreshSnapshots recomputes a type's published entries after its fields
// changed: a removed field can no longer be searched or filtered (and comes
// back empty if re-added), and a field that became rich text is sanitised,
// there and in the working copies, before anyone is served it as HTML.
func refreshSnapshots(tx *gorm.DB, t *models.ContentType) error {
	if err := sanitizeWorkingCopies(tx, t); err != nil {
		return err
	}
	var snaps []models.PublishedEntry
	if err := tx.Where("type = ?", t.Key).Find(&snaps).Error; err != nil {
		return err
	}
	for _, snap := range snaps {
		data := keepFields(t, snap.Data)
		attrs, search := derived(t, data)
		err := tx.Model(&models.PublishedEntry{}).Where("entry_id = ?", snap.EntryID).
			Updates(map[string]any{"data": data, "attrs": attrs, "search_text": search}).Error
		if err != nil {
			return err
		}
	}
	return refreshRefs(tx, t)
}

// keepFields returns the values of the type's current fields, with rich
// text sanitised.
func keepFields(t *models.ContentType, d models.Data) models.Data {
	out := models.Data{}
	for _, f := range t.Fields {
		v, ok := d[f.Name]
		if !ok {
			continue
		}
		if str, isStr := v.(string); isStr && f.Type == models.FieldRichText {
			v = sanitizeHTML(str)
		}
		out[f.Name] = v
	}
	return out
}

// sanitizeWorkingCopies sanitises the rich-text fields of a type's working
// copies where they are not clean (a field that was plain text until now).
func sanitizeWorkingCopies(tx *gorm.DB, t *models.ContentType) error {
	var entries []models.Entry
	if err := tx.Select("id", "data").Where("type = ?", t.Key).Find(&entries).Error; err != nil {
		return err
	}
	for _, e := range entries {
		dirty := false
		for _, f := range t.Fields {
			if str, ok := e.Data[f.Name].(string); ok && f.Type == models.FieldRichText {
				if clean := sanitizeHTML(str); clean != str {
					e.Data[f.Name], dirty = clean, true
				}
			}
		}
		if dirty {
			if err := tx.Model(&models.Entry{}).Where("id = ?", e.ID).Updates(map[string]any{"data": e.Data, "search_text": searchText(t, e.Data)}).Error; err != nil {
				return err
			}
		}
	}
	return nil
}

// slugFree refuses to schedule an entry whose slug another published entry
// of its type and locale holds: the scheduler could not publish it later.
func slugFree(tx *gorm.DB, e *models.Entry) error {
	var n int64
	err := tx.Model(&models.PublishedEntry{}).Where("type = ? AND locale = ? AND slug = ? AND entry_id <> ?", e.Type, e.Locale, e.Slug, e.ID).Count(&n).Error
	if err == nil && n > 0 {
		return models.Errorf(models.CodeConflict, "another published %s in locale %s has the slug %q", e.Type, e.Locale, e.Slug)
	}
	return err
}

// writeSnapshot stores the working revision as the published one.
func (s *Service) writeSnapshot(tx *gorm.DB, e *models.Entry, now time.Time) error {
	t, err := s.findType(tx, e.Type)
	if err != nil {
		return err
	}
	snap := snapshotOf(t, e, now)
	if err := tx.Where("entry_id = ?", e.ID).Delete(&models.PublishedEntry{}).Error; err != nil {
		return err
	}
	if err := tx.Create(&snap).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return models.Errorf(models.CodeConflict, "another published %s in locale %s has the slug %q", e.Type, e.Locale, e.Slug)
		}
		return err
	}
	return syncRefs(tx, e.ID, models.RefLive, mediaIDs(t, e.Data))
}

// snapshotOf is the published snapshot of e's working revision, published
// at now: what the delivery API reads.
func snapshotOf(t *models.ContentType, e *models.Entry, now time.Time) models.PublishedEntry {
	attrs, search := derived(t, e.Data)
	return models.PublishedEntry{
		EntryID: e.ID, DocumentID: e.DocumentID, Type: e.Type, Slug: e.Slug, Locale: e.Locale, Revision: e.Revision, Data: e.Data, Attrs: attrs,
		SearchText: search, PublishedAt: now, UpdatedAt: now,
	}
}

var actionWords = map[models.Action]string{
	models.ActionEdit: "edit", models.ActionDelete: "delete", models.ActionSubmit: "submit",
	models.ActionWithdraw: "withdraw", models.ActionApprove: "approve", models.ActionRequestChanges: "request changes on",
	models.ActionPublish: "publish", models.ActionSchedule: "schedule", models.ActionPublishDue: "publish",
	models.ActionScheduleFailed: "reschedule", models.ActionUnpublish: "unpublish", models.ActionCancelSchedule: "cancel the schedule of",
}
