package content

import (
	"reflect"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/loamcms/cms/delivery"
	"github.com/loamcms/cms/internal/outbox"
	"github.com/loamcms/cms/models"
)

// eventOf names the outbox event of each change to an entry.
var eventOf = map[models.Action]string{
	models.ActionCreate: models.EventEntryCreated, models.ActionEdit: models.EventEntryUpdated,
	models.ActionDelete: models.EventEntryDeleted, models.ActionSubmit: models.EventEntrySubmitted,
	models.ActionWithdraw: models.EventEntryWithdrawn, models.ActionApprove: models.EventEntryApproved,
	models.ActionRequestChanges: models.EventEntryChangesRequested, models.ActionSchedule: models.EventEntryScheduled,
	models.ActionPublish: models.EventEntryPublished, models.ActionPublishDue: models.EventEntryPublished,
	models.ActionUnpublish: models.EventEntryUnpublished, models.ActionCancelSchedule: models.EventEntryScheduleCanceled,
	models.ActionScheduleFailed: models.EventEntryScheduleFailed,
}

// entryEvent writes the outbox event of a change to e, in the change's
// transaction. A published entry's event carries its delivery item as the
// delivery API shows it (media expanded, relations as ids); every other event
// carries only the entry's identity and status, since webhooks go to sites
// and a working copy's words (even its title) are not theirs to see. The
// title is the event's Subject, for the audit log and notifications.
func entryEvent(tx *gorm.DB, p models.Principal, typ string, t *models.ContentType, e *models.Entry, summary string, now time.Time) error {
	var data any = map[string]any{
		"id": e.ID, "type": e.Type, "locale": e.Locale, "status": e.Status, "version": e.Version, "live": e.Live(),
	}
	if typ == models.EventEntryPublished {
		item := delivery.Item{"id": e.ID, "type": e.Type, "slug": e.Slug, "locale": e.Locale, "published_at": now, "updated_at": now}
		for k, v := range keepFields(t, e.Data) {
			item[k] = v
		}
		if err := delivery.ExpandMedia(tx, t, []delivery.Item{item}); err != nil {
			return err
		}
		data = item
	}
	return outbox.Record(tx, outbox.Event{Type: typ, ObjectType: entryObject(e.Type), ObjectID: e.ID, ActorID: p.UserID,
		Subject: entryTitle(t, e), Summary: summary, Data: data, OccurredAt: now})
}

// changedFields names the fields whose values differ between two versions
// of an entry's data (for the audit log: names, never values).
func changedFields(before, after models.Data, slugBefore, slugAfter string) string {
	var names []string
	for k, v := range after {
		if w, ok := before[k]; !ok || !reflect.DeepEqual(v, w) {
			names = append(names, k)
		}
	}
	for k := range before {
		if _, ok := after[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	if slugBefore != slugAfter {
		names = append([]string{"slug"}, names...)
	}
	if len(names) == 0 {
		return "no field changed"
	}
	return "changed " + strings.Join(names, ", ")
}

// typeEvent writes the outbox event of a change to a content type.
func typeEvent(tx *gorm.DB, p models.Principal, typ string, t *models.ContentType, summary string) error {
	return outbox.Record(tx, outbox.Event{Type: typ, ObjectType: "content_types", ObjectID: t.Key, ActorID: p.UserID,
		Subject: t.Name, Summary: summary, Data: map[string]any{"key": t.Key, "name": t.Name, "type": t.Key}})
}

// typeChanges says what a type patch changes: which settings, and which
// fields were renamed.
func typeChanges(in TypePatch, renames map[string]string) string {
	var parts []string
	for name, set := range map[string]bool{"name": in.Name != nil, "public": in.Public != nil,
		"slug_field": in.SlugField != nil, "fields": in.Fields != nil, "preview_url": in.PreviewURL != nil} {
		if set {
			parts = append(parts, name)
		}
	}
	slices.Sort(parts)
	for to, from := range renames {
		parts = append(parts, "renamed "+from+" to "+to)
	}
	return "changed " + strings.Join(parts, ", ")
}
