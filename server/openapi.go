package server

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPISpec is the OpenAPI 3.1 description of every route; a test fails
// when a registered route is missing from it.
//
//go:embed openapi.json
var openAPISpec []byte

func (s *Server) openAPI(c echo.Context) error {
	c.Response().Header().Set("Cache-Control", "no-cache")
	return c.JSONBlob(http.StatusOK, openAPISpec)
}
