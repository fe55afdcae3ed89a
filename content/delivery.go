package content

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/loamcms/cms/models"
)

// Filter is one filter[field][op]=value of a delivery query.
type Filter struct {
	Field, Op, Value string
}

// DeliveryQuery is a delivery API request, already split into its parts.
type DeliveryQuery struct {
	Type    string
	Slug    string // for one item
	Filters []Filter
	Sort    string
	Limit   int
	Offset  int
	Fields  []string
	Locale  string
	Search  string
	Include []string
	// Preview reads the latest working revision instead of the published one.
	// The caller must have checked that the client may preview.
	Preview bool
	// Anonymous is a reader without a token: entries of non-public types
	// are not embedded for them.
	Anonymous bool
	// OnlyEntry limits a one-item read to this entry (an entry preview token).
	OnlyEntry string
}

// Bounds of one delivery query, so no request can make the database work
// without limit (or overflow its parameter count).
const (
	maxInValues    = 100
	maxSearchWords = 10
	maxSortKeys    = 5
)

// Item is one entry as the delivery API shows it: flat, system keys and fields together.
type Item map[string]any

// filterOps are the operators a filter may use.
var filterOps = []string{"eq", "ne", "lt", "lte", "gt", "gte", "in", "contains"}

// systemColumns are the item keys that are columns of their own.
var systemColumns = []string{"id", "slug", "locale", "published_at", "updated_at"}

// source is where a delivery read comes from: the published snapshots, or
// for previews the entries' working copies. attrs is the JSON column that
// filters and sorts read.
type source struct {
	table, id, search, attrs string
}

func (s *Service) source(preview bool) source {
	if preview {
		text := "LOWER(data)"
		if s.opt.Dialect == "postgres" {
			text = "LOWER(data::text)"
		}
		return source{table: "entries", id: "id", search: text, attrs: "data"}
	}
	return source{table: "published_entries", id: "entry_id", search: "search_text", attrs: "attrs"}
}

// CanPreview reports (as an error) whether a signed-in user may read the
// working copies of entries of type typ.
func (s *Service) CanPreview(p models.Principal, typ string) error {
	return s.can(p, entryObject(typ), actRead)
}

// DeliveryType returns a content type for the delivery API, or not_found.
func (s *Service) DeliveryType(ctx context.Context, key string) (*models.ContentType, error) {
	return s.findType(s.db.WithContext(ctx), key)
}

// fieldExpr is the SQL that reads field f out of the source's JSON, typed for
// comparison. The field name is written into the SQL as a literal, so that
// the database can use the index on the very same expression (indexes.go);
// it is a field of the type, whose names match namePattern, never request
// text. On PostgreSQL a value of another JSON type (stored before the field's
// type changed) reads as NULL instead of failing the cast.
func (s *Service) fieldExpr(src source, f models.Field) string {
	a, name := src.attrs, f.Name
	if s.opt.Dialect == "postgres" {
		switch f.Type {
		case models.FieldNumber, models.FieldInteger:
			return "(CASE WHEN jsonb_typeof(" + a + "->'" + name + "') = 'number' THEN (" + a + "->>'" + name + "')::numeric END)"
		case models.FieldBoolean:
			return "(CASE WHEN jsonb_typeof(" + a + "->'" + name + "') = 'boolean' THEN (" + a + "->>'" + name + "')::boolean END)"
		}
		return "(" + a + "->>'" + name + "')"
	}
	return "json_extract(" + a + ", '$." + name + "')"
}

// value converts a filter value to the field's type. Times compare as the
// stored RFC 3339 UTC text, so a filter time is brought to that form.
func fieldValue(f models.Field, raw string) (any, bool) {
	switch f.Type {
	case models.FieldDateTime:
		t, err := time.Parse(time.RFC3339, raw)
		return t.UTC().Format(time.RFC3339), err == nil
	case models.FieldDate:
		_, err := time.Parse(time.DateOnly, raw)
		return raw, err == nil
	case models.FieldNumber, models.FieldInteger:
		n, err := strconv.ParseFloat(raw, 64)
		return n, err == nil
	case models.FieldBoolean:
		b, err := strconv.ParseBool(raw)
		return b, err == nil
	}
	return raw, true
}

var sqlOps = map[string]string{"eq": "=", "ne": "<>", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}

