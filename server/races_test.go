package server

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/loamcms/cms/accounts"
	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
)

// parallel runs fn n times at once and returns the statuses.
func parallel(n int, fn func(i int) int) map[int]int {
	var mu sync.Mutex
	var wg sync.WaitGroup
	counts := map[int]int{}
	for i := range n {
		wg.Go(func() {
			st := fn(i)
			mu.Lock()
			counts[st]++
			mu.Unlock()
		})
	}
	wg.Wait()
	return counts
}

func TestConcurrentGuessesAreThrottled(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db, func(c *envConfig) {
			c.accounts.Throttle = accounts.ThrottleLimits{Window: time.Minute, PerAccount: 3, PerIP: 1000}
		})
		e.newUser("victim@example.com", "editor")
		counts := parallel(30, func(i int) int {
			return e.do(request{method: "POST", path: "/api/auth/login", remote: fmt.Sprintf("203.0.113.%d:1", i+1),
				body: map[string]string{"email": "victim@example.com", "password": "guess number " + fmt.Sprint(i)}}).Status
		})
		if counts[401] > 3 || counts[401]+counts[429] != 30 {
			t.Fatalf("30 guesses at once: %v; at most 3 may be checked", counts)
		}
	})
}

func TestSetupRaceMakesOneAdmin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		a, _ := e.accounts.NewSetupToken(t.Context())
		b, _ := e.accounts.NewSetupToken(t.Context()) // another instance's link
		counts := parallel(6, func(i int) int {
			token := a
			if i%2 == 1 {
				token = b
			}
			return e.do(request{method: "POST", path: "/api/setup", body: map[string]string{
				"token": token, "email": fmt.Sprintf("boss%d@example.com", i), "password": testPassword}}).Status
		})
		if counts[201] != 1 || counts[404] != 5 {
			t.Fatalf("six setups at once: %v; want exactly one 201", counts)
		}
	})
}

func TestBootstrapAdminRace(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		var created, failed int
		var mu sync.Mutex
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				ok, err := e.accounts.BootstrapAdmin(t.Context(), "root@example.com", testPassword)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					t.Log(err)
					failed++
				} else if ok {
					created++
				}
			})
		}
		wg.Wait()
		if created != 1 || failed != 0 {
			t.Fatalf("4 instances starting at once: %d created, %d failed", created, failed)
		}
	})
}

func TestHeadOnAKeptAliveConnection(t *testing.T) {
	e := newEnv(t, dbtest.Open(t, "sqlite"))
	ts := httptest.NewServer(e.srv)
	defer ts.Close()
	conn, err := net.Dial("tcp", ts.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprint(conn, "HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nHEAD /admin/ HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	rd := bufio.NewReader(conn)
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	for _, method := range []string{"HEAD", "HEAD", "GET"} {
		res, err := http.ReadResponse(rd, &http.Request{Method: method})
		if err != nil {
			t.Fatalf("%s: %v", method, err)
		}
		body := make([]byte, 64)
		n, _ := res.Body.Read(body)
		res.Body.Close()
		if res.StatusCode != 200 || (method == "HEAD" && n != 0) || (method == "GET" && string(body[:n]) != `{"status":"ok"}`+"\n") {
			t.Fatalf("%s: %d %q", method, res.StatusCode, body[:n])
		}
	}
}
