// Package policies holds the authorization rules as data — model.conf and
// policy.csv, embedded — and the small casbin-backed models.Authorizer that
// enforces them. It is the only package that imports casbin; it imports
// models and nothing else of this module.
package policies
