// Command events measures the event system: how soon a webhook hears of a
// publish, how many publishes per second the outbox keeps up with, and how
// fast the audit log answers with a million records.
//
// For each database it opens a fresh CMS wired as `cms serve` wires it (the
// outbox with its default Config except the Logger, webhooks allowed to reach
// loopback, audit and notifications consuming the same outbox) and runs:
//
//  1. latency: one webhook on entry.published, N entries published one at a
//     time through content.Service; time from Publish's return (after the
//     commit) to the receiver getting the POST.
//
//  2. throughput: five webhooks; publishes at fixed offered rates for a
//     window each, then the backlog of deliveries at the end and 3 s later.
//
//  3. audit: 1,000,000 records bulk-inserted; audit.Service.List for typical
//     queries, p50/p99 of 200 runs each; Export of one week. Slow queries get
//     their plan printed and a CPU profile written.
//
//     go run ./events                   # SQLite, and PostgreSQL when reachable
//     go run ./events -quick            # small sizes, to check it works
//     go run ./events -postgres ”      # SQLite only
package main

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"

	"github.com/loamcms/cms/accounts"
	"github.com/loamcms/cms/audit"
	"github.com/loamcms/cms/content"
	"github.com/loamcms/cms/internal/changes"
	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/outbox"
	"github.com/loamcms/cms/models"
	"github.com/loamcms/cms/policies"
	"github.com/loamcms/cms/webhooks"
)

const defaultPG = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var (
	flagN       = flag.Int("n", 300, "publishes for the latency measurement")
	flagWindow  = flag.Duration("window", 15*time.Second, "length of each offered-rate window")
	flagRates   = flag.String("rates", "5,10,20,40,max", "offered publish rates per second (max: as fast as -publishers go)")
	flagPubs    = flag.Int("publishers", 4, "concurrent publishers at the max rate")
	flagRecords = flag.Int("records", 1_000_000, "audit records to insert")
	flagRuns    = flag.Int("runs", 200, "timed runs per audit query")
	flagProfile = flag.String("profile", os.TempDir(), "where CPU profiles of slow audit queries go")
	flagSkip    = flag.String("skip", "", "comma-separated phases to skip: latency, rates, audit")
)

func main() {
	pg := flag.String("postgres", defaultPG, "PostgreSQL server URL (skipped when unreachable); empty: SQLite only")
	quick := flag.Bool("quick", false, "small sizes: 30 publishes, 3 s windows, 20,000 records, 20 runs")
	flag.Parse()
	if *quick {
		*flagN, *flagWindow, *flagRecords, *flagRuns = 30, 3*time.Second, 20_000, 20
	}
	dbs := []string{"sqlite"}
	if *pg != "" {
		if err := reachable(*pg); err != nil {
			fmt.Fprintf(os.Stderr, "PostgreSQL at %s unreachable, skipped: %v\n", database.Redact(*pg), err)
		} else {
			dbs = append(dbs, "postgres")
		}
	}
	fmt.Printf("event system: outbox.Config{} (its defaults), GOMAXPROCS=%d, %s\n", runtime.GOMAXPROCS(0), runtime.Version())
	for _, d := range dbs {
		runDialect(d, *pg)
	}
}

func skip(phase string) bool { return slices.Contains(strings.Split(*flagSkip, ","), phase) }

func reachable(u string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, u)
	if err != nil {
		return err
	}
	return c.Close(ctx)
}

// env is one wired CMS.
type env struct {
	dialect string
	db      *database.DB
	ob      *outbox.Outbox
	content *content.Service
	hooks   *webhooks.Service
	audit   *audit.Service
	admin   models.Principal // publishes and approves
	editor  models.Principal // wrote the entries
	rc      *receiver
	pgURL   string // the fresh database's URL (PostgreSQL)
}

