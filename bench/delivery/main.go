// Command delivery load-tests the delivery API against a ceiling.
//
// For each database it builds a fresh CMS with N published posts, serves it
// on loopback exactly as `cms serve` does, and, in the same run, serves the
// very same response bytes from memory with a minimal net/http server (the
// ceiling: what this machine can do at all). Then it loads both with vegeta
// at full speed, one endpoint at a time, and prints each endpoint's
// throughput as a ratio of the ceiling's, with p50 and p99 latency.
//
//	go run ./delivery -posts 10000 -duration 5s
//	go run ./delivery -postgres 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/google/uuid"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/loamcms/cms/accounts"
	"github.com/loamcms/cms/content"
	"github.com/loamcms/cms/delivery"
	"github.com/loamcms/cms/internal/changes"
	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/models"
	"github.com/loamcms/cms/policies"
	"github.com/loamcms/cms/server"
)

func main() {
	posts := flag.Int("posts", 10000, "published posts to generate")
	duration := flag.Duration("duration", 5*time.Second, "load per endpoint and server")
	workers := flag.Uint64("workers", 32, "concurrent connections")
	pg := flag.String("postgres", os.Getenv("CMS_TEST_POSTGRES"), "PostgreSQL server URL; empty: SQLite only")
	flag.Parse()

	dbs := []string{"sqlite"}
	if *pg != "" {
		dbs = append(dbs, "postgres")
	}
	fmt.Printf("delivery API vs an in-memory ceiling: %d posts, %v per run, %d connections, GOMAXPROCS=%d\n\n",
		*posts, *duration, *workers, runtime.GOMAXPROCS(0))
	fmt.Printf("%-9s %-22s %10s %10s %7s %9s %9s %9s %9s\n", "database", "endpoint", "cms rps", "ceil rps", "ratio", "cms p50", "cms p99", "ceil p50", "ceil p99")
	for _, dialect := range dbs {
		run(dialect, *pg, *posts, *duration, *workers)
	}
}

