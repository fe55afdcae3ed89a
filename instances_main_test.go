package main

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
	"github.com/loamcms/cms/migrations"
)

// TestThreeServersOnePostgres: three instances on one database. A token
// minted on A works on B and C; what A publishes, B and C serve within
// the bound; and after the database drops every instance's LISTEN
// connection, invalidation still arrives (reconnect, or the counter poll).
func TestThreeServersOnePostgres(t *testing.T) {
	url := dbtest.URL(t, migrations.Postgres)
	a := startServe(t, instanceEnv(t, url, t.TempDir())...)
	b := startServe(t, instanceEnv(t, url, t.TempDir())...)
	c := startServe(t, instanceEnv(t, url, t.TempDir())...)
	onA := signIn(t, a, "root@example.com", adminPassword)
	token := newDeliveryToken(t, onA)
	readers := []*client{{t: t, base: "http://" + b.addr, token: token}, {t: t, base: "http://" + c.addr, token: token}}

	// seen publishes on A and returns how long until both B and C serve it.
	seen := func(title string) time.Duration {
		for _, r := range readers {
			r.do("GET", "/api/content/post?limit=1&sort=-published_at", nil, nil) // a cached list that must give way
		}
		slug := onA.schedule(title, time.Now().Add(-time.Second))
		start := time.Now()
		for _, r := range readers {
			for {
				var list struct{ Data []struct{ Slug string } }
				r.do("GET", "/api/content/post?limit=1&sort=-published_at", nil, &list)
				if len(list.Data) == 1 && list.Data[0].Slug == slug {
					break
				}
				if time.Since(start) > 5*time.Second {
					t.Fatalf("%s not in %s's list after 5 s", slug, r.base)
				}
				time.Sleep(2 * time.Millisecond)
			}
		}
		return time.Since(start)
	}
	var lags []time.Duration
	for i := range 10 {
		lags = append(lags, seen(fmt.Sprintf("Published on A %d", i)))
	}
	slices.Sort(lags)
	t.Logf("publish on A → served by B and C: median %v, max %v", lags[len(lags)/2].Round(time.Millisecond), lags[len(lags)-1].Round(time.Millisecond))
	if lags[len(lags)-1] > time.Second {
		t.Errorf("slowest propagation %v", lags[len(lags)-1])
	}

	// The database drops every LISTEN connection.
	admin, err := database.Open(url)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	var dropped int
	if err := admin.Raw("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN%'").Scan(&dropped).Error; err != nil {
		t.Fatal(err)
	}
	if dropped < 3 {
		t.Fatalf("dropped %d LISTEN connections, want one per instance", dropped)
	}
	lag := seen("Published after the drop")
	t.Logf("after dropping %d LISTEN connections: served by B and C after %v", dropped, lag.Round(time.Millisecond))
	if lag > 2*time.Second {
		t.Errorf("after the drop, propagation took %v", lag)
	}
}
