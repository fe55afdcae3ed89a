// Package adminui embeds the built admin UI (dist/) into the binary, so
// `go run . serve` serves it with Go alone. dist/ is committed; the server
// package mounts it at /admin/. It imports nothing of this module.
package adminui

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// FS returns the built UI, rooted at dist/.
func FS() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // dist is embedded at build time, so this cannot happen at run time
	}
	return sub
}