func runDialect(dialect, pgServer string) {
	ctx := context.Background()
	db, dbURL, cleanup := openFresh(dialect, pgServer)
	defer cleanup()
	quiet := slog.New(slog.DiscardHandler)
	must(outbox.Migrate(ctx, db))
	// As open() in main.go: the default Config, only the Logger set.
	ob, err := outbox.New(db, outbox.Config{Logger: quiet})
	must(err)
	enf, err := policies.Default()
	must(err)
	feed := changes.New(db.Dialect, quiet)
	acc := accounts.New(db.DB, enf, accounts.Options{JWTSecret: []byte(rand.Text() + rand.Text()), Changes: feed})
	cnt := content.New(db.DB, enf, content.Options{Dialect: db.Dialect, Changes: feed, Log: quiet})
	must(cnt.EnsureIndexes(ctx))
	guard := webhooks.Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}}
	hooks := webhooks.New(ob, enf, guard, webhooks.Config{})
	aud := audit.New(ob, enf, audit.Config{})
	e := &env{dialect: dialect, db: db, ob: ob, content: cnt, hooks: hooks, audit: aud, rc: newReceiver(), pgURL: dbURL}
	defer e.rc.Close()

	system := models.Principal{System: true}
	adminU, err := acc.CreateUser(ctx, system, accounts.NewUser{Email: "admin@example.com", Name: "Admin", Password: "correct horse battery staple", Roles: []string{models.RoleAdmin}})
	must(err)
	editorU, err := acc.CreateUser(ctx, system, accounts.NewUser{Email: "editor@example.com", Name: "Editor", Password: "correct horse battery staple", Roles: []string{models.RoleEditor}})
	must(err)
	e.admin = models.Principal{UserID: adminU.ID, Name: adminU.Name, Roles: adminU.Roles}
	e.editor = models.Principal{UserID: editorU.ID, Name: editorU.Name, Roles: editorU.Roles}
	must(ob.Start(ctx))

	fmt.Printf("\n== %s ==\n", dialect)
	e.checkWorkflow(ctx)
	if !skip("latency") {
		e.latency(ctx, *flagN)
	}
	if !skip("rates") {
		e.rates(ctx)
	}
	stopCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	must(ob.Stop(stopCtx))
	cancel()
	if !skip("audit") {
		e.auditBench(ctx, *flagRecords, *flagRuns)
	}
}

// ---------------------------------------------------------------- receiver

// receiver is the sites' webhook endpoint: /hook/<n> for webhook n. It
// notes when each (webhook, entry) first arrived.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	first    map[string]time.Time // "<hook>/<entry id>" → first arrival
	posts    atomic.Int64         // every POST
	distinct atomic.Int64         // first arrivals
	notify   chan string          // entry ids as they first arrive at hook 0 (latency phase)
}

