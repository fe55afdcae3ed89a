package server

import (
	"github.com/labstack/echo/v4/middleware"
)

// routes registers the whole HTTP surface. Authorization is not decided
// here: the services check the policy after loading what is asked for.
func (s *Server) routes() {
	e := s.echo
	e.Pre(headAsGet)
	e.Use(middleware.RequestID(), s.logRequests(), s.recoverPanics(), securityHeaders, noStore, s.limitBody)

	// Operations.
	e.GET("/healthz", s.healthz)
	e.GET("/readyz", s.readyz)
	e.GET("/api/openapi.json", s.openAPI)

	api := e.Group("/api")
	user := s.requireUser

	// Authentication and the first-run setup.
	api.POST("/auth/login", s.login)
	api.POST("/auth/refresh", s.refresh)
	api.POST("/auth/logout", s.logout)
	api.GET("/auth/me", s.me, user)
	api.PATCH("/auth/me", s.updateMe, user)
	api.GET("/setup", s.setupStatus)
	api.POST("/setup", s.completeSetup)

	// Users (admin).
	api.GET("/users", s.listUsers, user)
	api.POST("/users", s.createUser, user)
	api.GET("/users/:id", s.getUser, user)
	api.PATCH("/users/:id", s.updateUser, user)
	api.DELETE("/users/:id", s.deleteUser, user)

	// The admin UI.
	s.mountAdmin()
}
