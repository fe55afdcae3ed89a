package server

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/loamcms/cms/internal/typegen"
	"github.com/loamcms/cms/models"
)

// openAPISpec is the OpenAPI 3.1 description of every route; a test fails
// when a registered route is missing from it.
//
//go:embed openapi.json
var openAPISpec []byte

// openAPI serves the document; with types=1, typed by the content types
// the caller may know of (anonymous: the public ones).
func (s *Server) openAPI(c echo.Context) error {
	h := c.Response().Header()
	switch c.QueryParam("types") {
	case "":
		h.Set("Cache-Control", "no-cache")
		return c.JSONBlob(http.StatusOK, openAPISpec)
	case "1":
	default:
		return models.Errorf(models.CodeBadRequest, "types must be 1")
	}
	ctx := c.Request().Context()
	token, _ := bearer(c.Request())
	p, err := s.accounts.Reader(ctx, token)
	if err != nil {
		return err
	}
	all, err := s.content.ListTypes(ctx, models.Principal{System: true})
	if err != nil {
		return err
	}
	// A preview link opens one entry, not the site's model.
	anyone := p.Anonymous() || p.Entry != ""
	var types []models.ContentType
	for _, t := range all {
		if t.Public || !anyone {
			types = append(types, t)
		}
	}
	doc, err := typegen.OpenAPI(openAPISpec, types)
	if err != nil {
		return err
	}
	h.Add("Vary", "Authorization") // after Origin, when CORS is on
	if anyone {
		h.Set("Cache-Control", "no-cache")
	} else {
		h.Set("Cache-Control", "private, no-cache")
	}
	return c.JSONBlob(http.StatusOK, doc)
}
