package models

import (
	"database/sql/driver"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Field types of a content type.
const (
	FieldText     = "text"
	FieldRichText = "richtext"
	FieldMarkdown = "markdown"
	FieldNumber   = "number"
	FieldInteger  = "integer"
	FieldBoolean  = "boolean"
	FieldDate     = "date"
	FieldDateTime = "datetime"
	FieldSelect   = "select"
	FieldMedia    = "media"
	FieldRelation = "relation"
	FieldJSON     = "json"
)

// FieldTypes lists every field type.
var FieldTypes = []string{FieldText, FieldRichText, FieldMarkdown, FieldNumber, FieldInteger, FieldBoolean,
	FieldDate, FieldDateTime, FieldSelect, FieldMedia, FieldRelation, FieldJSON}

// SystemNames may not be used as field names: they are an item's own keys.
var SystemNames = []string{"id", "type", "slug", "locale", "status", "version", "live", "published_at", "created_at", "updated_at"}

// Field is one field of a content type. Min and Max bound a text's length
// or a number's value.
type Field struct {
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	Label    string   `json:"label,omitempty"`
	Required bool     `json:"required,omitempty"`
	Min      *float64 `json:"min,omitempty"`
	Max      *float64 `json:"max,omitempty"`
	Options  []string `json:"options,omitempty"` // select
	To       string   `json:"to,omitempty"`      // relation: the target content type
	Many     bool     `json:"many,omitempty"`    // relation: a list of ids
	Help     string   `json:"help,omitempty"`    // shown to editors under the input
	Pattern  string   `json:"pattern,omitempty"` // text: a regular expression (RE2) the whole value must match
	Unique   bool     `json:"unique,omitempty"`  // text: no two entries of the type and locale share a value
	// RenamedFrom, in an update of a type only, names the field this one
	// was: its values move. It is never stored.
	RenamedFrom string `json:"renamed_from,omitempty"`
}

// Fields is a content type's field list, stored as JSON text.
type Fields []Field

// Value implements driver.Valuer.
func (f Fields) Value() (driver.Value, error) { return jsonValue(f) }

// Scan implements sql.Scanner.
func (f *Fields) Scan(src any) error { return jsonScan(src, f) }

// ContentType describes the fields of a kind of entry.
type ContentType struct {
	Key       string `gorm:"primaryKey" json:"key"`
	Name      string `gorm:"not null" json:"name"`
	Public    bool   `gorm:"not null" json:"public"`
	SlugField string `gorm:"not null" json:"slug_field"`
	Fields    Fields `gorm:"type:text;not null" json:"fields"`
	// PreviewURL is where the site shows a draft: a template with {slug},
	// {id}, {locale}, {type} and {token} (the entry's short-lived preview token).
	PreviewURL string    `gorm:"not null" json:"preview_url"`
	CreatedAt  time.Time `gorm:"not null" json:"created_at"`
	UpdatedAt  time.Time `gorm:"not null" json:"updated_at"`
}

// Filterable reports whether delivery filters and sorts may use a field of
// this type: long text and free-form JSON are for search and display only.
func (f Field) Filterable() bool {
	return f.Type != FieldRichText && f.Type != FieldMarkdown && f.Type != FieldJSON
}

// Field returns the field called name.
func (t *ContentType) Field(name string) (Field, bool) {
	for _, f := range t.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// Data is an entry's field values, stored as JSON (jsonb on PostgreSQL).
type Data map[string]any

// Value implements driver.Valuer.
func (d Data) Value() (driver.Value, error) {
	if d == nil {
		d = Data{}
	}
	return jsonValue(d)
}

// Scan implements sql.Scanner.
func (d *Data) Scan(src any) error { return jsonScan(src, d) }

// Entry is one piece of content: its working copy (the newest revision) and,
// while live, a published revision whose snapshot the delivery API reads.
type Entry struct {
	ID                string     `gorm:"primaryKey"`
	Type              string     `gorm:"not null"`
	Slug              string     `gorm:"not null"`
	Locale            string     `gorm:"not null"`
	DocumentID        string     `gorm:"not null"` // shared by an entry and its translations: the first one's id
	Status            Status     `gorm:"not null"`
	Version           int        `gorm:"not null"`
	Revision          int        `gorm:"not null"` // number of the working revision
	Data              Data       `gorm:"type:jsonb;not null"`
	SearchText        string     `gorm:"not null"` // the plain text of the text fields, for full-text search
	AuthorID          string     `gorm:"not null"` // who created the entry: its owner
	RevisionAuthorID  string     `gorm:"not null"` // who wrote the working revision: may not approve it
	PublishedRevision *int       ``
	PublishedAt       *time.Time ``
	PublishAt         *time.Time `` // when a scheduled entry goes live
	CreatedAt         time.Time  `gorm:"not null"`
	UpdatedAt         time.Time  `gorm:"not null"`
}

// Live reports whether some revision of the entry is on the delivery API.
func (e *Entry) Live() bool { return e.PublishedRevision != nil }

// Revision is an immutable copy of an entry's data at one moment.
type Revision struct {
	ID        string    `gorm:"primaryKey"`
	EntryID   string    `gorm:"not null"`
	Number    int       `gorm:"not null"`
	Slug      string    `gorm:"not null"`
	Data      Data      `gorm:"type:jsonb;not null"`
	AuthorID  string    `gorm:"not null"`
	CreatedAt time.Time `gorm:"not null"`
}

// Comment kinds.
const (
	CommentNote           = "comment"
	CommentApproval       = "approve"
	CommentChangesRequest = "request_changes"
)

// Comment is a note on an entry; approvals and change requests leave one too.
type Comment struct {
	ID        string     `gorm:"primaryKey"`
	EntryID   string     `gorm:"not null"`
	AuthorID  string     `gorm:"not null"`
	Kind      string     `gorm:"not null"`
	Revision  int        `gorm:"not null"`
	Body      string     `gorm:"not null"`
	Mentions  Roles      `gorm:"type:text;not null"` // ids of the users it mentions (a list of strings, like roles)
	Resolved  bool       `gorm:"not null"`
	EditedAt  *time.Time ``
	CreatedAt time.Time  `gorm:"not null"`
}

// Event is one workflow step in an entry's history.
type Event struct {
	ID       string    `gorm:"primaryKey"`
	EntryID  string    `gorm:"not null"`
	Action   Action    `gorm:"not null"`
	From     Status    `gorm:"column:from_status;not null"`
	To       Status    `gorm:"column:to_status;not null"`
	ActorID  string    `gorm:"not null"` // "" for the scheduler
	Revision int       `gorm:"not null"`
	Comment  string    `gorm:"not null"`
	At       time.Time `gorm:"not null"`
}

// PublishedEntry is the denormalised snapshot of an entry's published
// revision: all the delivery API reads, one indexed lookup per item.
type PublishedEntry struct {
	EntryID     string    `gorm:"primaryKey"`
	DocumentID  string    `gorm:"not null"` // the entry's document (models.Entry.DocumentID)
	Type        string    `gorm:"not null"`
	Slug        string    `gorm:"not null"`
	Locale      string    `gorm:"not null"`
	Revision    int       `gorm:"not null"`
	Data        Data      `gorm:"type:jsonb;not null"`
	Attrs       Data      `gorm:"type:jsonb;not null"` // the filterable fields only: what filters and sorts read
	SearchText  string    `gorm:"not null"`            // the plain text of the text fields, for full-text search
	PublishedAt time.Time `gorm:"not null"`
	UpdatedAt   time.Time `gorm:"not null"`
}

func jsonValue(v any) (driver.Value, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

func jsonScan(src any, dst any) error {
	switch v := src.(type) {
	case string:
		return json.Unmarshal([]byte(v), dst)
	case []byte:
		return json.Unmarshal(v, dst)
	case nil:
		return nil
	default:
		return errors.New("unsupported column type for JSON")
	}
}

// mediaPath finds the media item of a /media/<id>/… URL in text.
var mediaPath = regexp.MustCompile(`/media/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/`)

// MediaPathID is the media id of a /media/<id>/… URL, or "".
func MediaPathID(url string) string {
	if m := mediaPath.FindStringSubmatch(url); m != nil && strings.HasPrefix(url, "/media/") {
		return m[1]
	}
	return ""
}

// MediaIDs lists the media items data of type t uses: its media fields and
// the images and links of its rich-text and markdown fields.
func (t *ContentType) MediaIDs(data Data) []string {
	var ids []string
	add := func(id string) {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	for _, f := range t.Fields {
		switch v := data[f.Name].(type) {
		case string:
			switch f.Type {
			case FieldMedia:
				if _, err := uuid.Parse(v); err == nil && len(v) == 36 { // a value kept from before a type change may be anything
					add(v)
				}
			case FieldRichText, FieldMarkdown:
				for _, m := range mediaPath.FindAllStringSubmatch(v, -1) {
					add(m[1])
				}
			}
		}
	}
	return ids
}
