package main

// Publish load (-publish): the cached delivery loads while a reviewer
// publishes new posts through the management API at a fixed rate.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The publisher's accounts, made by generate.
const (
	editorEmail   = "bench-editor@example.com"
	reviewerEmail = "bench-reviewer@example.com"
	benchPassword = "bench-password-0123456789"
)

// profileDir is -profile: where CPU profiles of the cached loads go ("" for none).
var profileDir string

// loadTarget is one load of the publish section: a name and its paths.
type loadTarget struct {
	name  string
	paths []string
}

func parseRates(s string) ([]float64, error) {
	var out []float64
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		r, err := strconv.ParseFloat(part, 64)
		if err != nil || r < 0 || r > 100 {
			return nil, fmt.Errorf("%q is not a rate from 0 to 100 per second", part)
		}
		out = append(out, r)
	}
	if len(out) > 0 && out[0] != 0 {
		out = append([]float64{0}, out...) // the quiet figure comes first
	}
	return out, nil
}

// publishLoad loads cms with each target at each rate of publishing, and
// prints each load's throughput as a ratio of the last quiet one (rate 0)
// of the same target, its latency, how the delivery cache found the
// answers and how its recomputations of stale lists ended (from
// /metrics), and how long the publishes took.
func publishLoad(dialect string, cms *proc, token string, categories []string, rates []float64, duration time.Duration, workers uint64, targets []loadTarget) {
	var need int
	for _, r := range rates {
		need += int(math.Ceil(r*duration.Seconds())) + 1
	}
	pub := preparePublisher(cms, categories, need*len(targets))
	fmt.Printf("\n%-9s publishing new posts through the management API (a reviewer's POST /api/entries/{id}/publish of approved drafts made before the load) while loading cms;\n", dialect)
	fmt.Printf("%-9s cms µs = its CPU time per answer, publishing and its background work included\n", dialect)
	fmt.Printf("%-9s %-22s %9s %8s %6s %8s %8s %6s | %6s %6s %6s %6s %7s | %9s %7s | %9s %8s %8s\n", "database", "endpoint", "publish/s", "cms rps", "×quiet",
		"p50", "p99", "cms µs", "hit%", "stale%", "shared%", "miss%", "answers", "unchanged", "rebuilt", "published", "pub p50", "pub p99")
	for _, t := range targets {
		var quiet float64
		for _, r := range rates {
			before := scrapeCache(cms)
			done := func() {}
			if r == rates[len(rates)-1] {
				done = profileDuring(cms, fmt.Sprintf("%s-cms-%s-publish-%g", dialect, strings.Fields(t.name)[0], r), duration)
			}
			stop := pub.start(r)
			m := attack(cms, t.paths, token, duration, workers)
			published, lat := stop()
			done()
			after := scrapeCache(cms)
			if r == 0 {
				quiet = m.Throughput
			}
			var total float64
			for _, k := range cacheResults {
				total += after[k] - before[k]
			}
			pct := func(k string) string {
				if total == 0 {
					return "-"
				}
				return fmt.Sprintf("%.1f", 100*(after[k]-before[k])/total)
			}
			pubP50, pubP99 := "", ""
			if len(lat) > 0 {
				slices.Sort(lat)
				pubP50, pubP99 = ms(lat[len(lat)/2]), ms(lat[min(len(lat)-1, len(lat)*99/100)])
			}
			refreshes := func(k string) string {
				if _, ok := after["refresh "+k]; !ok {
					return "-"
				}
				return fmt.Sprintf("%.0f", after["refresh "+k]-before["refresh "+k])
			}
			fmt.Printf("%-9s %-22s %9.1f %8.0f %6.2f %8s %8s %6s | %6s %6s %6s %6s %7.0f | %9s %7s | %9d %8s %8s\n", dialect, t.name,
				float64(published)/m.Duration.Seconds(), m.Throughput, m.Throughput/quiet, ms(m.Latencies.P50), ms(m.Latencies.P99), usPerRequest(m),
				pct("hit"), pct("stale"), pct("shared"), pct("miss"), total, refreshes("unchanged"), refreshes("rebuilt"), published, pubP50, pubP99)
		}
	}
	fmt.Println()
}

// publisher publishes approved drafts, one a tick.
type publisher struct {
	s        *proc
	reviewer string // access token
	ready    []string
}

