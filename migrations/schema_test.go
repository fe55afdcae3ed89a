package migrations_test

import (
	"slices"
	"strings"
	"testing"

	"gorm.io/gorm"
	"gorm.io/gorm/schema"

	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
	"github.com/loamcms/cms/models"
)

// persisted lists every GORM model; each must match a migrated table.
var persisted = []any{
	&models.User{}, &models.Session{}, &models.RefreshToken{}, &models.LoginThrottle{}, &models.SetupToken{},
	&models.APIToken{}, &models.ContentType{}, &models.Entry{}, &models.Revision{}, &models.Comment{},
	&models.Event{}, &models.PublishedEntry{}, &models.Media{}, &models.MediaRef{},
	&models.OutboxEvent{}, &models.Webhook{}, &models.WebhookDelivery{}, &models.AuditRecord{}, &models.Notification{},
	&models.Locale{},
}

// TestSchemaMatchesModels proves that, on each dialect, the migrated schema
// has exactly the models' tables and columns, with the same nullability and
// primary keys, and a type of the same kind.
func TestSchemaMatchesModels(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		tables, err := db.Migrator().GetTables()
		if err != nil {
			t.Fatal(err)
		}
		var want []string
		for _, m := range persisted {
			s := parse(t, db.DB, m)
			want = append(want, s.Table)
			compareTable(t, db.DB, m, s)
		}
		// goose's own table, SQLite's, and the change counter that
		// internal/changes reads and writes with two plain statements, and River's
		// tables (internal/outbox migrates them with River's own migrator), and
		// SQLite's full-text indexes (read only in SQL, internal/dialect).
		tables = slices.DeleteFunc(tables, func(n string) bool {
			return n == "goose_db_version" || n == "sqlite_sequence" || n == "change_counter" || n == "change_log" ||
				strings.HasPrefix(n, "river_") || strings.Contains(n, "_fts")
		})
		slices.Sort(tables)
		slices.Sort(want)
		if !slices.Equal(tables, want) {
			t.Errorf("tables: migrated %v, models %v", tables, want)
		}
	})
}

func parse(t *testing.T, db *gorm.DB, model any) *schema.Schema {
	stmt := &gorm.Statement{DB: db}
	if err := stmt.Parse(model); err != nil {
		t.Fatal(err)
	}
	return stmt.Schema
}

func compareTable(t *testing.T, db *gorm.DB, model any, s *schema.Schema) {
	cols, err := db.Migrator().ColumnTypes(model)
	if err != nil {
		t.Fatalf("%s: %v", s.Table, err)
	}
	byName := map[string]gorm.ColumnType{}
	for _, c := range cols {
		byName[c.Name()] = c
	}
	for _, f := range s.Fields {
		if f.DBName == "" {
			continue
		}
		c, ok := byName[f.DBName]
		if !ok {
			t.Errorf("%s.%s: in the model, not in the migrated table", s.Table, f.DBName)
			continue
		}
		delete(byName, f.DBName)
		if nullable, ok := c.Nullable(); ok && !f.PrimaryKey {
			modelNullable := !f.NotNull
			if nullable != modelNullable {
				t.Errorf("%s.%s: nullable %v in the table, %v in the model", s.Table, f.DBName, nullable, modelNullable)
			}
		}
		if pk, ok := c.PrimaryKey(); ok && pk != f.PrimaryKey {
			t.Errorf("%s.%s: primary key %v in the table, %v in the model", s.Table, f.DBName, pk, f.PrimaryKey)
		}
		if got, want := kindOf(c.DatabaseTypeName()), kindOfField(f); got != want {
			t.Errorf("%s.%s: column type %s (%s), model wants %s", s.Table, f.DBName, c.DatabaseTypeName(), got, want)
		}
	}
	delete(byName, "search_tsv") // PostgreSQL's generated text-search vector, read only in SQL (internal/dialect)
	for name := range byName {
		t.Errorf("%s.%s: in the migrated table, not in the model", s.Table, name)
	}
}

// kindOf folds a database type name to a coarse kind that both dialects share.
func kindOf(dbType string) string {
	t := strings.ToLower(dbType)
	switch {
	case strings.Contains(t, "int"):
		return "int"
	case strings.Contains(t, "bool"):
		return "bool"
	case strings.Contains(t, "time"), strings.Contains(t, "date"):
		return "time"
	case strings.Contains(t, "text"), strings.Contains(t, "char"), strings.Contains(t, "json"):
		return "string"
	case strings.Contains(t, "real"), strings.Contains(t, "double"), strings.Contains(t, "numeric"), strings.Contains(t, "float"):
		return "float"
	}
	return t
}

func kindOfField(f *schema.Field) string {
	if f.DataType == "" {
		return "unknown"
	}
	switch f.DataType {
	case schema.Int, schema.Uint:
		return "int"
	case schema.Bool:
		return "bool"
	case schema.Time:
		return "time"
	case schema.String, "text":
		return "string"
	case schema.Float:
		return "float"
	}
	return kindOf(string(f.DataType))
}
