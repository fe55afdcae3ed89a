package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/loamcms/cms/internal/dbtest"
	"github.com/loamcms/cms/migrations"
)

// binary is the cms program built once for these tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cms-bin-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "cms")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// proc is a running `cms serve`.
type proc struct {
	cmd    *exec.Cmd
	addr   string
	mu     sync.Mutex
	stderr bytes.Buffer
	done   chan error
}

func (p *proc) output() string { p.mu.Lock(); defer p.mu.Unlock(); return p.stderr.String() }

var servingAddr = regexp.MustCompile(`msg=serving addr=(\S+)`)

// startServe runs `cms serve` on a free port with the environment and waits
// until it listens.
func startServe(t *testing.T, env ...string) *proc {
	t.Helper()
	args := []string{"serve", "--addr", "127.0.0.1:0"}
	if len(env) > 0 && env[0] == "--demo" {
		args, env = append(args, "--demo"), env[1:]
	}
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, done: make(chan error, 1)}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			p.mu.Lock()
			p.stderr.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if m := servingAddr.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		p.done <- cmd.Wait()
	}()
	t.Cleanup(func() { cmd.Process.Kill() })
	select {
	case p.addr = <-found:
		return p
	case err := <-p.done:
		t.Fatalf("cms serve exited: %v\n%s", err, p.output())
	case <-time.After(30 * time.Second):
		t.Fatalf("cms serve did not start:\n%s", p.output())
	}
	return nil
}

func (p *proc) url(path string) string { return "http://" + p.addr + path }

func postJSON(t *testing.T, url string, body any) (*http.Response, map[string]any) {
	t.Helper()
	buf, _ := json.Marshal(body)
	res, err := http.Post(url, "application/json", bytes.NewReader(buf))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res, out
}

// TestServeAndGracefulStop runs the real program on each database: it
// migrates, creates the configured first admin, answers, and on SIGTERM
// stops accepting, finishes the request in flight, and exits 0.
func TestServeAndGracefulStop(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			start := time.Now()
			p := startServe(t, "CMS_DATABASE_URL="+dbtest.URL(t, dialect), "CMS_DATA_DIR="+t.TempDir(),
				"CMS_ADMIN_EMAIL=root@example.com", "CMS_ADMIN_PASSWORD=a very long admin password")
			for {
				res, err := http.Get(p.url("/readyz"))
				if err == nil && res.StatusCode == 200 {
					res.Body.Close()
					break
				}
				if time.Since(start) > 20*time.Second {
					t.Fatalf("not ready: %v\n%s", err, p.output())
				}
				time.Sleep(5 * time.Millisecond)
			}
			t.Logf("ready %v after start", time.Since(start).Round(time.Millisecond))

			res, body := postJSON(t, p.url("/api/auth/login"), map[string]string{"email": "root@example.com", "password": "a very long admin password"})
			if res.StatusCode != 200 || body["access_token"] == nil {
				t.Fatalf("login: %d %v", res.StatusCode, body)
			}
			if strings.Contains(p.output(), "setup?token=") {
				t.Fatal("a setup link was printed although an admin was configured")
			}

			// A request in flight: headers sent, body not yet complete.
			conn, err := net.Dial("tcp", p.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			payload := `{"email":"root@example.com","password":"a very long admin password"}`
			fmt.Fprintf(conn, "POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(payload), payload[:10])
			time.Sleep(200 * time.Millisecond)

			if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			// New connections are refused once shutdown has begun.
			deadline := time.Now().Add(5 * time.Second)
			for {
				c, err := net.DialTimeout("tcp", p.addr, 200*time.Millisecond)
				if err != nil {
					break
				}
				c.Close()
				if time.Now().After(deadline) {
					t.Fatal("still accepting connections after SIGTERM")
				}
				time.Sleep(20 * time.Millisecond)
			}
			// The request in flight still gets its answer.
			io.WriteString(conn, payload[10:])
			conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			res2, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("in-flight request lost: %v", err)
			}
			if res2.StatusCode != 200 {
				t.Fatalf("in-flight request: %d", res2.StatusCode)
			}
			select {
			case err := <-p.done:
				if err != nil {
					t.Fatalf("exit: %v\n%s", err, p.output())
				}
			case <-time.After(20 * time.Second):
				t.Fatal("did not exit after SIGTERM")
			}
		})
	}
}

