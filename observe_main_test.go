package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/loamcms/cms/internal/dbtest"
	"github.com/loamcms/cms/migrations"
)

// TestMetricsOnTheirOwnAddress: /metrics is served on CMS_METRICS_ADDR only
// (never on the public address), with request durations by route
// template, delivery cache results, the connection pool, the job queue and
// the scheduler's lag.
func TestMetricsOnTheirOwnAddress(t *testing.T) {
	p := startServe(t, "CMS_DATABASE_URL="+dbtest.URL(t, migrations.SQLite), "CMS_DATA_DIR="+t.TempDir(),
		"CMS_METRICS_ADDR=127.0.0.1:0", "CMS_ADMIN_EMAIL=root@example.com", "CMS_ADMIN_PASSWORD="+adminPassword)
	var addr string
	metricsAddr := regexp.MustCompile(`msg="serving metrics" addr=(\S+)`)
	for deadline := time.Now().Add(5 * time.Second); addr == ""; time.Sleep(20 * time.Millisecond) {
		if m := metricsAddr.FindStringSubmatch(p.output()); m != nil {
			addr = m[1]
		} else if time.Now().After(deadline) {
			t.Fatalf("no metrics listener:\n%s", p.output())
		}
	}
	admin := signIn(t, p, "root@example.com", adminPassword)
	token := newDeliveryToken(t, admin)
	reader := &client{t: t, base: "http://" + p.addr, token: token}
	for range 3 {
		reader.do("GET", "/api/content/post?limit=5", nil, nil)
	}
	if st := (&client{t: t, base: "http://" + p.addr}).do("GET", "/metrics", nil, nil); st == 200 {
		t.Fatal("/metrics is on the public address")
	}
	res, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	for _, want := range []string{
		`cms_http_request_duration_seconds_count{method="GET",route="/api/content/:type",status="200"} 3`,
		`cms_delivery_cache_total{result="hit"} 2`,
		`cms_delivery_cache_total{result="miss"} 1`,
		"cms_jobs_pending ", "cms_scheduler_lag_seconds 0", "go_sql_open_connections", "process_resident_memory_bytes",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", body)
	}
}
