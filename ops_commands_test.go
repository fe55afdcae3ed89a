package main

import (
	"errors"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
)

// TestHealthcheck: 0 only for a 200 from /readyz; a 503 or nobody there fails.
func TestHealthcheck(t *testing.T) {
	var status atomic.Int32
	status.Store(http.StatusOK)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(int(status.Load()))
	}))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	if err := healthcheck([]string{"--addr", addr}); err != nil {
		t.Errorf("ready: %v", err)
	}
	// Listening on every address is asked on loopback.
	if err := healthcheck([]string{"--addr", "0.0.0.0:" + addr[strings.LastIndex(addr, ":")+1:]}); err != nil {
		t.Errorf("ready, asked as 0.0.0.0: %v", err)
	}
	status.Store(http.StatusServiceUnavailable)
	if err := healthcheck([]string{"--addr", addr}); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("draining: %v", err)
	}
	srv.Close()
	if err := healthcheck([]string{"--addr", addr}); err == nil {
		t.Error("nobody listening, and healthy")
	}
	if err := healthcheck([]string{"--addr", "nonsense"}); err == nil {
		t.Error("a bad address, and healthy")
	}
}

// TestVersionAndHelp: version and every -h succeed (exit 0).
func TestVersionAndHelp(t *testing.T) {
	if v := version(); !strings.HasPrefix(v, "cms ") || !strings.Contains(v, runtime.Version()) {
		t.Errorf("version %q", v)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, args := range [][]string{{"version"}, {"--version"}, {"help"}, {"-h"}} {
		if err := run(args, log); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
	for _, args := range [][]string{{"serve", "-h"}, {"migrate", "-h"}, {"healthcheck", "-h"}} {
		if err := run(args, log); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("%v: %v, want flag.ErrHelp (which main exits 0 on)", args, err)
		}
	}
}
