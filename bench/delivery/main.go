// Command delivery load-tests the delivery API against a ceiling and a peer.
//
// For each database it builds a fresh CMS with N published posts and runs it
// as `cms serve` on loopback; in the same run it serves the very same
// response bytes from memory with a minimal net/http server (the ceiling:
// what this machine can do at all), and PocketBase, a peer, with the same
// posts. Then it loads each with vegeta at full speed, one endpoint at a
// time, and prints each endpoint's throughput as a ratio of the ceiling's
// and of PocketBase's, with p50 and p99 latency and each server's memory.
//
//	go run ./delivery -posts 10000 -duration 5s
//	go run ./delivery -postgres 'postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"debug/buildinfo"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/uuid"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/loamcms/cms/accounts"
	"github.com/loamcms/cms/content"
	"github.com/loamcms/cms/delivery"
	"github.com/loamcms/cms/internal/changes"
	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/logging"
	"github.com/loamcms/cms/internal/outbox"
	"github.com/loamcms/cms/models"
	"github.com/loamcms/cms/policies"
	"github.com/loamcms/cms/server"
)

// The peer: the version this bench was written against, and how to get it.
const (
	pbVersion    = "v0.36.8"
	pbInstall    = "go install github.com/pocketbase/pocketbase/examples/base@" + pbVersion
	pbEmail      = "bench@example.com"
	pbPassword   = "bench-password-0123456789"
	pbBatchLimit = 500 // records per batch request (PocketBase's default limit is 50)
)

func main() {
	posts := flag.Int("posts", 10000, "published posts to generate")
	duration := flag.Duration("duration", 5*time.Second, "load per endpoint and server")
	workers := flag.Uint64("workers", 32, "concurrent connections")
	pg := flag.String("postgres", os.Getenv("CMS_TEST_POSTGRES"), "PostgreSQL server URL; empty: SQLite only")
	pbFlag := flag.String("pocketbase", "", "PocketBase "+pbVersion+" binary (default: base in GOBIN or GOPATH/bin, from `"+pbInstall+"`)")
	repo := flag.String("repo", "..", "the CMS repository (built with go build)")
	keep := flag.Bool("keep", false, "keep the temporary directory (binaries, data dirs, server logs)")
	publishFlag := flag.String("publish", "", "publish rates (per second) to load by-slug and list-20 under, e.g. 0,1,10 (0 is the quiet figure); empty: none")
	quick := flag.Bool("quick", false, "only the cached loads of cms and the ceiling (and -publish): no PocketBase, no no-cache CMS")
	profile := flag.String("profile", "", "write CPU profiles of the cached loads (cms and ceiling) into this directory")
	serveCold := flag.String("serve-cold", "", "internal: serve the CMS on this database with every answer computed afresh, and print the address")
	microFlag := flag.Bool("micro", false, "instead of the load: one cached request at a time through the CMS's handler in this process (SQLite, no network), ns/op and allocs/op; with -profile, its CPU profile")
	serveCeiling := flag.String("serve-ceiling", "", "internal: serve the answers recorded in this JSON file, and print the address")
	flag.Parse()
	if *serveCold != "" {
		coldServer(*serveCold)
		return
	}
	if *serveCeiling != "" {
		ceilingServer(*serveCeiling)
		return
	}

	rates, err := parseRates(*publishFlag)
	if err != nil {
		fatalf("-publish: %v", err)
	}
	profileDir = *profile
	if profileDir != "" {
		check(os.MkdirAll(profileDir, 0o755))
	}
	if *microFlag {
		micro(min(*posts, 1000))
		return
	}
	if *posts < 20 {
		fatalf("-posts must be at least 20 (one list of each of the 20 categories)")
	}
	tmp, err := os.MkdirTemp("", "cms-bench-delivery-")
	check(err)
	tmpDir, keepTmp = tmp, *keep
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
		<-sig
		fatalf("interrupted")
	}()
	defer cleanup()

	pbBin, pbNote := findPocketBase(*pbFlag)
	quickRun = *quick
	if quickRun {
		pbBin, pbNote = "", "not run (-quick)"
	} else if pbBin == "" {
		// Loud on purpose: a run without the peer must not pass for one with it.
		fmt.Fprintf(os.Stderr, "\n*** PocketBase peer SKIPPED: %s\n*** install it with: %s\n*** (or pass -pocketbase PATH)\n\n", pbNote, pbInstall)
	}
	bin := filepath.Join(tmp, "cms")
	start := time.Now()
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = *repo
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fatalf("go build in %s: %v", *repo, err)
	}
	fmt.Fprintf(os.Stderr, "built cms in %v\n", time.Since(start).Round(time.Millisecond))

	dbs := []string{"sqlite"}
	if *pg != "" {
		dbs = append(dbs, "postgres")
	}
	fmt.Printf("delivery API vs an in-memory ceiling and PocketBase: %d posts, %v per run, %d connections, GOMAXPROCS=%d, %s\n",
		*posts, *duration, *workers, runtime.GOMAXPROCS(0), runtime.Version())
	fmt.Printf("each server is a process of its own: cms = `cms serve`; ceiling = the same bytes from memory; pocketbase = %s\n", pbNote)
	fmt.Printf("ratio = cms rps ÷ ceiling rps; cms/pb = cms rps ÷ pocketbase rps (PocketBase is always on SQLite, the only database it has)\n")
	fmt.Printf("cms µs, ceil µs = the server's CPU time (user + system, /proc/PID/stat) per answer during its load: what an answer costs it, however busy the machine\n\n")
	fmt.Printf("%-9s %-22s %8s %8s %6s %8s %8s %8s %8s %6s %6s | %7s %6s %8s %8s\n", "database", "endpoint", "cms rps", "ceil rps", "ratio",
		"cms p50", "cms p99", "ceil p50", "ceil p99", "cms µs", "ceil µs", "pb rps", "cms/pb", "pb p50", "pb p99")
	for _, dialect := range dbs {
		run(dialect, *pg, bin, pbBin, *posts, *duration, *workers, rates)
	}
	if pbBin == "" && !quickRun {
		fmt.Fprintf(os.Stderr, "\n*** PocketBase peer SKIPPED (%s): install it with %s\n", pbNote, pbInstall)
	}
}

