// Package typegen writes the shapes of a site's content types in other
// languages, so that front-end code reads title as a string, not unknown.
package typegen

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"github.com/loamcms/cms/models"
)

// TypeScript is a module declaring, for each content type, the delivery
// API's item (Item suffix: system keys and published fields, relations as
// ids or, with include=, the related items) and the management API's
// entry data (Data suffix), plus Media and a map from type key to item.
// Fields that fields= may leave out are optional; required fields are
// not, on items as they are saved only when valid.
func TypeScript(types []models.ContentType) string {
	types = append([]models.ContentType(nil), types...)
	sort.Slice(types, func(i, j int) bool { return types[i].Key < types[j].Key })
	var b strings.Builder
	b.WriteString(`// The content types of this CMS, for the delivery API and the management API.
// Written by ` + "`cms types ts`" + `; run it again when a type changes.

/** A media field's value on the delivery API (null when the file is gone). */
export interface Media {
  id: string;
  url: string;
  mime: string;
  width: number | null;
  height: number | null;
  alt: string;
  focal_x: number;
  focal_y: number;
  placeholder: string;
}

`)
	for _, t := range types {
		name := typeName(t.Key)
		fmt.Fprintf(&b, "/** %s, as the delivery API answers it. */\nexport interface %sItem {\n", comment(t.Name), name)
		b.WriteString("  id: string;\n")
		fmt.Fprintf(&b, "  type?: %q;\n  slug?: string;\n  locale?: string;\n  published_at?: string | null;\n  updated_at?: string;\n", t.Key)
		for _, f := range t.Fields {
			fmt.Fprintf(&b, "  %s?: %s;\n", prop(f.Name), itemType(f, types))
		}
		b.WriteString("}\n\n")
		fmt.Fprintf(&b, "/** %s: the data of an entry on the management API. */\nexport interface %sData {\n", comment(t.Name), name)
		for _, f := range t.Fields {
			opt := "?"
			if f.Required {
				opt = ""
			}
			fmt.Fprintf(&b, "  %s%s: %s;\n", prop(f.Name), opt, dataType(f))
		}
		b.WriteString("}\n\n")
	}
	b.WriteString("/** The item of each content type, by key. */\nexport interface Items {\n")
	for _, t := range types {
		fmt.Fprintf(&b, "  %s: %sItem;\n", prop(t.Key), typeName(t.Key))
	}
	b.WriteString("}\n")
	return b.String()
}

// dataType is a field's value as entries store it.
func dataType(f models.Field) string {
	switch f.Type {
	case models.FieldNumber, models.FieldInteger:
		return "number"
	case models.FieldBoolean:
		return "boolean"
	case models.FieldSelect:
		return options(f)
	case models.FieldRelation:
		if f.Many {
			return "string[]"
		}
		return "string"
	case models.FieldMedia:
		return "string" // its id
	case models.FieldJSON:
		return "unknown"
	default: // text, rich text (HTML), markdown, date (2006-01-02), datetime (RFC 3339)
		return "string"
	}
}

// itemType is a field's value on the delivery API: media expanded,
// relations ids or, when included, the related items.
func itemType(f models.Field, types []models.ContentType) string {
	switch f.Type {
	case models.FieldMedia:
		return "Media | null"
	case models.FieldRelation:
		one := "string"
		for _, t := range types {
			if t.Key == f.To {
				one = "string | " + typeName(t.Key) + "Item"
			}
		}
		if f.Many {
			return "(" + one + ")[]"
		}
		return one
	}
	return dataType(f)
}

func options(f models.Field) string {
	if len(f.Options) == 0 {
		return "string"
	}
	quoted := make([]string, len(f.Options))
	for i, o := range f.Options {
		quoted[i] = jsString(o)
	}
	return strings.Join(quoted, " | ")
}

// typeName is a key as a TypeScript name: blog_post → BlogPost.
func typeName(key string) string {
	var b strings.Builder
	up := true
	for _, r := range key {
		switch {
		case r == '_' || r == '-':
			up = true
		case up:
			b.WriteRune(unicode.ToUpper(r))
			up = false
		default:
			b.WriteRune(r)
		}
	}
	if s := b.String(); s != "" && !unicode.IsDigit(rune(s[0])) {
		return s
	}
	return "T" + b.String()
}

// prop is a property name, quoted when it is not an identifier.
func prop(name string) string {
	for i, r := range name {
		if !(r == '_' || r == '$' || unicode.IsLetter(r) || (i > 0 && unicode.IsDigit(r))) {
			return jsString(name)
		}
	}
	return name
}

// jsString is s as a JavaScript string literal (JSON's spelling is one).
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// comment keeps a name from closing the comment it is put in.
func comment(s string) string { return strings.ReplaceAll(s, "*/", "* /") }
