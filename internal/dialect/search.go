// Package dialect holds the SQL that differs between SQLite and
// PostgreSQL beyond what GORM hides: today, full-text search.
package dialect

import (
	"slices"
	"strings"
	"unicode"
)

// MaxSearchWords bounds the words of one search.
const MaxSearchWords = 10

// RankCandidates bounds the ranking work of RankedThen: it ranks the
// newest RankCandidates matching rows, not every match. bm25 reads each
// ranked row's length, so a word in 64,000 of 110,000 entries cost 100 ms
// of CPU to rank; 2,000 cost a few. (A variable for tests.)
var RankCandidates = 2000

// FullText is a full-text condition on a table with a search index
// (migrations 00013: entries and published_entries): Where to filter
// with, and Rank to order by (higher first), each with its arguments.
type FullText struct {
	Where      string
	Args       []any
	Rank       string
	RankArgs   []any
	ranked     func(cond string, args []any, limit int) (string, []any)
	rankedThen func(cond string, args []any, limit int) (string, []any)
}

// Ranked is a query of the ids (column id) and ranks (column rank) of the
// best limit matching rows that also meet cond, best first. On SQLite it
// reads the FTS5 index in its own rank order rather than ranking each
// matching row.
func (ft FullText) Ranked(cond string, args []any, limit int) (string, []any) {
	return ft.ranked(cond, args, limit)
}

// RankedThen is Ranked for a cond that (nearly) every row meets: it ranks
// the best limit matches first and only then drops those that fail cond,
// so it may return fewer than Ranked would. It ranks only the newest
// RankCandidates matches (on SQLite the highest rowids, the last rows
// inserted, and the FTS5 index ranks them itself, reading only the limit
// best rows from table; on PostgreSQL the last updated): a word in more
// rows than that finds the best matches among the newest RankCandidates of
// them, not among all. A word in fewer rows is ranked exactly as Ranked
// does.
func (ft FullText) RankedThen(cond string, args []any, limit int) (string, []any) {
	return ft.rankedThen(cond, args, limit)
}

// Search builds the condition that every word of text occurs in a row of
// table, stemmed as the row's language is. locales are the languages the
// words may be in (PostgreSQL stems the query once per text-search
// configuration; SQLite's index stems English and folds every script).
// User text only ever reaches the database as a parameter, and on SQLite
// each word is a quoted FTS5 string, so no operator or quote in it means
// anything. ok is false when text has no word to look for.
func Search(dialect, table, text string, locales []string) (ft FullText, ok bool) {
	var words []string
	for _, w := range strings.Fields(text) {
		if strings.IndexFunc(w, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
			words = append(words, w)
		}
	}
	if len(words) == 0 {
		nothing := func(string, []any, int) (string, []any) { return "SELECT '' AS id, 0 AS rank WHERE 1 = 0", nil }
		return FullText{Where: "1 = 0", Rank: "0", ranked: nothing, rankedThen: nothing}, false
	}
	if dialect != "postgres" {
		quoted := make([]string, len(words))
		for i, w := range words {
			quoted[i] = `"` + strings.ReplaceAll(w, `"`, `""`) + `"`
		}
		match := strings.Join(quoted, " ")
		fts := ftsTable(table)
		return FullText{
			Where: table + ".rowid IN (SELECT rowid FROM " + fts + " WHERE " + fts + " MATCH ?)", Args: []any{match},
			// bm25 is lower for better matches.
			Rank: "-(SELECT bm25(" + fts + ") FROM " + fts + " WHERE " + fts + " MATCH ? AND rowid = " + table + ".rowid)", RankArgs: []any{match},
			ranked: func(cond string, args []any, limit int) (string, []any) {
				return "SELECT " + table + ".id AS id, -bm25(" + fts + ") AS rank FROM " + fts + " JOIN " + table + " ON " + table + ".rowid = " + fts + ".rowid" +
					" WHERE " + fts + " MATCH ? AND " + cond + " ORDER BY bm25(" + fts + ") LIMIT ?", append(append([]any{match}, args...), limit)
			},
			rankedThen: func(cond string, args []any, limit int) (string, []any) {
				newest := "SELECT rowid, bm25(" + fts + ") AS rank FROM " + fts + " WHERE " + fts + " MATCH ? ORDER BY rowid DESC LIMIT ?"
				return "SELECT " + table + ".id AS id, -best.rank AS rank FROM (SELECT rowid, rank FROM (" + newest + ") ORDER BY rank LIMIT ?) AS best" +
					" JOIN " + table + " ON " + table + ".rowid = best.rowid WHERE " + cond + " ORDER BY best.rank", append([]any{match, RankCandidates, limit}, args...)
			},
		}, true
	}
	configs := []string{}
	seen := map[string]bool{}
	for _, l := range append(locales, "simple") {
		if !seen[l] {
			seen[l] = true
			configs = append(configs, l)
		}
	}
	joined := strings.Join(words, " ")
	var parts []string
	var args []any
	for _, l := range configs {
		if l == "simple" {
			parts = append(parts, "websearch_to_tsquery('simple', ?)")
		} else {
			parts = append(parts, "websearch_to_tsquery(cms_search_config(?), ?)")
			args = append(args, l)
		}
		args = append(args, joined)
	}
	query := "(" + strings.Join(parts, " || ") + ")"
	ft = FullText{
		Where: table + ".search_tsv @@ " + query, Args: args,
		Rank: "ts_rank(" + table + ".search_tsv, " + query + ")", RankArgs: args,
	}
	ft.ranked = func(cond string, cargs []any, limit int) (string, []any) {
		all := append(append(append(slices.Clone(ft.RankArgs), ft.Args...), cargs...), limit)
		return "SELECT id, " + ft.Rank + " AS rank FROM " + table + " WHERE " + ft.Where + " AND " + cond + " ORDER BY rank DESC LIMIT ?", all
	}
	// As on SQLite, only the newest RankCandidates matches are ranked: here
	// the last changed (the updated_at index stops the read early for a
	// common word; a rare one is found through the GIN index). ts_rank of
	// 64,000 matches took 2 s.
	ft.rankedThen = func(cond string, cargs []any, limit int) (string, []any) {
		newest := "SELECT id, search_tsv FROM " + table + " WHERE " + ft.Where + " AND " + cond + " ORDER BY updated_at DESC LIMIT ?"
		all := append(append(append(append(slices.Clone(ft.RankArgs), ft.Args...), cargs...), RankCandidates), limit)
		return "SELECT id, ts_rank(newest.search_tsv, " + query + ") AS rank FROM (" + newest + ") AS newest ORDER BY rank DESC LIMIT ?", all
	}
	return ft, true
}

func ftsTable(table string) string {
	if table == "published_entries" {
		return "published_fts"
	}
	return table + "_fts"
}
