package delivery

import (
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/models"
)

// Filter is one filter[field][op]=value (or where=field:op:value) of a
// delivery query.
type Filter struct {
	Field, Op, Value string
}

// Query is a delivery API request, already split into its parts.
type Query struct {
	Type    string
	Slug    string // for one item
	Filters []Filter
	Sort    string
	Limit   int
	Offset  int
	After   string // a cursor from meta.next: the page after the item it names
	Fields  []string
	Locale  string // "" for the default locale
	// Fallback reads each entry in the first published locale of Locale's
	// fallback chain (fallback=false: in Locale only).
	Fallback bool
	Search   string
	Include  []string
	// Preview reads the latest working revision instead of the published one.
	Preview bool

	chain   []string // the locales read, best first (Service.Read works it out)
	counted *page    // the total, read by the recomputation that found the page changed
}

// Bounds of one delivery query, so no request can make the database work
// without limit (or overflow its parameter count).
const (
	maxInValues = 100
	maxSortKeys = 5
	maxFilters  = 20
)

// params are the query parameters the delivery API understands, besides
// filter[…]; anything else is a bad request, so typos do not silently
// return everything.
var params = []string{"sort", "limit", "offset", "after", "fields", "locale", "fallback", "search", "include", "preview", "token"}

var filterParam = regexp.MustCompile(`^filter\[([a-z][a-z0-9_]*)\](?:\[([a-z]+)\])?$`)

// whereValue is where=field:op:value, the same filter as
// filter[field][op]=value in a form generated clients can send (a
// repeated plain parameter, not a nested object). The value is the rest,
// colons and all.
var whereValue = regexp.MustCompile(`^([a-z][a-z0-9_]*):([a-z]+):(.*)$`)

// ParseQuery reads a delivery request's query string.
func ParseQuery(typ, slug, rawQuery string) (Query, error) {
	q := Query{Type: typ, Slug: slug, Limit: 20, Fallback: true}
	if rawQuery == "" {
		return q, nil // the defaults (most reads by slug): nothing to parse
	}
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		return q, models.Errorf(models.CodeBadRequest, "malformed query string")
	}
	for key, vals := range values {
		if m := filterParam.FindStringSubmatch(key); m != nil {
			if len(q.Filters)+len(vals) > maxFilters {
				return q, models.Errorf(models.CodeBadRequest, "at most %d filters", maxFilters)
			}
			for _, v := range vals {
				q.Filters = append(q.Filters, Filter{Field: m[1], Op: m[2], Value: v})
			}
			continue
		}
		if key == "where" {
			if len(q.Filters)+len(vals) > maxFilters {
				return q, models.Errorf(models.CodeBadRequest, "at most %d filters", maxFilters)
			}
			for _, v := range vals {
				m := whereValue.FindStringSubmatch(v)
				if m == nil {
					return q, models.Errorf(models.CodeBadRequest, "where must be field:op:value, such as where=category:eq:news or where=published_at:lt:2026-01-01T00:00:00Z")
				}
				q.Filters = append(q.Filters, Filter{Field: m[1], Op: m[2], Value: m[3]})
			}
			continue
		}
		if !slices.Contains(params, key) {
			return q, models.Errorf(models.CodeBadRequest, "unknown query parameter %q", key)
		}
	}
	// Sorted, so equal queries build equal SQL.
	sort.Slice(q.Filters, func(i, j int) bool {
		return q.Filters[i].Field+q.Filters[i].Op+q.Filters[i].Value < q.Filters[j].Field+q.Filters[j].Op+q.Filters[j].Value
	})
	if v := values.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return q, models.Errorf(models.CodeBadRequest, "limit must be an integer from 1 to 100")
		}
		q.Limit = n
	}
	if v := values.Get("offset"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return q, models.Errorf(models.CodeBadRequest, "offset must be a non-negative integer")
		}
		q.Offset = n
	}
	q.After = values.Get("after")
	if q.After != "" && q.Offset > 0 {
		return q, models.Errorf(models.CodeBadRequest, "use after or offset, not both")
	}
	q.Sort, q.Search = values.Get("sort"), values.Get("search")
	if l := values.Get("locale"); l != "" {
		q.Locale = l
	}
	q.Fields = splitList(values.Get("fields"))
	q.Include = splitList(values.Get("include"))
	switch values.Get("fallback") {
	case "", "1", "true":
	case "0", "false":
		q.Fallback = false
	default:
		return q, models.Errorf(models.CodeBadRequest, "fallback must be true or false")
	}
	switch values.Get("preview") {
	case "", "0", "false":
	case "1", "true":
		q.Preview = true
	default:
		return q, models.Errorf(models.CodeBadRequest, "preview must be 1 or 0")
	}
	return q, nil
}

