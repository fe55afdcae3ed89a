package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/loamcms/cms/accounts"
	"github.com/loamcms/cms/models"
)

func (s *Server) login(c echo.Context) error {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	fields := map[string]string{}
	if in.Email == "" {
		fields["email"] = "is required"
	}
	if in.Password == "" {
		fields["password"] = "is required"
	}
	if len(fields) > 0 {
		return models.Invalid(fields)
	}
	t, err := s.accounts.Login(c.Request().Context(), in.Email, in.Password, c.RealIP())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

type refreshBody struct {
	RefreshToken string `json:"refresh_token"`
}

func bindRefresh(c echo.Context) (string, error) {
	var in refreshBody
	if err := bindJSON(c, &in); err != nil {
		return "", err
	}
	if in.RefreshToken == "" {
		return "", models.Invalid(map[string]string{"refresh_token": "is required"})
	}
	return in.RefreshToken, nil
}

func (s *Server) refresh(c echo.Context) error {
	token, err := bindRefresh(c)
	if err != nil {
		return err
	}
	t, err := s.accounts.Refresh(c.Request().Context(), token)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, t)
}

func (s *Server) logout(c echo.Context) error {
	token, err := bindRefresh(c)
	if err != nil {
		return err
	}
	if err := s.accounts.Logout(c.Request().Context(), token); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) me(c echo.Context) error {
	u, err := s.accounts.Me(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

func (s *Server) updateMe(c echo.Context) error {
	var in accounts.MePatch
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	u, err := s.accounts.UpdateMe(c.Request().Context(), principal(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

func (s *Server) setupStatus(c echo.Context) error {
	has, err := s.accounts.HasAdmin(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]bool{"setup_required": !has, "self_approval": s.opt.SelfApproval})
}

func (s *Server) completeSetup(c echo.Context) error {
	var in struct {
		Token    string `json:"token"`
		Email    string `json:"email"`
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	if err := bindJSON(c, &in); err != nil {
		return err
	}
	u, err := s.accounts.CompleteSetup(c.Request().Context(), in.Token,
		accounts.NewUser{Email: in.Email, Name: in.Name, Password: in.Password})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, u)
}
