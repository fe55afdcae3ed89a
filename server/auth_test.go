package server

import (
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/loamcms/cms/accounts"
	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
)

func TestLoginRefreshLogout(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		e.newUser("Ed@Example.com", "editor")

		// Email is case-insensitive; the answer carries a pair and the user, never a hash.
		r := e.do(request{method: "POST", path: "/api/auth/login", body: map[string]string{"email": "ed@example.COM", "password": testPassword}})
		expect(t, r, 200, "")
		if strings.Contains(string(r.Body), "argon2") || strings.Contains(string(r.Body), "password") {
			t.Fatalf("login answer leaks a secret: %s", r.Body)
		}
		var pair accounts.Tokens
		r.json(t, &pair)
		if pair.TokenType != "Bearer" || pair.ExpiresIn != 900 || pair.AccessToken == "" || pair.RefreshToken == "" || pair.User.Email != "ed@example.com" {
			t.Fatalf("bad pair %+v", pair)
		}

		me := e.do(request{method: "GET", path: "/api/auth/me", token: pair.AccessToken})
		expect(t, me, 200, "")
		if !strings.Contains(string(me.Body), `"roles":["editor"]`) {
			t.Fatalf("me: %s", me.Body)
		}

		// Refresh rotates: the new pair works, the old refresh token is spent.
		r = e.do(request{method: "POST", path: "/api/auth/refresh", body: map[string]string{"refresh_token": pair.RefreshToken}})
		expect(t, r, 200, "")
		var next accounts.Tokens
		r.json(t, &next)
		if next.RefreshToken == pair.RefreshToken {
			t.Fatal("refresh token was not rotated")
		}
		expect(t, e.do(request{method: "GET", path: "/api/auth/me", token: next.AccessToken}), 200, "")

		// Replaying the spent token revokes the whole session: the newest pair dies too.
		expect(t, e.do(request{method: "POST", path: "/api/auth/refresh", body: map[string]string{"refresh_token": pair.RefreshToken}}), 401, "unauthorized")
		expect(t, e.do(request{method: "POST", path: "/api/auth/refresh", body: map[string]string{"refresh_token": next.RefreshToken}}), 401, "unauthorized")
		expect(t, e.do(request{method: "GET", path: "/api/auth/me", token: next.AccessToken}), 401, "unauthorized")

		// Logout ends the session at once, access token included; other sessions live on.
		a := e.login("ed@example.com", testPassword)
		b := e.login("ed@example.com", testPassword)
		expect(t, e.do(request{method: "POST", path: "/api/auth/logout", body: map[string]string{"refresh_token": a.refresh}}), 204, "")
		expect(t, e.do(request{method: "POST", path: "/api/auth/refresh", body: map[string]string{"refresh_token": a.refresh}}), 401, "unauthorized")
		expect(t, e.do(request{method: "GET", path: "/api/auth/me", token: a.access}), 401, "unauthorized")
		expect(t, e.do(request{method: "GET", path: "/api/auth/me", token: b.access}), 200, "")
		// Signing out twice, or with a made-up token, is harmless.
		expect(t, e.do(request{method: "POST", path: "/api/auth/logout", body: map[string]string{"refresh_token": a.refresh}}), 204, "")
		expect(t, e.do(request{method: "POST", path: "/api/auth/logout", body: map[string]string{"refresh_token": "nope"}}), 204, "")
		expect(t, e.do(request{method: "POST", path: "/api/auth/refresh", body: map[string]string{}}), 422, "validation_failed")
	})
}

