// Command scale measures the CMS at a million published posts.
//
// It makes a fresh database, migrates and sets it up as `cms serve` would,
// publishes N posts in 20 categories through content.(*Service).BulkPublish
// (the publishing path's own rows, written in batches), then starts the real
// `cms serve` binary on it and measures, with closed-loop clients: start-up
// time, delivery reads by slug and lists that the answer cache cannot
// serve, deep pages by offset and by cursor, the admin entry list and
// search, delivery search and the admin's /api/search, a list of 20 in a
// fallback locale (fr-CA → fr → en; -translate gives 10 % of the posts a
// fr translation through the workflow) against the same list in en, and
// the server's memory after the load.
//
//	go run ./scale -posts 100000                                  # SQLite
//	go run ./scale -posts 1000000 -postgres 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
//	go run ./scale -db 'postgres://…/cms_scale_abc'               # measure a database kept with -keep
package main

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/loamcms/cms/accounts"
	"github.com/loamcms/cms/content"
	"github.com/loamcms/cms/internal/changes"
	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/outbox"
	"github.com/loamcms/cms/models"
	"github.com/loamcms/cms/policies"
)

const (
	adminEmail    = "scale-admin@example.com"
	adminPassword = "scale-bench-password-not-secret"
	categories    = 20
	pageSize      = 20
	deepPage      = 5000
	// step is the time between two posts' publication: a million posts span
	// about ten years up to now.
	step = 5 * time.Minute
)

var (
	conns    = flag.Int("conns", 8, "keep-alive connections of the load generator (closed loop)")
	requests = flag.Int("requests", 2000, "requests per figure and run")
	maxTime  = flag.Duration("max", 20*time.Second, "stop a figure's run after this long (a slow figure then has fewer requests)")
	runs     = flag.Int("runs", 3, "runs of every figure; the table shows the median of the runs' p50 and p99")
	only     = flag.String("only", "", "measure only the figures whose names start with one of these comma-separated prefixes")
	serveEnv = flag.String("serve-env", "", "comma-separated KEY=VALUE added to serve's environment only, e.g. GOMEMLIMIT=80MiB")
)

func main() {
	posts := flag.Int("posts", 100000, "published posts to generate")
	pgServer := flag.String("postgres", "", "PostgreSQL server URL: the bench makes a new database on it (dropped at the end unless -keep); empty: SQLite in a temporary directory")
	reuse := flag.String("db", "", "measure this database, made by an earlier run with -keep, instead of generating one")
	keep := flag.Bool("keep", false, "keep the database (and the temporary directory with the binary and the server's logs)")
	repo := flag.String("repo", "..", "the CMS repository (built with go build)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the generation (this process: drafts and BulkPublish) to this file")
	profile := flag.String("profile", "", "after the runs, load the figure whose name starts with this for 10 s more while taking a CPU profile of serve into -profile-out")
	profileOut := flag.String("profile-out", "serve.pprof", "where -profile writes")
	translate := flag.Float64("translate", 0.1, "share of the posts that also get a published fr translation through the workflow (CreateEntry with translation_of, Submit, Approve, Publish), for the locale fallback figures")
	flag.Parse()

	tmp, err := os.MkdirTemp("", "cms-bench-scale-")
	check(err)
	tmpDir, keepTmp = tmp, *keep
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		fatalf("interrupted")
	}()
	defer cleanup()

	// Build the binary first: a compile error should not cost a generation.
	bin := filepath.Join(tmp, "cms")
	t0 := time.Now()
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = *repo
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fatalf("go build in %s: %v", *repo, err)
	}
	fmt.Fprintf(os.Stderr, "built cms in %v\n", time.Since(t0).Round(time.Millisecond))

	dbURL, dataDir := *reuse, filepath.Join(tmp, "data")
	var ds *dataset
	if dbURL == "" {
		dbURL, dataDir = fresh(*pgServer, tmp)
		ds = generate(dbURL, *posts, *translate, *cpuprofile)
	} else {
		if p, ok := strings.CutPrefix(dbURL, "sqlite://"); ok {
			dataDir = filepath.Dir(p)
		}
		ds = reopen(dbURL)
	}
	dialect := "sqlite"
	if strings.HasPrefix(dbURL, "postgres") {
		dialect = "postgres"
	}

	fmt.Printf("\nscale: %d published posts in %d categories on %s, a real `cms serve` on loopback; %s, GOMAXPROCS=%d (NumCPU %d)\n",
		len(ds.slugs), len(ds.categories), dialect, runtime.Version(), runtime.GOMAXPROCS(0), runtime.NumCPU())
	fmt.Printf("load: %d keep-alive connections, closed loop, %d requests per figure and run (at most %v), %d runs; p50/p99 are the medians of the runs'\n\n",
		*conns, *requests, *maxTime, *runs)

	// A first start does what a first start does (any index still missing,
	// the batches' outbox events dispatched); the measured restarts follow.
	srv := startServe(bin, dbURL, dataDir, "serve-0")
	srv.waitJobs()
	srv.stop()
	var readies []time.Duration
	for i := 1; i <= 3; i++ {
		srv = startServe(bin, dbURL, dataDir, fmt.Sprintf("serve-%d", i))
		readies = append(readies, srv.ready)
		if i < 3 {
			srv.stop()
		}
	}
	fmt.Printf("serve ready (exec → first 200 from /readyz): %s\n", joinDurations(readies))

	idle := srv.memory()
	fmt.Printf("serve at idle after its start: VmRSS %s, VmHWM %s\n", mib(idle.rss), mib(idle.hwm))
	fmt.Printf("load average before the figures: %s\n", loadavg())
	b := &bench{srv: srv, ds: ds}
	b.admin = login(srv)
	b.setLocales()
	b.figures()
	if *only != "" {
		for _, f := range b.figs {
			if !slices.ContainsFunc(strings.Split(*only, ","), func(p string) bool { return strings.HasPrefix(f.name, p) }) {
				f.skip = "not measured (-only)"
			}
		}
	}
	if *serveEnv != "" {
		fmt.Printf("serve's environment also has %s\n", *serveEnv)
	}
	for run := 1; run <= *runs; run++ {
		b.admin = login(srv)
		for _, f := range b.figs {
			if f.skip != "" || (f.walk && b.cursor == "") {
				continue
			}
			r := b.measure(f)
			f.results = append(f.results, r)
			r.print(run, f.name)
		}
		if run == 1 {
			b.walk()
		}
	}
	mem := srv.memory()
	fmt.Printf("load average after the figures: %s\n", loadavg())
	srv.memoryDetail()
	b.table(readies, mem)

	if *profile != "" {
		for _, f := range b.figs {
			if strings.HasPrefix(f.name, *profile) && f.skip == "" {
				b.admin = login(srv)
				b.profile(f, *profileOut)
				break
			}
		}
	}
	srv.stop()
	if ds.drop != nil && !*keep {
		ds.drop()
	} else if *keep {
		fmt.Fprintf(os.Stderr, "kept the database: go run ./scale -db '%s'\n", dbURL)
	}
}

