// Package server is the HTTP surface: routes (routes.go shows all of it on
// one screen), authentication middleware, handlers that bind a request, call
// a service and write JSON, the one mapping from error codes to statuses
// (errors.go), and the admin UI mount (admin.go).
//
// It is the only package that imports echo. It imports the services
// (accounts, and later content) and models; services never see echo.
package server
