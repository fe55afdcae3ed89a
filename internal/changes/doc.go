// Package changes is the one signal that tells every instance that content
// or credentials changed, so they drop what they cached: a counter that
// Changed bumps here and, on PostgreSQL, on every other instance through
// LISTEN/NOTIFY. It imports pgx and nothing of this module.
package changes
