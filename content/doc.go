// Package content is the editorial core: content types, entries and their
// revisions, comments and history, the workflow (Transition is the only
// writer of an entry's status), the scheduler, and the delivery queries that
// sites read.
//
// It owns its GORM queries and transactions and imports models only; no
// echo, no casbin (authorization goes through models.Authorizer).
package content