func newReceiver() *receiver {
	rc := &receiver{first: map[string]time.Time{}, notify: make(chan string, 1024)}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		body, _ := io.ReadAll(r.Body)
		var p struct {
			Event string
			Data  struct{ ID string }
		}
		_ = json.Unmarshal(body, &p)
		hook := strings.TrimPrefix(r.URL.Path, "/hook/")
		rc.posts.Add(1)
		key := hook + "/" + p.Data.ID
		rc.mu.Lock()
		_, seen := rc.first[key]
		if !seen {
			rc.first[key] = at
		}
		rc.mu.Unlock()
		if !seen {
			rc.distinct.Add(1)
			if hook == "0" {
				select {
				case rc.notify <- p.Data.ID:
				default:
				}
			}
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	return rc
}

func (rc *receiver) arrival(hook int, entry string) (time.Time, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	t, ok := rc.first[strconv.Itoa(hook)+"/"+entry]
	return t, ok
}

func (e *env) addHook(ctx context.Context, n int) {
	_, err := e.hooks.Create(ctx, e.admin, webhooks.Input{Name: ptr(fmt.Sprintf("Site %d", n)), URL: ptr(fmt.Sprintf("%s/hook/%d", e.rc.URL, n)),
		Events: &[]string{models.EventEntryPublished}})
	must(err)
}

// pending is River's count of jobs not yet finished.
func (e *env) pending() int64 {
	var n int64
	must(e.db.Raw("SELECT count(*) FROM river_job WHERE state IN ('available','scheduled','retryable','running')").Scan(&n).Error)
	return n
}

// drain waits until River has nothing pending and the receiver has want
// distinct deliveries (or until limit), and returns how long it took.
func (e *env) drain(want int64, limit time.Duration) (time.Duration, bool) {
	start := time.Now()
	for time.Since(start) < limit {
		if e.pending() == 0 && e.rc.distinct.Load() >= want {
			return time.Since(start), true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return time.Since(start), false
}

// ---------------------------------------------------------------- entries

// prepare writes n approved posts by the editor straight into the tables
// (entry and revision, as the workflow leaves them after create, submit and
// approve by another user), so that the measured path is Publish alone and
// no earlier events are queued. It returns their ids.
func (e *env) prepare(n int, tag string) []string {
	now := time.Now().UTC().Truncate(time.Microsecond)
	var entries []models.Entry
	var revs []models.Revision
	ids := make([]string, n)
	for i := range n {
		id := newID()
		ids[i] = id
		data := models.Data{
			"title":   fmt.Sprintf("Post %s %d", tag, i),
			"summary": "A generated post for the events benchmark, long enough to look like a real summary of an article.",
			"body":    "<p>" + strings.Repeat("Generated body text for the benchmark. ", 40) + "</p>",
		}
		slug := fmt.Sprintf("post-%s-%d", tag, i)
		entries = append(entries, models.Entry{ID: id, DocumentID: id, Type: "post", Slug: slug, Locale: "en", Status: models.StatusApproved, Version: 3, Revision: 1,
			Data: data, AuthorID: e.editor.UserID, RevisionAuthorID: e.editor.UserID, CreatedAt: now, UpdatedAt: now})
		revs = append(revs, models.Revision{ID: newID(), EntryID: id, Number: 1, Slug: slug, Data: data, AuthorID: e.editor.UserID, CreatedAt: now})
	}
	if n > 0 {
		must(e.db.CreateInBatches(entries, 200).Error)
		must(e.db.CreateInBatches(revs, 200).Error)
	}
	return ids
}

// checkWorkflow runs the whole path once (create, submit, approve by the
// admin, publish) to show that prepare's rows are what the workflow makes.
func (e *env) checkWorkflow(ctx context.Context) {
	v, err := e.content.CreateEntry(ctx, e.editor, content.NewEntry{Type: "post", Data: map[string]any{"title": "Through the workflow"}})
	must(err)
	_, err = e.content.Submit(ctx, e.editor, v.ID)
	must(err)
	_, err = e.content.Approve(ctx, e.admin, v.ID, "")
	must(err)
	ids := e.prepare(1, "check")
	for _, id := range []string{v.ID, ids[0]} {
		_, err := e.content.Publish(ctx, e.admin, id, nil)
		must(err)
	}
	if _, ok := e.drain(0, 30*time.Second); !ok {
		log.Fatalf("%s: setup jobs not done after 30 s", e.dialect)
	}
}

// ---------------------------------------------------------------- 1. latency

func (e *env) latency(ctx context.Context, n int) {
	e.addHook(ctx, 0)
	ids := e.prepare(n, "lat")
	if _, ok := e.drain(0, 30*time.Second); !ok {
		log.Fatalf("%s: queue not empty before the latency run", e.dialect)
	}
	rng := mrand.New(mrand.NewPCG(1, 2))
	var lat, call []time.Duration
	for _, id := range ids {
		// A random pause, so publishes fall at every phase of River's poll.
		time.Sleep(time.Duration(rng.IntN(100)) * time.Millisecond)
		start := time.Now()
		_, err := e.content.Publish(ctx, e.admin, id, nil)
		must(err)
		returned := time.Now()
		call = append(call, returned.Sub(start))
		deadline := time.After(30 * time.Second)
	wait:
		for {
			select {
			case got := <-e.rc.notify:
				if got == id {
					break wait
				}
			case <-deadline:
				log.Fatalf("%s: no delivery of %s within 30 s", e.dialect, id)
			}
		}
		at, _ := e.rc.arrival(0, id)
		lat = append(lat, max(0, at.Sub(returned)))
	}
	fmt.Printf("\n1. publish → first delivery attempt, 1 webhook, %d publishes one at a time (random 0–100 ms pause between)\n", n)
	fmt.Printf("%-9s %-34s %5s %9s %9s %9s %9s\n", "database", "", "n", "p50", "p90", "p99", "max")
	fmt.Printf("%-9s %-34s %5d %9s %9s %9s %9s   (target p99 < 1 s)\n", e.dialect, "Publish return → receiver POST", n, ms(pct(lat, 50)), ms(pct(lat, 90)), ms(pct(lat, 99)), ms(pct(lat, 100)))
	fmt.Printf("%-9s %-34s %5d %9s %9s %9s %9s\n", e.dialect, "content.Service.Publish call", n, ms(pct(call, 50)), ms(pct(call, 90)), ms(pct(call, 99)), ms(pct(call, 100)))
}

// ---------------------------------------------------------------- 2. rates

type sample struct {
	t                 time.Duration
	published, posted int64
}

func (e *env) rates(ctx context.Context) {
	hooks := 5
	start := 0
	if !skip("latency") {
		start = 1 // hook 0 exists already
	}
	for i := start; i < hooks; i++ {
		e.addHook(ctx, i)
	}
	window := *flagWindow
	fmt.Printf("\n2. sustained publishes, %d webhooks on entry.published, %v per offered rate (max: %d concurrent publishers)\n", hooks, window, *flagPubs)
	fmt.Printf("%-9s %8s %9s %10s %8s %8s %8s %8s %9s %9s %8s\n", "database", "offered", "publish/s", "delivers/s", "backlog", "river", "+3s blog", "+3s rvr", "slope/s", "drained", "verdict")
	best := ""
	for _, r := range strings.Split(*flagRates, ",") {
		r = strings.TrimSpace(r)
		rate := 0.0
		if r != "max" {
			rate, _ = strconv.ParseFloat(r, 64)
		}
		want := int(rate * window.Seconds())
		if rate == 0 {
			want = int(500 * window.Seconds()) // more than the publishers can do here
		}
		ids := e.prepare(want, "r"+r)
		if _, ok := e.drain(e.rc.distinct.Load(), 60*time.Second); !ok {
			log.Fatalf("%s: queue not empty before rate %s", e.dialect, r)
		}
		base := e.rc.distinct.Load()
		var published atomic.Int64
		var next atomic.Int64
		t0 := time.Now()
		end := t0.Add(window)
		var wg sync.WaitGroup
		pubs := 1
		if rate == 0 {
			pubs = *flagPubs
		}
		for range pubs {
			wg.Go(func() {
				for {
					i := next.Add(1) - 1
					if int(i) >= len(ids) {
						return
					}
					if rate > 0 {
						at := t0.Add(time.Duration(float64(i) / rate * float64(time.Second)))
						time.Sleep(time.Until(at))
					}
					if time.Now().After(end) {
						return
					}
					_, err := e.content.Publish(ctx, e.admin, ids[i], nil)
					must(err)
					published.Add(1)
				}
			})
		}
		var samples []sample
		stop := make(chan struct{})
		sampled := make(chan struct{})
		go func() {
			defer close(sampled)
			tick := time.NewTicker(time.Second)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					samples = append(samples, sample{time.Since(t0), published.Load(), e.rc.distinct.Load() - base})
				}
			}
		}()
		wg.Wait()
		elapsed := time.Since(t0)
		close(stop)
		<-sampled
		pub := published.Load()
		got := e.rc.distinct.Load() - base
		backlog := pub*int64(hooks) - got
		river := e.pending()
		time.Sleep(3 * time.Second)
		backlog3 := pub*int64(hooks) - (e.rc.distinct.Load() - base)
		river3 := e.pending()
		drained, ok := e.drain(base+pub*int64(hooks), 120*time.Second)
		drainS := (drained + 3*time.Second).Round(100 * time.Millisecond).String()
		if !ok {
			drainS = ">" + drainS
		}
		// The backlog's growth over the second half of the window, in deliveries per second.
		slope := backlogSlope(samples, int64(hooks))
		verdict := "grows"
		achieved := float64(pub) / elapsed.Seconds()
		switch {
		case rate > 0 && achieved < 0.9*rate:
			verdict = "short" // the publisher could not offer the rate
		case backlog3 == 0 || slope < 0.5*float64(hooks): // less than half a publish's worth of deliveries per second
			verdict = "keeps up"
			best = r
		}
		label := r + "/s"
		if rate == 0 {
			label = "max"
		}
		fmt.Printf("%-9s %8s %9.1f %10.1f %8d %8d %8d %8d %9.1f %9s %8s\n", e.dialect, label, achieved,
			float64(got)/elapsed.Seconds(), backlog, river, backlog3, river3, slope, drainS, verdict)
	}
	fmt.Printf("%-9s highest offered rate at which the backlog does not grow: %s (backlog = deliveries expected − received; river = river_job rows available/scheduled/retryable/running; slope = backlog growth over the window's second half; drained = from the window's end until all delivered; short = under 90 %% of the offered rate achieved)\n", e.dialect, best)
}

// backlogSlope fits a line to the backlog over the second half of the window.
func backlogSlope(s []sample, hooks int64) float64 {
	s = s[len(s)/2:]
	if len(s) < 2 {
		return 0
	}
	var sx, sy, sxx, sxy float64
	for _, p := range s {
		x, y := p.t.Seconds(), float64(p.published*hooks-p.posted)
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	n := float64(len(s))
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

// ---------------------------------------------------------------- 3. audit

var actions = []struct {
	name   string
	weight int
}{
	{models.EventEntryUpdated, 300}, {models.EventEntryCreated, 60}, {models.EventEntrySubmitted, 60}, {models.EventEntryApproved, 50},
	{models.EventEntryPublished, 60}, {models.EventEntryUnpublished, 8}, {models.EventEntryDeleted, 6}, {models.EventEntryChangesRequested, 12},
	{models.EventEntryScheduled, 6}, {models.EventEntryWithdrawn, 4}, {models.EventEntryScheduleCanceled, 3}, {models.EventCommentCreated, 40},
	{models.EventMediaCreated, 50}, {models.EventMediaUpdated, 15}, {models.EventMediaDeleted, 4}, {models.EventUserSignedIn, 80},
	{models.EventUserSignInFailed, 8}, {models.EventUserUpdated, 3}, {models.EventWebhookUpdated, 2}, {models.EventContentTypeUpdated, 2},
}

// auditGen generates n records over the last year, in time order (as an
// append-only log grows), with ids that are UUIDv7 of their time. actors[0]
// is the busiest actor and objects[0] the most-touched entry.
type auditGen struct {
	rng             *mrand.Rand
	n, i            int
	actors, objects []string
	media           []string
	total           int
	from            time.Time
	step            float64
}

func newAuditGen(n int) *auditGen {
	g := &auditGen{rng: mrand.New(mrand.NewPCG(7, 11)), n: n}
	for range 50 {
		g.actors = append(g.actors, newID())
	}
	g.objects = make([]string, max(n/8, 10)) // ~8 events per entry, far more for some
	for i := range g.objects {
		g.objects[i] = newID()
	}
	g.media = make([]string, max(n/40, 10))
	for i := range g.media {
		g.media[i] = newID()
	}
	for _, a := range actions {
		g.total += a.weight
	}
	g.from = time.Now().UTC().Truncate(time.Microsecond).Add(-365 * 24 * time.Hour)
	g.step = float64(365*24*time.Hour) / float64(n)
	return g
}

// pick is skewed: a few popular objects get many events.
func (g *auditGen) pick(ids []string) string {
	f := g.rng.Float64()
	return ids[int(f*f*f*float64(len(ids)))]
}

func (g *auditGen) next() (models.AuditRecord, bool) {
	if g.i >= g.n {
		return models.AuditRecord{}, false
	}
	rng, i := g.rng, g.i
	g.i++
	at := g.from.Add(time.Duration(float64(i)*g.step + rng.Float64()*g.step)).Truncate(time.Microsecond)
	w := rng.IntN(g.total)
	act := actions[0].name
	for _, a := range actions {
		if w < a.weight {
			act = a.name
			break
		}
		w -= a.weight
	}
	actor := rng.IntN(len(g.actors))
	actor = actor * actor / len(g.actors) // some actors far busier than others
	r := models.AuditRecord{ID: uuidAt(rng, at), At: at, ActorID: g.actors[actor], ActorName: fmt.Sprintf("Person %d", actor), Action: act,
		Area: strings.Split(act, ".")[0],
		IP:   fmt.Sprintf("203.0.113.%d", actor+1), RequestID: fmt.Sprintf("%016x", rng.Uint64())}
	switch {
	case strings.HasPrefix(act, "entry.") || strings.HasPrefix(act, "comment."):
		r.ObjectType, r.ObjectID = "entries/post", g.pick(g.objects)
		r.Summary = "“A post about something”: changed body, title"
	case strings.HasPrefix(act, "media."):
		r.ObjectType, r.ObjectID, r.Summary = "media", g.pick(g.media), "“photo.jpg”: uploaded"
	case strings.HasPrefix(act, "user."):
		r.ObjectType, r.ObjectID, r.Summary = "users", g.actors[actor], "“person@example.com”"
	case strings.HasPrefix(act, "webhook."):
		r.ObjectType, r.ObjectID, r.Summary = "webhooks", g.actors[0], "“Site”: url"
	default:
		r.ObjectType, r.ObjectID, r.Summary = "content_types", "post", "“Post”: changed fields"
	}
	return r, true
}

// uuidAt is a UUIDv7 whose time is at.
func uuidAt(rng *mrand.Rand, at time.Time) string {
	var u uuid.UUID
	binary.BigEndian.PutUint64(u[8:], rng.Uint64())
	binary.BigEndian.PutUint64(u[0:], rng.Uint64())
	ms := uint64(at.UnixMilli())
	u[0], u[1], u[2], u[3], u[4], u[5] = byte(ms>>40), byte(ms>>32), byte(ms>>24), byte(ms>>16), byte(ms>>8), byte(ms)
	u[6] = 0x70 | u[6]&0x0f
	u[8] = 0x80 | u[8]&0x3f
	return u.String()
}

var auditCols = []string{"id", "at", "actor_id", "actor_name", "action", "area", "object_type", "object_id", "summary", "ip", "request_id"}

func (e *env) insertAudit(ctx context.Context, n int) *auditGen {
	start := time.Now()
	g := newAuditGen(n)
	if e.dialect == "postgres" {
		conn, err := pgx.Connect(ctx, e.pgURL)
		must(err)
		defer conn.Close(ctx)
		for more := true; more; {
			rows := make([][]any, 0, 100_000)
			for len(rows) < 100_000 {
				r, ok := g.next()
				if !ok {
					more = false
					break
				}
				rows = append(rows, []any{r.ID, r.At, r.ActorID, r.ActorName, r.Action, r.Area, r.ObjectType, r.ObjectID, r.Summary, r.IP, r.RequestID})
			}
			_, err = conn.CopyFrom(ctx, pgx.Identifier{"audit_records"}, auditCols, pgx.CopyFromRows(rows))
			must(err)
		}
		// Autovacuum would vacuum and analyze the table soon after such a load
		// (the vacuum sets the visibility map that index-only counts need).
		_, err = conn.Exec(ctx, "VACUUM ANALYZE audit_records")
		must(err)
	} else {
		// Multi-row INSERTs of 500 rows, 50,000 rows a transaction, on one connection.
		sqlDB, err := e.db.DB.DB()
		must(err)
		conn, err := sqlDB.Conn(ctx)
		must(err)
		defer conn.Close()
		insert := func(rows int) string {
			return "INSERT INTO audit_records (" + strings.Join(auditCols, ", ") + ") VALUES " +
				strings.TrimSuffix(strings.Repeat("(?,?,?,?,?,?,?,?,?,?,?),", rows), ",")
		}
		for more := true; more; {
			_, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE")
			must(err)
			for k := 0; k < 100 && more; k++ {
				args := make([]any, 0, 5500)
				for len(args) < 5500 {
					r, ok := g.next()
					if !ok {
						more = false
						break
					}
					args = append(args, r.ID, r.At, r.ActorID, r.ActorName, r.Action, r.Area, r.ObjectType, r.ObjectID, r.Summary, r.IP, r.RequestID)
				}
				if len(args) > 0 {
					_, err := conn.ExecContext(ctx, insert(len(args)/11), args...)
					must(err)
				}
			}
			_, err = conn.ExecContext(ctx, "COMMIT")
			must(err)
		}
	}
	var count int64
	must(e.db.Model(&models.AuditRecord{}).Count(&count).Error)
	fmt.Fprintf(os.Stderr, "%s: %d audit records in the table, %d inserted in %v\n", e.dialect, count, n, time.Since(start).Round(time.Millisecond))
	return g
}

// captured is the SQL of the last List, as the database saw it.
var (
	capturing atomic.Bool
	capMu     sync.Mutex
	captured  []string
)

func (e *env) installCapture() {
	cb := func(db *gorm.DB) {
		if !capturing.Load() {
			return
		}
		sql := db.Dialector.Explain(db.Statement.SQL.String(), db.Statement.Vars...)
		capMu.Lock()
		captured = append(captured, sql)
		capMu.Unlock()
	}
	must(e.db.Callback().Query().After("gorm:query").Register("bench:capture", cb))
}

func capture(fn func()) []string {
	capMu.Lock()
	captured = nil
	capMu.Unlock()
	capturing.Store(true)
	fn()
	capturing.Store(false)
	capMu.Lock()
	defer capMu.Unlock()
	return append([]string(nil), captured...)
}

func (e *env) auditBench(ctx context.Context, n, runs int) {
	g := e.insertAudit(ctx, n)
	e.installCapture()
	busiest, object := g.actors[0], g.objects[0] // the busiest actor, the most-touched entry
	weekTo := time.Now().UTC().Add(-90 * 24 * time.Hour).Truncate(time.Hour)
	weekFrom := weekTo.Add(-7 * 24 * time.Hour)
	queries := []struct {
		name string
		q    audit.Query
	}{
		{"newest page, no filter", audit.Query{}},
		{"action=entry.published", audit.Query{Action: models.EventEntryPublished}},
		{"action prefix entry.", audit.Query{Action: "entry."}},
		{"actor (busiest of 50)", audit.Query{Actor: busiest}},
		{"object_id (most-touched entry)", audit.Query{ObjectID: object}},
		{"object_type+object_id", audit.Query{ObjectType: "entries/post", ObjectID: object}},
		{"one-week from/to", audit.Query{From: &weekFrom, To: &weekTo}},
		{"page 50 (offset 2450), no filter", audit.Query{Offset: 2450}},
	}
	fmt.Printf("\n3. audit log with %d records: audit.Service.List (limit 50, with its count), %d runs each after 10 warm-up runs\n", n, runs)
	fmt.Printf("%-9s %-34s %9s %9s %5s %9s %9s %9s\n", "database", "query", "total", "rows", "runs", "p50", "p99", "max")
	type slow struct {
		name string
		q    audit.Query
	}
	var slows []slow
	for _, qq := range queries {
		var rows int
		var total int64
		warm := time.Now()
		for range 10 {
			recs, t, _, err := e.audit.List(ctx, e.admin, qq.q)
			must(err)
			rows, total = len(recs), t
		}
		n := runs
		if time.Since(warm) > 10*250*time.Millisecond {
			n = min(runs, 50) // a very slow query: fewer runs, so the bench ends
		}
		d := make([]time.Duration, 0, n)
		for range n {
			start := time.Now()
			_, _, _, err := e.audit.List(ctx, e.admin, qq.q)
			must(err)
			d = append(d, time.Since(start))
		}
		p99 := pct(d, 99)
		mark := ""
		if p99 > 100*time.Millisecond {
			mark = "  SLOW"
			slows = append(slows, slow{qq.name, qq.q})
		}
		fmt.Printf("%-9s %-34s %9d %9d %5d %9s %9s %9s%s\n", e.dialect, qq.name, total, rows, n, ms(pct(d, 50)), ms(p99), ms(pct(d, 100)), mark)
	}

	// Export of the week.
	var best time.Duration
	var exported int
	for i := range 3 {
		cw := &countWriter{}
		start := time.Now()
		must(e.audit.Export(ctx, e.admin, audit.Query{From: &weekFrom, To: &weekTo}, cw))
		d := time.Since(start)
		if i == 0 || d < best {
			best = d
		}
		exported = cw.lines - 1
	}
	fmt.Printf("%-9s %-34s %9d rows in %s (best of 3): %.0f rows/s\n", e.dialect, "Export, one week (CSV)", exported, ms(best), float64(exported)/best.Seconds())

	for _, s := range slows {
		sqls := capture(func() {
			_, _, _, err := e.audit.List(ctx, e.admin, s.q)
			must(err)
		})
		fmt.Printf("\n%s, %q: the statements List runs and their plans\n", e.dialect, s.name)
		for _, q := range sqls {
			start := time.Now()
			must(e.db.Exec(q).Error)
			fmt.Printf("  %s  — %s alone\n", q, ms(time.Since(start)))
			for _, line := range e.explain(q) {
				fmt.Printf("      %s\n", line)
			}
		}
		name := filepath.Join(*flagProfile, fmt.Sprintf("events-%s-%s.pprof", e.dialect, slug(s.name)))
		f, err := os.Create(name)
		must(err)
		must(pprof.StartCPUProfile(f))
		for range 30 {
			_, _, _, err := e.audit.List(ctx, e.admin, s.q)
			must(err)
		}
		pprof.StopCPUProfile()
		f.Close()
		fmt.Printf("  CPU profile of 30 runs: %s (go tool pprof -top %s)\n", name, name)
	}
}

func (e *env) explain(q string) []string {
	prefix := "EXPLAIN QUERY PLAN "
	if e.dialect == "postgres" {
		prefix = "EXPLAIN (ANALYZE, BUFFERS) "
	}
	rows, err := e.db.Raw(prefix + q).Rows()
	must(err)
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		must(rows.Scan(ptrs...))
		if e.dialect == "postgres" {
			out = append(out, fmt.Sprint(vals[0]))
		} else {
			out = append(out, fmt.Sprintf("%v %v %v", vals[0], vals[1], vals[len(vals)-1]))
		}
	}
	return out
}

type countWriter struct{ lines int }

func (w *countWriter) Write(p []byte) (int, error) {
	for _, b := range p {
		if b == '\n' {
			w.lines++
		}
	}
	return len(p), nil
}

// ---------------------------------------------------------------- helpers

// openFresh makes an empty migrated database and returns it with its URL.
func openFresh(dialect, pgServer string) (*database.DB, string, func()) {
	if dialect == "sqlite" {
		dir, err := os.MkdirTemp("", "cms-bench-")
		must(err)
		u := "sqlite://" + filepath.Join(dir, "cms.db")
		db := mustOpen(u)
		return db, u, func() { db.Close(); os.RemoveAll(dir) }
	}
	admin := mustOpen(pgServer)
	name := "cms_bench_" + strings.ToLower(rand.Text()[:10])
	must(admin.Exec("CREATE DATABASE " + name).Error)
	u, _ := url.Parse(pgServer)
	u.Path = "/" + name
	db := mustOpen(u.String())
	return db, u.String(), func() {
		db.Close()
		admin.Exec("DROP DATABASE " + name + " WITH (FORCE)")
		admin.Close()
	}
}

func mustOpen(u string) *database.DB {
	db, err := database.Open(u)
	must(err)
	_, err = db.Migrate(context.Background())
	must(err)
	return db
}

func pct(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	i := int(float64(len(s))*p/100+0.5) - 1
	return s[min(max(i, 0), len(s)-1)]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }

func slug(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else if b.Len() > 0 && !strings.HasSuffix(b.String(), "-") {
			b.WriteByte('-')
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

func ptr[T any](v T) *T { return &v }

func must(err error) {
	if err != nil {
		log.Output(2, err.Error())
		os.Exit(1)
	}
}