func TestLoginFailuresLookAlike(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		e.newUser("real@example.com", "editor")
		wrong := e.do(request{method: "POST", path: "/api/auth/login", body: map[string]string{"email": "real@example.com", "password": "wrong password!"}})
		unknown := e.do(request{method: "POST", path: "/api/auth/login", body: map[string]string{"email": "ghost@example.com", "password": "wrong password!"}})
		expect(t, wrong, 401, "unauthorized")
		expect(t, unknown, 401, "unauthorized")
		if string(wrong.Body) != string(unknown.Body) {
			t.Fatalf("answers differ: %s vs %s", wrong.Body, unknown.Body)
		}

		// Both paths verify one argon2id hash, so their times are alike. Medians of
		// several tries keep a noisy machine from failing this; a missing dummy
		// verification makes the unknown email ~100x faster.
		timeOf := func(email string) time.Duration {
			var ds []time.Duration
			for range 7 {
				start := time.Now()
				e.do(request{method: "POST", path: "/api/auth/login", remote: "198.51.100.7:1", body: map[string]string{"email": email, "password": "wrong password!"}})
				ds = append(ds, time.Since(start))
			}
			sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
			return ds[len(ds)/2]
		}
		known, ghost := timeOf("real@example.com"), timeOf("ghost2@example.com")
		ratio := float64(ghost) / float64(known)
		t.Logf("median wrong password %v, unknown email %v (ratio %.2f)", known, ghost, ratio)
		if ratio < 0.4 || ratio > 2.5 {
			t.Fatalf("unknown email takes %v, wrong password %v: the difference reveals which emails exist", ghost, known)
		}
	})
}

func TestLoginThrottling(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		limits := func(c *envConfig) {
			c.accounts.Throttle = accounts.ThrottleLimits{Window: time.Minute, PerAccount: 3, PerIP: 6}
		}
		e := newEnv(t, db, limits)
		e.newUser("target@example.com", "editor")
		bad := map[string]string{"email": "target@example.com", "password": "not the password"}

		// Per account: the client address changes every time, the account still locks.
		for i := range 3 {
			expect(t, e.do(request{method: "POST", path: "/api/auth/login", body: bad, remote: "203.0.113." + string(rune('1'+i)) + ":1"}), 401, "unauthorized")
		}
		r := e.do(request{method: "POST", path: "/api/auth/login", body: bad, remote: "203.0.113.9:1"})
		expect(t, r, 429, "rate_limited")
		if ra := r.Header.Get("Retry-After"); ra == "" || ra == "0" {
			t.Fatalf("Retry-After = %q", ra)
		}
		// Even the right password waits while the account is locked.
		good := map[string]string{"email": "target@example.com", "password": testPassword}
		expect(t, e.do(request{method: "POST", path: "/api/auth/login", body: good, remote: "203.0.113.9:1"}), 429, "rate_limited")

		// Per client address: many accounts from one socket address. X-Forwarded-For
		// is not trusted by default, so rotating it changes nothing.
		for i := range 6 {
			body := map[string]string{"email": "guess" + string(rune('a'+i)) + "@example.com", "password": "whatever pass"}
			expect(t, e.do(request{method: "POST", path: "/api/auth/login", body: body, remote: "198.51.100.1:5",
				header: map[string]string{"X-Forwarded-For": "10.0.0." + string(rune('1'+i))}}), 401, "unauthorized")
		}
		e.newUser("other@example.com", "editor")
		other := map[string]string{"email": "other@example.com", "password": testPassword}
		expect(t, e.do(request{method: "POST", path: "/api/auth/login", body: other, remote: "198.51.100.1:6"}), 429, "rate_limited")
		// Another address is not affected.
		expect(t, e.do(request{method: "POST", path: "/api/auth/login", body: other, remote: "198.51.100.2:6"}), 200, "")
	})
}

func TestTrustedProxyAddress(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		proxy := func(c *envConfig) {
			_, n, _ := parseCIDR("192.0.2.0/24")
			c.server.TrustedProxies = append(c.server.TrustedProxies, n)
		}
		limits := func(c *envConfig) {
			c.accounts.Throttle = accounts.ThrottleLimits{Window: time.Minute, PerAccount: 100, PerIP: 2}
		}
		e := newEnv(t, db, proxy, limits)
		bad := func(email, xff string) *response {
			return e.do(request{method: "POST", path: "/api/auth/login", remote: "192.0.2.1:1",
				body:   map[string]string{"email": email, "password": "wrong password"},
				header: map[string]string{"X-Forwarded-For": xff}})
		}
		// Behind the trusted proxy, each forwarded client has its own count.
		expect(t, bad("a@example.com", "203.0.113.1"), 401, "")
		expect(t, bad("b@example.com", "203.0.113.1"), 401, "")
		expect(t, bad("c@example.com", "203.0.113.1"), 429, "rate_limited")
		expect(t, bad("d@example.com", "203.0.113.2"), 401, "")
	})
}

