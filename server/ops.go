package server

import (
	"context"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/loamcms/cms/models"
)

// healthz answers while the process is up.
func (s *Server) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 only while the database is reachable, so a load
// balancer stops sending traffic to an instance that lost it.
func (s *Server) readyz(c echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	if err := s.ping(ctx); err != nil {
		s.log.Warn("readiness check failed", "error", err)
		return &models.Error{Code: models.CodeInternal, Message: "the database is not reachable", Status: http.StatusServiceUnavailable}
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}