// --- the database and the posts ---

type dataset struct {
	slugs      []string
	categories []string
	oldest     time.Time // the first post's published_at
	token      string    // a delivery API token
	translated int       // posts with a published fr translation
	drop       func()    // drops a PostgreSQL database made here
}

var dropDB func()

// fresh makes an empty database: a file in tmp, or a new database on the
// PostgreSQL server. It returns its URL and serve's data dir.
func fresh(pgServer, tmp string) (string, string) {
	dataDir := filepath.Join(tmp, "data")
	if pgServer == "" {
		return "sqlite://" + filepath.Join(dataDir, "cms.db"), dataDir
	}
	admin, err := database.Open(pgServer)
	check(err)
	name := "cms_scale_" + strings.ToLower(rand.Text()[:10])
	check(admin.Exec("CREATE DATABASE " + name).Error)
	u, err := url.Parse(pgServer)
	check(err)
	u.Path = "/" + name
	dropDB = func() {
		if err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)").Error; err != nil {
			fmt.Fprintf(os.Stderr, "drop database %s: %v\n", name, err)
		}
		admin.Close()
	}
	return u.String(), dataDir
}

// services opens the database as serve does: migrations (the CMS's and
// River's), the services on one change feed, the filter indexes.
func services(dbURL string, now func() time.Time) (*database.DB, *accounts.Service, *content.Service) {
	ctx := context.Background()
	db, err := database.Open(dbURL)
	check(err)
	_, err = db.Migrate(ctx)
	check(err)
	check(outbox.Migrate(ctx, db))
	enf, err := policies.Default()
	check(err)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	feed := changes.New(db.Dialect, quiet)
	acc := accounts.New(db.DB, enf, accounts.Options{JWTSecret: []byte(rand.Text() + rand.Text()), Changes: feed})
	// A one-person site's settings: the admin approves their own drafts.
	cnt := content.New(db.DB, enf, content.Options{Dialect: db.Dialect, SelfApproval: true, Changes: feed, Now: now, Log: quiet})
	check(cnt.EnsureIndexes(ctx))
	return db, acc, cnt
}

