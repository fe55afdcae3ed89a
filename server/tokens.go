package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/loamcms/cms/accounts"
)

func (s *Server) listTokens(c echo.Context) error {
	tokens, err := s.accounts.ListTokens(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"data": tokens})
}

func (s *Server) createToken(c echo.Context) error {
	var in accounts.NewToken
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	t, err := s.accounts.CreateToken(c.Request().Context(), principal(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, t)
}

func (s *Server) deleteToken(c echo.Context) error {
	if err := s.accounts.DeleteToken(c.Request().Context(), principal(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
