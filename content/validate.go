package content

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/loamcms/cms/delivery"
	"github.com/loamcms/cms/models"
)

// maxTextLength bounds any text value that has no max of its own (1 MiB).
const maxTextLength = 1 << 20

// validateData checks incoming values against the type and returns the
// merged, cleaned data: base (the current data, or nil on creation) with
// the incoming values applied. A null removes a value. Unknown incoming
// fields are refused; values of fields the type no longer has are dropped.
// Rich text comes back sanitised.
func (s *Service) validateData(db *gorm.DB, t *models.ContentType, self *models.Entry, base models.Data, in map[string]any) (models.Data, error) {
	fields := map[string]string{}
	out := models.Data{}
	for _, f := range t.Fields {
		if v, ok := base[f.Name]; ok {
			// A value kept from before a type change may never have been
			// sanitised as rich text.
			if str, isStr := v.(string); isStr && f.Type == models.FieldRichText {
				v = sanitizeHTML(str)
			}
			out[f.Name] = v
		}
	}
	for name := range in {
		if _, ok := t.Field(name); !ok {
			fields[name] = "is not a field of " + t.Key
		}
	}
	var relations []models.Field // relation fields given, to check their targets
	for _, f := range t.Fields {
		v, given := in[f.Name]
		if !given {
			continue
		}
		if v == nil {
			delete(out, f.Name)
			continue
		}
		clean, msg := checkValue(f, v)
		if msg != "" {
			fields[f.Name] = msg
			continue
		}
		out[f.Name] = clean
		if f.Type == models.FieldRelation {
			relations = append(relations, f)
		}
	}
	for _, f := range t.Fields {
		if f.Required && isEmpty(out[f.Name]) && fields[f.Name] == "" {
			fields[f.Name] = "is required"
		}
	}
	if err := checkRelations(db, relations, out, fields); err != nil {
		return nil, err
	}
	if err := checkMedia(db, t, out, fields); err != nil {
		return nil, err
	}
	if err := s.checkUnique(db, t, self, out, fields); err != nil {
		return nil, err
	}
	if len(fields) > 0 {
		return nil, models.Invalid(fields)
	}
	return out, nil
}

func isEmpty(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(v) == ""
	case []any:
		return len(v) == 0
	case []string:
		return len(v) == 0
	}
	return false
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

