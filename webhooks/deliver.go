package webhooks

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"github.com/loamcms/cms/internal/outbox"
	"github.com/loamcms/cms/models"
)

// DeliverArgs is the job that POSTs one event to one webhook. Manual is set
// (to a fresh value) for pings and redeliveries, so they are never folded
// into an earlier job of the same event.
type DeliverArgs struct {
	WebhookID string `json:"webhook_id"`
	EventID   string `json:"event_id"`
	Manual    string `json:"manual,omitempty"`
}

// Kind names the job in River's tables.
func (DeliverArgs) Kind() string { return "webhooks.deliver" }

// Payload is the body of a delivery.
type Payload struct {
	ID    string          `json:"id"`
	Event string          `json:"event"`
	At    time.Time       `json:"at"`
	Data  json.RawMessage `json:"data"`
}

// NextRetry is the delay after the attempt-th failure of a job: Backoff
// doubled per attempt up to MaxBackoff, with ±20 % jitter derived from the
// job's id (the same value the log shows and River schedules).
func (c Config) NextRetry(jobID int64, attempt int) time.Duration {
	c = c.withDefaults()
	d := c.Backoff
	for i := 1; i < attempt && d < c.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, c.MaxBackoff)
	h := fnv.New64a()
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], uint64(jobID))
	binary.LittleEndian.PutUint64(b[8:], uint64(attempt))
	h.Write(b[:])
	f := 0.8 + 0.4*float64(h.Sum64()%10000)/10000
	return time.Duration(float64(d) * f)
}

type deliverWorker struct {
	river.WorkerDefaults[DeliverArgs]
	s *Service
}

// NextRetry schedules River's retries with the service's backoff.
func (w *deliverWorker) NextRetry(job *river.Job[DeliverArgs]) time.Time {
	return time.Now().Add(w.s.cfg.NextRetry(job.ID, job.Attempt))
}

// Timeout covers the guarded client's own 10 s and the bookkeeping.
func (w *deliverWorker) Timeout(*river.Job[DeliverArgs]) time.Duration {
	return Timeout + 20*time.Second
}

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[DeliverArgs]) error {
	s := w.s
	var hook models.Webhook
	err := s.db.WithContext(ctx).Where("id = ?", job.Args.WebhookID).Take(&hook).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil // deleted while pending: end quietly
	}
	if err != nil {
		return err
	}
	if !hook.Enabled && job.Args.Manual == "" {
		return nil
	}
	ev, err := outbox.Load(s.db.WithContext(ctx), job.Args.EventID)
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	body, err := json.Marshal(Payload{ID: ev.ID, Event: ev.Type, At: ev.OccurredAt.UTC(), Data: ev.RawData()})
	if err != nil {
		return river.JobCancel(err)
	}

	status, excerpt, sendErr, dur := s.send(ctx, hook, ev.ID, body)
	now := s.now()
	row := models.WebhookDelivery{ID: uuid.Must(uuid.NewV7()).String(), WebhookID: hook.ID, EventID: ev.ID,
		Event: ev.Type, StatusCode: status, DurationMS: dur.Milliseconds(), Attempt: job.Attempt,
		Response: excerpt, CreatedAt: now}

	if sendErr == nil && status >= 200 && status < 300 {
		return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if err := tx.Create(&row).Error; err != nil {
				return err
			}
			return tx.Model(&models.Webhook{}).Where("id = ? AND failing_since IS NOT NULL", hook.ID).
				Update("failing_since", nil).Error
		})
	}

	var failure error
	switch {
	case sendErr != nil:
		failure = sendErr
		row.Error = truncate(sendErr.Error(), 500)
	default:
		failure = fmt.Errorf("webhooks: the receiver answered %d", status)
		row.Error = fmt.Sprintf("the receiver answered %d", status)
	}
	disable := ""
	if status == http.StatusGone {
		disable = "the receiver answered 410 Gone"
	}
	since := now
	if hook.FailingSince != nil {
		since = *hook.FailingSince
	}
	if disable == "" && now.Sub(since) >= s.cfg.RetryFor {
		disable = "deliveries have failed since " + since.Format(time.RFC3339)
	}
	// A delivery gives up a little after RetryFor, so that a webhook failing
	// all along is disabled (with its reason) first.
	giveUp := disable != "" || job.Attempt >= job.MaxAttempts || now.Sub(job.CreatedAt) >= s.cfg.RetryFor+s.cfg.MaxBackoff ||
		job.Args.Manual != "" && job.Attempt >= 1 && !hook.Enabled
	if !giveUp {
		next := now.Add(s.cfg.NextRetry(job.ID, job.Attempt))
		row.NextAttemptAt = &next
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if hook.FailingSince == nil {
			if err := tx.Model(&models.Webhook{}).Where("id = ? AND failing_since IS NULL", hook.ID).
				Update("failing_since", now).Error; err != nil {
				return err
			}
		}
		if disable != "" && hook.Enabled {
			if err := tx.Model(&models.Webhook{}).Where("id = ?", hook.ID).Updates(map[string]any{
				"enabled": false, "disabled_reason": disable, "updated_at": now}).Error; err != nil {
				return err
			}
			return s.record(tx, models.Principal{System: true}, models.EventWebhookDisabled, hook, disable)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if giveUp {
		return river.JobCancel(failure)
	}
	return failure
}

// send POSTs one signed attempt and returns the status, an excerpt of the
// answer, the transport error and the time it took.
func (s *Service) send(ctx context.Context, hook models.Webhook, id string, body []byte) (int, string, error, time.Duration) {
	at := time.Now()
	secrets := []string{hook.Secret}
	if hook.PreviousSecret != "" && hook.PreviousSecretUntil != nil && at.Before(*hook.PreviousSecretUntil) {
		secrets = append(secrets, hook.PreviousSecret)
	}
	sig, err := Sign(id, at, body, secrets...)
	if err != nil {
		return 0, "", err, 0
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.URL, bytes.NewReader(body))
	if err != nil {
		return 0, "", err, 0
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "loamcms-webhooks/1")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	resp, err := s.guard.Do(ctx, s.client, req)
	if err != nil {
		return 0, "", err, time.Since(at)
	}
	b, err := ReadBody(resp)
	dur := time.Since(at)
	excerpt := truncate(string(b), s.cfg.Excerpt)
	return resp.StatusCode, excerpt, err, dur
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return strings.ToValidUTF8(s, "")
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