// TestSetupLinkOnFreshDatabase: without a configured admin, serve prints a
// one-time link; the link's token creates the first admin, once.
func TestSetupLinkOnFreshDatabase(t *testing.T) {
	p := startServe(t, "CMS_DATABASE_URL="+dbtest.URL(t, migrations.SQLite), "CMS_DATA_DIR="+t.TempDir(), "CMS_ADMIN_EMAIL=", "CMS_ADMIN_PASSWORD=")
	m := regexp.MustCompile(`/admin/setup\?token=(cmss_\w+)`).FindStringSubmatch(p.output())
	if m == nil {
		t.Fatalf("no setup link printed:\n%s", p.output())
	}
	if strings.Count(p.output(), m[1]) != 1 {
		t.Fatal("the setup token was logged more than once")
	}
	res, err := http.Get(p.url("/admin/setup?token=" + m[1]))
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("setup page: %v %v", res, err)
	}
	res.Body.Close()
	body := map[string]string{"token": m[1], "email": "first@example.com", "name": "First", "password": "first admin password"}
	if res, out := postJSON(t, p.url("/api/setup"), body); res.StatusCode != 201 {
		t.Fatalf("setup: %d %v", res.StatusCode, out)
	}
	if res, _ := postJSON(t, p.url("/api/setup"), body); res.StatusCode != 404 {
		t.Fatalf("second setup: %d", res.StatusCode)
	}
}

func runCLI(t *testing.T, env []string, args ...string) (string, error) {
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestUserCreateCommand(t *testing.T) {
	env := []string{"CMS_DATABASE_URL=" + dbtest.URL(t, migrations.SQLite), "CMS_DATA_DIR=" + t.TempDir()}
	out, err := runCLI(t, append(env, "CMS_USER_PASSWORD=script password 123"), "user", "create", "--email", "ci@example.com", "--roles", "editor,reviewer")
	if err != nil || !strings.Contains(out, "created ci@example.com") || strings.Contains(out, "password:") {
		t.Fatalf("%v\n%s", err, out)
	}
	out, err = runCLI(t, env, "user", "create", "--email", "gen@example.com", "--roles", "admin")
	if err != nil || !regexp.MustCompile(`password: \w{26}`).MatchString(out) {
		t.Fatalf("generated password not printed: %v\n%s", err, out)
	}
	if out, err = runCLI(t, env, "user", "create", "--email", "ci@example.com"); err == nil || !strings.Contains(out, "already exists") {
		t.Fatalf("duplicate: %v\n%s", err, out)
	}
	if out, err = runCLI(t, env, "user", "create", "--email", "x@example.com", "--roles", "root"); err == nil || !strings.Contains(out, "unknown role") {
		t.Fatalf("bad role: %v\n%s", err, out)
	}
	if out, err = runCLI(t, env, "migrate", "status"); err != nil || !regexp.MustCompile(`schema version (\d+) of (\d+)`).MatchString(out) {
		t.Fatalf("migrate status: %v\n%s", err, out)
	}
}

// TestConcurrentMigrations starts several migrations at once on one fresh
// database, as several instances starting together would: all succeed and
// the schema is applied once.
func TestConcurrentMigrations(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			env := []string{"CMS_DATABASE_URL=" + dbtest.URL(t, dialect), "CMS_DATA_DIR=" + t.TempDir()}
			var wg sync.WaitGroup
			outs := make([]string, 3)
			errs := make([]error, 3)
			for i := range outs {
				wg.Go(func() { outs[i], errs[i] = runCLI(t, env, "migrate") })
			}
			wg.Wait()
			applied := 0
			for i := range outs {
				if errs[i] != nil {
					t.Fatalf("migrate %d: %v\n%s", i, errs[i], outs[i])
				}
				if !strings.Contains(outs[i], "versions=[]") {
					applied++
				}
			}
			if applied != 1 {
				t.Fatalf("%d of 3 processes applied migrations, want exactly 1:\n%s", applied, strings.Join(outs, "\n"))
			}
		})
	}
}

// client talks to one running instance as one signed-in user.
type client struct {
	t     *testing.T
	base  string
	token string
}

func (c *client) do(method, path string, body any, out any) int {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		buf, _ := json.Marshal(body)
		rd = bytes.NewReader(buf)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	if out != nil {
		_ = json.NewDecoder(res.Body).Decode(out)
	}
	return res.StatusCode
}

func signIn(t *testing.T, p *proc, email, password string) *client {
	t.Helper()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	c := &client{t: t, base: "http://" + p.addr}
	if st := c.do("POST", "/api/auth/login", map[string]string{"email": email, "password": password}, &tok); st != 200 {
		t.Fatalf("sign in %s: %d", email, st)
	}
	c.token = tok.AccessToken
	return c
}

