// Package accounts is everything about who is calling: users and their
// passwords (argon2id), sign-in with throttling, access JWTs, refresh
// sessions, the first-admin setup, and (later) API tokens.
//
// It owns its GORM queries and transactions and imports models; it imports
// no echo and no casbin (authorization goes through models.Authorizer).
package accounts
