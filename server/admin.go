package server

import (
	"errors"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"

	adminui "github.com/loamcms/cms/admin-ui"
)

// adminCSP allows only the UI's own files: no inline script, no third parties.
const adminCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
	"connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// mountAdmin serves the single-page admin UI at /admin/. Hashed files under
// assets/ are cached for a year; index.html, which names them, never is, so a
// new build is picked up at once. Unknown paths get index.html, for the
// UI's own router.
func (s *Server) mountAdmin() {
	files := adminui.FS()
	index, err := fs.ReadFile(files, "index.html")
	if err != nil {
		panic("admin-ui/dist/index.html is missing: " + err.Error())
	}
	serveIndex := func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", adminCSP)
		h.Set("Cache-Control", "no-cache")
		return c.HTMLBlob(http.StatusOK, index)
	}
	handler := func(c echo.Context) error {
		name := strings.TrimPrefix(path.Clean("/"+c.Param("*")), "/")
		if name == "" || name == "index.html" {
			return serveIndex(c)
		}
		f, err := fs.Stat(files, name)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && f.IsDir()) {
			if strings.HasPrefix(name, "assets/") || path.Ext(name) != "" {
				return echo.ErrNotFound // a missing file, not a UI route
			}
			return serveIndex(c)
		} else if err != nil {
			return err
		}
		h := c.Response().Header()
		h.Set("Content-Security-Policy", adminCSP)
		if strings.HasPrefix(name, "assets/") {
			h.Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			h.Set("Cache-Control", "no-cache")
		}
		http.ServeFileFS(c.Response(), c.Request(), files, name)
		return nil
	}
	s.echo.GET("/admin", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/admin/") })
	s.echo.GET("/admin/*", handler)
	s.echo.GET("/", func(c echo.Context) error { return c.Redirect(http.StatusFound, "/admin/") })
}