// where applies one filter, after checking the field and operator against
// the type: user text only ever reaches the database as a parameter.
func (s *Service) where(db *gorm.DB, t *models.ContentType, src source, f Filter) (*gorm.DB, error) {
	if f.Op == "" {
		f.Op = "eq"
	}
	if !slices.Contains(filterOps, f.Op) {
		return nil, models.Errorf(models.CodeBadRequest, "unknown filter operator %q; use one of %s", f.Op, strings.Join(filterOps, ", "))
	}
	values := []string{f.Value}
	if f.Op == "in" {
		values = strings.Split(f.Value, ",")
		if len(values) > maxInValues {
			return nil, models.Errorf(models.CodeBadRequest, "in takes at most %d values", maxInValues)
		}
	}
	if slices.Contains(systemColumns, f.Field) {
		col := f.Field
		if col == "id" {
			col = src.id
		}
		timeCol := col == "published_at" || col == "updated_at"
		var args []any
		for _, v := range values {
			if timeCol {
				tm, err := time.Parse(time.RFC3339, v)
				if err != nil {
					return nil, models.Errorf(models.CodeBadRequest, "filter on %s needs an RFC 3339 time", f.Field)
				}
				args = append(args, tm.UTC())
			} else {
				args = append(args, v)
			}
		}
		switch f.Op {
		case "in":
			return db.Where(col+" IN ?", args), nil
		case "contains":
			if timeCol {
				return nil, models.Errorf(models.CodeBadRequest, "contains works on text, not on %s", f.Field)
			}
			return db.Where("LOWER("+col+") LIKE ? ESCAPE '\\'", likePattern(f.Value)), nil
		}
		return db.Where(col+" "+sqlOps[f.Op]+" ?", args[0]), nil
	}
	field, ok := t.Field(f.Field)
	if !ok || !namePattern.MatchString(field.Name) {
		return nil, models.Errorf(models.CodeBadRequest, "cannot filter %s by %q: not a field", t.Key, f.Field)
	}
	if !field.Filterable() {
		return nil, models.Errorf(models.CodeBadRequest, "cannot filter by %s, a %s field", f.Field, field.Type)
	}
	if field.Type == models.FieldRelation && field.Many {
		if f.Op != "contains" && f.Op != "eq" {
			return nil, models.Errorf(models.CodeBadRequest, "filter a list of relations with contains")
		}
		if s.opt.Dialect == "postgres" {
			return db.Where("("+src.attrs+"->?) @> jsonb_build_array(?::text)", field.Name, f.Value), nil
		}
		return db.Where("EXISTS (SELECT 1 FROM json_each("+src.attrs+", ?) WHERE value = ?)", "$."+field.Name, f.Value), nil
	}
	expr := s.fieldExpr(src, field)
	var args []any
	for _, v := range values {
		val, ok := fieldValue(field, v)
		if !ok {
			return nil, models.Errorf(models.CodeBadRequest, "filter on %s needs a %s value", f.Field, field.Type)
		}
		args = append(args, val)
	}
	switch f.Op {
	case "in":
		return db.Where(expr+" IN ?", args), nil
	case "contains":
		if field.Type != models.FieldText && field.Type != models.FieldSelect {
			return nil, models.Errorf(models.CodeBadRequest, "contains works on text, not on %s, a %s field", f.Field, field.Type)
		}
		return db.Where("LOWER("+expr+") LIKE ? ESCAPE '\\'", likePattern(f.Value)), nil
	}
	return db.Where(expr+" "+sqlOps[f.Op]+" ?", args[0]), nil
}

// order builds the ORDER BY of "-published_at,title" from allowed names
// only, ending with the id so pages are stable. (One clause: GORM merges a
// second Order into the first and would drop this expression.)
func (s *Service) order(t *models.ContentType, src source, sort string) (clause.OrderBy, error) {
	if sort == "" {
		sort = "-published_at"
	}
	var parts []string
	if strings.Count(sort, ",") >= maxSortKeys {
		return clause.OrderBy{}, models.Errorf(models.CodeBadRequest, "sort by at most %d keys", maxSortKeys)
	}
	for part := range strings.SplitSeq(sort, ",") {
		desc := strings.HasPrefix(part, "-")
		name := strings.TrimPrefix(part, "-")
		dir := " ASC"
		if desc {
			dir = " DESC"
		}
		if slices.Contains(systemColumns, name) && name != "id" {
			parts = append(parts, name+dir)
			continue
		}
		f, ok := t.Field(name)
		if !ok || !f.Filterable() || f.Many || !namePattern.MatchString(f.Name) {
			return clause.OrderBy{}, models.Errorf(models.CodeBadRequest, "cannot sort %s by %q", t.Key, name)
		}
		parts = append(parts, s.fieldExpr(src, f)+dir)
	}
	parts = append(parts, src.id)
	return clause.OrderBy{Expression: clause.Expr{SQL: strings.Join(parts, ", ")}}, nil
}

// row is what delivery reads from either source.
type row struct {
	ID          string
	Type        string
	Slug        string
	Locale      string
	Data        models.Data
	PublishedAt *time.Time
	UpdatedAt   time.Time
}

func (s *Service) selectRows(db *gorm.DB, src source) *gorm.DB {
	return db.Table(src.table).Select(src.id + " AS id, type, slug, locale, data, published_at, updated_at")
}