// generate publishes n posts (and their 20 categories) through BulkPublish,
// printing the rate as it goes.
func generate(dbURL string, n int, share float64, cpuprofile string) *dataset {
	ctx := context.Background()
	// Posts are published step apart, the last one now; BulkPublish takes
	// one time per draft.
	oldest := time.Now().UTC().Add(-time.Duration(n+categories) * step).Truncate(time.Second)
	var tick atomic.Int64
	var fixed atomic.Pointer[time.Time] // the translations' time, while they are written
	clock := func() time.Time {
		if t := fixed.Load(); t != nil {
			return *t
		}
		return oldest.Add(time.Duration(tick.Add(1)-1) * step)
	}
	db, acc, cnt := services(dbURL, clock)
	defer db.Close()
	_, err := acc.BootstrapAdmin(ctx, adminEmail, adminPassword)
	check(err)
	admin := adminPrincipal(db)
	tok, err := acc.CreateToken(ctx, admin, accounts.NewToken{Name: "scale bench", Scope: models.ScopeDelivery})
	check(err)

	if cpuprofile != "" {
		f, err := os.Create(cpuprofile)
		check(err)
		check(pprof.StartCPUProfile(f))
		defer func() { pprof.StopCPUProfile(); f.Close() }()
	}
	g := newWriter(1)
	var catDrafts []models.Data
	for i := range categories {
		catDrafts = append(catDrafts, models.Data{"name": g.categoryName(i), "description": g.sentence(10, 20)})
	}
	cats, err := cnt.BulkPublish(ctx, admin, "category", catDrafts)
	check(err)
	ds := &dataset{token: tok.Token, oldest: oldest.Add(categories * step), drop: dropDB}
	for _, c := range cats {
		ds.categories = append(ds.categories, c.ID)
	}

	// Drafts are written by another goroutine while the last chunk is stored.
	const chunk = 10 * content.BulkBatch
	chunks := make(chan []models.Data, 1)
	go func() {
		w := newWriter(2)
		for done := 0; done < n; done += chunk {
			drafts := make([]models.Data, min(chunk, n-done))
			for i := range drafts {
				drafts[i] = w.post(ds.categories)
			}
			chunks <- drafts
		}
		close(chunks)
	}()
	fmt.Fprintf(os.Stderr, "generating %d posts through BulkPublish (batches of %d, %d rows a post: entry, revision, 4 history events, snapshot)\n",
		n, content.BulkBatch, rowsPerPost)
	// The drafts and the batches' rows are short-lived garbage: collect it
	// less often (this process only; serve runs with its defaults).
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	// On PostgreSQL two callers keep both cores busy: one validates and
	// sanitises its batch while the server stores the other's. SQLite has
	// one writer at a time, and a batch holds the write lock from its first
	// read, so a second caller would only wait.
	callers := 1
	if db.Dialect == "postgres" {
		callers = 2
	}
	var (
		lock        sync.Mutex
		bodyBytes   int64
		start, last = time.Now(), time.Now()
		lastN       int
		wg          sync.WaitGroup
	)
	for range callers {
		wg.Go(func() {
			for drafts := range chunks {
				var size int64
				for _, d := range drafts {
					size += int64(len(d["body"].(string)))
				}
				out, err := cnt.BulkPublish(ctx, admin, "post", drafts)
				check(err)
				lock.Lock()
				bodyBytes += size
				for _, e := range out {
					ds.slugs = append(ds.slugs, e.Slug)
				}
				if since := time.Since(last); since > 10*time.Second || len(ds.slugs) == n {
					k := len(ds.slugs) - lastN
					fmt.Fprintf(os.Stderr, "  %8d posts  %6.0f posts/s  %7.0f rows/s  (overall %.0f posts/s, %v)\n", len(ds.slugs),
						float64(k)/since.Seconds(), float64(k*rowsPerPost)/since.Seconds(),
						float64(len(ds.slugs))/time.Since(start).Seconds(), time.Since(start).Round(time.Second))
					last, lastN = time.Now(), len(ds.slugs)
				}
				lock.Unlock()
			}
		})
	}
	wg.Wait()
	took := time.Since(start)
	fmt.Printf("generated %d posts in %v: %.0f posts/s, %.0f rows/s (bodies %d bytes on average)\n", n, took.Round(time.Second),
		float64(n)/took.Seconds(), float64(n*rowsPerPost)/took.Seconds(), bodyBytes/int64(max(n, 1)))
	if db.Dialect == "postgres" {
		// What autovacuum does after a bulk load, at once: statistics, and
		// the visibility map that index-only scans read.
		t := time.Now()
		check(db.Exec("VACUUM ANALYZE").Error)
		fmt.Printf("VACUUM ANALYZE in %v\n", time.Since(t).Round(time.Second))
	}
	if share > 0 {
		translations(db, cnt, admin, share, &fixed)
		ds.translated = countTranslated(db)
	}
	printSizes(db)
	return ds
}

// benchLocales are the locales of issue 11's fallback figure: fr-CA → fr → en.
var benchLocales = content.LocaleSettings{Default: "en", Locales: []content.Locale{{Code: "en"}, {Code: "fr", Fallback: "en"}, {Code: "fr-CA", Fallback: "fr"}}}

// translations configures benchLocales and gives every 1/share-th post (in
// the order of publication) a fr translation, through the workflow as an
// editor would: CreateEntry with translation_of, then Submit, Approve and
// Publish, published a minute after its English post (the clock is fixed
// there meanwhile), so a list of 20 in fr-CA mixes fr items among the en
// ones that fall back. No translation is in fr-CA.
func translations(db *database.DB, cnt *content.Service, admin models.Principal, share float64, fixed *atomic.Pointer[time.Time]) {
	ctx := context.Background()
	_, err := cnt.SetLocales(ctx, admin, benchLocales)
	check(err)
	type post struct {
		EntryID, Slug string
		PublishedAt   time.Time
		Data          string
	}
	var all []post
	check(db.Raw("SELECT entry_id, slug, published_at FROM published_entries WHERE type = 'post' AND locale = 'en' ORDER BY published_at").Scan(&all).Error)
	every := max(1, int(1/share+0.5))
	var picked []post
	for i := 0; i < len(all); i += every {
		picked = append(picked, all[i])
	}
	var catIDs []string
	check(db.Raw("SELECT entry_id FROM published_entries WHERE type = 'category' ORDER BY entry_id").Scan(&catIDs).Error)
	fmt.Fprintf(os.Stderr, "translating %d posts into fr through the workflow (create, submit, approve, publish)\n", len(picked))
	defer fixed.Store(nil)
	w := newWriter(4)
	start, last := time.Now(), time.Now()
	for i, p := range picked {
		at := p.PublishedAt.Add(time.Minute)
		fixed.Store(&at)
		d := w.post(catIDs)
		d["title"] = "En français : " + d["title"].(string)
		e, err := cnt.CreateEntry(ctx, admin, content.NewEntry{Type: "post", Locale: "fr", Slug: p.Slug, TranslationOf: p.EntryID, Data: d})
		check(err)
		for _, step := range []func() error{
			func() error { _, err := cnt.Submit(ctx, admin, e.ID); return err },
			func() error { _, err := cnt.Approve(ctx, admin, e.ID, ""); return err },
			func() error { _, err := cnt.Publish(ctx, admin, e.ID, nil); return err },
		} {
			check(step())
		}
		if time.Since(last) > 10*time.Second || i == len(picked)-1 {
			fmt.Fprintf(os.Stderr, "  %8d translations  (overall %.0f/s, %v)\n", i+1, float64(i+1)/time.Since(start).Seconds(), time.Since(start).Round(time.Second))
			last = time.Now()
		}
	}
	fmt.Printf("translated %d posts into fr in %v (%.0f/s)\n", len(picked), time.Since(start).Round(time.Second), float64(len(picked))/time.Since(start).Seconds())
}

