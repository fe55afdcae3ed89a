// Package migrations holds the versioned schema, one folder of SQL files per
// dialect with the same version numbers, embedded into the binary and applied
// by goose at `cms serve` start and by `cms migrate`.
//
// It stands alone: it imports no other package of this module.
package migrations
