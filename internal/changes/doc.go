// Package changes is the one signal that tells every instance that content
// or credentials changed, so that each drops what it cached: a counter row
// written in the changing transaction and polled by every process, plus
// LISTEN/NOTIFY on PostgreSQL for immediacy. It imports gorm and pgx and
// nothing of this module.
package changes