func run(dialect, pgServer string, posts int, duration time.Duration, workers uint64) {
	db, cleanup := openFresh(dialect, pgServer)
	defer cleanup()
	token, slugs, categories := generate(db, posts)

	cms, stopCMS := serveCMS(db, false)
	defer stopCMS()
	// The same CMS with every answer computed afresh: a change counter that
	// moves on every read makes each cached answer stale at once.
	cold, stopCold := serveCMS(db, true)
	defer stopCold()

	endpoints := []struct {
		name  string
		paths []string
	}{
		{"by-slug", pick(slugs, 1000, func(s string) string { return "/api/content/post/" + s })},
		{"list-20", pick(categories, len(categories), func(c string) string {
			return "/api/content/post?" + url.Values{"filter[category]": {c}, "sort": {"-published_at"}, "limit": {"20"}}.Encode()
		})},
	}
	for _, ep := range endpoints {
		// Record the real answers, then serve exactly those bytes as the ceiling.
		answers := map[string][]byte{}
		for _, p := range ep.paths {
			answers[p] = get(cms+p, token)
		}
		ceiling, stopCeiling := serveCeiling(answers)
		m := attack(ceiling, ep.paths, token, duration, workers)
		for _, variant := range []struct{ name, base string }{{"", cms}, {" (no cache)", cold}} {
			c := attack(variant.base, ep.paths, token, duration, workers)
			fmt.Printf("%-9s %-22s %10.0f %10.0f %7.2f %9s %9s %9s %9s\n", dialect, ep.name+variant.name, c.Throughput, m.Throughput,
				c.Throughput/m.Throughput, ms(c.Latencies.P50), ms(c.Latencies.P99), ms(m.Latencies.P50), ms(m.Latencies.P99))
			if c.Success < 1 || m.Success < 1 {
				log.Fatalf("%s %s: success ratio cms %.3f ceiling %.3f (%v)", dialect, ep.name, c.Success, m.Success, c.Errors)
			}
		}
		stopCeiling()
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

// pick makes up to n request paths from values, spread evenly.
func pick(values []string, n int, path func(string) string) []string {
	var out []string
	step := max(1, len(values)/n)
	for i := 0; i < len(values) && len(out) < n; i += step {
		out = append(out, path(values[i]))
	}
	return out
}

// attack loads base with the paths in turn, as fast as workers connections allow.
func attack(base string, paths []string, token string, duration time.Duration, workers uint64) vegeta.Metrics {
	targets := make([]vegeta.Target, len(paths))
	for i, p := range paths {
		targets[i] = vegeta.Target{Method: "GET", URL: base + p, Header: http.Header{"Authorization": {"Bearer " + token}}}
	}
	attacker := vegeta.NewAttacker(vegeta.Workers(workers), vegeta.MaxWorkers(workers), vegeta.KeepAlive(true),
		vegeta.Connections(int(workers)), vegeta.MaxBody(0))
	var m vegeta.Metrics
	for res := range attacker.Attack(vegeta.NewStaticTargeter(targets...), vegeta.Rate{Freq: 0}, duration, "load") {
		m.Add(res)
	}
	m.Close()
	return m
}

func get(u, token string) []byte {
	req, _ := http.NewRequest("GET", u, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		log.Fatalf("GET %s: %d %s", u, res.StatusCode, b)
	}
	return b
}

// serveCeiling answers each recorded path with its bytes and nothing else.
func serveCeiling(answers map[string][]byte) (string, func()) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := answers[r.URL.RequestURI()]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	return listen(h)
}

// serveCMS serves the CMS on db as `cms serve` wires it; uncached, it
// computes every answer afresh.
func serveCMS(db *database.DB, uncached bool) (string, func()) {
	enf, err := policies.Default()
	if err != nil {
		log.Fatal(err)
	}
	sqlDB, _ := db.DB.DB()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	feed := changes.New(db.Dialect, quiet)
	acc := accounts.New(db.DB, enf, accounts.Options{JWTSecret: []byte(rand.Text() + rand.Text()), Changes: feed})
	cnt := content.New(db.DB, enf, content.Options{Dialect: db.Dialect, Changes: feed})
	cacheBytes := 0 // the default
	if uncached {
		cacheBytes = 1 // no answer fits
	}
	dlv := delivery.New(db.DB, enf, delivery.Options{Dialect: db.Dialect, CacheBytes: cacheBytes, Log: quiet})
	feed.OnChange(dlv.Changed)
	srv := server.New(server.Options{MaxBody: 2 << 20}, server.Deps{Accounts: acc, Content: cnt, Delivery: dlv, Ping: sqlDB.PingContext, Log: quiet})
	return listen(srv)
}

func listen(h http.Handler) (string, func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	s := &http.Server{Handler: h}
	go s.Serve(ln)
	return "http://" + ln.Addr().String(), func() { s.Shutdown(context.Background()) }
}

// openFresh makes an empty migrated database.
func openFresh(dialect, pgServer string) (*database.DB, func()) {
	if dialect == "sqlite" {
		dir, err := os.MkdirTemp("", "cms-bench-")
		if err != nil {
			log.Fatal(err)
		}
		db := mustOpen("sqlite://" + filepath.Join(dir, "cms.db"))
		return db, func() { db.Close(); os.RemoveAll(dir) }
	}
	admin := mustOpen(pgServer)
	name := "cms_bench_" + strings.ToLower(rand.Text()[:10])
	if err := admin.Exec("CREATE DATABASE " + name).Error; err != nil {
		log.Fatal(err)
	}
	u, _ := url.Parse(pgServer)
	u.Path = "/" + name
	db := mustOpen(u.String())
	return db, func() {
		db.Close()
		admin.Exec("DROP DATABASE " + name + " WITH (FORCE)")
		admin.Close()
	}
}

func mustOpen(u string) *database.DB {
	db, err := database.Open(u)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := db.Migrate(context.Background()); err != nil {
		log.Fatal(err)
	}
	return db
}

// generate writes n published posts in 20 categories straight into the
// tables (the workflow would take minutes for 10k), plus a delivery token.
// It returns the token, the posts' slugs and the categories' ids.
func generate(db *database.DB, n int) (string, []string, []string) {
	start := time.Now()
	now := time.Now().UTC().Truncate(time.Microsecond)
	author := models.User{ID: id(), Email: "bench@example.com", Name: "Bench", PasswordHash: "x", Roles: models.Roles{"editor"},
		PasswordChangedAt: now, CreatedAt: now, UpdatedAt: now}
	must(db.Create(&author).Error)
	var categories []string
	var entries []models.Entry
	var snaps []models.PublishedEntry
	add := func(typ, slug string, data models.Data, at time.Time) string {
		e := models.Entry{ID: id(), Type: typ, Slug: slug, Locale: "en", Status: models.StatusPublished, Version: 4, Revision: 1,
			Data: data, AuthorID: author.ID, RevisionAuthorID: author.ID, PublishedRevision: ptr(1), PublishedAt: &at, CreatedAt: at, UpdatedAt: at}
		entries = append(entries, e)
		attrs := models.Data{}
		for k, v := range data {
			if k != "body" {
				attrs[k] = v
			}
		}
		snaps = append(snaps, models.PublishedEntry{EntryID: e.ID, Type: typ, Slug: slug, Locale: "en", Revision: 1, Data: data, Attrs: attrs,
			SearchText: strings.ToLower(fmt.Sprint(data["title"], " ", data["summary"])), PublishedAt: at, UpdatedAt: at})
		return e.ID
	}
	for i := range 20 {
		categories = append(categories, add("category", fmt.Sprintf("category-%d", i), models.Data{"name": fmt.Sprintf("Category %d", i)}, now))
	}
	var slugs []string
	for i := range n {
		slug := fmt.Sprintf("post-number-%d", i)
		at := now.Add(-time.Duration(n-i) * time.Minute)
		add("post", slug, models.Data{
			"title":    fmt.Sprintf("Post number %d", i),
			"summary":  "A generated post for the delivery benchmark, long enough to look like a real summary of an article.",
			"body":     "<p>" + strings.Repeat("Generated body text for the benchmark. ", 40) + "</p>",
			"category": categories[i%len(categories)],
		}, at)
		slugs = append(slugs, slug)
	}
	must(db.CreateInBatches(entries, 500).Error)
	must(db.CreateInBatches(snaps, 500).Error)
	enf, _ := policies.Default()
	acc := accounts.New(db.DB, enf, accounts.Options{JWTSecret: []byte("unused-unused-unused-unused-unused")})
	tok, err := acc.CreateToken(context.Background(), models.Principal{System: true}, accounts.NewToken{Name: "bench", Scope: models.ScopeDelivery})
	must(err)
	must(content.New(db.DB, enf, content.Options{Dialect: db.Dialect}).EnsureIndexes(context.Background()))
	must(db.Exec("ANALYZE").Error)
	sort.Strings(categories)
	fmt.Fprintf(os.Stderr, "%s: generated %d posts in %v\n", db.Dialect, n, time.Since(start).Round(time.Millisecond))
	return tok.Token, slugs, categories
}

func id() string { return uuid.Must(uuid.NewV7()).String() }

func ptr[T any](v T) *T { return &v }

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
