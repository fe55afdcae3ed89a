package server

import (
	"net/http"

	"github.com/labstack/echo/v4"
)

// search serves GET /api/search?q=&limit=: the admin's full-text search
// across every type the caller may read.
func (s *Server) search(c echo.Context) error {
	limit, _, err := pageParams(c)
	if err != nil {
		return err
	}
	hits, err := s.content.Search(c.Request().Context(), principal(c), c.QueryParam("q"), limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"data": hits})
}
