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
	cmd := exec.Command(binary, "serve", "--addr", "127.0.0.1:0")
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
