package server

import (
	"net/http"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// cors answers browsers on other origins: the delivery API, the media files
// and the OpenAPI document for Options.CORSOrigins (exact origins, or "*"),
// the management API for Options.CORSAdminOrigins (exact origins only).
// Tokens travel in the Authorization header, never in cookies, so no answer
// allows credentials, and "*" can be sent as it is.
func (s *Server) cors() echo.MiddlewareFunc {
	public := corsFor(s.opt.CORSOrigins, []string{http.MethodGet, http.MethodHead})
	admin := corsFor(s.opt.CORSAdminOrigins, []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete})
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		pub, adm := public(next), admin(next)
		return func(c echo.Context) error {
			switch p := c.Request().URL.Path; {
			case isPublicPath(p):
				return pub(c)
			case strings.HasPrefix(p, "/api/"):
				return adm(c)
			}
			return next(c)
		}
	}
}

// isPublicPath tells the paths sites read without a user: delivery, media
// files, the API's description.
func isPublicPath(p string) bool {
	return strings.HasPrefix(p, "/api/content/") || strings.HasPrefix(p, "/media/") || p == "/api/openapi.json"
}

// corsFor is the CORS middleware for origins; none leaves answers as they are.
func corsFor(origins, methods []string) echo.MiddlewareFunc {
	if len(origins) == 0 {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next }
	}
	cfg := middleware.CORSConfig{
		AllowMethods: methods,
		AllowHeaders: []string{"Authorization", "Content-Type", "If-None-Match"},
		// What a site reads of an answer: its version, language and request id, and when to retry.
		ExposeHeaders: []string{"ETag", "Content-Language", "X-Request-Id", "Retry-After"},
		MaxAge:        86400, // a browser asks once a day per URL, not before every call
	}
	if slices.Contains(origins, "*") {
		cfg.AllowOrigins = []string{"*"}
	} else {
		// Exact matches only: echo's own list also takes wildcard patterns.
		cfg.AllowOriginFunc = func(origin string) (bool, error) { return slices.Contains(origins, origin), nil }
	}
	return middleware.CORSWithConfig(cfg)
}
