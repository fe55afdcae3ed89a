package server

import (
	"context"
	"log/slog"
	"net"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/loamcms/cms/accounts"
	"github.com/loamcms/cms/audit"
	"github.com/loamcms/cms/content"
	"github.com/loamcms/cms/delivery"
	"github.com/loamcms/cms/media"
	"github.com/loamcms/cms/webhooks"
)

// Options are the HTTP-level settings.
type Options struct {
	MaxBody        int64        // JSON body limit in bytes
	MaxUpload      int64        // upload limit of one file in bytes
	TrustedProxies []*net.IPNet // reverse proxies whose X-Forwarded-For is believed; none by default
	SelfApproval   bool         // told to the admin UI, which then shows admins Approve on their own work
	// CORSOrigins may read the delivery API from a browser: exact origins
	// ("https://site.example"), or "*" for any; none by default.
	CORSOrigins []string
	// CORSAdminOrigins may call the management API from a browser: exact
	// origins only; none by default (the bundled admin UI is same-origin).
	CORSAdminOrigins []string
}

// Deps are the services the handlers call.
type Deps struct {
	Accounts *accounts.Service
	Content  *content.Service
	Delivery *delivery.Service
	Media    *media.Service
	Webhooks *webhooks.Service
	Audit    *audit.Service
	Ping     func(context.Context) error // database reachability, for /readyz
	Log      *slog.Logger
}

// Server is the HTTP handler of the CMS.
type Server struct {
	echo     *echo.Echo
	accounts *accounts.Service
	content  *content.Service
	delivery *delivery.Service
	media    *media.Service
	webhooks *webhooks.Service
	audit    *audit.Service
	ping     func(context.Context) error
	metrics  *metrics
	log      *slog.Logger
	opt      Options
}

// New builds the server with every route registered.
func New(opt Options, deps Deps) *Server {
	if deps.Log == nil {
		deps.Log = slog.Default()
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	s := &Server{echo: e, accounts: deps.Accounts, content: deps.Content, delivery: deps.Delivery, media: deps.Media, webhooks: deps.Webhooks, audit: deps.Audit, ping: deps.Ping, log: deps.Log, opt: opt, metrics: newMetrics()}
	e.HTTPErrorHandler = s.errorHandler
	e.IPExtractor = clientIP(opt.TrustedProxies)
	if deps.Delivery != nil {
		s.metrics.deliveryCache(deps.Delivery)
	}
	s.routes()
	return s
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.echo.ServeHTTP(w, r) }

// Routes lists the registered method and path pairs (for tests and the OpenAPI check).
func (s *Server) Routes() []*echo.Route { return s.echo.Routes() }

// clientIP is the socket's address unless a trusted proxy is configured; only
// then is X-Forwarded-For read, and only hops through trusted proxies count.
func clientIP(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}
