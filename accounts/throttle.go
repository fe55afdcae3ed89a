package accounts

import (
	"context"
	"math"
	"time"

	"github.com/loamcms/cms/models"
)

// ThrottleLimits bound failed sign-ins. Counts live in the database, so every
// instance sharing it enforces the same limits.
type ThrottleLimits struct {
	Window     time.Duration // a count starts at the first failure and lasts this long
	PerAccount int           // failures for one email within Window before it is locked
	PerIP      int           // failures from one client address within Window
}

// DefaultThrottle allows 10 wrong passwords per account and 50 per client
// address in 15 minutes: enough for people who mistype, far too few for guessing.
var DefaultThrottle = ThrottleLimits{Window: 15 * time.Minute, PerAccount: 10, PerIP: 50}

func throttleKeyAccount(email string) string { return "account:" + email }
func throttleKeyIP(ip string) string         { return "ip:" + ip }

func (s *Service) limitFor(key string) int {
	if key[:3] == "ip:" {
		return s.throttle.PerIP
	}
	return s.throttle.PerAccount
}

// checkThrottle refuses with rate_limited while any key is over its limit.
func (s *Service) checkThrottle(ctx context.Context, keys []string) error {
	var rows []models.LoginThrottle
	if err := s.db.WithContext(ctx).Where("key IN ?", keys).Find(&rows).Error; err != nil {
		return err
	}
	now := s.now()
	wait := time.Duration(0)
	for _, r := range rows {
		until := r.WindowStart.Add(s.throttle.Window)
		if r.Failures >= s.limitFor(r.Key) && now.Before(until) {
			wait = max(wait, until.Sub(now))
		}
	}
	if wait > 0 {
		return &models.Error{
			Code:       models.CodeRateLimited,
			Message:    "too many failed sign-ins; try again later",
			RetryAfter: int(math.Ceil(wait.Seconds())),
		}
	}
	return nil
}

// recordFailure counts one failure against each key in a single atomic
// upsert per key; a count whose window has passed starts again at one.
func (s *Service) recordFailure(ctx context.Context, keys []string) error {
	now := s.now()
	expired := now.Add(-s.throttle.Window)
	for _, key := range keys {
		err := s.db.WithContext(ctx).Exec(`
INSERT INTO login_throttles (key, failures, window_start) VALUES (?, 1, ?)
ON CONFLICT (key) DO UPDATE SET
  failures     = CASE WHEN login_throttles.window_start <= ? THEN 1 ELSE login_throttles.failures + 1 END,
  window_start = CASE WHEN login_throttles.window_start <= ? THEN excluded.window_start ELSE login_throttles.window_start END`,
			key, now, expired, expired).Error
		if err != nil {
			return err
		}
	}
	return nil
}

// clearThrottle forgets an account's failures after a successful sign-in.
// The client address keeps its count: one good password must not reset a
// guessing run across many accounts.
func (s *Service) clearThrottle(ctx context.Context, key string) error {
	return s.db.WithContext(ctx).Where("key = ?", key).Delete(&models.LoginThrottle{}).Error
}