// schedule writes a post as the admin (self-approval on) and schedules it
// (or, for a time past, publishes it).
func (c *client) schedule(title string, at time.Time) string {
	var e struct{ ID, Slug string }
	if st := c.do("POST", "/api/entries", map[string]any{"type": "post", "data": map[string]any{"title": title}}, &e); st != 201 {
		c.t.Fatalf("create: %d", st)
	}
	for _, step := range []string{"submit", "approve"} {
		if st := c.do("POST", "/api/entries/"+e.ID+"/"+step, nil, nil); st != 200 {
			c.t.Fatalf("%s: %d", step, st)
		}
	}
	want := "scheduled"
	if at.Before(time.Now()) {
		want = "published" // a time past publishes at once
	}
	var out struct{ Status string }
	if st := c.do("POST", "/api/entries/"+e.ID+"/publish", map[string]any{"at": at.Format(time.RFC3339Nano)}, &out); st != 200 || out.Status != want {
		c.t.Fatalf("schedule: %d %s", st, out.Status)
	}
	return e.Slug
}

const adminPassword = "a very long admin password"

func instanceEnv(t *testing.T, url, dataDir string) []string {
	return []string{"CMS_DATABASE_URL=" + url, "CMS_DATA_DIR=" + dataDir, "CMS_SELF_APPROVAL=true",
		"CMS_JWT_SECRET=shared-secret-of-all-instances-0123456789",
		"CMS_ADMIN_EMAIL=root@example.com", "CMS_ADMIN_PASSWORD=" + adminPassword}
}

// waitLive polls the delivery API until slug is published, and returns when.
func waitLive(t *testing.T, c *client, token, slug string, limit time.Duration) time.Time {
	t.Helper()
	reader := &client{t: t, base: c.base, token: token}
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if reader.do("GET", "/api/content/post/"+slug, nil, nil) == 200 {
			return time.Now()
		}
	}
	t.Fatalf("%s did not go live within %v", slug, limit)
	return time.Time{}
}

func newDeliveryToken(t *testing.T, c *client) string {
	var tok struct{ Token string }
	if st := c.do("POST", "/api/tokens", map[string]any{"name": "test site", "scope": "delivery"}, &tok); st != 201 {
		t.Fatalf("token: %d", st)
	}
	return tok.Token
}

// TestScheduleSurvivesRestart schedules a post, stops the server before the
// time comes, starts it again after: the post goes live at once.
func TestScheduleSurvivesRestart(t *testing.T) {
	for _, dialect := range dbtest.Dialects {
		t.Run(dialect, func(t *testing.T) {
			env := instanceEnv(t, dbtest.URL(t, dialect), t.TempDir())
			a := startServe(t, env...)
			admin := signIn(t, a, "root@example.com", adminPassword)
			token := newDeliveryToken(t, admin)
			at := time.Now().Add(2 * time.Second)
			slug := admin.schedule("Survives a restart", at)
			a.cmd.Process.Signal(syscall.SIGTERM)
			<-a.done
			time.Sleep(time.Until(at.Add(500 * time.Millisecond)))

			b := startServe(t, env...)
			started := time.Now()
			live := waitLive(t, &client{t: t, base: "http://" + b.addr}, token, slug, 5*time.Second)
			t.Logf("live %v after the restarted server listened (%v after its time)", live.Sub(started).Round(time.Millisecond), live.Sub(at).Round(time.Millisecond))
			if live.Sub(started) > 2*time.Second {
				t.Fatalf("took %v after the restart", live.Sub(started))
			}
		})
	}
}

