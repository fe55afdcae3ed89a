package main

// -micro: the CMS's own cost of a cached answer, without the network and
// the load generator that share the machine's two cores in the load.

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/pprof"
	"testing"
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
	h := cmsHandler(dbURL, 0, logFile) // logs to a file, as the load's `cms serve` does
	cold := cmsHandler(dbURL, 1, logFile)
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
		}
		fmt.Printf("  %-15s %8d ns/op %8d B/op %5d allocs/op\n", c.name, res.NsPerOp(), res.AllocedBytesPerOp(), res.AllocsPerOp())
	}
}