func run(dialect, pgServer, cmsBin, pbBin string, n int, duration time.Duration, workers uint64, rates []float64) {
	db, dbURL := openFresh(dialect, pgServer)
	token, posts, categories := generate(db, n)
	db.Close() // the servers open it themselves

	cms := startCMS(cmsBin, dbURL, dialect)
	// The same CMS with every answer computed afresh: a change counter that
	// moves on every read makes each cached answer stale at once.
	var cold *proc
	if !quickRun {
		cold = startCold(dbURL, dialect)
	}
	var pb *proc
	var pbCategories []string
	if pbBin != "" {
		pb = startPocketBase(pbBin, dialect)
		pbCategories = seedPocketBase(pb, posts, len(categories))
	}

	// newest[c] is the newest post of category c: the first item of its list.
	newest := make([]int, len(categories))
	for i := range posts {
		newest[posts[i].category] = i
	}
	perCategory := func(c int) int { return (n - c + len(categories) - 1) / len(categories) }
	bySlug := pick(len(posts), 1000)
	lists := pick(len(categories), len(categories))
	endpoints := []endpoint{{
		name:     "by-slug",
		cms:      each(bySlug, func(i int) string { return "/api/content/post/" + posts[i].slug }),
		checkCMS: func(k int, body []byte) error { return checkCMSItem(body, posts[bySlug[k]].slug) },
		checkPB:  func(k int, body []byte, _ bool) error { return checkPBList(body, posts[bySlug[k]].slug, 1, 1) },
	}, {
		name: "list-20",
		cms: each(lists, func(c int) string {
			return "/api/content/post?" + url.Values{"filter[category]": {categories[c]}, "sort": {"-published_at"}, "limit": {"20"}}.Encode()
		}),
		checkCMS: func(k int, body []byte) error {
			c := lists[k]
			return checkCMSList(body, posts[newest[c]].slug, categories[c], min(20, perCategory(c)), perCategory(c))
		},
		checkPB: func(k int, body []byte, skipTotal bool) error {
			c := lists[k]
			total := perCategory(c)
			if skipTotal {
				total = -1 // what PocketBase answers instead of the count
			}
			return checkPBList(body, posts[newest[c]].slug, min(20, perCategory(c)), total)
		},
	}}
	if pb != nil {
		// PocketBase has no by-slug route: a site asks its list for the one
		// record with that slug. It counts the matches unless told not to.
		records := func(q url.Values) string { return "/api/collections/posts/records?" + q.Encode() }
		endpoints[0].pb = each(bySlug, func(i int) string {
			return records(url.Values{"filter": {"(slug='" + posts[i].slug + "')"}, "perPage": {"1"}})
		})
		endpoints[1].pb = each(lists, func(c int) string {
			return records(url.Values{"filter": {"(category='" + pbCategories[c] + "')"}, "sort": {"-published_at"}, "perPage": {"20"}})
		})
		// What a site that needs no total would ask for.
		endpoints[1].pbSkipTotal = each(lists, func(c int) string {
			return records(url.Values{"filter": {"(category='" + pbCategories[c] + "')"}, "sort": {"-published_at"}, "perPage": {"20"}, "skipTotal": {"1"}})
		})
	}

	// Check every answer once, then serve exactly our bytes as the ceiling.
	answers := map[string][]byte{}
	cmsSize, pbSize := map[string]int{}, map[string]int{} // bytes of one answer
	for _, ep := range endpoints {
		for k, p := range ep.cms {
			b := get(cms, p, token)
			if err := ep.checkCMS(k, b); err != nil {
				cms.fatalf("GET %s: %v\n%s", p, err, b)
			}
			answers[p], cmsSize[ep.name] = b, len(b)
		}
		for k, p := range ep.pb {
			b := get(pb, p, "")
			if err := ep.checkPB(k, b, false); err != nil {
				pb.fatalf("GET %s: %v\n%s", p, err, b)
			}
			pbSize[ep.name] = len(b)
		}
		for k, p := range ep.pbSkipTotal {
			b := get(pb, p, "")
			if err := ep.checkPB(k, b, true); err != nil {
				pb.fatalf("GET %s: %v\n%s", p, err, b)
			}
		}
	}
	ceiling := startCeiling(answers, dialect)

	// row prints c (ours) against m (the ceiling) and p (PocketBase); a row
	// without c compares p with ours, our throughput from another row.
	row := func(name string, c, m, p *vegeta.Metrics, ours float64) {
		line := fmt.Sprintf("%-9s %-22s", dialect, name)
		if c != nil {
			line += fmt.Sprintf(" %8.0f %8.0f %6.2f %8s %8s %8s %8s %6s %6s", c.Throughput, m.Throughput, c.Throughput/m.Throughput,
				ms(c.Latencies.P50), ms(c.Latencies.P99), ms(m.Latencies.P50), ms(m.Latencies.P99), usPerRequest(c), usPerRequest(m))
		} else {
			line += fmt.Sprintf(" %8s %8s %6s %8s %8s %8s %8s %6s %6s", "", "", "", "", "", "", "", "", "")
		}
		if p == nil {
			line += " |  skipped: no PocketBase"
		} else {
			line += fmt.Sprintf(" | %7.0f %6.2f %8s %8s", p.Throughput, ours/p.Throughput, ms(p.Latencies.P50), ms(p.Latencies.P99))
		}
		fmt.Println(line)
	}
	for _, ep := range endpoints {
		// Each server right after the other, so the noise of this machine
		// falls on all of them alike; the ceiling first, as before.
		done := profileDuring(ceiling, dialect+"-ceiling-"+ep.name, duration)
		m := attack(ceiling, ep.cms, token, duration, workers)
		done()
		done = profileDuring(cms, dialect+"-cms-"+ep.name, duration)
		c := attack(cms, ep.cms, token, duration, workers)
		done()
		var p, ps *vegeta.Metrics
		if pb != nil {
			p = attack(pb, ep.pb, "", duration, workers)
			if ep.pbSkipTotal != nil {
				ps = attack(pb, ep.pbSkipTotal, "", duration, workers)
			}
		}
		row(ep.name, c, m, p, c.Throughput)
		if cold != nil {
			k := attack(cold, ep.cms, token, duration, workers)
			row(ep.name+" (no cache)", k, m, p, k.Throughput)
		}
		if ps != nil {
			// Our list-20 (with its total) over PocketBase's without one.
			row(ep.name+" pb skipTotal", nil, nil, ps, c.Throughput)
		}
	}

	if len(rates) > 0 {
		listPaths := append(slices.Clone(endpoints[1].cms), "/api/content/post?"+url.Values{"sort": {"-published_at"}, "limit": {"20"}}.Encode())
		publishLoad(dialect, cms, token, categories, rates, duration, workers, []loadTarget{
			{"by-slug", endpoints[0].cms}, {"list-20 + first page", listPaths}})
	}

	sizes := fmt.Sprintf("%-9s one answer:", dialect)
	for _, ep := range endpoints {
		sizes += fmt.Sprintf(" %s cms %d B", ep.name, cmsSize[ep.name])
		if pb != nil {
			sizes += fmt.Sprintf(", pocketbase %d B", pbSize[ep.name])
		}
		sizes += ";"
	}
	fmt.Println(strings.TrimSuffix(sizes, ";"))
	mem := fmt.Sprintf("%-9s memory after the load, VmRSS/VmHWM:", dialect)
	for _, s := range []*proc{cms, cold, pb, ceiling} {
		if s != nil {
			mm := s.memory()
			mem += fmt.Sprintf(" %s %s/%s,", s.name, mib(mm.rss), mib(mm.hwm))
		}
	}
	fmt.Println(strings.TrimSuffix(mem, ",") + " MiB")
	for _, s := range []*proc{cms, cold, pb, ceiling} {
		if s != nil {
			s.stop()
		}
	}
}