func countTranslated(db *database.DB) int {
	var n int
	check(db.Raw("SELECT count(*) FROM published_entries WHERE type = 'post' AND locale = 'fr'").Scan(&n).Error)
	return n
}

const rowsPerPost = 7

// reopen reads the dataset of a database made earlier.
func reopen(dbURL string) *dataset {
	db, acc, _ := services(dbURL, nil)
	defer db.Close()
	ds := &dataset{}
	check(db.Raw("SELECT slug FROM published_entries WHERE type = 'post' AND locale = 'en' ORDER BY published_at").Scan(&ds.slugs).Error)
	check(db.Raw("SELECT entry_id FROM published_entries WHERE type = 'category' ORDER BY entry_id").Scan(&ds.categories).Error)
	var oldest time.Time
	// Not MIN(): SQLite's driver makes a time of a column's declared type only.
	check(db.Raw("SELECT published_at FROM published_entries WHERE type = 'post' ORDER BY published_at LIMIT 1").Row().Scan(&oldest))
	ds.oldest = oldest
	ds.translated = countTranslated(db)
	tok, err := acc.CreateToken(context.Background(), adminPrincipal(db), accounts.NewToken{Name: "scale bench", Scope: models.ScopeDelivery})
	check(err)
	ds.token = tok.Token
	if len(ds.slugs) == 0 || len(ds.categories) == 0 {
		fatalf("%s has no published posts or categories", database.Redact(dbURL))
	}
	printSizes(db)
	return ds
}

func adminPrincipal(db *database.DB) models.Principal {
	var u models.User
	check(db.Where("email = ?", adminEmail).Take(&u).Error)
	return models.Principal{UserID: u.ID, Name: u.Name, Roles: u.Roles}
}

func printSizes(db *database.DB) {
	if db.Dialect == "postgres" {
		var total string
		check(db.Raw("SELECT pg_size_pretty(pg_database_size(current_database()))").Scan(&total).Error)
		type size struct{ Name, Size string }
		var sizes []size
		check(db.Raw(`SELECT relname AS name, pg_size_pretty(pg_total_relation_size(oid)) AS size FROM pg_class
			WHERE relname IN ('entries', 'revisions', 'events', 'published_entries') ORDER BY relname`).Scan(&sizes).Error)
		var parts []string
		for _, s := range sizes {
			parts = append(parts, s.Name+" "+s.Size)
		}
		fmt.Printf("database %s (%s, with indexes)\n", total, strings.Join(parts, ", "))
		return
	}
	var pages, pageSize int64
	check(db.Raw("PRAGMA page_count").Scan(&pages).Error)
	check(db.Raw("PRAGMA page_size").Scan(&pageSize).Error)
	fmt.Printf("database file %.0f MiB\n", float64(pages*pageSize)/(1<<20))
}

// --- the serve process ---

type server struct {
	name, base, metrics, debug, log string
	cmd                             *exec.Cmd
	done                            chan struct{}
	err                             error
	ready                           time.Duration
}

var (
	mu      sync.Mutex
	servers []*server
	tmpDir  string
	keepTmp bool
	cleaned bool
)

func startServe(bin, dbURL, dataDir, name string) *server {
	addr, metrics, debug := freeAddr(), freeAddr(), freeAddr()
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CMS_") {
			env = append(env, kv)
		}
	}
	env = append(env, "CMS_ADDR="+addr, "CMS_DATABASE_URL="+dbURL, "CMS_DATA_DIR="+dataDir, "CMS_PUBLIC_URL=http://"+addr,
		"CMS_ADMIN_EMAIL="+adminEmail, "CMS_ADMIN_PASSWORD="+adminPassword, "CMS_METRICS_ADDR="+metrics, "CMS_DEBUG_ADDR="+debug)
	if *serveEnv != "" {
		env = append(env, strings.Split(*serveEnv, ",")...)
	}
	logFile, err := os.Create(filepath.Join(tmpDir, name+".log"))
	check(err)
	cmd := exec.Command(bin, "serve")
	cmd.Env, cmd.Stdout, cmd.Stderr = env, logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} // dies with us
	s := &server{name: name, base: "http://" + addr, metrics: "http://" + metrics, debug: "http://" + debug, log: logFile.Name(),
		cmd: cmd, done: make(chan struct{})}
	poll := &http.Client{Timeout: time.Second}
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		fatalf("start %s: %v", name, err)
	}
	mu.Lock()
	servers = append(servers, s)
	mu.Unlock()
	go func() {
		s.err = cmd.Wait()
		logFile.Close()
		close(s.done)
	}()
	for {
		res, err := poll.Get(s.base + "/readyz")
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == 200 {
				s.ready = time.Since(t0)
				return s
			}
		}
		select {
		case <-s.done:
			s.fatalf("%s exited before it was ready: %v", name, s.err)
		case <-time.After(time.Millisecond):
		}
		if time.Since(t0) > 5*time.Minute {
			s.fatalf("%s not ready within 5 minutes (last: %v)", name, err)
		}
	}
}