// Deliver answers a list query: published items (or, for previews, working
// copies) of one type, filtered, sorted and paged.
func (s *Service) Deliver(ctx context.Context, t *models.ContentType, q DeliveryQuery) ([]Item, int64, error) {
	src := s.source(q.Preview)
	db := s.db.WithContext(ctx).Table(src.table).Where("type = ?", t.Key)
	if q.Locale != "" {
		db = db.Where("locale = ?", q.Locale)
	}
	for _, f := range q.Filters {
		var err error
		if db, err = s.where(db, t, src, f); err != nil {
			return nil, 0, err
		}
	}
	words := strings.Fields(q.Search)
	if len(words) > maxSearchWords {
		return nil, 0, models.Errorf(models.CodeBadRequest, "search for at most %d words", maxSearchWords)
	}
	for _, word := range words {
		db = db.Where(src.search+" LIKE ? ESCAPE '\\'", likePattern(word))
	}
	order, err := s.order(t, src, q.Sort)
	if err != nil {
		return nil, 0, err
	}
	if err := checkFields(t, q.Fields); err != nil {
		return nil, 0, err
	}
	var total int64
	if err := db.Session(&gorm.Session{}).Count(&total).Error; err != nil {
		return nil, 0, err
	}
	var rows []row
	err = s.selectRows(db, src).Order(order).Limit(q.Limit).Offset(q.Offset).Scan(&rows).Error
	if err != nil {
		return nil, 0, err
	}
	items, err := s.items(ctx, t, rows, q)
	return items, total, err
}

// DeliverOne answers a by-slug query, or not_found.
func (s *Service) DeliverOne(ctx context.Context, t *models.ContentType, q DeliveryQuery) (Item, error) {
	if err := checkFields(t, q.Fields); err != nil {
		return nil, err
	}
	src := s.source(q.Preview)
	var rows []row
	db := s.selectRows(s.db.WithContext(ctx), src).Where("type = ? AND locale = ? AND slug = ?", t.Key, q.Locale, q.Slug)
	if q.OnlyEntry != "" {
		db = db.Where(src.id+" = ?", q.OnlyEntry)
	}
	err := db.Limit(1).Scan(&rows).Error
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, models.Errorf(models.CodeNotFound, "no published %s %q", t.Key, q.Slug)
	}
	items, err := s.items(ctx, t, rows, q)
	if err != nil {
		return nil, err
	}
	return items[0], nil
}

func checkFields(t *models.ContentType, fields []string) error {
	for _, name := range fields {
		if _, ok := t.Field(name); !ok && !slices.Contains(systemColumns, name) && name != "type" {
			return models.Errorf(models.CodeBadRequest, "cannot select %q: not a field of %s", name, t.Key)
		}
	}
	return nil
}

// items turns rows into flat items, keeping only the type's current fields,
// embedding included relations and cutting to the selected fields.
func (s *Service) items(ctx context.Context, t *models.ContentType, rows []row, q DeliveryQuery) ([]Item, error) {
	out := make([]Item, len(rows))
	for i, r := range rows {
		out[i] = flatten(t, r)
	}
	if err := expandMedia(s.db.WithContext(ctx), t, out); err != nil {
		return nil, err
	}
	for _, name := range q.Include {
		f, ok := t.Field(name)
		if !ok || f.Type != models.FieldRelation {
			return nil, models.Errorf(models.CodeBadRequest, "cannot include %q: not a relation of %s", name, t.Key)
		}
		if err := s.embed(ctx, f, out, q); err != nil {
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
// level deep. Only published entries are embedded (working copies in a
// preview); an id with none becomes null, or drops out of a list.
func (s *Service) embed(ctx context.Context, f models.Field, items []Item, q DeliveryQuery) error {
	target, err := s.findType(s.db.WithContext(ctx), f.To)
	if err != nil {
		return err
	}
	if q.Anonymous && !target.Public {
		return models.Errorf(models.CodeUnauthorized, "including %s entries needs an API token", target.Key)
	}
	var ids []string
	for _, it := range items {
		ids = append(ids, relationIDs(asRelation(it[f.Name]))...)
	}
	if len(ids) == 0 {
		return nil
	}
	src := s.source(q.Preview)
	var rows []row
	if err := s.selectRows(s.db.WithContext(ctx), src).Where("type = ? AND "+src.id+" IN ?", f.To, ids).Scan(&rows).Error; err != nil {
		return err
	}
	byID := map[string]Item{}
	related := make([]Item, 0, len(rows))
	for _, r := range rows {
		byID[r.ID] = flatten(target, r)
		related = append(related, byID[r.ID])
	}
	if err := expandMedia(s.db.WithContext(ctx), target, related); err != nil {
		return err
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
