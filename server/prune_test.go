package server

import (
	"testing"
	"time"

	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
	"github.com/loamcms/cms/models"
)

func TestPruneForgetsOnlyWhatIsDead(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		clock := time.Now()
		e := newEnv(t, db, func(c *envConfig) {
			c.accounts.Now = func() time.Time { return clock }
			c.accounts.SessionTTL = time.Hour
		})
		e.signedIn("alive@example.com", "editor")
		gone := e.login("alive@example.com", testPassword)
		expect(t, e.do(request{method: "POST", path: "/api/auth/logout", body: map[string]string{"refresh_token": gone.refresh}}), 204, "")
		expect(t, e.do(request{method: "POST", path: "/api/auth/login", body: map[string]string{"email": "x@example.com", "password": "wrong password"}}), 401, "")
		count := func(model any) (n int64) {
			if err := db.Model(model).Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		if err := e.accounts.Prune(t.Context()); err != nil {
			t.Fatal(err)
		}
		if count(&models.Session{}) != 2 || count(&models.LoginThrottle{}) == 0 {
			t.Fatal("pruned what is still in use")
		}
		clock = clock.Add(25 * time.Hour) // past the session TTL, the throttle window and a day after sign-out
		if err := e.accounts.Prune(t.Context()); err != nil {
			t.Fatal(err)
		}
		if count(&models.Session{}) != 0 || count(&models.RefreshToken{}) != 0 || count(&models.LoginThrottle{}) != 0 {
			t.Fatalf("left %d sessions, %d refresh tokens, %d throttles", count(&models.Session{}), count(&models.RefreshToken{}), count(&models.LoginThrottle{}))
		}
	})
}
