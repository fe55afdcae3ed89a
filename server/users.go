package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/loamcms/cms/accounts"
	"github.com/loamcms/cms/models"
)

func (s *Server) listUsers(c echo.Context) error {
	limit, offset, err := pageParams(c)
	if err != nil {
		return err
	}
	users, total, err := s.accounts.ListUsers(c.Request().Context(), principal(c), accounts.Page{Limit: limit, Offset: offset})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, listBody[models.User]{Data: users, Meta: listMeta{Total: total, Limit: limit, Offset: offset}})
}

func (s *Server) createUser(c echo.Context) error {
	var in accounts.NewUser
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	u, err := s.accounts.CreateUser(c.Request().Context(), principal(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, u)
}

func (s *Server) getUser(c echo.Context) error {
	u, err := s.accounts.GetUser(c.Request().Context(), principal(c), c.Param("id"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

func (s *Server) updateUser(c echo.Context) error {
	var in accounts.UserPatch
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	u, err := s.accounts.UpdateUser(c.Request().Context(), principal(c), c.Param("id"), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

func (s *Server) deleteUser(c echo.Context) error {
	if err := s.accounts.DeleteUser(c.Request().Context(), principal(c), c.Param("id")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) listPeople(c echo.Context) error {
	people, err := s.accounts.People(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"data": people})
}