// TestTwoServersOnePostgres runs two instances on one PostgreSQL database:
// a token from one works on the other, a publish on one is visible on the
// other at once, and scheduled entries are published exactly once.
func TestTwoServersOnePostgres(t *testing.T) {
	url := dbtest.URL(t, migrations.Postgres)
	a := startServe(t, instanceEnv(t, url, t.TempDir())...)
	b := startServe(t, instanceEnv(t, url, t.TempDir())...)
	onA := signIn(t, a, "root@example.com", adminPassword)
	onB := &client{t: t, base: "http://" + b.addr, token: onA.token} // A's session works on B
	token := newDeliveryToken(t, onB)
	readB := &client{t: t, base: "http://" + b.addr, token: token}

	var list struct{ Meta struct{ Total int } }
	if st := readB.do("GET", "/api/content/post", nil, &list); st != 200 || list.Meta.Total != 0 {
		t.Fatalf("B before: %d %+v", st, list)
	}
	// Publish on A; B's cached answer must give way at once.
	onA.schedule("Published on A", time.Now().Add(-time.Second))
	start := time.Now()
	for {
		readB.do("GET", "/api/content/post", nil, &list)
		if list.Meta.Total == 1 {
			break
		}
		if time.Since(start) > time.Second {
			t.Fatal("B still serves its stale list a second after A published")
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("B saw A's publish after %v", time.Since(start).Round(time.Millisecond))

	// Scheduled entries, both instances sweeping: each is published once.
	at := time.Now().Add(1500 * time.Millisecond)
	var slugs []string
	for i := range 5 {
		slugs = append(slugs, onA.schedule(fmt.Sprintf("Scheduled %d", i), at))
	}
	for _, s := range slugs {
		waitLive(t, onB, token, s, 4*time.Second)
	}
	time.Sleep(time.Second) // give a second publish every chance to happen
	var entries struct{ Data []struct{ ID string } }
	onB.do("GET", "/api/entries?type=post&status=published&limit=100", nil, &entries)
	published := 0
	for _, e := range entries.Data {
		var hist []struct{ Action string }
		onA.do("GET", "/api/entries/"+e.ID+"/history", nil, &hist)
		for _, h := range hist {
			if h.Action == "publish_due" {
				published++
			}
		}
	}
	if published != 5 {
		t.Fatalf("5 scheduled entries, %d scheduled publishes recorded", published)
	}
}

// TestDemo follows the README: serve --demo, then read the demo article
// through the delivery API with the printed token; the setup link still
// makes the first admin.
func TestDemo(t *testing.T) {
	p := startServe(t, "--demo", "CMS_DATABASE_URL="+dbtest.URL(t, migrations.SQLite), "CMS_DATA_DIR="+t.TempDir(), "CMS_ADMIN_EMAIL=", "CMS_ADMIN_PASSWORD=")
	out := p.output()
	token := regexp.MustCompile(`delivery token: (cms_\w+)`).FindStringSubmatch(out)
	pw := regexp.MustCompile(`editor@example.com  password (\w+)`).FindStringSubmatch(out)
	setup := regexp.MustCompile(`setup\?token=(cmss_\w+)`).FindStringSubmatch(out)
	if token == nil || pw == nil || setup == nil {
		t.Fatalf("demo output:\n%s", out)
	}
	var item struct{ Data map[string]any }
	reader := &client{t: t, base: "http://" + p.addr, token: token[1]}
	if st := reader.do("GET", "/api/content/post/what-to-do-if-photos-of-your-id-card-and-bank-card-leak?include=category", nil, &item); st != 200 {
		t.Fatalf("demo article: %d", st)
	}
	cat, _ := item.Data["category"].(map[string]any)
	if item.Data["title"] != "What to do if photos of your ID card and bank card leak" || cat["name"] != "Public benefit messages" ||
		!strings.Contains(fmt.Sprint(item.Data["body"]), "bank") {
		t.Fatalf("demo article: %v", item.Data)
	}
	// In French too, with its French category, by either slug.
	var fr struct{ Data map[string]any }
	if st := reader.do("GET", "/api/content/post/what-to-do-if-photos-of-your-id-card-and-bank-card-leak?locale=fr&include=category", nil, &fr); st != 200 {
		t.Fatalf("demo article in French: %d", st)
	}
	frCat, _ := fr.Data["category"].(map[string]any)
	if fr.Data["locale"] != "fr" || !strings.HasPrefix(fmt.Sprint(fr.Data["title"]), "Que faire") || frCat["name"] != "Messages d'intérêt public" {
		t.Fatalf("demo article in French: %v", fr.Data)
	}
	// Its picture: the hero field and an image in the text, served from
	// the same process, as a WebP variant too.
	hero, _ := item.Data["hero"].(map[string]any)
	url, _ := hero["url"].(string)
	if !strings.HasPrefix(url, "/media/") || hero["width"] != 1600.0 || !strings.Contains(fmt.Sprint(hero["alt"]), "identity card") ||
		!strings.Contains(fmt.Sprint(item.Data["body"]), `<img src="`+strings.ReplaceAll(url, "&", "&amp;")) {
		t.Fatalf("demo picture: %v", item.Data)
	}
	res, err := http.Get(p.url(url + "&w=800&fm=webp"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/webp" {
		t.Fatalf("demo picture variant: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	signIn(t, p, "editor@example.com", pw[1])
	if res, _ := postJSON(t, p.url("/api/setup"), map[string]string{"token": setup[1], "email": "boss@example.com", "password": "the first admin password"}); res.StatusCode != 201 {
		t.Fatalf("setup after the demo: %d", res.StatusCode)
	}
}
