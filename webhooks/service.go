package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/loamcms/cms/internal/outbox"
	"github.com/loamcms/cms/models"
)

// Overlap is how long a rotated-out secret keeps signing.
const Overlap = 24 * time.Hour

// Config tunes delivery. Zero values take the defaults.
type Config struct {
	// RetryFor is how long a failing delivery is retried, and how long a
	// webhook may fail before it is disabled (default 25 h, so ≥ 24 h).
	RetryFor time.Duration
	// Backoff is the first retry delay (default 30 s), doubled per attempt up
	// to MaxBackoff (default 1 h), each with ±20 % jitter.
	Backoff, MaxBackoff time.Duration
	// MaxAttempts bounds the attempts of one delivery (default 60; the
	// RetryFor deadline usually ends it first).
	MaxAttempts int
	// Excerpt is how much of an answer the log keeps (default 2 KiB).
	Excerpt int
}

func (c Config) withDefaults() Config {
	if c.RetryFor <= 0 {
		c.RetryFor = 25 * time.Hour
	}
	if c.Backoff <= 0 {
		c.Backoff = 30 * time.Second
	}
	if c.MaxBackoff <= 0 {
		c.MaxBackoff = time.Hour
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 60
	}
	if c.Excerpt <= 0 {
		c.Excerpt = 2048
	}
	return c
}

// Service manages subscriptions and delivers events to them.
type Service struct {
	ob     *outbox.Outbox
	db     *gorm.DB
	authz  models.Authorizer
	guard  Guard
	client *http.Client
	cfg    Config
	now    func() time.Time
}

