package models

import "time"

// ObjWebhooks is the policy object of webhook subscriptions (admin only).
const ObjWebhooks = "webhooks"

// Event names of the outbox, delivered to webhooks.
const (
	EventEntryCreated          = "entry.created"
	EventEntryUpdated          = "entry.updated"
	EventEntryDeleted          = "entry.deleted"
	EventEntrySubmitted        = "entry.submitted"
	EventEntryWithdrawn        = "entry.withdrawn"
	EventEntryApproved         = "entry.approved"
	EventEntryChangesRequested = "entry.changes_requested"
	EventEntryScheduled        = "entry.scheduled"
	EventEntryPublished        = "entry.published"
	EventEntryUnpublished      = "entry.unpublished"
	EventMediaCreated          = "media.created"
	EventMediaUpdated          = "media.updated"
	EventMediaDeleted          = "media.deleted"
	EventContentTypeCreated    = "content_type.created"
	EventContentTypeUpdated    = "content_type.updated"
	EventContentTypeDeleted    = "content_type.deleted"
	EventPing                  = "ping"
)

// WebhookEvents lists the events a webhook may subscribe to.
var WebhookEvents = []string{
	EventEntryCreated, EventEntryUpdated, EventEntryDeleted, EventEntrySubmitted, EventEntryWithdrawn,
	EventEntryApproved, EventEntryChangesRequested, EventEntryScheduled, EventEntryPublished,
	EventEntryUnpublished, EventMediaCreated, EventMediaUpdated, EventMediaDeleted,
	EventContentTypeCreated, EventContentTypeUpdated, EventContentTypeDeleted, EventPing,
}

// OutboxEvent is one event of a committed change (internal/outbox writes it
// in the change's transaction). Data is a JSON object. ObjectType is e.g.
// "entries/post" or "media"; for entries the content type key follows the slash.
type OutboxEvent struct {
	ID         string    `gorm:"primaryKey"`
	Type       string    `gorm:"not null"`
	ObjectType string    `gorm:"not null"`
	ObjectID   string    `gorm:"not null"`
	ActorID    string    `gorm:"not null"`
	Data       string    `gorm:"type:jsonb;not null"`
	OccurredAt time.Time `gorm:"not null"`
}

// Webhook is a subscription: events of the listed types (and, when Types is
// not empty, of those content types only) are POSTed, signed, to URL.
// Events and Types are JSON arrays of strings.
type Webhook struct {
	ID                  string     `gorm:"primaryKey"`
	Name                string     `gorm:"not null"`
	URL                 string     `gorm:"column:url;not null"`
	Events              string     `gorm:"type:jsonb;not null"`
	Types               string     `gorm:"type:jsonb;not null"`
	Enabled             bool       `gorm:"not null"`
	DisabledReason      string     `gorm:"not null"`
	Secret              string     `gorm:"not null"`
	PreviousSecret      string     `gorm:"not null"` // signs too until PreviousSecretUntil
	PreviousSecretUntil *time.Time ``
	FailingSince        *time.Time `` // the first failure since the last success
	CreatedBy           string     `gorm:"not null"`
	CreatedAt           time.Time  `gorm:"not null"`
	UpdatedAt           time.Time  `gorm:"not null"`
}

// WebhookDelivery is one attempt to deliver an event to a webhook.
type WebhookDelivery struct {
	ID            string     `gorm:"primaryKey"`
	WebhookID     string     `gorm:"not null"`
	EventID       string     `gorm:"not null"`
	Event         string     `gorm:"not null"`
	StatusCode    int        `gorm:"not null"`
	DurationMS    int64      `gorm:"column:duration_ms;not null"`
	Attempt       int        `gorm:"not null"`
	NextAttemptAt *time.Time ``
	Error         string     `gorm:"not null"`
	Response      string     `gorm:"not null"` // a bounded excerpt of the answer
	CreatedAt     time.Time  `gorm:"not null"`
}
