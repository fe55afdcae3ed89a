package delivery

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"

	"github.com/loamcms/cms/internal/changes"
	"github.com/loamcms/cms/models"
)

// chain is the locales a reader of locale gets, best first: the locale,
// then its fallback, and so on (content/locales.go refuses cycles; the
// walk stops at one anyway). Without fallback, just the locale. "" is the
// default locale. An unknown locale is a bad request.
func (s *Service) chain(ctx context.Context, locale string, fallback bool) ([]string, error) {
	locales, err := s.locales(ctx)
	if err != nil {
		return nil, err
	}
	next := map[string]string{}
	def := ""
	for _, l := range locales {
		next[l.Code] = ""
		if l.Fallback != nil {
			next[l.Code] = *l.Fallback
		}
		if l.IsDefault {
			def = l.Code
		}
	}
	if locale == "" {
		locale = def
	}
	if _, ok := next[locale]; !ok {
		codes := make([]string, len(locales))
		for i, l := range locales {
			codes[i] = l.Code
		}
		return nil, models.Errorf(models.CodeBadRequest, "unknown locale %q; the locales are %s", locale, strings.Join(codes, ", "))
	}
	out := []string{locale}
	for c := next[locale]; fallback && c != "" && !slices.Contains(out, c); c = next[c] {
		out = append(out, c)
	}
	return out, nil
}

// locales are the configured locales, cached until they change (a change
// to them drops everything: changes.All).
func (s *Service) locales(ctx context.Context) ([]models.Locale, error) {
	if l := s.cache.localeList(); l != nil {
		return l, nil
	}
	since := s.cache.count()
	var rows []models.Locale
	if err := s.db.WithContext(ctx).Order("position, code").Find(&rows).Error; err != nil {
		return nil, err
	}
	s.cache.keepLocales(rows, since)
	return rows, nil
}

// inChain limits rows of table to the best locale of each document along
// chain: a row in a chain locale for which no row of the same document in
// a better one exists.
func inChain(db *gorm.DB, table string, chain []string) *gorm.DB {
	if len(chain) == 1 {
		return db.Where(table+".locale = ?", chain[0])
	}
	rankOf := func(col string) (string, []any) {
		var b strings.Builder
		args := make([]any, 0, len(chain))
		b.WriteString("CASE " + col)
		for i, l := range chain {
			fmt.Fprintf(&b, " WHEN ? THEN %d", i)
			args = append(args, l)
		}
		b.WriteString(" END")
		return b.String(), args
	}
	better, betterArgs := rankOf("better.locale")
	this, thisArgs := rankOf(table + ".locale")
	args := append([]any{chain, chain}, append(betterArgs, thisArgs...)...)
	return db.Where(table+".locale IN ? AND NOT EXISTS (SELECT 1 FROM "+table+" better WHERE better.type = "+table+".type AND better.document_id = "+table+".document_id"+
		" AND better.locale IN ? AND "+better+" < "+this+")", args...)
}

// docDeps: an answer showing a document in some locale changes when any
// translation of it is published or unpublished.
func docDeps(d deps, rows []row) {
	for _, r := range rows {
		d.add(changes.Doc(r.DocumentID))
	}
}