func TestAccessTokenRules(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		a := e.signedIn("jwt@example.com", "editor")
		parsed, _, err := jwt.NewParser().ParseUnverified(a.access, jwt.MapClaims{})
		if err != nil {
			t.Fatal(err)
		}
		good := parsed.Claims.(jwt.MapClaims)
		sign := func(method jwt.SigningMethod, key any, edit func(jwt.MapClaims)) string {
			c := jwt.MapClaims{}
			for k, v := range good {
				c[k] = v
			}
			edit(c)
			s, err := jwt.NewWithClaims(method, c).SignedString(key)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		same := func(jwt.MapClaims) {}
		cases := map[string]string{
			"control: re-signed as issued": sign(jwt.SigningMethodHS256, testSecret, same),
			"alg none":                     sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, same),
			"HS512 with the right key":     sign(jwt.SigningMethodHS512, testSecret, same),
			"wrong key":                    sign(jwt.SigningMethodHS256, []byte("another-secret-another-secret-000"), same),
			"no exp":                       sign(jwt.SigningMethodHS256, testSecret, func(c jwt.MapClaims) { delete(c, "exp") }),
			"expired":                      sign(jwt.SigningMethodHS256, testSecret, func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Hour).Unix() }),
			"no iat":                       sign(jwt.SigningMethodHS256, testSecret, func(c jwt.MapClaims) { delete(c, "iat") }),
			"wrong aud":                    sign(jwt.SigningMethodHS256, testSecret, func(c jwt.MapClaims) { c["aud"] = "somebody-else" }),
			"no aud":                       sign(jwt.SigningMethodHS256, testSecret, func(c jwt.MapClaims) { delete(c, "aud") }),
			"wrong iss":                    sign(jwt.SigningMethodHS256, testSecret, func(c jwt.MapClaims) { c["iss"] = "evil" }),
			"unknown session":              sign(jwt.SigningMethodHS256, testSecret, func(c jwt.MapClaims) { c["sid"] = "0190c7a8-0000-7000-8000-000000000000" }),
		}
		names := make([]string, 0, len(cases))
		for n := range cases {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, name := range names {
			want := 401
			if strings.HasPrefix(name, "control") {
				want = 200
			}
			r := e.do(request{method: "GET", path: "/api/auth/me", token: cases[name]})
			if r.Status != want {
				t.Errorf("%s: status %d, want %d", name, r.Status, want)
			}
		}
		expect(t, e.do(request{method: "GET", path: "/api/auth/me", header: map[string]string{"Authorization": "Basic abc"}}), 401, "unauthorized")
		if r := e.do(request{method: "GET", path: "/api/auth/me"}); r.Header.Get("WWW-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
	})
}

func TestSetupCreatesFirstAdminOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		r := e.do(request{method: "GET", path: "/api/setup"})
		expect(t, r, 200, "")
		if !strings.Contains(string(r.Body), `"setup_required":true`) {
			t.Fatalf("setup: %s", r.Body)
		}
		token, err := e.accounts.NewSetupToken(t.Context())
		if err != nil || token == "" {
			t.Fatalf("token %q, %v", token, err)
		}
		body := map[string]string{"token": "cmss_wrong", "email": "boss@example.com", "name": "Boss", "password": testPassword}
		expect(t, e.do(request{method: "POST", path: "/api/setup", body: body}), 404, "not_found")
		body["token"] = token
		body["password"] = "short"
		expect(t, e.do(request{method: "POST", path: "/api/setup", body: body}), 422, "validation_failed")
		body["password"] = testPassword
		r = e.do(request{method: "POST", path: "/api/setup", body: body})
		expect(t, r, 201, "")
		if !strings.Contains(string(r.Body), `"roles":["admin"]`) {
			t.Fatalf("setup made %s", r.Body)
		}
		body["email"] = "second@example.com"
		expect(t, e.do(request{method: "POST", path: "/api/setup", body: body}), 404, "not_found")
		if tok, _ := e.accounts.NewSetupToken(t.Context()); tok != "" {
			t.Fatal("a setup token was issued although users exist")
		}
		e.login("boss@example.com", testPassword)
	})
}
