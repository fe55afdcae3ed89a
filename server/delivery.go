package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/loamcms/cms/accounts"
	"github.com/loamcms/cms/delivery"
	"github.com/loamcms/cms/models"
)

// deliver serves GET /api/content/:type and /api/content/:type/:slug: who
// is calling (accounts), what they get (delivery), and the HTTP caching
// headers of it.
func (s *Server) deliver(c echo.Context) error {
	q, err := delivery.ParseQuery(c.Param("type"), c.Param("slug"), c.Request().URL.RawQuery)
	if err != nil {
		return err
	}
	token, _ := bearer(c.Request())
	if v := c.QueryParam("token"); v != "" {
		// A preview link carries its token in the URL; no other kind of
		// token is ever taken from one (URLs end up in logs and histories).
		if !accounts.IsPreviewToken(v) {
			return models.Errorf(models.CodeBadRequest, "token in the URL must be an entry preview token; send API tokens as Authorization: Bearer")
		}
		token = v
	}
	ctx := c.Request().Context()
	p, err := s.accounts.Reader(ctx, token)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	if len(h["Vary"]) == 0 {
		h["Vary"] = authorization
	} else {
		h.Add("Vary", "Authorization") // after Origin, when CORS is on
	}
	h["Cache-Control"] = noStoreValue // errors are not kept
	a, err := s.delivery.Read(ctx, p, q)
	if err != nil {
		return err
	}
	switch a.Audience {
	case "public":
		// Shared caches may keep it but must ask (a cheap 304) before each
		// use, so an unpublished entry is gone from them at once too.
		h["Cache-Control"] = publicRevalidate
	case "private":
		h["Cache-Control"] = privateNoCache
	default:
		h["Cache-Control"] = noStoreValue
	}
	setHeader(h, "Etag", a.ETag)
	setHeader(h, "Content-Language", a.Language)
	setHeader(h, "Cache-Tag", a.Tags)
	if inm := c.Request().Header["If-None-Match"]; len(inm) > 0 && etagMatches(strings.Join(inm, ","), a.ETag) {
		return c.NoContent(http.StatusNotModified)
	}
	// The length up front: net/http then sends the body as it is instead
	// of in chunks (which it does for a body over 2 KiB of unknown length).
	setHeader(h, "Content-Length", strconv.Itoa(len(a.Body)))
	return c.JSONBlob(http.StatusOK, a.Body)
}

func etagMatches(header, etag string) bool {
	for part := range strings.SplitSeq(header, ",") {
		part = strings.TrimPrefix(strings.TrimSpace(part), "W/")
		if part == etag || part == "*" {
			return true
		}
	}
	return false
}
