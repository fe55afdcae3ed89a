package content

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/loamcms/cms/internal/changes"
	"github.com/loamcms/cms/internal/outbox"
	"github.com/loamcms/cms/models"
)

// Objects of the policy for content types.
const objContentTypes = "content-types"

var namePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,49}$`)

var errTypeNotFound = &models.Error{Code: models.CodeNotFound, Message: "content type not found"}

// ListTypes returns every content type, ordered by key.
func (s *Service) ListTypes(ctx context.Context, p models.Principal) ([]models.ContentType, error) {
	if err := s.can(p, objContentTypes, models.ActRead); err != nil {
		return nil, err
	}
	types := []models.ContentType{}
	return types, s.db.WithContext(ctx).Order("key").Find(&types).Error
}

// GetType returns one content type.
func (s *Service) GetType(ctx context.Context, p models.Principal, key string) (*models.ContentType, error) {
	if err := s.can(p, objContentTypes, models.ActRead); err != nil {
		return nil, err
	}
	return s.findType(s.db.WithContext(ctx), key)
}

func (s *Service) findType(db *gorm.DB, key string) (*models.ContentType, error) {
	var t models.ContentType
	err := db.Where("key = ?", key).Take(&t).Error
	if isNotFound(err) {
		return nil, errTypeNotFound
	}
	return &t, err
}

// CreateType adds a content type. Admin only.
func (s *Service) CreateType(ctx context.Context, p models.Principal, t models.ContentType) (*models.ContentType, error) {
	if err := s.can(p, objContentTypes, models.ActCreate); err != nil {
		return nil, err
	}
	db := s.db.WithContext(ctx)
	for i := range t.Fields {
		t.Fields[i].RenamedFrom = "" // a new type has nothing to rename
	}
	if err := s.checkType(db, &t); err != nil {
		return nil, err
	}
	t.CreatedAt, t.UpdatedAt = s.now(), s.now()
	err := outbox.Transaction(db, func(tx *gorm.DB, after func(func())) error {
		if err := tx.Create(&t).Error; err != nil {
			return err
		}
		if err := typeEvent(tx, p, models.EventContentTypeCreated, &t, fmt.Sprintf("%d fields", len(t.Fields))); err != nil {
			return err
		}
		return s.opt.Changes.Changed(tx, after, changes.All) // the delivery API caches types
	})
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return nil, models.Errorf(models.CodeConflict, "a content type with key %q already exists", t.Key)
	} else if err != nil {
		return nil, err
	}
	s.buildIndexesLater(ctx, &t)
	return &t, nil
}

// TypePatch is the input of UpdateType; nil fields stay as they are.
type TypePatch struct {
	Name       *string        `json:"name"`
	Public     *bool          `json:"public"`
	SlugField  *string        `json:"slug_field"`
	Fields     *models.Fields `json:"fields"`
	PreviewURL *string        `json:"preview_url"`
}

// UpdateType changes a content type. Admin only. Entries keep their data;
// values of removed fields stop being served and are dropped on the next edit.
func (s *Service) UpdateType(ctx context.Context, p models.Principal, key string, in TypePatch) (*models.ContentType, error) {
	if err := s.can(p, objContentTypes, models.ActUpdate); err != nil {
		return nil, err
	}
	var out *models.ContentType
	err := outbox.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB, after func(func())) error {
		t, err := s.findType(tx, key)
		if err != nil {
			return err
		}
		if in.Name != nil {
			t.Name = *in.Name
		}
		if in.Public != nil {
			t.Public = *in.Public
		}
		if in.SlugField != nil {
			t.SlugField = *in.SlugField
		}
		var renames map[string]string // new name → old name
		if in.Fields != nil {
			if renames, err = fieldRenames(t, *in.Fields); err != nil {
				return err
			}
			t.Fields = *in.Fields
		}
		if in.PreviewURL != nil {
			t.PreviewURL = *in.PreviewURL
		}
		if err := s.checkType(tx, t); err != nil {
			return err
		}
		t.UpdatedAt = s.now()
		err = tx.Model(&models.ContentType{}).Where("key = ?", key).Updates(map[string]any{
			"name": t.Name, "public": t.Public, "slug_field": t.SlugField, "fields": t.Fields, "preview_url": t.PreviewURL, "updated_at": t.UpdatedAt,
		}).Error
		if err != nil {
			return err
		}
		out = t
		if len(renames) > 0 {
			if err := moveFieldData(tx, t.Key, renames); err != nil {
				return err
			}
		}
		if in.Fields != nil {
			if err := refreshSnapshots(tx, t); err != nil {
				return err
			}
		}
		if err := typeEvent(tx, p, models.EventContentTypeUpdated, t, typeChanges(in, renames)); err != nil {
			return err
		}
		return s.opt.Changes.Changed(tx, after, changes.All)
	})
	if err == nil && in.Fields != nil {
		s.buildIndexesLater(ctx, out)
	}
	return out, err
}

// DeleteType removes a content type that has no entries. Admin only.
func (s *Service) DeleteType(ctx context.Context, p models.Principal, key string) error {
	if err := s.can(p, objContentTypes, models.ActDelete); err != nil {
		return err
	}
	return outbox.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB, after func(func())) error {
		t, err := s.findType(tx, key)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&models.Entry{}).Where("type = ?", key).Count(&n).Error; err != nil {
			return err
		}
		if n > 0 {
			return models.Errorf(models.CodeConflict, "content type %q still has %d entries; delete them first", key, n)
		}
		var refs []models.ContentType
		if err := tx.Where("key <> ?", key).Find(&refs).Error; err != nil {
			return err
		}
		for _, other := range refs {
			for _, f := range other.Fields {
				if f.Type == models.FieldRelation && f.To == key {
					return models.Errorf(models.CodeConflict, "field %s.%s relates to %q", other.Key, f.Name, key)
				}
			}
		}
		if err := tx.Where("key = ?", key).Delete(&models.ContentType{}).Error; err != nil {
			return err
		}
		if err := typeEvent(tx, p, models.EventContentTypeDeleted, t, ""); err != nil {
			return err
		}
		return s.opt.Changes.Changed(tx, after, changes.All)
	})
}

// checkType validates a content type definition, one message per field.
func (s *Service) checkType(db *gorm.DB, t *models.ContentType) error {
	fields := map[string]string{}
	t.Name = strings.TrimSpace(t.Name)
	if !namePattern.MatchString(t.Key) {
		fields["key"] = "must be lower_snake_case, starting with a letter, at most 50 characters"
	}
	if t.Name == "" || len(t.Name) > 100 {
		fields["name"] = "is required, at most 100 characters"
	}
	if len(t.Fields) == 0 {
		fields["fields"] = "needs at least one field"
	}
	if len(t.Fields) > 100 {
		fields["fields"] = "may have at most 100 fields"
	}
	seen := map[string]bool{}
	for i, f := range t.Fields {
		at := fmt.Sprintf("fields[%d]", i)
		switch {
		case !namePattern.MatchString(f.Name):
			fields[at+".name"] = "must be lower_snake_case, starting with a letter"
		case slices.Contains(models.SystemNames, f.Name):
			fields[at+".name"] = fmt.Sprintf("%q is a system name", f.Name)
		case seen[f.Name]:
			fields[at+".name"] = fmt.Sprintf("%q is used twice", f.Name)
		}
		seen[f.Name] = true
		if !slices.Contains(models.FieldTypes, f.Type) {
			fields[at+".type"] = "must be one of " + strings.Join(models.FieldTypes, ", ")
		}
		if f.Type == models.FieldSelect && len(f.Options) == 0 {
			fields[at+".options"] = "a select needs options"
		}
		if f.Type != models.FieldSelect && len(f.Options) > 0 {
			fields[at+".options"] = "only a select has options"
		}
		if f.Type == models.FieldRelation {
			if f.To == "" {
				fields[at+".to"] = "a relation needs the content type it points to"
			} else if f.To != t.Key {
				if _, err := s.findType(db, f.To); err != nil {
					fields[at+".to"] = fmt.Sprintf("there is no content type %q", f.To)
				}
			}
		} else if f.To != "" || f.Many {
			fields[at+".to"] = "only a relation has to and many"
		}
		if f.Min != nil && f.Max != nil && *f.Min > *f.Max {
			fields[at+".min"] = "is greater than max"
		}
		if len(f.Help) > 500 || len(f.Label) > 100 {
			fields[at+".help"] = "label at most 100, help at most 500 characters"
		}
		if f.Pattern != "" {
			if _, err := regexp.Compile(f.Pattern); err != nil || len(f.Pattern) > 500 || f.Type != models.FieldText {
				fields[at+".pattern"] = "must be a regular expression (at most 500 characters) on a text field"
			}
		}
		if f.Unique && f.Type != models.FieldText {
			fields[at+".unique"] = "only a text field can be unique"
		}
	}
	if t.SlugField != "" {
		if f, ok := t.Field(t.SlugField); !ok || f.Type != models.FieldText {
			fields["slug_field"] = "must name a text field of this type"
		}
	}
	t.PreviewURL = strings.TrimSpace(t.PreviewURL)
	if msg := checkPreviewURL(t.PreviewURL); msg != "" {
		fields["preview_url"] = msg
	}
	if len(fields) > 0 {
		return models.Invalid(fields)
	}
	return nil
}

var previewPlaceholder = regexp.MustCompile(`\{[^}]*\}`)

// checkPreviewURL accepts "" or an http(s) URL template whose only
// placeholders are {slug} {id} {locale} {type} {token}.
func checkPreviewURL(tmpl string) string {
	if tmpl == "" {
		return ""
	}
	for _, ph := range previewPlaceholder.FindAllString(tmpl, -1) {
		if !slices.Contains([]string{"{slug}", "{id}", "{locale}", "{type}", "{token}"}, ph) {
			return fmt.Sprintf("%s is not a placeholder; use {slug}, {id}, {locale}, {type} or {token}", ph)
		}
	}
	u, err := url.Parse(previewPlaceholder.ReplaceAllString(tmpl, "x"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(tmpl) > 2000 {
		return "must be an http(s) URL such as https://site.example/{slug}?preview={token}"
	}
	return ""
}

// PreviewURL fills a type's preview template for an entry and a token.
// With no {token} in the template the token is added as ?token=.
func PreviewURL(t *models.ContentType, e *EntryView, token string) string {
	if t.PreviewURL == "" {
		return ""
	}
	out := strings.NewReplacer("{slug}", url.PathEscape(e.Slug), "{id}", e.ID, "{locale}", url.PathEscape(e.Locale),
		"{type}", url.PathEscape(e.Type), "{token}", url.QueryEscape(token)).Replace(t.PreviewURL)
	if !strings.Contains(t.PreviewURL, "{token}") {
		sep := "?"
		if strings.Contains(out, "?") {
			sep = "&"
		}
		out += sep + "token=" + url.QueryEscape(token)
	}
	return out
}

// PreviewTarget is the entry p wants a preview link for, with its type;
// p must be allowed to preview the type.
func (s *Service) PreviewTarget(ctx context.Context, p models.Principal, id string) (*EntryView, *models.ContentType, error) {
	e, err := s.GetEntry(ctx, p, id)
	if err != nil {
		return nil, nil, err
	}
	if err := s.can(p, entryObject(e.Type), models.ActRead); err != nil {
		return nil, nil, err
	}
	t, err := s.findType(s.db.WithContext(ctx), e.Type)
	return e, t, err
}

// fieldRenames reads the renamed_from marks of a new field list against
// the current type, and clears them: a rename names a field the type has
// now and that the new list no longer has.
func fieldRenames(cur *models.ContentType, next models.Fields) (map[string]string, error) {
	renames := map[string]string{}
	fields := map[string]string{}
	for i := range next {
		from := next[i].RenamedFrom
		next[i].RenamedFrom = ""
		if from == "" || from == next[i].Name {
			continue
		}
		at := fmt.Sprintf("fields[%d].renamed_from", i)
		old, ok := cur.Field(from)
		switch {
		case !ok:
			fields[at] = fmt.Sprintf("%s has no field %q", cur.Key, from)
		case old.Type != next[i].Type:
			fields[at] = "a renamed field keeps its type; change the type separately"
		case slices.ContainsFunc(next, func(f models.Field) bool { return f.Name == from }):
			fields[at] = fmt.Sprintf("%q is still a field: rename means it goes", from)
		case slices.Contains(slices.Collect(maps.Values(renames)), from):
			fields[at] = fmt.Sprintf("%q is renamed twice", from)
		default:
			if _, exists := cur.Field(next[i].Name); exists {
				fields[at] = fmt.Sprintf("%q is a field already", next[i].Name)
			} else {
				renames[next[i].Name] = from
			}
		}
	}
	if len(fields) > 0 {
		return nil, models.Invalid(fields)
	}
	return renames, nil
}

// moveFieldData moves renamed fields' values in every working copy,
// revision and published snapshot of the type, so nothing written is lost
// and history stays readable under the new name.
func moveFieldData(tx *gorm.DB, typ string, renames map[string]string) error {
	move := func(d models.Data) bool {
		moved := false
		for to, from := range renames {
			if v, ok := d[from]; ok {
				d[to] = v
				delete(d, from)
				moved = true
			}
		}
		return moved
	}
	var entries []models.Entry
	if err := tx.Select("id", "data").Where("type = ?", typ).Find(&entries).Error; err != nil {
		return err
	}
	for _, e := range entries {
		if move(e.Data) {
			if err := tx.Model(&models.Entry{}).Where("id = ?", e.ID).Update("data", e.Data).Error; err != nil {
				return err
			}
		}
	}
	var revs []models.Revision
	if err := tx.Select("id", "data").Where("entry_id IN (?)", tx.Model(&models.Entry{}).Select("id").Where("type = ?", typ)).Find(&revs).Error; err != nil {
		return err
	}
	for _, r := range revs {
		if move(r.Data) {
			if err := tx.Model(&models.Revision{}).Where("id = ?", r.ID).Update("data", r.Data).Error; err != nil {
				return err
			}
		}
	}
	var snaps []models.PublishedEntry
	if err := tx.Select("entry_id", "data").Where("type = ?", typ).Find(&snaps).Error; err != nil {
		return err
	}
	for _, p := range snaps {
		if move(p.Data) {
			if err := tx.Model(&models.PublishedEntry{}).Where("entry_id = ?", p.EntryID).Update("data", p.Data).Error; err != nil {
				return err
			}
		}
	}
	return nil
}