// New makes the service and registers, on ob, the outbox handler that turns
// events into deliveries and the delivery worker. Call it before ob.Start.
func New(ob *outbox.Outbox, authz models.Authorizer, guard Guard, cfg Config) *Service {
	s := &Service{ob: ob, db: ob.DB().DB, authz: authz, guard: guard, client: guard.Client(), cfg: cfg.withDefaults(),
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
	ob.Handle("webhooks", s.fanOut)
	river.AddWorker(ob.Workers(), &deliverWorker{s: s})
	return s
}

// View is a webhook as the API shows it. Secret is set only on create and
// on rotation.
type View struct {
	ID             string    `json:"id"`
	Name           string    `json:"name"`
	URL            string    `json:"url"`
	Events         []string  `json:"events"`
	Types          []string  `json:"types"`
	Enabled        bool      `json:"enabled"`
	DisabledReason string    `json:"disabled_reason,omitempty"`
	Secret         string    `json:"secret,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
}

// Input is a create (Name, URL, Events required) or a patch (nil: unchanged).
type Input struct {
	Name    *string   `json:"name"`
	URL     *string   `json:"url"`
	Events  *[]string `json:"events"`
	Types   *[]string `json:"types"`
	Enabled *bool     `json:"enabled"`
}

// DeliveryView is one attempt in the log.
type DeliveryView struct {
	ID            string     `json:"id"`
	Event         string     `json:"event"`
	EventID       string     `json:"event_id"`
	StatusCode    int        `json:"status_code"`
	DurationMS    int64      `json:"duration_ms"`
	Attempt       int        `json:"attempt"`
	NextAttemptAt *time.Time `json:"next_attempt_at"`
	Error         string     `json:"error"`
	Response      string     `json:"response"`
	CreatedAt     time.Time  `json:"created_at"`
}

func strs(raw string) []string {
	var out []string
	_ = json.Unmarshal([]byte(raw), &out)
	if out == nil {
		out = []string{}
	}
	return out
}

func toJSON(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func view(w models.Webhook) View {
	return View{ID: w.ID, Name: w.Name, URL: w.URL, Events: strs(w.Events), Types: strs(w.Types),
		Enabled: w.Enabled, DisabledReason: w.DisabledReason, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
}

func (s *Service) authorize(p models.Principal, act string) error {
	return models.Authorize(s.authz, p, models.ObjWebhooks, act)
}

func notFound() error { return models.Errorf(models.CodeNotFound, "no such webhook") }

func (s *Service) load(ctx context.Context, id string) (models.Webhook, error) {
	var w models.Webhook
	err := s.db.WithContext(ctx).Where("id = ?", id).Take(&w).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return w, notFound()
	}
	return w, err
}

func (s *Service) validate(w *models.Webhook, in Input, create bool) error {
	bad := map[string]string{}
	if in.Name != nil {
		w.Name = strings.TrimSpace(*in.Name)
	}
	if w.Name == "" || len(w.Name) > 200 {
		bad["name"] = "a name of 1 to 200 characters is required"
	}
	if in.URL != nil {
		w.URL = strings.TrimSpace(*in.URL)
	}
	if in.URL != nil || create {
		if err := s.guard.CheckURL(w.URL); err != nil {
			bad["url"] = strings.TrimPrefix(err.Error(), "webhooks: ")
		}
	}
	if in.Events != nil {
		evs := slices.Compact(slices.Sorted(slices.Values(*in.Events)))
		for _, e := range evs {
			if !slices.Contains(models.WebhookEvents, e) {
				bad["events"] = "unknown event " + e
			}
		}
		w.Events = toJSON(evs)
	}
	if len(strs(w.Events)) == 0 {
		bad["events"] = "at least one event is required"
	}
	if in.Types != nil {
		w.Types = toJSON(slices.Compact(slices.Sorted(slices.Values(*in.Types))))
	} else if w.Types == "" {
		w.Types = "[]"
	}
	if in.Enabled != nil {
		if *in.Enabled && !w.Enabled {
			w.DisabledReason, w.FailingSince = "", nil
		}
		w.Enabled = *in.Enabled
	}
	if len(bad) > 0 {
		return models.Invalid(bad)
	}
	return nil
}

// List returns every webhook, newest first.
func (s *Service) List(ctx context.Context, p models.Principal) ([]View, error) {
	if err := s.authorize(p, models.ActRead); err != nil {
		return nil, err
	}
	var ws []models.Webhook
	if err := s.db.WithContext(ctx).Order("created_at DESC, id DESC").Find(&ws).Error; err != nil {
		return nil, err
	}
	out := make([]View, 0, len(ws))
	for _, w := range ws {
		out = append(out, view(w))
	}
	return out, nil
}

// Get returns one webhook. Returns not_found if there is none.
func (s *Service) Get(ctx context.Context, p models.Principal, id string) (View, error) {
	if err := s.authorize(p, models.ActRead); err != nil {
		return View{}, err
	}
	w, err := s.load(ctx, id)
	if err != nil {
		return View{}, err
	}
	return view(w), nil
}

// Create adds a webhook (enabled unless Enabled is false) and returns it
// with its secret, which is never shown again.
func (s *Service) Create(ctx context.Context, p models.Principal, in Input) (View, error) {
	if err := s.authorize(p, models.ActCreate); err != nil {
		return View{}, err
	}
	now := s.now()
	w := models.Webhook{ID: uuid.Must(uuid.NewV7()).String(), Enabled: true, Secret: NewSecret(),
		CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now}
	if err := s.validate(&w, in, true); err != nil {
		return View{}, err
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&w).Error; err != nil {
			return err
		}
		return s.record(tx, p, models.EventWebhookCreated, w, "url, events "+strings.Join(strs(w.Events), " "))
	})
	if err != nil {
		return View{}, err
	}
	v := view(w)
	v.Secret = w.Secret
	return v, nil
}

// Update changes the fields given. Enabling a disabled webhook clears its
// failure record.
func (s *Service) Update(ctx context.Context, p models.Principal, id string, in Input) (View, error) {
	if err := s.authorize(p, models.ActUpdate); err != nil {
		return View{}, err
	}
	w, err := s.load(ctx, id)
	if err != nil {
		return View{}, err
	}
	if err := s.validate(&w, in, false); err != nil {
		return View{}, err
	}
	w.UpdatedAt = s.now()
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Model(&models.Webhook{}).Where("id = ?", id).Updates(map[string]any{
			"name": w.Name, "url": w.URL, "events": w.Events, "types": w.Types, "enabled": w.Enabled,
			"disabled_reason": w.DisabledReason, "failing_since": w.FailingSince, "updated_at": w.UpdatedAt,
		}).Error
		if err != nil {
			return err
		}
		return s.record(tx, p, models.EventWebhookUpdated, w, changedInput(in))
	})
	if err != nil {
		return View{}, err
	}
	return view(w), nil
}

// Delete removes a webhook and its log; its pending deliveries end quietly.
func (s *Service) Delete(ctx context.Context, p models.Principal, id string) error {
	if err := s.authorize(p, models.ActDelete); err != nil {
		return err
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Where("webhook_id = ?", id).Delete(&models.WebhookDelivery{}).Error; err != nil {
			return err
		}
		var w models.Webhook
		if err := tx.Where("id = ?", id).Take(&w).Error; errors.Is(err, gorm.ErrRecordNotFound) {
			return notFound()
		} else if err != nil {
			return err
		}
		if err := tx.Where("id = ?", id).Delete(&models.Webhook{}).Error; err != nil {
			return err
		}
		return s.record(tx, p, models.EventWebhookDeleted, w, "")
	})
}

// RotateSecret makes a new secret and returns it (shown once); the previous
// one keeps signing, beside it, for Overlap.
func (s *Service) RotateSecret(ctx context.Context, p models.Principal, id string) (View, error) {
	if err := s.authorize(p, models.ActUpdate); err != nil {
		return View{}, err
	}
	w, err := s.load(ctx, id)
	if err != nil {
		return View{}, err
	}
	now := s.now()
	until := now.Add(Overlap)
	w.PreviousSecret, w.PreviousSecretUntil, w.Secret, w.UpdatedAt = w.Secret, &until, NewSecret(), now
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Model(&models.Webhook{}).Where("id = ?", id).Updates(map[string]any{
			"secret": w.Secret, "previous_secret": w.PreviousSecret, "previous_secret_until": w.PreviousSecretUntil,
			"updated_at": now,
		}).Error
		if err != nil {
			return err
		}
		return s.record(tx, p, models.EventWebhookSecretRotated, w, "the previous secret signs too until "+until.Format(time.RFC3339))
	})
	if err != nil {
		return View{}, err
	}
	v := view(w)
	v.Secret = w.Secret
	return v, nil
}

// Test sends a ping event to the webhook (through the queue, logged like
// any delivery) and returns the event's id.
func (s *Service) Test(ctx context.Context, p models.Principal, id string) (string, error) {
	if err := s.authorize(p, models.ActUpdate); err != nil {
		return "", err
	}
	if _, err := s.load(ctx, id); err != nil {
		return "", err
	}
	var eventID string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		e, err := outbox.Store(tx, outbox.Event{Type: models.EventPing, ObjectType: models.ObjWebhooks,
			ObjectID: id, ActorID: p.UserID, Data: map[string]any{"webhook_id": id}})
		if err != nil {
			return err
		}
		eventID = e.ID
		return s.enqueue(tx, DeliverArgs{WebhookID: id, EventID: e.ID, Manual: uuid.NewString()})
	})
	return eventID, err
}

// Deliveries lists a webhook's attempts, newest first (at most limit, ≤ 200).
func (s *Service) Deliveries(ctx context.Context, p models.Principal, id string, limit, offset int) ([]DeliveryView, error) {
	if err := s.authorize(p, models.ActRead); err != nil {
		return nil, err
	}
	if _, err := s.load(ctx, id); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	var ds []models.WebhookDelivery
	err := s.db.WithContext(ctx).Where("webhook_id = ?", id).Order("created_at DESC, id DESC").
		Limit(limit).Offset(max(offset, 0)).Find(&ds).Error
	if err != nil {
		return nil, err
	}
	out := make([]DeliveryView, 0, len(ds))
	for _, d := range ds {
		out = append(out, DeliveryView{ID: d.ID, Event: d.Event, EventID: d.EventID, StatusCode: d.StatusCode,
			DurationMS: d.DurationMS, Attempt: d.Attempt, NextAttemptAt: d.NextAttemptAt, Error: d.Error,
			Response: d.Response, CreatedAt: d.CreatedAt})
	}
	return out, nil
}

// Redeliver sends a logged delivery's event again (same webhook-id).
func (s *Service) Redeliver(ctx context.Context, p models.Principal, id, deliveryID string) error {
	if err := s.authorize(p, models.ActUpdate); err != nil {
		return err
	}
	var d models.WebhookDelivery
	err := s.db.WithContext(ctx).Where("id = ? AND webhook_id = ?", deliveryID, id).Take(&d).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return models.Errorf(models.CodeNotFound, "no such delivery")
	}
	if err != nil {
		return err
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return s.enqueue(tx, DeliverArgs{WebhookID: id, EventID: d.EventID, Manual: uuid.NewString()})
	})
}

// record writes the event of a change to a subscription (for the audit log;
// webhooks cannot subscribe to these). Never the secret.
func (s *Service) record(tx *gorm.DB, p models.Principal, event string, w models.Webhook, summary string) error {
	return s.ob.Record(tx, outbox.Event{Type: event, ObjectType: models.ObjWebhooks, ObjectID: w.ID,
		ActorID: p.UserID, Subject: w.Name, Summary: summary,
		Data: map[string]any{"id": w.ID, "name": w.Name, "url": w.URL}})
}

// changedInput names the fields a patch sets.
func changedInput(in Input) string {
	var f []string
	for name, set := range map[string]bool{"name": in.Name != nil, "url": in.URL != nil, "events": in.Events != nil,
		"types": in.Types != nil, "enabled": in.Enabled != nil} {
		if set {
			f = append(f, name)
		}
	}
	slices.Sort(f)
	return strings.Join(f, ", ")
}

// subscribed reports whether w wants e.
func subscribed(w models.Webhook, e outbox.Event) bool {
	if !slices.Contains(strs(w.Events), e.Type) {
		return false
	}
	types := strs(w.Types)
	if len(types) == 0 {
		return true
	}
	ct := e.ContentType()
	if ct == "" {
		// A type filter narrows entry events; other objects may carry their key in data.
		var d struct {
			Type string `json:"type"`
		}
		_ = json.Unmarshal(e.RawData(), &d)
		ct = d.Type
	}
	return slices.Contains(types, ct)
}

// fanOut is the outbox handler: one delivery job per enabled webhook
// subscribed to the event, in the dispatch's transaction.
func (s *Service) fanOut(ctx context.Context, tx *gorm.DB, e outbox.Event) error {
	if e.Type == models.EventPing {
		return nil
	}
	var ws []models.Webhook
	if err := tx.Where("enabled = ?", true).Find(&ws).Error; err != nil {
		return err
	}
	for _, w := range ws {
		if subscribed(w, e) {
			if err := s.enqueue(tx, DeliverArgs{WebhookID: w.ID, EventID: e.ID}); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *Service) enqueue(tx *gorm.DB, a DeliverArgs) error {
	_, err := s.ob.InsertTx(tx, a, &river.InsertOpts{
		MaxAttempts: s.cfg.MaxAttempts,
		UniqueOpts:  river.UniqueOpts{ByArgs: true},
	})
	return err
}