// endpoint is one kind of request, as our paths and PocketBase's.
type endpoint struct {
	name                 string
	cms, pb, pbSkipTotal []string
	// checkCMS and checkPB tell whether the k-th path's answer is right.
	checkCMS func(k int, body []byte) error
	checkPB  func(k int, body []byte, skipTotal bool) error
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

func mib(n int64) string { return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) }

// pick chooses up to k of the indexes 0…n-1, spread evenly.
func pick(n, k int) []int {
	var out []int
	step := max(1, n/k)
	for i := 0; i < n && len(out) < k; i += step {
		out = append(out, i)
	}
	return out
}

func each(is []int, path func(int) string) []string {
	out := make([]string, len(is))
	for k, i := range is {
		out[k] = path(i)
	}
	return out
}

// attack loads s with the paths in turn, as fast as workers connections allow.
func attack(s *proc, paths []string, token string, duration time.Duration, workers uint64) *vegeta.Metrics {
	targets := make([]vegeta.Target, len(paths))
	for i, p := range paths {
		targets[i] = vegeta.Target{Method: "GET", URL: s.base + p, Header: http.Header{}}
		if token != "" {
			targets[i].Header.Set("Authorization", "Bearer "+token)
		}
	}
	attacker := vegeta.NewAttacker(vegeta.Workers(workers), vegeta.MaxWorkers(workers), vegeta.KeepAlive(true),
		vegeta.Connections(int(workers)), vegeta.MaxBody(0))
	var m vegeta.Metrics
	cpu := s.cpu()
	for res := range attacker.Attack(vegeta.NewStaticTargeter(targets...), vegeta.Rate{Freq: 0}, duration, "load") {
		m.Add(res)
	}
	cpu = s.cpu() - cpu
	m.Close()
	if m.Success < 1 {
		s.fatalf("load of %s: success ratio %.3f (%v)", s.name, m.Success, m.Errors)
	}
	mu.Lock()
	cpuOf[&m] = cpu
	mu.Unlock()
	return &m
}

