package content

import (
	"context"
	"html"
	"strings"
	"unicode"

	"github.com/loamcms/cms/models"
)

// SearchHit is one entry found by Search, with how well it matched and
// the words around the match, the query's words in <mark>.
type SearchHit struct {
	Entry   EntryView `json:"entry"`
	Rank    float64   `json:"rank"`
	Snippet string    `json:"snippet"`
}

// Search finds working copies of every type p may read whose text has
// all the words of q, best matches first (full text: stemmed in each
// configured language).
func (s *Service) Search(ctx context.Context, p models.Principal, q string, limit int) ([]SearchHit, error) {
	if err := s.can(p, entryObject("*"), actRead); err != nil {
		return nil, err
	}
	if strings.TrimSpace(q) == "" {
		return nil, models.Errorf(models.CodeBadRequest, "q: say what to search for")
	}
	db := s.db.WithContext(ctx)
	var types []string
	if err := db.Model(&models.ContentType{}).Order("key").Pluck("key", &types).Error; err != nil {
		return nil, err
	}
	readable := types[:0]
	for _, t := range types {
		if s.can(p, entryObject(t), actRead) == nil {
			readable = append(readable, t)
		}
	}
	ft, err := s.fullText(db, "entries", q)
	if err != nil {
		return nil, err
	}
	query := ft.Ranked
	if len(readable) == len(types) {
		// Every type is readable: the condition drops nothing but rows of a
		// type since removed, so the index may rank and limit first.
		query = ft.RankedThen
	}
	sql, args := query("entries.type IN ?", []any{readable}, limit)
	var ranked []struct {
		ID   string
		Rank float64
	}
	if err := db.Raw(sql, args...).Scan(&ranked).Error; err != nil {
		return nil, err
	}
	if len(ranked) == 0 {
		return []SearchHit{}, nil
	}
	ids := make([]string, len(ranked))
	for i, r := range ranked {
		ids[i] = r.ID
	}
	var entries []models.Entry
	if err := db.Where("id IN ?", ids).Find(&entries).Error; err != nil {
		return nil, err
	}
	byID := map[string]models.Entry{}
	for _, e := range entries {
		byID[e.ID] = e
	}
	ordered := make([]models.Entry, 0, len(ranked))
	for _, r := range ranked {
		if e, ok := byID[r.ID]; ok {
			ordered = append(ordered, e)
		}
	}
	views, err := s.entryViews(db, p, ordered)
	if err != nil {
		return nil, err
	}
	hits := make([]SearchHit, len(views))
	for i, v := range views {
		hits[i] = SearchHit{Entry: v, Rank: ranked[i].Rank, Snippet: snippet(ordered[i].SearchText, q)}
	}
	return hits, nil
}

// snippet is about 160 characters of text around the first word that
// begins like a word of q (stems: "publish" finds "publishing"), HTML
// escaped, each such word in <mark>.
func snippet(text, q string) string {
	want := strings.FieldsFunc(strings.ToLower(q), notWordRune)
	words := strings.Fields(text)
	matches := func(w string) bool {
		lw := strings.ToLower(strings.TrimFunc(w, notWordRune))
		for _, q := range want {
			if lw != "" && (strings.HasPrefix(lw, q) || strings.HasPrefix(q, lw) && len(lw) >= 4) {
				return true
			}
		}
		return false
	}
	first := 0
	for i, w := range words {
		if matches(w) {
			first = i
			break
		}
	}
	start := max(0, first-8)
	var b strings.Builder
	if start > 0 {
		b.WriteString("… ")
	}
	n := 0
	for i := start; i < len(words) && n < 160; i++ {
		if i > start {
			b.WriteByte(' ')
		}
		w := html.EscapeString(words[i])
		if matches(words[i]) {
			w = "<mark>" + w + "</mark>"
		}
		b.WriteString(w)
		n += len(words[i]) + 1
		if n >= 160 && i < len(words)-1 {
			b.WriteString(" …")
		}
	}
	return b.String()
}

func notWordRune(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }
