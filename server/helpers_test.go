package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/textproto"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/loamcms/cms/accounts"
	"github.com/loamcms/cms/audit"
	"github.com/loamcms/cms/content"
	"github.com/loamcms/cms/delivery"
	"github.com/loamcms/cms/internal/changes"
	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/outbox"
	"github.com/loamcms/cms/internal/storetest"
	"github.com/loamcms/cms/media"
	"github.com/loamcms/cms/models"
	"github.com/loamcms/cms/policies"
	"github.com/loamcms/cms/webhooks"
)

// testSecret signs access tokens in tests.
var testSecret = []byte("test-secret-test-secret-test-secret!")

// env is one server on one fresh database, driven through ServeHTTP.
type env struct {
	t        *testing.T
	db       *database.DB
	accounts *accounts.Service
	media    *media.Service
	store    media.Store
	srv      *Server
	outbox   *outbox.Outbox
	logs     *lockedWriter
}

// envConfig holds the options of the services and the server of an env.
type envConfig struct {
	accounts accounts.Options
	server   Options
	content  content.Options
	media    media.Options
	store    media.Store // default: a folder in the test's temporary directory
}

type envOption func(*envConfig)

func newEnv(t *testing.T, db *database.DB, opts ...envOption) *env {
	t.Helper()
	enf, err := policies.Default()
	if err != nil {
		t.Fatal(err)
	}
	return newEnvWith(t, db, enf, opts...)
}

func newEnvWith(t *testing.T, db *database.DB, authz models.Authorizer, opts ...envOption) *env {
	t.Helper()
	logs := &lockedWriter{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	feed := changes.New(db.Dialect, log)
	cfg := envConfig{
		accounts: accounts.Options{JWTSecret: testSecret, Changes: feed},
		server:   Options{MaxBody: 64 << 10, MaxUpload: 8 << 20},
		content:  content.Options{Dialect: db.Dialect, Changes: feed, Log: log},
	}
	for _, o := range opts {
		o(&cfg)
	}
	acc := accounts.New(db.DB, authz, cfg.accounts)
	sqlDB, err := db.DB.DB()
	if err != nil {
		t.Fatal(err)
	}
	cnt := content.New(db.DB, authz, cfg.content)
	if cfg.store == nil {
		cfg.store = storetest.Open(t, "folder")
	}
	cfg.media.MaxUpload, cfg.media.Changes, cfg.media.Gen, cfg.media.Log = cfg.server.MaxUpload, feed, feed.Gen, log
	if cfg.media.TempDir == "" {
		cfg.media.TempDir = t.TempDir()
	}
	med := media.New(db.DB, cfg.store, authz, cfg.media)
	ob, err := outbox.New(db, outbox.Config{Logger: log, PollInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// Tests' receivers listen on loopback.
	hooks := webhooks.New(ob, authz, webhooks.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}, webhooks.Config{})
	aud := audit.New(ob, authz, audit.Config{})
	dlv := delivery.New(db.DB, authz, delivery.Options{Dialect: db.Dialect})
	feed.OnChange(dlv.Changed)
	srv := New(cfg.server, Deps{Accounts: acc, Content: cnt, Delivery: dlv, Media: med, Webhooks: hooks, Audit: aud,
		Ping: sqlDB.PingContext, Log: log})
	return &env{t: t, db: db, accounts: acc, media: med, store: cfg.store, srv: srv, outbox: ob, logs: logs}
}

// startOutbox runs the env's event dispatch and deliveries (webhooks, the
// audit log, notifications) until the test ends. Without it events are
// recorded but nothing consumes them.
func (e *env) startOutbox() {
	e.t.Helper()
	if err := e.outbox.Start(context.Background()); err != nil {
		e.t.Fatal(err)
	}
	e.t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = e.outbox.Stop(ctx)
	})
}

// lockedWriter lets background work (index builds) log while a test reads.
type lockedWriter struct {
	mu sync.Mutex
	w  bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}

// response is a finished request.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r *response) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.Body, err)
	}
}

// errorCode returns the contract error code of the body, or "".
func (r *response) errorCode() string {
	var b struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &b)
	return b.Error.Code
}

// request describes one call; body is JSON-encoded unless it is a string.
type request struct {
	method, path string
	body         any
	token        string
	header       map[string]string
	remote       string
}

func (e *env) do(rq request) *response {
	e.t.Helper()
	var body io.Reader
	contentType := "application/json"
	switch b := rq.body.(type) {
	case nil:
	case upload:
		var data []byte
		data, contentType = b.encode(e.t)
		body = bytes.NewReader(data)
	case string:
		body = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		body = bytes.NewReader(buf)
	}
	req := httptest.NewRequest(rq.method, rq.path, body)
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if rq.token != "" {
		req.Header.Set("Authorization", "Bearer "+rq.token)
	}
	for k, v := range rq.header {
		req.Header.Set(k, v)
	}
	req.RemoteAddr = "192.0.2.10:40000"
	if rq.remote != "" {
		req.RemoteAddr = rq.remote
	}
	rec := httptest.NewRecorder()
	e.srv.ServeHTTP(rec, req)
	checkContract(e.t, req, rec.Result())
	return &response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}

// expect fails the test unless the response has the status (and, for errors, the code).
func expect(t *testing.T, r *response, status int, code string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
	if code != "" && r.errorCode() != code {
		t.Fatalf("error code %q, want %q; body %s", r.errorCode(), code, r.Body)
	}
}

const testPassword = "correct horse battery"

// account is a user created for a test, signed in.
type account struct {
	user    *models.User
	access  string
	refresh string
}

// newUser creates a user with the roles (through the system principal) and signs it in.
func (e *env) newUser(email string, roles ...string) *account {
	e.t.Helper()
	u, err := e.accounts.CreateUser(e.t.Context(), models.Principal{System: true},
		accounts.NewUser{Email: email, Password: testPassword, Roles: roles})
	if err != nil {
		e.t.Fatal(err)
	}
	return &account{user: u, access: "", refresh: ""}
}

// login signs email in and returns the pair.
func (e *env) login(email, password string) *account {
	e.t.Helper()
	r := e.do(request{method: "POST", path: "/api/auth/login", body: map[string]string{"email": email, "password": password}})
	expect(e.t, r, 200, "")
	var t accounts.Tokens
	r.json(e.t, &t)
	return &account{user: t.User, access: t.AccessToken, refresh: t.RefreshToken}
}

// signedIn creates a user with the roles and signs it in.
func (e *env) signedIn(email string, roles ...string) *account {
	e.t.Helper()
	e.newUser(email, roles...)
	return e.login(email, testPassword)
}

func parseCIDR(s string) (net.IP, *net.IPNet, error) { return net.ParseCIDR(s) }

// upload is a multipart/form-data body: a file part (when data is not nil)
// and form fields.
type upload struct {
	filename, contentType string // of the file part
	data                  []byte
	fields                map[string]string
}

func (u upload) encode(t *testing.T) ([]byte, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for k, v := range u.fields {
		w.WriteField(k, v)
	}
	if u.data != nil {
		h := textproto.MIMEHeader{}
		// Quoted as browsers and mime/multipart do: only \ and " escaped.
		quoted := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(u.filename)
		disposition := `form-data; name="file"; filename="` + quoted + `"`
		if strings.ContainsFunc(u.filename, unicode.IsControl) {
			// Control characters cannot travel in a header as they are:
			// RFC 5987 percent-encoding carries them.
			disposition = `form-data; name="file"; filename*=UTF-8''` + url.PathEscape(u.filename)
		}
		h.Set("Content-Disposition", disposition)
		ct := u.contentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		h.Set("Content-Type", ct)
		part, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		part.Write(u.data)
	}
	w.Close()
	return buf.Bytes(), w.FormDataContentType()
}