// cpuOf is the CPU time the server spent during each load.
var cpuOf = map[*vegeta.Metrics]time.Duration{}

// usPerRequest is the server's CPU time per answer of load m, in µs: what
// an answer costs it, whatever else the machine was doing.
func usPerRequest(m *vegeta.Metrics) string {
	mu.Lock()
	cpu := cpuOf[m]
	mu.Unlock()
	if m.Requests == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", float64(cpu.Microseconds())/float64(m.Requests))
}

// cpu is the CPU time (user and system) the process has used so far.
func (s *proc) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	// The fields after the command (which is in parentheses and may hold
	// spaces): state is the 3rd field, utime and stime the 14th and 15th.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * time.Second / clockTicks
}

// clockTicks is the unit of /proc/PID/stat's times (USER_HZ, 100 on Linux).
const clockTicks = 100

func get(s *proc, path, token string) []byte {
	req, _ := http.NewRequest("GET", s.base+path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		s.fatalf("GET %s: %d %s", path, res.StatusCode, b)
	}
	return b
}

// checkCMSItem: our one-item answer is the post with this slug.
func checkCMSItem(body []byte, slug string) error {
	var a struct {
		Data struct {
			Slug string `json:"slug"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return err
	}
	if a.Data.Slug != slug {
		return fmt.Errorf("slug %q, want %q", a.Data.Slug, slug)
	}
	return nil
}

// checkCMSList: our list starts with the category's newest post, has n
// items of that category, newest first, and counts total.
func checkCMSList(body []byte, first, category string, n, total int) error {
	var a struct {
		Data []struct {
			Slug        string    `json:"slug"`
			Category    any       `json:"category"`
			PublishedAt time.Time `json:"published_at"`
		} `json:"data"`
		Meta struct {
			Total int `json:"total"`
		} `json:"meta"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return err
	}
	switch {
	case len(a.Data) != n:
		return fmt.Errorf("%d items, want %d", len(a.Data), n)
	case a.Data[0].Slug != first:
		return fmt.Errorf("first item %q, want %q", a.Data[0].Slug, first)
	case a.Meta.Total != total:
		return fmt.Errorf("meta.total %d, want %d", a.Meta.Total, total)
	}
	for i, it := range a.Data {
		if id, ok := it.Category.(string); ok && id != category {
			return fmt.Errorf("item %d in category %q, want %q", i, id, category)
		}
		if i > 0 && it.PublishedAt.After(a.Data[i-1].PublishedAt) {
			return fmt.Errorf("item %d is newer than item %d", i, i-1)
		}
	}
	return nil
}

// checkPBList: PocketBase's page has n items, newest first, starting with
// the post first, and totalItems is total.
func checkPBList(body []byte, first string, n, total int) error {
	var a struct {
		TotalItems int `json:"totalItems"`
		Items      []struct {
			Slug        string `json:"slug"`
			PublishedAt string `json:"published_at"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return err
	}
	switch {
	case len(a.Items) != n:
		return fmt.Errorf("%d items, want %d", len(a.Items), n)
	case a.Items[0].Slug != first:
		return fmt.Errorf("first item %q, want %q", a.Items[0].Slug, first)
	}
	for i := 1; i < len(a.Items); i++ {
		if a.Items[i].PublishedAt > a.Items[i-1].PublishedAt {
			return fmt.Errorf("item %d is newer than item %d", i, i-1)
		}
	}
	if a.TotalItems != total {
		return fmt.Errorf("totalItems %d, want %d", a.TotalItems, total)
	}
	return nil
}

// The servers this run started, killed at exit whatever happens.
var (
	mu       sync.Mutex
	procs    []*proc
	atExit   []func()
	tmpDir   string
	keepTmp  bool
	quickRun bool
	cleaned  bool
)

// proc is a server in a process of its own.
type proc struct {
	name, base, log string
	metrics, debug  string // base URLs of its /metrics and its net/http/pprof, where it has them
	cmd             *exec.Cmd
	done            chan struct{}
	err             error
}

// startCMS runs `cms serve` on the database, with its defaults: a log line
// per request (to a file here) and its background work (outbox, scheduler).
func startCMS(bin, dbURL, dialect string) *proc {
	addr := freeAddr()
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "CMS_") {
			env = append(env, kv)
		}
	}
	metricsAddr, debugAddr := freeAddr(), freeAddr()
	env = append(env, "CMS_ADDR="+addr, "CMS_DATABASE_URL="+dbURL, "CMS_DATA_DIR="+filepath.Join(tmpDir, dialect+"-cms-data"),
		"CMS_PUBLIC_URL=http://"+addr, "CMS_METRICS_ADDR="+metricsAddr, "CMS_DEBUG_ADDR="+debugAddr)
	s := start(dialect+"-cms", exec.Command(bin, "serve"), env)
	s.base, s.metrics, s.debug = "http://"+addr, "http://"+metricsAddr, "http://"+debugAddr
	s.waitReady("/readyz")
	s.name = "cms"
	return s
}

// startCold runs this program again as a CMS whose cache never hits.
func startCold(dbURL, dialect string) *proc {
	self, err := os.Executable()
	check(err)
	return startSelf(dialect+"-cms-nocache", "cms-nocache", exec.Command(self, "-serve-cold", dbURL))
}

// startCeiling runs this program again as the ceiling, serving answers.
func startCeiling(answers map[string][]byte, dialect string) *proc {
	file := filepath.Join(tmpDir, dialect+"-answers.json")
	b, err := json.Marshal(answers)
	check(err)
	check(os.WriteFile(file, b, 0o600))
	self, err := os.Executable()
	check(err)
	return startSelf(dialect+"-ceiling", "ceiling", exec.Command(self, "-serve-ceiling", file))
}

// startSelf starts cmd, which prints "listening ADDR debug ADDR" once it
// is (the second its net/http/pprof).
func startSelf(logName, name string, cmd *exec.Cmd) *proc {
	out, err := cmd.StdoutPipe()
	check(err)
	s := start(logName, cmd, os.Environ())
	line, err := bufio.NewReader(out).ReadString('\n')
	var addr, debug string
	if n, _ := fmt.Sscanf(line, "listening %s debug %s", &addr, &debug); err != nil || n != 2 {
		s.fatalf("%s did not start: %q %v", name, line, err)
	}
	s.base, s.debug, s.name = "http://"+addr, "http://"+debug, name
	return s
}

func start(name string, cmd *exec.Cmd, env []string) *proc {
	logFile, err := os.Create(filepath.Join(tmpDir, name+".log"))
	check(err)
	cmd.Env = env
	if cmd.Stdout == nil {
		cmd.Stdout = logFile
	}
	cmd.Stderr = logFile
	// Dies with us even if we are killed.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	s := &proc{name: name, cmd: cmd, log: logFile.Name(), done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		fatalf("start %s: %v", name, err)
	}
	mu.Lock()
	procs = append(procs, s)
	mu.Unlock()
	go func() {
		s.err = cmd.Wait()
		logFile.Close()
		close(s.done)
	}()
	return s
}

// waitReady waits for a 200 from path.
func (s *proc) waitReady(path string) {
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := http.Get(s.base + path)
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		select {
		case <-s.done:
			s.fatalf("%s exited before it was ready: %v", s.name, s.err)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.fatalf("%s not ready within 60s (last: %v)", s.name, err)
		}
	}
}

// stop ends the server gracefully (SIGTERM), killing it after 10 s.
func (s *proc) stop() {
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
}

// fatalf fails with the tail of the server's log.
func (s *proc) fatalf(format string, args ...any) {
	b, _ := os.ReadFile(s.log)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > 40 {
		lines = lines[len(lines)-40:]
	}
	fmt.Fprintf(os.Stderr, "--- last lines of %s (%s) ---\n%s\n---\n", s.name, s.log, strings.Join(lines, "\n"))
	fatalf(format, args...)
}

type memory struct{ hwm, rss int64 } // bytes

// memory is the process's resident set now (VmRSS) and at its peak (VmHWM).
func (s *proc) memory() memory {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		s.fatalf("reading the server's status: %v", err)
	}
	var m memory
	for line := range strings.Lines(string(b)) {
		k, v, _ := strings.Cut(line, ":")
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, _ := strconv.ParseInt(f[0], 10, 64)
		switch k {
		case "VmHWM":
			m.hwm = n << 10
		case "VmRSS":
			m.rss = n << 10
		}
	}
	if m.hwm == 0 {
		s.fatalf("no VmHWM in /proc/%d/status", s.cmd.Process.Pid)
	}
	return m
}

// cleanup kills every server still running, then drops what the run made.
func cleanup() {
	mu.Lock()
	defer mu.Unlock()
	if cleaned {
		return
	}
	cleaned = true
	for _, s := range procs {
		select {
		case <-s.done:
		default:
			s.cmd.Process.Kill()
			<-s.done
		}
	}
	for i := len(atExit) - 1; i >= 0; i-- {
		atExit[i]()
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
	fmt.Fprintf(os.Stderr, "delivery bench: "+format+"\n", args...)
	cleanup()
	os.Exit(1)
}

func check(err error) {
	if err != nil {
		fatalf("%v", err)
	}
}

func must(err error) { check(err) }

func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	check(err)
	defer ln.Close()
	return ln.Addr().String()
}

// listenAndTell listens on a free loopback port, and on another for
// net/http/pprof (for -profile), tells the parent where (its first line of
// output), and serves h until killed.
func listenAndTell(h http.Handler) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	debug, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	go http.Serve(debug, mux)
	fmt.Printf("listening %s debug %s\n", ln.Addr(), debug.Addr())
	fmt.Fprintln(os.Stderr, (&http.Server{Handler: h}).Serve(ln))
	os.Exit(1)
}

// ceilingServer answers each recorded path with its bytes and nothing else.
func ceilingServer(file string) {
	b, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	answers := map[string][]byte{}
	if err := json.Unmarshal(b, &answers); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	listenAndTell(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := answers[r.URL.RequestURI()]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
}

// coldServer serves the CMS on the database as `cms serve` wires the
// delivery API (and logs like it), except that its answer cache keeps
// nothing, so every answer is computed afresh.
func coldServer(dbURL string) {
	// A cache of one byte keeps nothing: every answer is computed.
	h, _ := cmsHandler(dbURL, 1, os.Stderr)
	listenAndTell(h)
}

// cmsHandler is the CMS's HTTP handler on the database as `cms serve`
// wires the delivery API, logging to w like it; cacheBytes 0 is the
// default answer cache.
func cmsHandler(dbURL string, cacheBytes int, w io.Writer) (http.Handler, *delivery.Service) {
	db, err := database.Open(dbURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	log, _ := logging.New(w, "text", "info")
	enf, err := policies.Default()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	sqlDB, _ := db.DB.DB()
	feed := changes.New(db.Dialect, log)
	acc := accounts.New(db.DB, enf, accounts.Options{JWTSecret: []byte(rand.Text() + rand.Text()), Changes: feed})
	cnt := content.New(db.DB, enf, content.Options{Dialect: db.Dialect, Changes: feed, Log: log})
	dlv := delivery.New(db.DB, enf, delivery.Options{Dialect: db.Dialect, CacheBytes: cacheBytes})
	feed.OnChange(dlv.Changed)
	return server.New(server.Options{MaxBody: 2 << 20}, server.Deps{Accounts: acc, Content: cnt, Delivery: dlv, Ping: sqlDB.PingContext, Log: log}), dlv
}

// findPocketBase is the binary to run as the peer ("" if none) and what to
// say about it. Without -pocketbase it is `base` where `go install` puts it.
func findPocketBase(flagPath string) (string, string) {
	path := flagPath
	if path == "" {
		dir := goEnv("GOBIN")
		if dir == "" {
			dir = filepath.Join(strings.Split(goEnv("GOPATH"), string(os.PathListSeparator))[0], "bin")
		}
		path = filepath.Join(dir, "base")
	}
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		if flagPath != "" {
			fatalf("-pocketbase %s: %v", flagPath, err)
		}
		if errors.Is(err, fs.ErrNotExist) {
			return "", "no binary at " + path
		}
		return "", fmt.Sprintf("%s: %v", path, err)
	}
	version := "(unknown version)"
	if info.Main.Path == "github.com/pocketbase/pocketbase" {
		version = info.Main.Version
	}
	for _, d := range info.Deps {
		if d.Path == "github.com/pocketbase/pocketbase" {
			version = d.Version
		}
	}
	note := fmt.Sprintf("PocketBase %s (%s, built with %s)", version, path, info.GoVersion)
	if version != pbVersion {
		fmt.Fprintf(os.Stderr, "warning: %s is PocketBase %s; this bench was written for %s (%s)\n", path, version, pbVersion, pbInstall)
	}
	return path, note
}

func goEnv(key string) string {
	out, err := exec.Command("go", "env", key).Output()
	if err != nil {
		fatalf("go env %s: %v", key, err)
	}
	return strings.TrimSpace(string(out))
}

// startPocketBase starts PocketBase on a fresh data dir, with a superuser
// made beforehand as its CLI does it.
func startPocketBase(bin, dialect string) *proc {
	dir := filepath.Join(tmpDir, dialect+"-pocketbase")
	data := filepath.Join(dir, "pb_data")
	out, err := exec.Command(bin, "superuser", "upsert", pbEmail, pbPassword, "--dir", data).CombinedOutput()
	if err != nil {
		fatalf("%s superuser upsert: %v\n%s", bin, err, out)
	}
	addr := freeAddr()
	// --automigrate=false: it would only write a JS migration file for each
	// collection made through the API. --publicDir: nothing to serve, not
	// the folder next to the binary.
	s := start(dialect+"-pocketbase", exec.Command(bin, "serve", "--http", addr, "--dir", data,
		"--publicDir", filepath.Join(dir, "pb_public"), "--automigrate=false"), os.Environ())
	s.base = "http://" + addr
	s.waitReady("/api/health")
	s.name = "pocketbase"
	return s
}

// seedPocketBase makes the posts and categories in PocketBase as a site
// would model them (a categories collection, posts with a relation to it,
// public list/view rules, slug unique, category indexed with the sort
// key), inserts the same posts through its batch API, and returns the
// categories' record ids.
func seedPocketBase(s *proc, posts []post, nCategories int) []string {
	start := time.Now()
	token := pbCall(s, "", "POST", "/api/collections/_superusers/auth-with-password",
		map[string]any{"identity": pbEmail, "password": pbPassword})["token"].(string)
	// Batch requests are off by default (and capped at 50 a request).
	pbCall(s, token, "PATCH", "/api/settings", map[string]any{"batch": map[string]any{"enabled": true, "maxRequests": pbBatchLimit, "timeout": 30}})
	cats := pbCall(s, token, "POST", "/api/collections", map[string]any{
		"name": "categories", "type": "base", "listRule": "", "viewRule": "",
		"fields": []map[string]any{
			{"name": "name", "type": "text", "required": true, "max": 100},
			{"name": "slug", "type": "text", "required": true},
			{"name": "description", "type": "text", "max": 1000},
		},
		"indexes": []string{"CREATE UNIQUE INDEX idx_categories_slug ON categories (slug)"},
	})
	pbCall(s, token, "POST", "/api/collections", map[string]any{
		"name": "posts", "type": "base", "listRule": "", "viewRule": "",
		"fields": []map[string]any{
			{"name": "title", "type": "text", "required": true, "max": 200},
			{"name": "slug", "type": "text", "required": true},
			{"name": "summary", "type": "text", "max": 500},
			{"name": "body", "type": "editor"}, // PocketBase's rich text, as ours is
			{"name": "category", "type": "relation", "collectionId": cats["id"], "maxSelect": 1},
			{"name": "published_at", "type": "date"},
		},
		"indexes": []string{
			"CREATE UNIQUE INDEX idx_posts_slug ON posts (slug)",
			"CREATE INDEX idx_posts_category ON posts (category, published_at)",
		},
	})
	var reqs []map[string]any
	for i := range nCategories {
		reqs = append(reqs, map[string]any{"method": "POST", "url": "/api/collections/categories/records",
			"body": map[string]any{"name": fmt.Sprintf("Category %d", i), "slug": fmt.Sprintf("category-%d", i)}})
	}
	ids := make([]string, nCategories)
	for i, r := range pbBatch(s, token, reqs) {
		ids[i] = r["id"].(string)
	}
	reqs = reqs[:0]
	for _, p := range posts {
		reqs = append(reqs, map[string]any{"method": "POST", "url": "/api/collections/posts/records",
			"body": map[string]any{"title": p.title, "slug": p.slug, "summary": p.summary, "body": p.body,
				"category": ids[p.category], "published_at": p.publishedAt.Format("2006-01-02 15:04:05.000Z")}})
		if len(reqs) == pbBatchLimit {
			pbBatch(s, token, reqs)
			reqs = reqs[:0]
		}
	}
	if len(reqs) > 0 {
		pbBatch(s, token, reqs)
	}
	fmt.Fprintf(os.Stderr, "pocketbase: inserted %d posts in %v\n", len(posts), time.Since(start).Round(time.Millisecond))
	return ids
}

// pbBatch runs requests in one PocketBase batch (one transaction) and
// returns each one's record.
func pbBatch(s *proc, token string, reqs []map[string]any) []map[string]any {
	var res []struct {
		Status int            `json:"status"`
		Body   map[string]any `json:"body"`
	}
	b := pbDo(s, token, "POST", "/api/batch", map[string]any{"requests": reqs})
	if err := json.Unmarshal(b, &res); err != nil || len(res) != len(reqs) {
		s.fatalf("batch: %d results for %d requests (%v)", len(res), len(reqs), err)
	}
	out := make([]map[string]any, len(res))
	for i, r := range res {
		if r.Status != 200 {
			s.fatalf("batch request %d: %d %v", i, r.Status, r.Body)
		}
		out[i] = r.Body
	}
	return out
}

func pbCall(s *proc, token, method, path string, body any) map[string]any {
	var out map[string]any
	if err := json.Unmarshal(pbDo(s, token, method, path, body), &out); err != nil {
		s.fatalf("%s %s: %v", method, path, err)
	}
	return out
}

func pbDo(s *proc, token, method, path string, body any) []byte {
	b, err := json.Marshal(body)
	check(err)
	req, _ := http.NewRequest(method, s.base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		s.fatalf("%s %s: %d %s", method, path, res.StatusCode, out)
	}
	return out
}

// openFresh makes an empty migrated database and returns it with its URL;
// it is removed at exit.
func openFresh(dialect, pgServer string) (*database.DB, string) {
	if dialect == "sqlite" {
		u := "sqlite://" + filepath.Join(tmpDir, "cms.db")
		return mustOpen(u), u
	}
	admin := mustOpen(pgServer)
	name := "cms_bench_" + strings.ToLower(rand.Text()[:10])
	if err := admin.Exec("CREATE DATABASE " + name).Error; err != nil {
		fatalf("%v", err)
	}
	mu.Lock()
	atExit = append(atExit, func() {
		admin.Exec("DROP DATABASE " + name + " WITH (FORCE)")
		admin.Close()
	})
	mu.Unlock()
	u, _ := url.Parse(pgServer)
	u.Path = "/" + name
	return mustOpen(u.String()), u.String()
}

func mustOpen(u string) *database.DB {
	db, err := database.Open(u)
	if err != nil {
		fatalf("%v", err)
	}
	if _, err := db.Migrate(context.Background()); err != nil {
		fatalf("%v", err)
	}
	// River's tables too, as `cms serve` makes them: every change (here the
	// delivery token's creation) writes its event to the outbox.
	if err := outbox.Migrate(context.Background(), db); err != nil {
		fatalf("%v", err)
	}
	return db
}

// post is one generated post, kept so PocketBase gets the very same ones.
type post struct {
	slug, title, summary, body string
	category                   int // index into the categories
	publishedAt                time.Time
}

// generate writes n published posts in 20 categories straight into the
// tables (the workflow would take minutes for 10k), plus a delivery token.
// It returns the token, the posts and the categories' ids.
func generate(db *database.DB, n int) (string, []post, []string) {
	start := time.Now()
	now := time.Now().UTC().Truncate(time.Millisecond) // PocketBase keeps milliseconds
	author := models.User{ID: id(), Email: "bench@example.com", Name: "Bench", PasswordHash: "x", Roles: models.Roles{"editor"},
		PasswordChangedAt: now, CreatedAt: now, UpdatedAt: now}
	must(db.Create(&author).Error)
	var categories []string
	var entries []models.Entry
	var snaps []models.PublishedEntry
	add := func(typ, slug string, data models.Data, at time.Time) string {
		e := models.Entry{ID: id(), Type: typ, Slug: slug, Locale: "en", Status: models.StatusPublished, Version: 4, Revision: 1,
			Data: data, AuthorID: author.ID, RevisionAuthorID: author.ID, PublishedRevision: ptr(1), PublishedAt: &at, CreatedAt: at, UpdatedAt: at}
		e.DocumentID = e.ID
		entries = append(entries, e)
		attrs := models.Data{}
		for k, v := range data {
			if k != "body" {
				attrs[k] = v
			}
		}
		snaps = append(snaps, models.PublishedEntry{EntryID: e.ID, DocumentID: e.ID, Type: typ, Slug: slug, Locale: "en", Revision: 1, Data: data, Attrs: attrs,
			SearchText: strings.ToLower(fmt.Sprint(data["title"], " ", data["summary"])), PublishedAt: at, UpdatedAt: at})
		return e.ID
	}
	for i := range 20 {
		categories = append(categories, add("category", fmt.Sprintf("category-%d", i), models.Data{"name": fmt.Sprintf("Category %d", i)}, now))
	}
	var posts []post
	for i := range n {
		p := post{
			slug:        fmt.Sprintf("post-number-%d", i),
			title:       fmt.Sprintf("Post number %d", i),
			summary:     "A generated post for the delivery benchmark, long enough to look like a real summary of an article.",
			body:        "<p>" + strings.Repeat("Generated body text for the benchmark. ", 40) + "</p>",
			category:    i % len(categories),
			publishedAt: now.Add(-time.Duration(n-i) * time.Minute),
		}
		add("post", p.slug, models.Data{"title": p.title, "summary": p.summary, "body": p.body, "category": categories[p.category]}, p.publishedAt)
		posts = append(posts, p)
	}
	must(db.CreateInBatches(entries, 500).Error)
	must(db.CreateInBatches(snaps, 500).Error)
	enf, _ := policies.Default()
	acc := accounts.New(db.DB, enf, accounts.Options{JWTSecret: []byte("unused-unused-unused-unused-unused")})
	tok, err := acc.CreateToken(context.Background(), models.Principal{System: true}, accounts.NewToken{Name: "bench", Scope: models.ScopeDelivery})
	must(err)
	// The publisher's editor and reviewer (-publish), who sign in through the API.
	for _, u := range []accounts.NewUser{
		{Email: editorEmail, Name: "Bench Editor", Password: benchPassword, Roles: []string{models.RoleEditor}},
		{Email: reviewerEmail, Name: "Bench Reviewer", Password: benchPassword, Roles: []string{models.RoleReviewer}},
	} {
		_, err := acc.CreateUser(context.Background(), models.Principal{System: true}, u)
		must(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	must(content.New(db.DB, enf, content.Options{Dialect: db.Dialect, Log: quiet}).EnsureIndexes(context.Background()))
	must(db.Exec("ANALYZE").Error)
	fmt.Fprintf(os.Stderr, "%s: generated %d posts in %v\n", db.Dialect, n, time.Since(start).Round(time.Millisecond))
	return tok.Token, posts, categories
}

func id() string { return uuid.Must(uuid.NewV7()).String() }

func ptr[T any](v T) *T { return &v }