// waitJobs waits until the outbox has no jobs left (the batches' events,
// and the translations' workflow events: some 40,000 for 10,000).
func (s *server) waitJobs() {
	deadline := time.Now().Add(15 * time.Minute)
	for time.Now().Before(deadline) {
		res, err := http.Get(s.metrics + "/metrics")
		if err == nil {
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			for line := range strings.Lines(string(b)) {
				if v, ok := strings.CutPrefix(line, "cms_jobs_pending "); ok && strings.TrimSpace(v) == "0" {
					return
				}
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	s.fatalf("the outbox still has jobs after 15 minutes")
}

// stop ends the server gracefully (SIGTERM), killing it after 30 s.
func (s *server) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

func (s *server) fatalf(format string, args ...any) {
	b, _ := os.ReadFile(s.log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	fmt.Fprintf(os.Stderr, "--- last lines of %s (%s) ---\n%s\n---\n", s.name, s.log, strings.Join(lines, "\n"))
	fatalf(format, args...)
}

type mem struct{ hwm, rss int64 } // bytes

func (s *server) memory() mem {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		s.fatalf("reading the server's status: %v", err)
	}
	var m mem
	for line := range strings.Lines(string(b)) {
		k, v, _ := strings.Cut(line, ":")
		if f := strings.Fields(v); len(f) > 0 {
			n, _ := strconv.ParseInt(f[0], 10, 64)
			switch k {
			case "VmHWM":
				m.hwm = n << 10
			case "VmRSS":
				m.rss = n << 10
			}
		}
	}
	return m
}

// memoryDetail prints what the Go runtime and the connection pool say of
// the server's memory, and keeps a heap profile beside the logs.
func (s *server) memoryDetail() {
	res, err := http.Get(s.metrics + "/metrics")
	if err != nil {
		s.fatalf("metrics: %v", err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var parts []string
	for line := range strings.Lines(string(b)) {
		for _, name := range []string{"go_memstats_heap_inuse_bytes", "go_memstats_sys_bytes", "go_sql_open_connections"} {
			if v, ok := strings.CutPrefix(line, name); ok {
				f := strings.Fields(v)
				n, _ := strconv.ParseFloat(f[len(f)-1], 64)
				if strings.HasSuffix(name, "bytes") {
					parts = append(parts, fmt.Sprintf("%s %s", strings.TrimPrefix(name, "go_memstats_"), mib(int64(n))))
				} else {
					parts = append(parts, fmt.Sprintf("open connections %.0f", n))
				}
			}
		}
	}
	heap := filepath.Join(tmpDir, s.name+".heap")
	if res, err := http.Get(s.debug + "/debug/pprof/heap"); err == nil {
		if f, err := os.Create(heap); err == nil {
			io.Copy(f, res.Body)
			f.Close()
		}
		res.Body.Close()
	}
	fmt.Printf("serve after the load: %s (heap profile: %s)\n", strings.Join(parts, ", "), heap)
}

func cleanup() {
	mu.Lock()
	defer mu.Unlock()
	if cleaned {
		return
	}
	cleaned = true
	for _, s := range servers {
		select {
		case <-s.done:
		default:
			s.cmd.Process.Kill()
			<-s.done
		}
	}
	if tmpDir != "" {
		if keepTmp {
			fmt.Fprintf(os.Stderr, "kept %s\n", tmpDir)
		} else {
			os.RemoveAll(tmpDir)
		}
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "scale bench: "+format+"\n", args...)
	cleanup()
	if dropDB != nil && !keepTmp {
		dropDB()
	}
	os.Exit(1)
}

func check(err error) {
	if err != nil {
		fatalf("%v", err)
	}
}

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer ln.Close()
	return ln.Addr().String()
}

func login(s *server) string {
	b, _ := json.Marshal(map[string]string{"email": adminEmail, "password": adminPassword})
	res, err := http.Post(s.base+"/api/auth/login", "application/json", bytes.NewReader(b))
	check(err)
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if res.StatusCode != 200 || json.Unmarshal(body, &out) != nil || out.AccessToken == "" {
		s.fatalf("login: %d %s", res.StatusCode, body)
	}
	return out.AccessToken
}

// --- the figures ---

type figure struct {
	name, target string
	admin        bool                        // with the admin's JWT, else the delivery token
	path         func(r *mrand.Rand) string  // the next request
	check        func(body []byte) error     // of every answer
	met          func(p50, p99 float64) bool // in ms; nil: no target of its own
	pair         *figure                     // a page-5,000 row compares with its page-1 row
	pairMax      float64                     // with pair: met when p99 (pairP50: p50) is at most this many times pair's; 0: 1.5
	pairP50      bool
	skip         string   // why the row has no figure
	walk         bool     // needs the cursor that walking meta.next finds
	results      []result // one per run
}

type result struct {
	n, failed int // answers, and how many of them were not 200
	p50, p99  time.Duration
	rps       float64
	firstErr  string
}

func (r result) print(run int, name string) {
	fail := ""
	if r.failed > 0 {
		fail = fmt.Sprintf("  %d failed, e.g. %s", r.failed, r.firstErr)
	}
	fmt.Fprintf(os.Stderr, "run %d  %-34s n=%-5d p50 %-9s p99 %-9s %7.1f req/s%s\n", run, name, r.n, msf(r.p50), msf(r.p99), r.rps, fail)
}

type bench struct {
	srv   *server
	ds    *dataset
	admin string
	figs  []*figure
	next  atomic.Int64 // the slugs' permutation, walked once over all runs
	perm  []int
	// The cursor of page deepPage, found by walking meta.next.
	cursor   string
	walkTook time.Duration
}

// allFields are every key of a post's item, for fields=.
var allFields = []string{"id", "type", "slug", "locale", "published_at", "updated_at", "title", "summary", "body", "category", "hero"}

// shuffledFields names every key of an item in a random order: the answer
// and its SQL are those without fields=, but the answer cache keys it
// apart (11! orders), so each request is computed afresh. (A filter that
// every post passes would do that too, but a second bound on published_at
// changes the plan: SQLite then scans from that bound, not the cursor.)
func shuffledFields(r *mrand.Rand) string {
	f := slices.Clone(allFields)
	r.Shuffle(len(f), func(i, j int) { f[i], f[j] = f[j], f[i] })
	return strings.Join(f, ",")
}

func (b *bench) figures() {
	b.perm = mrand.New(mrand.NewPCG(3, 3)).Perm(len(b.ds.slugs))
	span := time.Since(b.ds.oldest)
	items := func(want int) func([]byte) error {
		return func(body []byte) error {
			var out struct {
				Data []json.RawMessage `json:"data"`
			}
			if err := json.Unmarshal(body, &out); err != nil {
				return err
			}
			if want >= 0 && len(out.Data) != want {
				return fmt.Errorf("%d items, want %d", len(out.Data), want)
			}
			return nil
		}
	}
	list := func(extra url.Values) func(*mrand.Rand) string {
		return func(r *mrand.Rand) string {
			q := url.Values{"sort": {"-published_at"}, "limit": {strconv.Itoa(pageSize)}, "fields": {shuffledFields(r)}}
			for k, v := range extra {
				q[k] = v
			}
			return "/api/content/post?" + q.Encode()
		}
	}
	below := func(ms float64) func(p50, p99 float64) bool { return func(_, p99 float64) bool { return p99 < ms } }
	page1 := &figure{name: "page 1 (offset 0)", target: "", path: list(nil), check: items(pageSize)}
	offsetCheck := pageSize
	if len(b.ds.slugs) < deepPage*pageSize {
		offsetCheck = -1
	}
	page5k := &figure{name: "page 5,000 (offset=99980)", target: "as fast as page 1", pair: page1,
		path: list(url.Values{"offset": {strconv.Itoa((deepPage - 1) * pageSize)}}), check: items(offsetCheck)}
	// Fallback: the same uncached list of 20 (page 1) read in fr-CA, whose
	// chain is fr-CA → fr → en, against en, which has no fallback.
	listEN := &figure{name: "list 20, locale=en", path: list(url.Values{"locale": {"en"}}), check: items(pageSize)}
	listFR := &figure{name: "list 20, locale=fr-CA (fallback)", target: "p50 < 1.1× en's", pair: listEN, pairMax: 1.1, pairP50: true,
		path: list(url.Values{"locale": {"fr-CA"}}), check: items(pageSize)}
	cursor1 := &figure{name: "page 1 (cursor walk start)", path: list(nil), check: items(pageSize)}
	cursor5k := &figure{name: "page 5,000 (after=cursor)", target: "as fast as page 1", pair: cursor1,
		check: items(pageSize), walk: true}
	cursor5k.path = func(r *mrand.Rand) string {
		return list(url.Values{"after": {b.cursor}})(r)
	}
	if !b.hasCursor() {
		cursor1.skip = "needs meta.next (keyset pagination), not on this branch yet"
		cursor5k.skip = cursor1.skip
	} else if len(b.ds.slugs) < deepPage*pageSize {
		cursor5k.skip = fmt.Sprintf("needs %d posts", deepPage*pageSize)
	}
	b.figs = []*figure{
		{name: "get by slug (uncached)", target: "p99 < 5 ms", met: below(5), check: itemCheck,
			path: func(*mrand.Rand) string {
				i := b.next.Add(1) - 1
				return "/api/content/post/" + b.ds.slugs[b.perm[int(i)%len(b.perm)]]
			}},
		{name: "list 20, filter + sort (uncached)", target: "p99 < 20 ms", met: below(20), check: items(-1),
			path: func(r *mrand.Rand) string {
				before := b.ds.oldest.Add(time.Duration(r.Int64N(int64(span)))).Format(time.RFC3339)
				return "/api/content/post?" + url.Values{"filter[category]": {b.ds.categories[r.IntN(len(b.ds.categories))]},
					"sort": {"-published_at"}, "limit": {strconv.Itoa(pageSize)}, "filter[published_at][lt]": {before}}.Encode()
			}},
		page1, page5k, cursor1, cursor5k,
		{name: "admin entries list", target: "p99 < 50 ms", met: below(50), admin: true, check: items(pageSize),
			path: func(*mrand.Rand) string { return "/api/entries?type=post&limit=20" }},
		{name: "admin entries search", target: "p99 < 50 ms", met: below(50), admin: true, check: items(-1),
			path: func(r *mrand.Rand) string {
				return "/api/entries?" + url.Values{"type": {"post"}, "search": {searchWords[r.IntN(len(searchWords))]}, "limit": {"20"}}.Encode()
			}},
		// The words are few (180), so each request also names the fields
		// in a random order: another cache key, computed afresh.
		{name: "delivery search", target: "p99 < 50 ms", met: below(50), check: items(pageSize),
			path: func(r *mrand.Rand) string {
				return "/api/content/post?" + url.Values{"search": {searchWords[r.IntN(len(searchWords))]}, "limit": {strconv.Itoa(pageSize)},
					"fields": {shuffledFields(r)}}.Encode()
			}},
		{name: "admin search (/api/search)", target: "p99 < 50 ms", met: below(50), admin: true, check: items(pageSize),
			path: func(r *mrand.Rand) string {
				return "/api/search?" + url.Values{"q": {searchWords[r.IntN(len(searchWords))]}, "limit": {strconv.Itoa(pageSize)}}.Encode()
			}},
		listEN, listFR,
	}
}

// setLocales configures benchLocales through PUT /api/locales (a database
// generated with -translate has them already), and prints how a list of
// 20 in fr-CA mixes locales.
func (b *bench) setLocales() {
	body, _ := json.Marshal(benchLocales)
	req, _ := http.NewRequest("PUT", b.srv.base+"/api/locales", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+b.admin)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	check(err)
	out, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		b.srv.fatalf("PUT /api/locales: %d %s", res.StatusCode, out)
	}
	page, err := b.get("/api/content/post?sort=-published_at&limit=20&locale=fr-CA", false)
	check(err)
	var list struct {
		Data []struct {
			Locale string `json:"locale"`
		} `json:"data"`
	}
	check(json.Unmarshal(page, &list))
	locales := map[string]int{}
	for _, it := range list.Data {
		locales[it.Locale]++
	}
	fmt.Printf("locales en, fr → en, fr-CA → fr; %d of %d posts have a published fr translation; the newest 20 in fr-CA: %d fr, %d en (fallback)\n",
		b.ds.translated, len(b.ds.slugs), locales["fr"], locales["en"])
}

func itemCheck(body []byte) error {
	var out struct {
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return err
	}
	if out.Data["title"] == nil || out.Data["body"] == nil {
		return errors.New("no title or body")
	}
	return nil
}

// hasCursor asks the server whether a list has meta.next.
func (b *bench) hasCursor() bool {
	body, err := b.get("/api/content/post?sort=-published_at&limit=20", false)
	if err != nil {
		b.srv.fatalf("%v", err)
	}
	var out struct {
		Meta map[string]any `json:"meta"`
	}
	json.Unmarshal(body, &out)
	_, ok := out.Meta["next"].(string)
	return ok
}

func (b *bench) get(path string, admin bool) ([]byte, error) {
	req, _ := http.NewRequest("GET", b.srv.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+b.bearer(admin))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err == nil && res.StatusCode != 200 {
		err = fmt.Errorf("GET %s: %d %.300s", path, res.StatusCode, body)
	}
	return body, err
}

func (b *bench) bearer(admin bool) string {
	if admin {
		return b.admin
	}
	return b.ds.token
}

// walk follows meta.next from page 1 to page deepPage, once, and then
// measures the cursor rows of the first run.
func (b *bench) walk() {
	var deep *figure
	for _, f := range b.figs {
		if f.walk && f.skip == "" {
			deep = f
		}
	}
	if deep == nil {
		return
	}
	t0 := time.Now()
	path := "/api/content/post?sort=-published_at&limit=20"
	for page := 1; page < deepPage; page++ {
		body, err := b.get(path, false)
		if err != nil {
			deep.skip = "the walk failed: " + err.Error()
			return
		}
		var out struct {
			Meta struct {
				Next string `json:"next"`
			} `json:"meta"`
		}
		json.Unmarshal(body, &out)
		if out.Meta.Next == "" {
			deep.skip = fmt.Sprintf("meta.next ended at page %d", page)
			return
		}
		path = "/api/content/post?" + url.Values{"sort": {"-published_at"}, "limit": {"20"}, "after": {out.Meta.Next}}.Encode()
		b.cursor = out.Meta.Next
	}
	b.walkTook = time.Since(t0)
	fmt.Fprintf(os.Stderr, "walked meta.next from page 1 to page %d in %v (%.2f ms a page)\n", deepPage, b.walkTook.Round(time.Millisecond),
		float64(b.walkTook.Microseconds())/1000/float64(deepPage-1))
	r := b.measure(deep)
	deep.results = append(deep.results, r)
	r.print(1, deep.name)
}

// measure runs one figure: conns clients, each sending its next request
// when the last answer is read, until requests answers or maxTime.
func (b *bench) measure(f *figure) result {
	return b.load(f, *requests, *maxTime)
}

func (b *bench) load(f *figure, total int, limit time.Duration) result {
	tr := &http.Transport{MaxIdleConnsPerHost: *conns, MaxConnsPerHost: *conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 2 * time.Minute}
	auth := "Bearer " + b.bearer(f.admin)
	var sent, failed atomic.Int64
	var firstErr atomic.Value
	lats := make([][]time.Duration, *conns)
	errs := make([]error, *conns)
	deadline := time.Now().Add(limit)
	var wg sync.WaitGroup
	t0 := time.Now()
	for w := range *conns {
		wg.Go(func() {
			r := mrand.New(mrand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			for sent.Add(1) <= int64(total) && time.Now().Before(deadline) {
				path := f.path(r)
				req, _ := http.NewRequest("GET", b.srv.base+path, nil)
				req.Header.Set("Authorization", auth)
				start := time.Now()
				res, err := c.Do(req)
				var body []byte
				if err == nil {
					body, err = io.ReadAll(res.Body)
					res.Body.Close()
				}
				lat := time.Since(start)
				lats[w] = append(lats[w], lat)
				if err != nil {
					select {
					case <-b.srv.done:
						errs[w] = fmt.Errorf("the server exited: %v", err)
						return
					default:
					}
					// No answer within the client's timeout, or the server
					// closed the connection at its write timeout (60 s).
					failed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("no answer after %v (%v)", lat.Round(time.Second), err))
					continue
				}
				if err == nil && res.StatusCode >= 500 {
					// The server gave up (delivery stops computing after
					// 10 s): a slow answer, counted, not the bench's fault.
					failed.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("%d %.200s", res.StatusCode, body))
					continue
				}
				if err == nil && res.StatusCode != 200 {
					err = fmt.Errorf("%d %.300s", res.StatusCode, body)
				}
				if err == nil {
					err = f.check(body)
				}
				if err != nil {
					errs[w] = fmt.Errorf("GET %s: %w", path, err)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(t0)
	if err := errors.Join(errs...); err != nil {
		b.srv.fatalf("%s: %v", f.name, err)
	}
	all := slices.Concat(lats...)
	r := result{n: len(all), failed: int(failed.Load()), p50: pct(all, 50), p99: pct(all, 99), rps: float64(len(all)) / elapsed.Seconds()}
	if e, ok := firstErr.Load().(string); ok {
		r.firstErr = e
	}
	return r
}

// profile loads f for 10 s while serve records a CPU profile.
func (b *bench) profile(f *figure, out string) {
	done := make(chan error, 1)
	go func() {
		res, err := http.Get(b.srv.debug + "/debug/pprof/profile?seconds=10")
		if err != nil {
			done <- err
			return
		}
		defer res.Body.Close()
		file, err := os.Create(out)
		if err != nil {
			done <- err
			return
		}
		_, err = io.Copy(file, res.Body)
		file.Close()
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	r := b.load(f, 1<<30, 10*time.Second)
	check(<-done)
	fmt.Printf("\nCPU profile of serve during %d more requests of %q: %s (go tool pprof -top %s)\n", r.n, f.name, out, out)
}

func (b *bench) table(readies []time.Duration, m mem) {
	fmt.Printf("\n%-36s %-20s %10s %10s %7s  %s\n", "figure", "target", "p50", "p99", "n", "met")
	ready := median(readies)
	fmt.Printf("%-36s %-20s %10s %10s %7s  %s\n", "serve ready (exec → /readyz 200)", "< 300 ms", msf(ready), "", "3", yes(ready < 300*time.Millisecond))
	for _, f := range b.figs {
		if f.skip != "" {
			fmt.Printf("%-36s %-20s %10s %10s %7s  %s\n", f.name, f.target, "-", "-", "", f.skip)
			continue
		}
		var p50s, p99s []time.Duration
		n, failed := 0, 0
		for _, r := range f.results {
			p50s, p99s, n, failed = append(p50s, r.p50), append(p99s, r.p99), n+r.n, failed+r.failed
		}
		p50, p99 := median(p50s), median(p99s)
		met := ""
		switch {
		case f.met != nil:
			met = yes(f.met(ms(p50), ms(p99)))
		case f.pair != nil && f.pair.skip == "":
			var q50, q99 []time.Duration
			for _, r := range f.pair.results {
				q50, q99 = append(q50, r.p50), append(q99, r.p99)
			}
			ratio := ms(p99) / ms(median(q99))
			if f.pairP50 {
				r50 := ms(p50) / ms(median(q50))
				met = fmt.Sprintf("%s (p50 ×%.3f, p99 ×%.3f of %s's)", yes(r50 <= f.pairMax), r50, ratio, f.pair.name)
			} else {
				met = fmt.Sprintf("%s (p99 ×%.1f of page 1's)", yes(ratio <= cmp.Or(f.pairMax, 1.5)), ratio)
			}
		}
		if failed > 0 {
			met += fmt.Sprintf(" (%d of %d requests failed: 5xx or no answer)", failed, n)
		}
		fmt.Printf("%-36s %-20s %10s %10s %7d  %s\n", f.name, f.target, msf(p50), msf(p99), n, met)
	}
	if b.walkTook > 0 {
		fmt.Printf("%-36s %-20s %10s %10s %7d\n", "walk meta.next, page 1 → 5,000", "", msf(b.walkTook/time.Duration(deepPage-1)), "", deepPage-1)
		fmt.Printf("  (the whole walk took %v)\n", b.walkTook.Round(time.Millisecond))
	}
	fmt.Printf("%-36s %-20s %10s %10s %7s  %s\n", "serve VmHWM after the load", "< 100 MiB", mib(m.hwm), "", "", yes(m.hwm < 100<<20))
	fmt.Printf("%-36s %-20s %10s\n", "serve VmRSS after the load", "", mib(m.rss))
	fmt.Printf("\nready times are the median of 3 restarts; p50/p99 are medians over %d runs; n counts the requests of all runs\n", *runs)
}

// --- numbers ---

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "NO"
}

func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}

func median(xs []time.Duration) time.Duration {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func msf(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', 1, 64) + "s"
	case d >= 100*time.Millisecond:
		return strconv.FormatFloat(ms(d), 'f', 0, 64) + "ms"
	}
	return strconv.FormatFloat(ms(d), 'f', 2, 64) + "ms"
}

func mib(n int64) string { return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB" }

// loadavg is the machine's 1, 5 and 15-minute load (other work shares it).
func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func joinDurations(ds []time.Duration) string {
	var parts []string
	for _, d := range ds {
		parts = append(parts, msf(d))
	}
	return strings.Join(parts, ", ") + " (median " + msf(median(ds)) + ")"
}
