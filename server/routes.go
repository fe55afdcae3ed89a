package server

import (
	"github.com/labstack/echo/v4/middleware"
)

// routes registers the whole HTTP surface. Authorization is not decided
// here: the services check the policy after loading what is asked for.
func (s *Server) routes() {
	e := s.echo
	e.Pre(headAsGet)
	e.Use(restoreHead, middleware.RequestID(), requestInfo, s.logRequests(), s.recoverPanics(), securityHeaders, noStore, s.cors(), rejectNUL, s.limitBody, s.measure)

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

	// People: names of every user, for @mentions (every role).
	api.GET("/people", s.listPeople, user)

	// Users (admin).
	api.GET("/users", s.listUsers, user)
	api.POST("/users", s.createUser, user)
	api.GET("/users/:id", s.getUser, user)
	api.PATCH("/users/:id", s.updateUser, user)
	api.DELETE("/users/:id", s.deleteUser, user)

	// Content types.
	api.GET("/content-types", s.listTypes, user)
	api.POST("/content-types", s.createType, user)
	api.GET("/content-types/:key", s.getType, user)
	api.PATCH("/content-types/:key", s.updateType, user)
	api.DELETE("/content-types/:key", s.deleteType, user)

	// Entries and the editorial workflow.
	api.GET("/entries", s.listEntries, user)
	api.POST("/entries", s.createEntry, user)
	api.GET("/entries/:id", s.getEntry, user)
	api.PATCH("/entries/:id", s.updateEntry, user)
	api.DELETE("/entries/:id", s.deleteEntry, user)
	api.POST("/entries/:id/submit", s.submitEntry, user)
	api.POST("/entries/:id/withdraw", s.withdrawEntry, user)
	api.POST("/entries/:id/approve", s.approveEntry, user)
	api.POST("/entries/:id/request-changes", s.requestChanges, user)
	api.POST("/entries/:id/publish", s.publishEntry, user)
	api.POST("/entries/:id/unpublish", s.unpublishEntry, user)
	api.POST("/entries/:id/cancel-schedule", s.cancelSchedule, user)
	api.GET("/entries/:id/revisions", s.listRevisions, user)
	api.GET("/entries/:id/revisions/:n", s.getRevision, user)
	api.POST("/entries/:id/revisions/:n/restore", s.restoreRevision, user)
	api.GET("/entries/:id/comments", s.listComments, user)
	api.POST("/entries/:id/comments", s.addComment, user)
	api.PATCH("/entries/:id/comments/:comment", s.updateComment, user)
	api.GET("/entries/:id/history", s.entryHistory, user)
	api.POST("/entries/:id/preview", s.previewLink, user)

	api.GET("/search", s.search, user)
	api.GET("/locales", s.getLocales, user)
	api.PUT("/locales", s.setLocales, user)

	// Media: the library (management API) and the files themselves, public
	// by unguessable id so that sites and browsers can embed them.
	api.GET("/media", s.listMedia, user)
	api.POST("/media", s.uploadMedia, user)
	api.GET("/media/:id", s.getMedia, user)
	api.PATCH("/media/:id", s.updateMedia, user)
	api.DELETE("/media/:id", s.deleteMedia, user)
	api.PUT("/media/:id/file", s.replaceMedia, user)
	api.GET("/media/:id/usage", s.mediaUsage, user)
	e.GET("/media/:id/:filename", s.serveMedia)

	// API tokens (admin) and the delivery API that sites read with them.
	api.GET("/tokens", s.listTokens, user)
	api.POST("/tokens", s.createToken, user)
	api.DELETE("/tokens/:id", s.deleteToken, user)
	api.GET("/content/:type", s.deliver)
	api.GET("/content/:type/:slug", s.deliver)

	// Webhooks (admin), the audit log (admin) and one's own notifications.
	api.GET("/webhooks", s.listWebhooks, user)
	api.POST("/webhooks", s.createWebhook, user)
	api.GET("/webhooks/:id", s.getWebhook, user)
	api.PATCH("/webhooks/:id", s.updateWebhook, user)
	api.DELETE("/webhooks/:id", s.deleteWebhook, user)
	api.POST("/webhooks/:id/rotate-secret", s.rotateWebhookSecret, user)
	api.POST("/webhooks/:id/test", s.testWebhook, user)
	api.GET("/webhooks/:id/deliveries", s.listDeliveries, user)
	api.POST("/webhooks/:id/deliveries/:delivery/redeliver", s.redeliver, user)
	api.GET("/audit", s.listAudit, user)
	api.GET("/notifications", s.listNotifications, user)
	api.POST("/notifications/read", s.readNotifications, user)

	// The admin UI.
	s.mountAdmin()
}
