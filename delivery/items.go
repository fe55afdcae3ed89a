package delivery

import (
	"context"
	"database/sql/driver"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/loamcms/cms/internal/changes"
	"github.com/loamcms/cms/models"
)

// Item is one entry as the delivery API shows it: flat, system keys and fields together.
type Item map[string]any

// row is what delivery reads from either source; K0… are the values of
// the sort keys, for the cursor of the next page.
type row struct {
	ID                     string
	DocumentID             string
	Type                   string
	Slug                   string
	Locale                 string
	Data                   models.Data
	PublishedAt            *time.Time
	UpdatedAt              time.Time
	K0, K1, K2, K3, K4, K5 keyValue
}

func (r row) keys(n int) []any {
	return []any{r.K0.v, r.K1.v, r.K2.v, r.K3.v, r.K4.v, r.K5.v}[:n]
}

// keyValue is a sort key's value as the database gave it.
type keyValue struct{ v any }

func (k *keyValue) Scan(src any) error {
	if b, ok := src.([]byte); ok {
		src = string(b) // the driver reuses its buffer
	}
	k.v = src
	return nil
}

func (k keyValue) Value() (driver.Value, error) { return k.v, nil }

// GormDataType tells GORM this is a column, not a relation.
func (keyValue) GormDataType() string { return "key" }

func selectRows(db *gorm.DB, src source, keys []sortKey) *gorm.DB {
	cols := src.id + " AS id, document_id, type, slug, locale, data, published_at, updated_at"
	for i, k := range keys {
		cols += ", " + k.expr + " AS k" + string(rune('0'+i))
	}
	return db.Table(src.table).Select(cols)
}

// deps collects what an answer shows, as the tags of internal/changes: a
// change to any of them drops the answer from the cache. Lists also
// depend on their type (soft: a change there may add an item), which the
// caller adds.
type deps map[string]bool

func (d deps) add(tag string) { d[tag] = true }

func (d deps) list() []string {
	out := make([]string, 0, len(d))
	for t := range d {
		out = append(out, t)
	}
	slices.Sort(out)
	return out
}

// items turns rows into flat items, keeping only the type's current fields,
// embedding included relations and cutting to the selected fields.
func (s *Service) items(ctx context.Context, t *models.ContentType, rows []row, q Query, anonymous bool, d deps) ([]Item, error) {
	out := make([]Item, len(rows))
	docDeps(d, rows)
	for i, r := range rows {
		out[i] = flatten(t, r)
		d.add(changes.Entry(r.ID))
		for _, id := range t.MediaIDs(r.Data) {
			d.add(changes.Media(id))
		}
	}
	if err := ExpandMedia(s.db.WithContext(ctx), t, out); err != nil {
		return nil, err
	}
	for _, name := range q.Include {
		f, ok := t.Field(name)
		if !ok || f.Type != models.FieldRelation {
			return nil, models.Errorf(models.CodeBadRequest, "cannot include %q: not a relation of %s", name, t.Key)
		}
		if err := s.embed(ctx, f, out, q, anonymous, d); err != nil {
			return nil, err
		}
	}
	if len(q.Fields) > 0 {
		for i, it := range out {
			cut := Item{"id": it["id"]}
			for _, name := range q.Fields {
				if v, ok := it[name]; ok {
					cut[name] = v
				}
			}
			out[i] = cut
		}
	}
	return out, nil
}

func flatten(t *models.ContentType, r row) Item {
	it := Item{"id": r.ID, "type": r.Type, "slug": r.Slug, "locale": r.Locale, "published_at": r.PublishedAt, "updated_at": r.UpdatedAt}
	for _, f := range t.Fields {
		if v, ok := r.Data[f.Name]; ok {
			it[f.Name] = v
		}
	}
	return it
}

// embed replaces the ids of a relation field with the related items, one
// level deep. A relation points at a document: the related item is its
// translation in the best locale of the reader's chain. Only published
// entries are embedded (working copies in a preview); an id with none
// becomes null, or drops out of a list. The answer depends on every id
// and document named, found or not: publishing a missing one must show it.
func (s *Service) embed(ctx context.Context, f models.Field, items []Item, q Query, anonymous bool, d deps) error {
	target, err := s.contentType(ctx, f.To)
	if err != nil {
		return err
	}
	if anonymous && !target.Public {
		return models.Errorf(models.CodeUnauthorized, "including %s entries needs an API token", target.Key)
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, relationIDs(asRelation(it[f.Name]))...)
	}
	if len(ids) == 0 {
		return nil
	}
	for _, id := range ids {
		d.add(changes.Entry(id))
	}
	var docOf []struct{ ID, DocumentID string }
	if err := s.db.WithContext(ctx).Model(&models.Entry{}).Select("id, document_id").Where("id IN ?", ids).Scan(&docOf).Error; err != nil {
		return err
	}
	docs := make([]string, len(docOf))
	for i, e := range docOf {
		docs[i] = e.DocumentID
		d.add(changes.Doc(e.DocumentID))
	}
	src := s.source(q.Preview)
	var rows []row
	if err := inChain(selectRows(s.db.WithContext(ctx), src, nil).Where("type = ? AND document_id IN ?", f.To, docs), src.table, q.chain).Scan(&rows).Error; err != nil {
		return err
	}
	byDoc := map[string]Item{}
	related := make([]Item, 0, len(rows))
	for _, r := range rows {
		byDoc[r.DocumentID] = flatten(target, r)
		related = append(related, byDoc[r.DocumentID])
		for _, id := range target.MediaIDs(r.Data) {
			d.add(changes.Media(id))
		}
	}
	if err := ExpandMedia(s.db.WithContext(ctx), target, related); err != nil {
		return err
	}
	byID := map[string]Item{}
	for _, e := range docOf {
		if rel, ok := byDoc[e.DocumentID]; ok {
			byID[e.ID] = rel
		}
	}
	for _, it := range items {
		switch v := asRelation(it[f.Name]).(type) {
		case string:
			if rel, ok := byID[v]; ok {
				it[f.Name] = rel
			} else {
				it[f.Name] = nil
			}
		case []string:
			list := []Item{}
			for _, id := range v {
				if rel, ok := byID[id]; ok {
					list = append(list, rel)
				}
			}
			it[f.Name] = list
		}
	}
	return nil
}

// asRelation reads a stored relation value: an id, or a list of ids (which
// JSON decoding gives back as []any).
func asRelation(v any) any {
	if list, ok := v.([]any); ok {
		ids := make([]string, 0, len(list))
		for _, x := range list {
			if id, ok := x.(string); ok {
				ids = append(ids, id)
			}
		}
		return ids
	}
	return v
}

func relationIDs(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []string:
		return v
	}
	return nil
}

// cacheTags names what an answer shows, for CDNs that purge by tag: the
// type ("type:post") and each entry in it ("entry:<id>"), the ones embedded
// by include= too. A webhook receiver purges "entry:<id>" on
// entry.published/unpublished and "type:post" for lists. (Entry ids are
// UUIDs: no commas or spaces to escape.)
func cacheTags(typ string, items []Item) string {
	tags := []string{"type:" + typ}
	seen := map[string]bool{}
	tag := func(it Item) {
		if id, ok := it["id"].(string); ok && !seen[id] {
			seen[id] = true
			tags = append(tags, "entry:"+id)
		}
	}
	for _, it := range items {
		tag(it)
		for _, v := range it {
			switch v := v.(type) {
			case Item:
				tag(v)
			case []Item:
				for _, rel := range v {
					tag(rel)
				}
			}
		}
	}
	return strings.Join(tags, ",")
}
