package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/loamcms/cms/models"
)

// recoverPanics turns a panic into a 500 internal answer, logged with the
// request id and stack; the client never sees the stack.
func (s *Server) recoverPanics() echo.MiddlewareFunc {
	return middleware.RecoverWithConfig(middleware.RecoverConfig{
		StackSize: 8 << 10,
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			s.log.Error("panic recovered",
				"request_id", c.Response().Header().Get(echo.HeaderXRequestID),
				"method", c.Request().Method, "path", c.Request().URL.Path,
				"error", err, "stack", string(stack))
			return &models.Error{Code: models.CodeInternal, Message: "internal error"}
		},
	})
}

// logRequests writes one line per request: never the query string or
// headers, which may carry tokens.
func (s *Server) logRequests() echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogMethod: true, LogURIPath: true, LogLatency: true, LogRequestID: true,
		HandleError: true, // run the error handler first, so the logged status is the one sent
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			// The record is made here rather than by s.log.Info: typed
			// attributes (no value boxed into an any) and no source
			// position, which the logger would look up with runtime.Callers
			// on every line for a handler that never prints it.
			ctx := context.Background()
			h := s.log.Handler()
			if !h.Enabled(ctx, slog.LevelInfo) {
				return nil
			}
			r := slog.NewRecord(v.StartTime.Add(v.Latency), slog.LevelInfo, "request", 0)
			r.AddAttrs(slog.String("request_id", v.RequestID), slog.String("method", v.Method), slog.String("path", v.URIPath),
				slog.Int("status", v.Status), slog.Float64("ms", float64(v.Latency.Microseconds())/1000))
			_ = h.Handle(ctx, r) // as slog.Logger does, a failed write is not the request's error
			return nil
		},
	})
}

// limitBody caps request bodies at MaxBody, and uploads at MaxUpload plus
// room for the form around the file: a declared length over it is refused
// at once, and a longer stream fails when read (413 either way).
func (s *Server) limitBody(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		limit := s.opt.MaxBody
		if isUpload(c) {
			limit = s.opt.MaxUpload + uploadOverhead
		}
		if req.ContentLength > limit {
			return models.Errorf(models.CodePayloadTooLarge, "the body is larger than %d bytes", limit)
		}
		if req.Body != nil && req.Body != http.NoBody { // nothing to read, nothing to limit (most GETs)
			req.Body = http.MaxBytesReader(c.Response(), req.Body, limit)
		}
		return next(c)
	}
}

// uploadOverhead is what a multipart form may add to the file it carries.
const uploadOverhead = 64 << 10

// isUpload reports whether the matched route takes a file.
func isUpload(c echo.Context) bool {
	m := c.Request().Method
	return (m == http.MethodPost && c.Path() == "/api/media") || (m == http.MethodPut && c.Path() == "/api/media/:id/file")
}

// headAsGet routes HEAD requests to the GET handlers (echo has no HEAD
// routes of its own). It runs before routing; restoreHead puts the method
// back before the handler runs, so net/http and file serving drop the body
// as HEAD requires.
func headAsGet(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Request().Method == http.MethodHead {
			c.Request().Method = http.MethodGet
			c.Set(headKey, true)
		}
		return next(c)
	}
}

const headKey = "head"

func restoreHead(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Get(headKey) == true {
			c.Request().Method = http.MethodHead
		}
		return next(c)
	}
}

// rejectNUL refuses NUL characters and invalid UTF-8 in the path or
// query: no text we store or compare may hold them (PostgreSQL's text
// cannot: /api/content/%FF was a 500 there), so they are bad input.
func rejectNUL(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		u := c.Request().URL
		if strings.ContainsRune(u.Path, 0) || strings.Contains(strings.ToLower(u.RawQuery), "%00") {
			return models.Errorf(models.CodeBadRequest, "the URL contains a NUL character")
		}
		if !utf8.ValidString(u.Path) || !validQueryText(u.RawQuery) {
			return models.Errorf(models.CodeBadRequest, "the URL is not valid UTF-8")
		}
		return next(c)
	}
}

// validQueryText reports whether a raw query decodes to valid UTF-8 (a
// malformed escape is left for the query's parser to refuse).
func validQueryText(raw string) bool {
	if !strings.ContainsRune(raw, '%') {
		return utf8.ValidString(raw)
	}
	s, err := url.QueryUnescape(raw)
	return err != nil || utf8.ValidString(s)
}

// setHeader is h.Set for a key already in canonical form (each call site
// passes a constant one): without canonicalizing it again on every request.
func setHeader(h http.Header, canonicalKey, value string) { h[canonicalKey] = []string{value} }

// Header values that never change, one slice each for every response
// instead of one per response. Nothing writes into a header's values in
// place (net/http copies them when it snapshots the header), and as each
// slice is full (len == cap) an Add appends to a copy.
var (
	nosniff          = []string{"nosniff"}
	noReferrer       = []string{"no-referrer"}
	deny             = []string{"DENY"}
	noStoreValue     = []string{"no-store"}
	authorization    = []string{"Authorization"}
	publicRevalidate = []string{"public, max-age=0, must-revalidate"}
	privateNoCache   = []string{"private, no-cache"}
)

// securityHeaders are safe defaults for every response; admin.go adds the CSP.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h["X-Content-Type-Options"] = nosniff
		h["Referrer-Policy"] = noReferrer
		h["X-Frame-Options"] = deny
		return next(c)
	}
}

// noStore keeps management API answers out of every cache. The delivery
// API and the admin UI's files set their own Cache-Control, which replaces
// this default.
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if strings.HasPrefix(c.Request().URL.Path, "/api/") {
			c.Response().Header()["Cache-Control"] = noStoreValue
		}
		return next(c)
	}
}

// requestInfo puts the client's address and the request id into the
// request's context, where the outbox reads them for the audit log.
func requestInfo(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		info := models.RequestInfo{IP: c.RealIP(), ID: c.Response().Header().Get(echo.HeaderXRequestID)}
		c.SetRequest(r.WithContext(models.WithRequest(r.Context(), info)))
		return next(c)
	}
}

const principalKey = "principal"

// requireUser authenticates the bearer access token and stores the principal.
func (s *Server) requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		token, ok := bearer(c.Request())
		if !ok {
			return models.ErrUnauthorized
		}
		p, err := s.accounts.Authenticate(c.Request().Context(), token)
		if err != nil {
			return err
		}
		c.Set(principalKey, p)
		return next(c)
	}
}

func bearer(r *http.Request) (string, bool) {
	scheme, token, ok := strings.Cut(r.Header.Get(echo.HeaderAuthorization), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// principal returns who is calling; anonymous outside requireUser.
func principal(c echo.Context) models.Principal {
	p, _ := c.Get(principalKey).(models.Principal)
	return p
}
