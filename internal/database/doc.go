// Package database opens the CMS database from its URL: the embedded SQLite
// default (pure Go, no cgo) or PostgreSQL, so main, tests and tools share one
// way to open a database. It imports gorm, its drivers and migrations (for the
// dialect names), nothing else of this module.
//
// Times are stored in UTC everywhere (the services truncate to microseconds
// and convert to UTC before writing). SQLite keeps them as text and compares
// them as strings, which orders them correctly only because they share the
// one zone: never write a time in another.
package database
