// Package config reads the program's configuration from flags and environment
// variables (a flag wins over its variable, a variable over the default). It
// imports nothing of this module.
package config
