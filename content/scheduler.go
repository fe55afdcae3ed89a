package content

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/loamcms/cms/models"
)

// The schedule is the entries table itself: a scheduled entry has status
// scheduled and publish_at, written in the same transaction that scheduled
// it. Nothing lives only in memory, so a restart loses nothing, and no job
// queue has to be kept in step with the entries.

// system is the scheduler's principal.
var system = models.Principal{System: true}

// PublishDue publishes every scheduled entry whose time has come, through
// Transition like any other publish, and returns how many it published.
// Several instances may run it at once: each entry's version guard lets
// exactly one of them publish it, and the others skip it. An entry that
// cannot be published (its slug was taken meanwhile) goes back to approved,
// with the reason in its history, so it neither blocks the others nor
// retries forever; other failures are returned after the rest are done.
func (s *Service) PublishDue(ctx context.Context) (int, error) {
	var due []models.Entry
	err := s.db.WithContext(ctx).Select("id", "version").
		Where("status = ? AND publish_at <= ?", models.StatusScheduled, s.now()).
		Order("publish_at").Limit(200).Find(&due).Error
	if err != nil {
		return 0, err
	}
	published := 0
	var failures []error
	for _, e := range due {
		_, err := s.Transition(ctx, system, e.ID, Step{Action: models.ActionPublishDue, Version: &e.Version})
		switch models.ErrorCode(err) {
		case "":
			published++
		case models.CodeVersionConflict, models.CodeInvalidTransition, models.CodeNotFound:
			// Another instance published it, or someone changed it first.
		case models.CodeConflict:
			_, err2 := s.Transition(ctx, system, e.ID, Step{Action: models.ActionScheduleFailed, Version: &e.Version,
				Comment: "Not published: " + err.Error()})
			if err2 != nil && models.ErrorCode(err2) != models.CodeVersionConflict {
				failures = append(failures, err2)
			}
		default:
			failures = append(failures, fmt.Errorf("entry %s: %w", e.ID, err))
		}
	}
	return published, errors.Join(failures...)
}

// RunScheduler calls PublishDue every interval until ctx ends, so a
// scheduled entry goes live at most about one interval after its time.
func (s *Service) RunScheduler(ctx context.Context, interval time.Duration, log *slog.Logger) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		if n, err := s.PublishDue(ctx); err != nil && ctx.Err() == nil {
			log.Warn("publishing scheduled entries", "error", err)
		} else if n > 0 {
			log.Info("published scheduled entries", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// SchedulerLag is how long the most overdue scheduled entry has been
// waiting past its time (0 when none is due): a metric, near the scheduler
// interval when all is well.
func (s *Service) SchedulerLag(ctx context.Context) (time.Duration, error) {
	var e models.Entry
	err := s.db.WithContext(ctx).Select("publish_at").Where("status = ? AND publish_at <= ?", models.StatusScheduled, s.now()).
		Order("publish_at").Limit(1).Find(&e).Error
	if err != nil || e.PublishAt == nil {
		return 0, err
	}
	return s.now().Sub(*e.PublishAt), nil
}
