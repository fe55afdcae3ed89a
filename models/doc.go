// Package models is the domain vocabulary shared by every other package: the
// persisted types (GORM tags only), the principal making a request, the
// Authorizer interface and the error codes of the HTTP contract.
//
// It imports only the standard library: no echo, casbin or gorm. Everything
// else may import it.
package models
