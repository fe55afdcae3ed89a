package main

// -micro: the CMS's own cost of a cached answer, without the network and
// the load generator that share the machine's two cores in the load.

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/loamcms/cms/delivery"
	"github.com/loamcms/cms/internal/changes"
	"github.com/loamcms/cms/models"
)

// discard is a ResponseWriter that keeps nothing but the status.
type discard struct {
	h      http.Header
	status int
}

func (d *discard) Header() http.Header         { return d.h }
func (d *discard) Write(p []byte) (int, error) { return len(p), nil }
func (d *discard) WriteHeader(status int)      { d.status = status }

func micro(n int) {
	tmp, err := os.MkdirTemp("", "cms-bench-micro-")
	check(err)
	tmpDir = tmp
	defer cleanup()
	db, dbURL := openFresh("sqlite", "")
	token, posts, categories := generate(db, n)
	db.Close()
	logFile, err := os.Create(filepath.Join(tmp, "cms.log"))
	check(err)
	defer logFile.Close()
	h, dlv := cmsHandler(dbURL, 0, logFile) // logs to a file, as the load's `cms serve` does
	cold, _ := cmsHandler(dbURL, 1, logFile)
	fmt.Printf("one request at a time through the CMS's handler (SQLite, %d posts, text log to a file):\n", n)
	list := "/api/content/post?" + url.Values{"filter[category]": {categories[3]}, "sort": {"-published_at"}, "limit": {"20"}}.Encode()
	for _, c := range []struct {
		name, path string
		h          http.Handler
	}{
		{"by-slug", "/api/content/post/" + posts[n/2].slug, h},
		{"list-20", list, h},
		{"list-20-nocache", list, cold},
	} {
		h := c.h
		req, _ := http.NewRequest("GET", "http://127.0.0.1"+c.path, nil)
		req.RemoteAddr = "127.0.0.1:40000"
		req.Header.Set("Authorization", "Bearer "+token)
		w := &discard{h: http.Header{}}
		h.ServeHTTP(w, req) // fills the cache
		if w.status != 200 {
			fatalf("GET %s: %d", c.path, w.status)
		}
		if profileDir != "" {
			f, err := os.Create(filepath.Join(profileDir, "micro-"+c.name+".pprof"))
			check(err)
			check(pprof.StartCPUProfile(f))
		}
		res := testing.Benchmark(func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				h.ServeHTTP(w, req)
			}
		})
		if profileDir != "" {
			pprof.StopCPUProfile()
			f, err := os.Create(filepath.Join(profileDir, "micro-"+c.name+".allocs.pprof"))
			check(err)
			check(pprof.Lookup("allocs").WriteTo(f, 0))
			f.Close()
		}
		fmt.Printf("  %-15s %8d ns/op %8d B/op %5d allocs/op\n", c.name, res.NsPerOp(), res.AllocedBytesPerOp(), res.AllocsPerOp())
	}
	staleList(dlv, list)
}

// staleList times what a publish costs a cached list it makes stale: the
// list's one recomputation, when the new post is in another category (the
// page is the same) and when the list shows a changed post (rebuilt), in
// CPU time of this process per change.
func staleList(dlv *delivery.Service, path string) {
	q, err := delivery.ParseQuery("post", "", strings.SplitN(path, "?", 2)[1])
	check(err)
	reader := models.Principal{TokenID: "bench", Roles: []string{models.TokenRolePrefix + models.ScopeDelivery}}
	ctx := context.Background()
	read := func() {
		if _, err := dlv.Read(ctx, reader, q); err != nil {
			fatalf("read %s: %v", path, err)
		}
	}
	a, err := dlv.Read(ctx, reader, q)
	check(err)
	var shown struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	check(json.Unmarshal(a.Body, &shown))
	const n = 300
	profile := func(name string) func() {
		if profileDir == "" {
			return func() {}
		}
		f, err := os.Create(filepath.Join(profileDir, "micro-"+name+".pprof"))
		check(err)
		check(pprof.StartCPUProfile(f))
		return pprof.StopCPUProfile
	}

	// A post published in another category: the list is stale, and its
	// one recomputation finds the page the same.
	refreshes := func() uint64 { return dlv.RefreshResult("unchanged") + dlv.RefreshResult("rebuilt") }
	unchanged, before, cpu, start := dlv.RefreshResult("unchanged"), refreshes(), cpuTime(), time.Now()
	stop := profile("list-20-stale")
	for i := range n {
		dlv.Changed([]string{changes.Entry("another"), changes.Type("post")})
		read() // stale: starts the one recomputation
		for refreshes() < before+uint64(i+1) {
			time.Sleep(20 * time.Microsecond)
		}
	}
	stop()
	fmt.Printf("  %-32s %6.0f µs CPU a change, %6.0f µs wall (%d of %d found unchanged)\n", "list-20 stale, recomputed",
		float64((cpuTime()-cpu).Microseconds())/n, float64(time.Since(start).Microseconds())/n, dlv.RefreshResult("unchanged")-unchanged, n)

	// A change to a post on the page drops the list: the next read computes it.
	cpu, start = cpuTime(), time.Now()
	stop = profile("list-20-dropped")
	for range n {
		dlv.Changed([]string{changes.Entry(shown.Data[0].ID), changes.Type("post")})
		read()
	}
	stop()
	fmt.Printf("  %-32s %6.0f µs CPU a change, %6.0f µs wall\n", "list-20 dropped, computed", float64((cpuTime()-cpu).Microseconds())/n, float64(time.Since(start).Microseconds())/n)
}

// cpuTime is the CPU time this process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	check(syscall.Getrusage(syscall.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
