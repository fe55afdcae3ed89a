package delivery

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/loamcms/cms/models"
)

// A cursor names the last item of a page by its values of the sort keys,
// so that the next page starts right after it by an index range however
// deep it is: page 5,000 costs what page 1 does, which OFFSET cannot do.
// It is opaque to clients (base64url of JSON) and bound to its sort.
type cursor struct {
	Sort   string `json:"s"`
	Values []any  `json:"v"`
}

const maxCursor = 2048

func encodeCursor(sort string, values []any) string {
	for i, v := range values {
		switch v := v.(type) {
		case time.Time:
			values[i] = v.UTC().Format(time.RFC3339Nano)
		case []byte:
			values[i] = string(v)
		}
	}
	b, _ := json.Marshal(cursor{Sort: sort, Values: values})
	return base64.RawURLEncoding.EncodeToString(b)
}

func badCursor() error {
	return models.Errorf(models.CodeBadRequest, "after must be a cursor from meta.next of the same sort")
}

// decodeCursor reads a cursor back into one parameter per key, each of
// the key's kind, so that a forged cursor can only ever be a bad request.
func decodeCursor(raw, sort string, keys []sortKey, postgres bool) ([]any, error) {
	if len(raw) > maxCursor {
		return nil, badCursor()
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return nil, badCursor()
	}
	var c cursor
	if json.Unmarshal(b, &c) != nil || c.Sort != sort || len(c.Values) != len(keys) {
		return nil, badCursor()
	}
	out := make([]any, len(keys))
	for i, k := range keys {
		v := c.Values[i]
		if v == nil {
			if !k.nullable {
				return nil, badCursor()
			}
			continue
		}
		switch k.kind {
		case "time":
			s, ok := v.(string)
			t, err := time.Parse(time.RFC3339Nano, s)
			if !ok || err != nil {
				return nil, badCursor()
			}
			out[i] = t.UTC()
		case "num":
			switch n := v.(type) {
			case float64:
				out[i] = n
			case string: // PostgreSQL's numeric reads as text
				f, err := strconv.ParseFloat(n, 64)
				if err != nil {
					return nil, badCursor()
				}
				out[i] = f
			default:
				return nil, badCursor()
			}
		case "bool":
			switch v.(type) {
			case bool, float64: // SQLite's JSON booleans read as 0 and 1
				out[i] = v
			default:
				return nil, badCursor()
			}
		default:
			switch v := v.(type) {
			case string:
				out[i] = v
			case float64, bool:
				if postgres { // ->> is always text there
					out[i] = fmt.Sprint(v)
				} else {
					out[i] = v
				}
			default:
				return nil, badCursor()
			}
		}
	}
	return out, nil
}

// afterCursor is the condition "strictly after the item whose key values
// are vals" in the order of keys, NULLs placed as the database places them
// (last ascending on PostgreSQL, first on SQLite). A first key that cannot
// be NULL also gets a plain range bound, which the index can seek to.
func afterCursor(keys []sortKey, vals []any, postgres bool) (string, []any) {
	last := len(keys) - 1
	sql, args := keys[last].expr+" > ?", []any{vals[last]} // the id, unique and ascending
	for i := last - 1; i >= 0; i-- {
		k, v := keys[i], vals[i]
		nullsAfter := postgres != k.desc
		op := map[bool]string{false: " > ?", true: " < ?"}[k.desc]
		var strict, eq string
		var sArgs, eArgs []any
		switch {
		case v == nil && nullsAfter:
			strict = "1 = 0"
		case v == nil:
			strict = k.expr + " IS NOT NULL"
		case k.nullable && nullsAfter:
			strict, sArgs = "("+k.expr+op+" OR "+k.expr+" IS NULL)", []any{v}
		default:
			strict, sArgs = k.expr+op, []any{v}
		}
		if v == nil {
			eq = k.expr + " IS NULL"
		} else {
			eq, eArgs = k.expr+" = ?", []any{v}
		}
		sql = "(" + strict + " OR (" + eq + " AND " + sql + "))"
		args = append(append(sArgs, eArgs...), args...)
	}
	if k := keys[0]; !k.nullable && vals[0] != nil && len(keys) > 1 {
		bound := map[bool]string{false: " >= ?", true: " <= ?"}[k.desc]
		sql, args = k.expr+bound+" AND "+sql, append([]any{vals[0]}, args...)
	}
	return sql, args
}