// checkValue validates one value and returns its stored form, or a message.
func checkValue(f models.Field, v any) (any, string) {
	switch f.Type {
	case models.FieldText, models.FieldMarkdown, models.FieldRichText:
		str, ok := v.(string)
		if !ok {
			return nil, "must be a string"
		}
		if f.Type == models.FieldRichText {
			str = sanitizeHTML(str)
		}
		n := utf8.RuneCountInString(str)
		if f.Type == models.FieldText {
			str = strings.TrimSpace(str)
			n = utf8.RuneCountInString(str)
			if f.Pattern != "" && !fieldPattern(f.Pattern).MatchString(str) {
				return nil, "does not have the required form (" + f.Pattern + ")"
			}
		}
		if n > maxTextLength || (f.Max != nil && float64(n) > *f.Max) {
			return nil, fmt.Sprintf("must be at most %s characters", bound(f.Max, maxTextLength))
		}
		if f.Min != nil && float64(n) < *f.Min {
			return nil, fmt.Sprintf("must be at least %g characters", *f.Min)
		}
		return str, ""
	case models.FieldNumber, models.FieldInteger:
		n, ok := v.(float64)
		if !ok || math.IsNaN(n) || math.IsInf(n, 0) {
			return nil, "must be a number"
		}
		if f.Type == models.FieldInteger && n != math.Trunc(n) {
			return nil, "must be a whole number"
		}
		if f.Min != nil && n < *f.Min {
			return nil, fmt.Sprintf("must be at least %g", *f.Min)
		}
		if f.Max != nil && n > *f.Max {
			return nil, fmt.Sprintf("must be at most %g", *f.Max)
		}
		return n, ""
	case models.FieldBoolean:
		b, ok := v.(bool)
		if !ok {
			return nil, "must be true or false"
		}
		return b, ""
	case models.FieldDate:
		str, ok := v.(string)
		if _, err := time.Parse(time.DateOnly, str); !ok || err != nil {
			return nil, "must be a date like 2026-11-27"
		}
		return str, ""
	case models.FieldDateTime:
		str, ok := v.(string)
		t, err := time.Parse(time.RFC3339, str)
		if !ok || err != nil {
			return nil, "must be an RFC 3339 time like 2026-11-27T09:30:00Z"
		}
		return t.UTC().Format(time.RFC3339), ""
	case models.FieldSelect:
		str, ok := v.(string)
		if !ok || !slices.Contains(f.Options, str) {
			return nil, "must be one of " + strings.Join(f.Options, ", ")
		}
		return str, ""
	case models.FieldMedia:
		str, ok := v.(string)
		if !ok || !validID(str) {
			return nil, "must be a media id"
		}
		return str, ""
	case models.FieldRelation:
		if !f.Many {
			str, ok := v.(string)
			if !ok || !validID(str) {
				return nil, "must be the id of a " + f.To + " entry"
			}
			return str, ""
		}
		list, ok := v.([]any)
		if !ok {
			return nil, "must be a list of " + f.To + " entry ids"
		}
		ids := make([]string, 0, len(list))
		for _, x := range list {
			str, ok := x.(string)
			if !ok || !validID(str) {
				return nil, "must be a list of " + f.To + " entry ids"
			}
			if !slices.Contains(ids, str) {
				ids = append(ids, str)
			}
		}
		return ids, ""
	case models.FieldJSON:
		return v, ""
	}
	return nil, "has an unknown field type"
}

func bound(max *float64, def int) string {
	if max != nil {
		return fmt.Sprintf("%g", *max)
	}
	return fmt.Sprint(def)
}

// checkRelations makes sure every related id given is an entry of the field's target type.
func checkRelations(db *gorm.DB, relations []models.Field, data models.Data, fields map[string]string) error {
	for _, f := range relations {
		ids := relationIDs(data[f.Name])
		var found []string
		if err := db.Model(&models.Entry{}).Where("type = ? AND id IN ?", f.To, ids).Pluck("id", &found).Error; err != nil {
			return err
		}
		for _, id := range ids {
			if !slices.Contains(found, id) {
				fields[f.Name] = fmt.Sprintf("there is no %s entry %s", f.To, id)
			}
		}
	}
	return nil
}

// patterns caches compiled field patterns (checked to compile when the
// type is saved).
var patterns sync.Map // string → *regexp.Regexp

func fieldPattern(p string) *regexp.Regexp {
	if re, ok := patterns.Load(p); ok {
		return re.(*regexp.Regexp)
	}
	re, err := regexp.Compile("^(?:" + p + ")$")
	if err != nil {
		re = regexp.MustCompile(`\A\z.`) // matches nothing; the type check refuses such patterns
	}
	patterns.Store(p, re)
	return re
}

// checkUnique refuses a value of a unique field that another entry of
// the type and locale (its working copy) already has.
func (s *Service) checkUnique(db *gorm.DB, t *models.ContentType, self *models.Entry, data models.Data, fields map[string]string) error {
	for _, f := range t.Fields {
		v, ok := data[f.Name].(string)
		if !f.Unique || !ok || v == "" || fields[f.Name] != "" {
			continue
		}
		var n int64
		expr := delivery.FieldExpr(s.opt.Dialect, "data", f)
		err := db.Model(&models.Entry{}).Where("type = ? AND locale = ? AND id <> ? AND "+expr+" = ?", t.Key, self.Locale, self.ID, v).
			Count(&n).Error
		if err != nil {
			return err
		}
		if n > 0 {
			fields[f.Name] = "another " + t.Key + " has this value already"
		}
	}
	return nil
}
