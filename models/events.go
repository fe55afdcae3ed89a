package models

import (
	"context"
	"time"
)

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

// Events for the audit log and notifications only: webhooks cannot subscribe to them.
const (
	EventEntryScheduleCanceled = "entry.schedule_canceled"
	EventEntryScheduleFailed   = "entry.schedule_failed"
	EventCommentCreated        = "comment.created"
	EventCommentUpdated        = "comment.updated"
	EventUserSignedIn          = "user.signed_in"
	EventUserSignInFailed      = "user.sign_in_failed"
	EventUserSignedOut         = "user.signed_out"
	EventUserCreated           = "user.created"
	EventUserUpdated           = "user.updated"
	EventUserDeleted           = "user.deleted"
	EventTokenCreated          = "token.created"
	EventTokenDeleted          = "token.deleted"
	EventWebhookCreated        = "webhook.created"
	EventWebhookUpdated        = "webhook.updated"
	EventWebhookDeleted        = "webhook.deleted"
	EventWebhookSecretRotated  = "webhook.secret_rotated"
	EventWebhookDisabled       = "webhook.disabled"
	EventLocalesUpdated        = "locales.updated"
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
	Subject    string    `gorm:"not null"` // a label of the object (an entry's title, a file's name, an email)
	Summary    string    `gorm:"not null"` // what changed, in words (field names, never values of secrets)
	IP         string    `gorm:"column:ip;not null"`
	RequestID  string    `gorm:"not null"`
}

// AuditRecord is one line of the append-only audit log (see audit/).
type AuditRecord struct {
	ID         string    `gorm:"primaryKey"` // the event's id
	At         time.Time `gorm:"not null"`
	ActorID    string    `gorm:"not null"`
	ActorName  string    `gorm:"not null"` // as it was at the time
	Action     string    `gorm:"not null"` // the event type
	Area       string    `gorm:"not null"` // the action's first word: "entry" of "entry.published"
	ObjectType string    `gorm:"not null"`
	ObjectID   string    `gorm:"not null"`
	Summary    string    `gorm:"not null"`
	IP         string    `gorm:"column:ip;not null"`
	RequestID  string    `gorm:"not null"`
}

// Notification is one in-app message to one user about one entry.
type Notification struct {
	ID         string     `gorm:"primaryKey"`
	UserID     string     `gorm:"not null"`
	Kind       string     `gorm:"not null"` // NotifyComment, NotifyMention, …
	EntryID    string     `gorm:"not null"`
	EntryTitle string     `gorm:"not null"`
	ActorID    string     `gorm:"not null"`
	At         time.Time  `gorm:"not null"`
	ReadAt     *time.Time ``
}

// Kinds of notification.
const (
	NotifyComment          = "comment"
	NotifyMention          = "mention"
	NotifySubmitted        = "submitted"
	NotifyChangesRequested = "changes_requested"
	NotifyApproved         = "approved"
	NotifyPublished        = "published"
	NotifyScheduleFailed   = "schedule_failed"
)

// ObjAudit and ObjNotifications are policy objects: the audit log (admin
// only) and one's own notifications (every role).
const (
	ObjAudit         = "audit"
	ObjNotifications = "notifications"
)

// RequestInfo says where a change came from, for the audit log.
type RequestInfo struct {
	IP, ID string
}

type requestKey struct{}

// WithRequest returns ctx carrying r (the server sets it per request).
func WithRequest(ctx context.Context, r RequestInfo) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the request info carried by ctx, if any.
func RequestFrom(ctx context.Context) RequestInfo {
	if ctx == nil {
		return RequestInfo{}
	}
	r, _ := ctx.Value(requestKey{}).(RequestInfo)
	return r
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
