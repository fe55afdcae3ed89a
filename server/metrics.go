package server

import (
	"context"
	"database/sql"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/loamcms/cms/delivery"
)

// metrics are the server's Prometheus collectors, in a registry of their
// own (nothing global), served by Metrics on a separate listener.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.HistogramVec
	// observers are the requests histogram's children by series, found
	// without hashing the label values on every request.
	observers sync.Map // series → prometheus.Observer
}

// series is one child of the requests histogram.
type series struct {
	route, method string
	status        int
}

// observer is the requests histogram of one route, method and status.
func (m *metrics) observer(route, method string, status int) prometheus.Observer {
	k := series{route, method, status}
	if o, ok := m.observers.Load(k); ok {
		return o.(prometheus.Observer)
	}
	o := m.requests.WithLabelValues(route, method, strconv.Itoa(status))
	m.observers.Store(k, o)
	return o
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "cms_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by route template, method and status.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 10},
		}, []string{"route", "method", "status"}),
	}
	m.registry.MustRegister(m.requests, collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// deliveryCache counts the delivery API's published answers by how they
// were found (delivery.CacheResults), read from d at each scrape.
func (m *metrics) deliveryCache(d *delivery.Service) {
	for _, result := range delivery.CacheResults {
		m.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "cms_delivery_cache_total",
			Help:        "Delivery answers by how they were found: hit (cached), stale (cached, served while one recomputation runs), shared (joined a computation in flight) or miss (computed).",
			ConstLabels: prometheus.Labels{"result": result},
		}, func() float64 { return float64(d.CacheResult(result)) }))
	}
	for _, result := range delivery.RefreshResults {
		m.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name:        "cms_delivery_refresh_total",
			Help:        "Recomputations of stale delivery lists by how they ended: unchanged (the page's ids and total were the same, so the cached answer is fresh again without being rebuilt) or rebuilt.",
			ConstLabels: prometheus.Labels{"result": result},
		}, func() float64 { return float64(d.RefreshResult(result)) }))
	}
}

// measure observes every request's duration under its route template
// (never the raw path: ids and slugs would make a label per entry).
func (s *Server) measure(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		status := c.Response().Status
		if err != nil && !c.Response().Committed {
			me, _ := toModelError(err)
			status = errorStatus(me) // what errorHandler will answer
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		s.metrics.observer(route, c.Request().Method, status).Observe(time.Since(start).Seconds())
		return err
	}
}

// Gauge is a value read when Prometheus scrapes (queue depth, scheduler lag).
type Gauge struct {
	Name, Help string
	Read       func(context.Context) (float64, error)
}

// Metrics returns the handler of /metrics. db adds the connection pool's
// statistics; gauges are read at each scrape, each within a second.
func (s *Server) Metrics(db *sql.DB, gauges ...Gauge) http.Handler {
	if db != nil {
		s.metrics.registry.MustRegister(collectors.NewDBStatsCollector(db, "cms"))
	}
	for _, g := range gauges {
		s.metrics.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: g.Name, Help: g.Help}, func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			v, err := g.Read(ctx)
			if err != nil {
				s.log.Warn("reading a metric", "metric", g.Name, "error", err)
				return -1
			}
			return v
		}))
	}
	return promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{})
}
