package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/loamcms/cms/content"
	"github.com/loamcms/cms/models"
)

func (s *Server) listTypes(c echo.Context) error {
	types, err := s.content.ListTypes(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"data": types})
}

func (s *Server) getType(c echo.Context) error {
	t, err := s.content.GetType(c.Request().Context(), principal(c), c.Param("key"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

func (s *Server) createType(c echo.Context) error {
	var in struct {
		Key       string        `json:"key"`
		Name      string        `json:"name"`
		Public    bool          `json:"public"`
		SlugField string        `json:"slug_field"`
		Fields    models.Fields `json:"fields"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	t, err := s.content.CreateType(c.Request().Context(), principal(c), models.ContentType{
		Key: in.Key, Name: in.Name, Public: in.Public, SlugField: in.SlugField, Fields: in.Fields,
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, t)
}

func (s *Server) updateType(c echo.Context) error {
	var in content.TypePatch
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	t, err := s.content.UpdateType(c.Request().Context(), principal(c), c.Param("key"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

func (s *Server) deleteType(c echo.Context) error {
	if err := s.content.DeleteType(c.Request().Context(), principal(c), c.Param("key")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
