package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/loamcms/cms/content"
)

func (s *Server) getLocales(c echo.Context) error {
	l, err := s.content.Locales(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}

func (s *Server) setLocales(c echo.Context) error {
	var in content.LocaleSettings
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	l, err := s.content.SetLocales(c.Request().Context(), principal(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}
