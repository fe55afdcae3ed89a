// Package adminui embeds the built admin UI (dist/) into the binary, so
// `go run . serve` serves it with Go alone. dist/ is committed; the server
// package mounts it at /admin/. It imports nothing of this module.
package adminui
