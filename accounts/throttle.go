package accounts

import (
	"context"
	"math"
	"net/netip"
	"strings"
	"time"

	"gorm.io/gorm"

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

// throttleKeyIP keys a client address; an IPv6 address by its /64, which
// one client usually holds whole.
func throttleKeyIP(ip string) string {
	if addr, err := netip.ParseAddr(ip); err == nil && addr.Is6() && !addr.Is4In6() {
		prefix, _ := addr.Prefix(64)
		return "ip:" + prefix.String()
	}
	return "ip:" + ip
}

func (s *Service) limitFor(key string) int {
	if strings.HasPrefix(key, "ip:") {
		return s.throttle.PerIP
	}
	return s.throttle.PerAccount
}

// reserveAttempt counts this sign-in attempt against every key before any
// password is checked, in one atomic upsert per key, so that many attempts
// sent at once cannot all slip under the limit. It refuses with
// rate_limited while any key is over its limit. A count whose window has
// passed starts again at one. A successful attempt gives its counts back.
func (s *Service) reserveAttempt(ctx context.Context, keys []string) error {
	now := s.now()
	expired := now.Add(-s.throttle.Window)
	wait := time.Duration(0)
	for _, key := range keys {
		var row models.LoginThrottle
		err := s.db.WithContext(ctx).Raw(`
INSERT INTO login_throttles (key, failures, window_start) VALUES (?, 1, ?)
ON CONFLICT (key) DO UPDATE SET
  failures     = CASE WHEN login_throttles.window_start <= ? THEN 1 ELSE login_throttles.failures + 1 END,
  window_start = CASE WHEN login_throttles.window_start <= ? THEN excluded.window_start ELSE login_throttles.window_start END
RETURNING key, failures, window_start`, key, now, expired, expired).Scan(&row).Error
		if err != nil {
			return err
		}
		if row.Failures > s.limitFor(key) {
			wait = max(wait, row.WindowStart.Add(s.throttle.Window).Sub(now))
		}
	}
	if wait > 0 {
		return &models.Error{
			Code:       models.CodeRateLimited,
			Message:    "too many failed sign-ins; try again later",
			RetryAfter: max(1, int(math.Ceil(wait.Seconds()))),
		}
	}
	return nil
}

// succeeded gives back a successful attempt: the account's count is cleared,
// and the client address's count loses this attempt but keeps its failures,
// so one good password does not reset a guessing run across many accounts.
func (s *Service) succeeded(ctx context.Context, accountKey, ipKey string) error {
	db := s.db.WithContext(ctx)
	if err := db.Where("key = ?", accountKey).Delete(&models.LoginThrottle{}).Error; err != nil {
		return err
	}
	return db.Model(&models.LoginThrottle{}).Where("key = ? AND failures > 0", ipKey).
		Update("failures", gorm.Expr("failures - 1")).Error
}
