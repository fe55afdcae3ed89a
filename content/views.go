package content

import (
	"time"

	"gorm.io/gorm"

	"github.com/loamcms/cms/models"
)

// Person names a user in answers.
type Person struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// scheduler is the actor of scheduled publishes in history.
var scheduler = Person{ID: "", Name: "Scheduler"}

// EntryView is an entry as the management API shows it.
type EntryView struct {
	ID             string        `json:"id"`
	Type           string        `json:"type"`
	Slug           string        `json:"slug"`
	Locale         string        `json:"locale"`
	Status         models.Status `json:"status"`
	Version        int           `json:"version"`
	Revision       int           `json:"revision"`
	Live           bool          `json:"live"`
	Data           models.Data   `json:"data"`
	Author         Person        `json:"author"`
	RevisionAuthor Person        `json:"revision_author"`
	CreatedAt      time.Time     `json:"created_at"`
	UpdatedAt      time.Time     `json:"updated_at"`
	PublishedAt    *time.Time    `json:"published_at"`
	PublishAt      *time.Time    `json:"publish_at"`
	// AllowedActions are the workflow actions the caller may take now:
	// the policy, the workflow table and the four-eyes rule, in one place.
	AllowedActions []models.Action `json:"allowed_actions"`
	// RevisedAt is when the working revision was written (a workflow
	// step changes updated_at, not this).
	RevisedAt time.Time `json:"revised_at"`
	// Outdated says the document's original was revised after this
	// translation's working revision: the source changed since translated.
	Outdated bool `json:"outdated"`
	// Translations are the other entries of its document, by locale.
	Translations []TranslationView `json:"translations"`
}

// TranslationView is one translation of an entry.
type TranslationView struct {
	ID        string        `json:"id"`
	Locale    string        `json:"locale"`
	Status    models.Status `json:"status"`
	Live      bool          `json:"live"`
	RevisedAt time.Time     `json:"revised_at"`
	Outdated  bool          `json:"outdated"`
	// Source marks the document's original, the entry the others translate.
	Source bool `json:"source"`
}

// RevisionView is one revision; Data is left out of lists.
type RevisionView struct {
	Number    int         `json:"number"`
	Slug      string      `json:"slug"`
	Author    Person      `json:"author"`
	CreatedAt time.Time   `json:"created_at"`
	Current   bool        `json:"current"`
	Published bool        `json:"published"`
	Data      models.Data `json:"data,omitempty"`
}

// CommentView is one comment.
type CommentView struct {
	ID        string     `json:"id"`
	Body      string     `json:"body"`
	Kind      string     `json:"kind"`
	Revision  int        `json:"revision"`
	Author    Person     `json:"author"`
	Mentions  []Person   `json:"mentions"`
	Resolved  bool       `json:"resolved"`
	EditedAt  *time.Time `json:"edited_at"`
	CreatedAt time.Time  `json:"created_at"`
}

// EventView is one step of an entry's history.
type EventView struct {
	Action   models.Action `json:"action"`
	From     models.Status `json:"from"`
	To       models.Status `json:"to"`
	Actor    Person        `json:"actor"`
	Revision int           `json:"revision"`
	At       time.Time     `json:"at"`
	Comment  string        `json:"comment"`
}

// people looks up the names of users in one query.
func people(db *gorm.DB, ids ...string) (map[string]Person, error) {
	out := map[string]Person{"": scheduler}
	var want []string
	for _, id := range ids {
		if _, ok := out[id]; !ok {
			want = append(want, id)
			out[id] = Person{ID: id, Name: "(deleted user)"}
		}
	}
	if len(want) == 0 {
		return out, nil
	}
	var users []models.User
	if err := db.Select("id", "name").Where("id IN ?", want).Find(&users).Error; err != nil {
		return nil, err
	}
	for _, u := range users {
		out[u.ID] = Person{ID: u.ID, Name: u.Name}
	}
	return out, nil
}

// entryViews shows entries to p, with the actions p may take on each.
func (s *Service) entryViews(db *gorm.DB, p models.Principal, entries []models.Entry) ([]EntryView, error) {
	var ids []string
	for _, e := range entries {
		ids = append(ids, e.AuthorID, e.RevisionAuthorID)
	}
	names, err := people(db, ids...)
	if err != nil {
		return nil, err
	}
	translations, err := translationsOf(db, entries)
	if err != nil {
		return nil, err
	}
	out := make([]EntryView, len(entries))
	for i, e := range entries {
		out[i] = EntryView{
			ID: e.ID, Type: e.Type, Slug: e.Slug, Locale: e.Locale, Status: e.Status, Version: e.Version,
			Revision: e.Revision, Live: e.Live(), Data: e.Data, Author: names[e.AuthorID],
			RevisionAuthor: names[e.RevisionAuthorID], CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt,
			PublishedAt: e.PublishedAt, PublishAt: e.PublishAt, AllowedActions: s.allowedActions(p, &e),
			Translations: []TranslationView{},
		}
		for _, tr := range translations[e.DocumentID] {
			if tr.ID == e.ID {
				out[i].RevisedAt, out[i].Outdated = tr.RevisedAt, tr.Outdated
			} else {
				out[i].Translations = append(out[i].Translations, tr)
			}
		}
		if out[i].Data == nil {
			out[i].Data = models.Data{}
		}
	}
	return out, nil
}

// translationsOf reads the entries of the documents of entries, with when
// each working revision was written, in one query, by document.
func translationsOf(db *gorm.DB, entries []models.Entry) (map[string][]TranslationView, error) {
	var docs []string
	for _, e := range entries {
		docs = append(docs, e.DocumentID)
	}
	var rows []struct {
		models.Entry
		RevisedAt time.Time
	}
	err := db.Table("entries").Select("entries.id, entries.document_id, entries.locale, entries.status, entries.published_revision, revisions.created_at AS revised_at").
		Joins("JOIN revisions ON revisions.entry_id = entries.id AND revisions.number = entries.revision").
		Where("entries.document_id IN ?", docs).Order("entries.locale").Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	source := map[string]time.Time{} // document → when its original was revised
	for _, r := range rows {
		if r.ID == r.DocumentID {
			source[r.DocumentID] = r.RevisedAt
		}
	}
	out := map[string][]TranslationView{}
	for _, r := range rows {
		orig, ok := source[r.DocumentID]
		out[r.DocumentID] = append(out[r.DocumentID], TranslationView{
			ID: r.ID, Locale: r.Locale, Status: r.Status, Live: r.Live(), RevisedAt: r.RevisedAt,
			Source: r.ID == r.DocumentID, Outdated: ok && r.ID != r.DocumentID && orig.After(r.RevisedAt),
		})
	}
	return out, nil
}

func (s *Service) entryView(db *gorm.DB, p models.Principal, e *models.Entry) (*EntryView, error) {
	v, err := s.entryViews(db, p, []models.Entry{*e})
	if err != nil {
		return nil, err
	}
	return &v[0], nil
}

// allowedActions lists what p may do to e now, exactly as Transition
// would decide it (clients show these buttons and no others).
func (s *Service) allowedActions(p models.Principal, e *models.Entry) []models.Action {
	out := []models.Action{}
	for _, a := range models.PersonActions {
		if _, ok := models.NextOf(e.Status, e.Live(), a); ok && s.authorizeStep(p, e, a) == nil {
			out = append(out, a)
		}
	}
	return out
}