func splitList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// filterOps are the operators a filter may use.
var filterOps = []string{"eq", "ne", "lt", "lte", "gt", "gte", "in", "contains"}

// systemColumns are the item keys that are columns of their own.
var systemColumns = []string{"id", "slug", "locale", "published_at", "updated_at"}

// fieldName is what a field name must look like before it is written
// into SQL (content types are checked against the same rule when saved).
var fieldName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,49}$`)

// source is where a delivery read comes from: the published snapshots, or
// for previews the entries' working copies. attrs is the JSON column that
// filters and sorts read.
type source struct {
	table, id, attrs string
	preview          bool
}

func (s *Service) source(preview bool) source {
	if preview {
		return source{table: "entries", id: "id", attrs: "data", preview: true}
	}
	return source{table: "published_entries", id: "entry_id", attrs: "attrs"}
}

// FieldExpr is the SQL that reads field f out of the JSON column attrs,
// typed for comparison. The field name is written into the SQL as a
// literal, so that the database can use the index on the very same
// expression (content/indexes.go); it is a field of the type, whose names
// match fieldName, never request text. On PostgreSQL a value of another
// JSON type (stored before the field's type changed) reads as NULL
// instead of failing the cast.
func FieldExpr(dialect, attrs string, f models.Field) string {
	a, name := attrs, f.Name
	if dialect == "postgres" {
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

func (s *Service) fieldExpr(src source, f models.Field) string {
	return FieldExpr(s.opt.Dialect, src.attrs, f)
}

// fieldValue converts a filter value to the field's type. Times compare as
// the stored RFC 3339 UTC text, so a filter time is brought to that form.
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

var likePattern = database.LikePattern

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
	if !ok || !fieldName.MatchString(field.Name) {
		return nil, models.Errorf(models.CodeBadRequest, "cannot filter %s by %q: not a field", t.Key, f.Field)
	}
	if !field.Filterable() {
		return nil, models.Errorf(models.CodeBadRequest, "cannot filter by %s, a %s field", f.Field, field.Type)
	}
	if field.Type == models.FieldRelation && field.Many {
		if f.Op != "contains" && f.Op != "eq" {
			return nil, models.Errorf(models.CodeBadRequest, "filter a list of relations with contains")
		}
		if s.postgres() {
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

// sortKey is one key of an ORDER BY: its SQL, direction, and what its
// values are (for reading a cursor back).
type sortKey struct {
	expr     string
	desc     bool
	kind     string // "time", "num", "bool", "text"
	nullable bool
}

// sortKeys reads "-published_at,title" into keys of allowed names only,
// ending with the id so that the order is total and pages are stable.
func (s *Service) sortKeys(t *models.ContentType, src source, spec string) ([]sortKey, error) {
	if spec == "" {
		spec = "-published_at"
	}
	if strings.Count(spec, ",") >= maxSortKeys {
		return nil, models.Errorf(models.CodeBadRequest, "sort by at most %d keys", maxSortKeys)
	}
	var keys []sortKey
	for part := range strings.SplitSeq(spec, ",") {
		desc := strings.HasPrefix(part, "-")
		name := strings.TrimPrefix(part, "-")
		if slices.Contains(systemColumns, name) && name != "id" {
			k := sortKey{expr: name, desc: desc, kind: "text"}
			if name == "published_at" || name == "updated_at" {
				k.kind = "time"
				k.nullable = src.preview && name == "published_at" // a draft never published has none
			}
			keys = append(keys, k)
			continue
		}
		f, ok := t.Field(name)
		if !ok || !f.Filterable() || f.Many || !fieldName.MatchString(f.Name) {
			return nil, models.Errorf(models.CodeBadRequest, "cannot sort %s by %q", t.Key, name)
		}
		k := sortKey{expr: s.fieldExpr(src, f), desc: desc, kind: "text", nullable: true}
		switch f.Type {
		case models.FieldNumber, models.FieldInteger:
			k.kind = "num"
		case models.FieldBoolean:
			k.kind = "bool"
		}
		keys = append(keys, k)
	}
	return append(keys, sortKey{expr: src.id, kind: "text"}), nil
}

// orderBy is the ORDER BY of the keys. (One clause: GORM merges a second
// Order into the first and would drop this expression.)
func orderBy(keys []sortKey) clause.OrderBy {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k.expr + map[bool]string{false: " ASC", true: " DESC"}[k.desc]
	}
	return clause.OrderBy{Expression: clause.Expr{SQL: strings.Join(parts, ", ")}}
}
