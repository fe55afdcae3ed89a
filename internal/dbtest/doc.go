// Package dbtest gives each test a fresh, migrated database: a SQLite file in
// the test's temporary directory, and, when CMS_TEST_POSTGRES names a
// PostgreSQL server, a new database on it that is dropped afterwards.
//
// Use Each to run a test body on both. It imports database and migrations.
package dbtest
