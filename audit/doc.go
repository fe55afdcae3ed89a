// Package audit keeps the append-only audit log and the in-app
// notifications. Both are consumers of the outbox: every event of a
// committed change becomes one audit record (audit.go) and, when someone
// should hear of it, notifications (notifications.go), written in the
// dispatch job's transaction, so neither can be lost or written twice.
//
// There is no way to change or remove a record except the retention
// prune: the service has no update or delete, and the database refuses
// UPDATE on the table (a trigger). Dependency rule: audit imports models
// and internal/outbox, never a service package or a transport.
package audit