// preparePublisher signs in the editor and the reviewer, and walks n new
// posts through the workflow up to approved: the editor creates and
// submits, the reviewer approves. None of that is visible on the delivery
// API, so the cache is as it was.
func preparePublisher(s *proc, categories []string, n int) *publisher {
	start := time.Now()
	editor := login(s, editorEmail)
	p := &publisher{s: s, reviewer: login(s, reviewerEmail)}
	stamp := time.Now().UnixNano()
	for i := range n {
		e := apiCall(s, editor, "POST", "/api/entries", map[string]any{"type": "post", "data": map[string]any{
			"title":    fmt.Sprintf("Published under load %d-%d", stamp, i),
			"summary":  "A post published while the delivery API is under load.",
			"body":     "<p>" + strings.Repeat("Text published under load. ", 40) + "</p>",
			"category": categories[i%len(categories)],
		}})
		id := e["id"].(string)
		apiCall(s, editor, "POST", "/api/entries/"+id+"/submit", map[string]any{})
		apiCall(s, p.reviewer, "POST", "/api/entries/"+id+"/approve", map[string]any{})
		p.ready = append(p.ready, id)
	}
	fmt.Fprintf(os.Stderr, "publisher: %d approved drafts ready in %v\n", n, time.Since(start).Round(time.Millisecond))
	return p
}

func login(s *proc, email string) string {
	out := apiCall(s, "", "POST", "/api/auth/login", map[string]any{"email": email, "password": benchPassword})
	return out["access_token"].(string)
}

// start publishes rate drafts a second, each on the tick (not after the
// last one returned), until the returned stop is called; stop says how
// many were published and how long each publish took.
func (p *publisher) start(rate float64) (stop func() (int, []time.Duration)) {
	if rate == 0 {
		return func() (int, []time.Duration) { return 0, nil }
	}
	var (
		mu   sync.Mutex
		lat  []time.Duration
		wg   sync.WaitGroup
		quit = make(chan struct{})
		over = make(chan struct{})
	)
	go func() {
		defer close(over)
		tick := time.NewTicker(time.Duration(float64(time.Second) / rate))
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
			}
			if len(p.ready) == 0 {
				p.s.fatalf("publisher: no approved drafts left")
			}
			id := p.ready[0]
			p.ready = p.ready[1:]
			wg.Add(1)
			go func() {
				defer wg.Done()
				t := time.Now()
				apiCall(p.s, p.reviewer, "POST", "/api/entries/"+id+"/publish", map[string]any{})
				mu.Lock()
				lat = append(lat, time.Since(t))
				mu.Unlock()
			}()
		}
	}()
	return func() (int, []time.Duration) {
		close(quit)
		<-over
		wg.Wait()
		return len(lat), lat
	}
}

// apiCall sends a management API request and returns its JSON object; any
// status but 200 or 201 fails the bench.
func apiCall(s *proc, token, method, path string, body any) map[string]any {
	b, err := json.Marshal(body)
	check(err)
	req, _ := http.NewRequest(method, s.base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		s.fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 && res.StatusCode != 201 {
		s.fatalf("%s %s: %d %s", method, path, res.StatusCode, out)
	}
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		s.fatalf("%s %s: %v", method, path, err)
	}
	return v
}

var cacheResults = []string{"hit", "stale", "shared", "miss"}

// scrapeCache reads cms_delivery_cache_total by result from /metrics.
func scrapeCache(s *proc) map[string]float64 {
	res, err := http.Get(s.metrics + "/metrics")
	if err != nil {
		s.fatalf("GET /metrics: %v", err)
	}
	defer res.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		rest, ok := strings.CutPrefix(line, `cms_delivery_cache_total{result="`)
		if !ok {
			// How stale lists' recomputations ended, where the CMS counts them.
			if rest, ok = strings.CutPrefix(line, `cms_delivery_refresh_total{result="`); !ok {
				continue
			}
			rest = "refresh " + rest
		}
		result, value, ok := strings.Cut(rest, `"} `)
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(value, 64)
		if err == nil {
			out[result] = v
		}
	}
	if n := len(out); n != len(cacheResults) && n != len(cacheResults)+2 {
		s.fatalf("/metrics: cms_delivery_cache_total has %v, want %v", out, cacheResults)
	}
	return out
}

// profileDuring takes a CPU profile of s over most of a load of duration
// starting now, into profileDir (when -profile is given); the returned
// func waits for it.
func profileDuring(s *proc, name string, duration time.Duration) func() {
	if profileDir == "" || s.debug == "" {
		return func() {}
	}
	secs := max(1, int(duration.Seconds())-1)
	file := filepath.Join(profileDir, strings.NewReplacer(" ", "-", "(", "", ")", "").Replace(name)+".pprof")
	done := make(chan struct{})
	go func() {
		defer close(done)
		res, err := http.Get(fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", s.debug, secs))
		if err != nil {
			fmt.Fprintf(os.Stderr, "profile of %s: %v\n", s.name, err)
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			fmt.Fprintf(os.Stderr, "profile of %s: %d %s\n", s.name, res.StatusCode, b)
			return
		}
		check(os.WriteFile(file, b, 0o644))
		fmt.Fprintf(os.Stderr, "profile: %s (go tool pprof -top %s)\n", file, file)
	}()
	return func() { <-done }
}
