package audit

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/loamcms/cms/internal/outbox"
	"github.com/loamcms/cms/models"
)

// notify is the outbox handler of notifications: it works out who should
// hear of an entry's event and writes one notification each (keyed by event
// and person, so a dispatch that runs twice notifies once). Nobody is told
// of what they did themselves.
func (s *Service) notify(ctx context.Context, tx *gorm.DB, e outbox.Event) error {
	if !strings.HasPrefix(e.ObjectType, "entries/") || e.Type == models.EventEntryDeleted {
		return nil
	}
	var entry models.Entry
	if err := tx.Select("id", "author_id").Where("id = ?", e.ObjectID).Take(&entry).Error; err != nil {
		return nil // deleted since: there is nothing to link to
	}
	to := map[string]string{} // user id → kind
	switch e.Type {
	case models.EventCommentCreated:
		to[entry.AuthorID] = models.NotifyComment
		var d struct {
			Mentions []string `json:"mentions"`
		}
		_ = json.Unmarshal(e.RawData(), &d)
		for _, id := range d.Mentions {
			to[id] = models.NotifyMention // a mentioned author hears of the mention
		}
	case models.EventEntryChangesRequested:
		to[entry.AuthorID] = models.NotifyChangesRequested
	case models.EventEntryApproved:
		to[entry.AuthorID] = models.NotifyApproved
	case models.EventEntryPublished:
		to[entry.AuthorID] = models.NotifyPublished
	case models.EventEntryScheduleFailed:
		to[entry.AuthorID] = models.NotifyScheduleFailed
	case models.EventEntrySubmitted:
		ids, err := reviewers(tx)
		if err != nil {
			return err
		}
		for _, id := range ids {
			to[id] = models.NotifySubmitted
		}
	default:
		return nil
	}
	delete(to, e.ActorID)
	delete(to, "")
	// Only people who still exist: someone deleted since (a mention's
	// target) must not fail the notifications of everyone else.
	ids := make([]string, 0, len(to))
	for id := range to {
		ids = append(ids, id)
	}
	var users []string
	if err := tx.Model(&models.User{}).Where("id IN ?", ids).Pluck("id", &users).Error; err != nil {
		return err
	}
	for _, user := range users {
		kind := to[user]
		n := models.Notification{ID: e.ID + "." + user, UserID: user, Kind: kind, EntryID: entry.ID,
			EntryTitle: e.Subject, ActorID: e.ActorID, At: e.OccurredAt}
		if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&n).Error; err != nil {
			return err
		}
	}
	return nil
}

// reviewers lists the enabled users who review submissions: the reviewers,
// or the admins on a site that has none.
func reviewers(tx *gorm.DB) ([]string, error) {
	var users []models.User
	if err := tx.Select("id", "roles").Where("disabled = ?", false).Find(&users).Error; err != nil {
		return nil, err
	}
	var out, admins []string
	for _, u := range users {
		if slices.Contains(u.Roles, models.RoleReviewer) {
			out = append(out, u.ID)
		} else if slices.Contains(u.Roles, models.RoleAdmin) {
			admins = append(admins, u.ID)
		}
	}
	if len(out) == 0 {
		return admins, nil
	}
	return out, nil
}

// Note is a notification as the API shows it.
type Note struct {
	ID    string    `json:"id"`
	Kind  string    `json:"kind"`
	Entry NoteEntry `json:"entry"`
	Actor Actor     `json:"actor"`
	At    time.Time `json:"at"`
	Read  bool      `json:"read"`
}

// NoteEntry is the entry a notification links to.
type NoteEntry struct {
	ID    string `json:"id"`
	Title string `json:"title"`
}

// Notifications returns the caller's notifications, newest first (at most
// limit, ≤ 100), and how many are unread.
func (s *Service) Notifications(ctx context.Context, p models.Principal, limit, offset int) ([]Note, int64, error) {
	if err := models.Authorize(s.authz, p, models.ObjNotifications, models.ActRead); err != nil {
		return nil, 0, err
	}
	if limit < 0 || limit > 100 || offset < 0 {
		return nil, 0, models.Invalid(map[string]string{"limit": "must be between 1 and 100, offset not negative"})
	}
	if limit == 0 {
		limit = 30
	}
	db := s.db.WithContext(ctx)
	var unread int64
	if err := db.Model(&models.Notification{}).Where("user_id = ? AND read_at IS NULL", p.UserID).Count(&unread).Error; err != nil {
		return nil, 0, err
	}
	var rows []models.Notification
	err := db.Where("user_id = ?", p.UserID).Order("at DESC, id DESC").Limit(limit).Offset(offset).Find(&rows).Error
	if err != nil {
		return nil, 0, err
	}
	actors := make([]string, 0, len(rows))
	for _, n := range rows {
		actors = append(actors, n.ActorID)
	}
	names := actorNames(db, actors...)
	out := make([]Note, 0, len(rows))
	for _, n := range rows {
		out = append(out, Note{ID: n.ID, Kind: n.Kind, Entry: NoteEntry{ID: n.EntryID, Title: n.EntryTitle},
			Actor: Actor{ID: n.ActorID, Name: names[n.ActorID]}, At: n.At, Read: n.ReadAt != nil})
	}
	return out, unread, nil
}

// MarkRead marks the caller's notifications read: those listed, or all
// when ids is nil. Ids of other people's notifications are ignored.
func (s *Service) MarkRead(ctx context.Context, p models.Principal, ids []string) error {
	if err := models.Authorize(s.authz, p, models.ObjNotifications, models.ActUpdate); err != nil {
		return err
	}
	if ids != nil && len(ids) > 500 {
		return models.Invalid(map[string]string{"ids": "at most 500 at a time"})
	}
	db := s.db.WithContext(ctx).Model(&models.Notification{}).Where("user_id = ? AND read_at IS NULL", p.UserID)
	if ids != nil {
		if len(ids) == 0 {
			return nil
		}
		db = db.Where("id IN ?", ids)
	}
	return db.Update("read_at", s.now()).Error
}
