package content

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"golang.org/x/text/language"
	"gorm.io/gorm"

	"github.com/loamcms/cms/internal/changes"
	"github.com/loamcms/cms/internal/dialect"
	"github.com/loamcms/cms/internal/outbox"
	"github.com/loamcms/cms/models"
)

// LocaleSettings are the locales content is written in: the body of
// GET and PUT /api/locales.
type LocaleSettings struct {
	Default string   `json:"default"`
	Locales []Locale `json:"locales"`
}

// Locale is one locale and the one the delivery API falls back to.
type Locale struct {
	Code     string `json:"code"`
	Fallback string `json:"fallback,omitempty"`
}

const maxLocales = 100

func (l *LocaleSettings) has(code string) bool {
	return slices.ContainsFunc(l.Locales, func(x Locale) bool { return x.Code == code })
}

func (l *LocaleSettings) codes() string {
	codes := make([]string, len(l.Locales))
	for i, x := range l.Locales {
		codes[i] = x.Code
	}
	return strings.Join(codes, ", ")
}

// Locales returns the locale settings. Anyone signed in.
func (s *Service) Locales(ctx context.Context, p models.Principal) (*LocaleSettings, error) {
	if err := s.can(p, models.ObjLocales, models.ActRead); err != nil {
		return nil, err
	}
	return readLocales(s.db.WithContext(ctx))
}

func readLocales(db *gorm.DB) (*LocaleSettings, error) {
	var rows []models.Locale
	if err := db.Order("position, code").Find(&rows).Error; err != nil {
		return nil, err
	}
	out := &LocaleSettings{Locales: make([]Locale, 0, len(rows))}
	for _, r := range rows {
		l := Locale{Code: r.Code}
		if r.Fallback != nil {
			l.Fallback = *r.Fallback
		}
		out.Locales = append(out.Locales, l)
		if r.IsDefault {
			out.Default = r.Code
		}
	}
	return out, nil
}

// SetLocales replaces the locale settings. Admin only. Codes are BCP 47 in
// their canonical spelling; a fallback names another listed locale and no
// chain goes round in a circle; a locale entries are written in cannot be
// removed (409, with how many).
func (s *Service) SetLocales(ctx context.Context, p models.Principal, in LocaleSettings) (*LocaleSettings, error) {
	if err := s.can(p, models.ObjLocales, models.ActUpdate); err != nil {
		return nil, err
	}
	if err := checkLocales(in); err != nil {
		return nil, err
	}
	var out *LocaleSettings
	err := outbox.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB, after func(func())) error {
		before, err := readLocales(tx)
		if err != nil {
			return err
		}
		var removed []string
		for _, l := range before.Locales {
			if !slices.ContainsFunc(in.Locales, func(n Locale) bool { return n.Code == l.Code }) {
				removed = append(removed, l.Code)
			}
		}
		if len(removed) > 0 {
			var uses []struct {
				Locale string
				N      int64
			}
			if err := tx.Model(&models.Entry{}).Select("locale, COUNT(*) AS n").Where("locale IN ?", removed).Group("locale").Scan(&uses).Error; err != nil {
				return err
			}
			if len(uses) > 0 {
				var parts []string
				for _, u := range uses {
					parts = append(parts, fmt.Sprintf("%s by %d %s", u.Locale, u.N, map[bool]string{true: "entry", false: "entries"}[u.N == 1]))
				}
				return models.Errorf(models.CodeConflict, "a locale in use cannot be removed: %s", strings.Join(parts, ", "))
			}
		}
		if err := tx.Where("1 = 1").Delete(&models.Locale{}).Error; err != nil {
			return err
		}
		rows := make([]models.Locale, len(in.Locales))
		for i, l := range in.Locales {
			rows[i] = models.Locale{Code: l.Code, Position: i, IsDefault: l.Code == in.Default}
			if l.Fallback != "" {
				rows[i].Fallback = &l.Fallback
			}
		}
		if err := tx.Create(&rows).Error; err != nil {
			return err
		}
		if out, err = readLocales(tx); err != nil {
			return err
		}
		codes := make([]string, len(out.Locales))
		for i, l := range out.Locales {
			codes[i] = l.Code
		}
		err = outbox.Record(tx, outbox.Event{Type: models.EventLocalesUpdated, ObjectType: models.ObjLocales, ObjectID: "locales",
			ActorID: p.UserID, Subject: "Locales", Summary: "default " + out.Default + "; " + strings.Join(codes, ", "), Data: out})
		if err != nil {
			return err
		}
		return s.opt.Changes.Changed(tx, after, changes.All) // fallback chains change what the delivery API answers
	})
	return out, err
}

// checkLocales validates settings on their own, naming each bad field.
func checkLocales(in LocaleSettings) error {
	fields := map[string]string{}
	if len(in.Locales) == 0 {
		fields["locales"] = "needs at least one locale"
	} else if len(in.Locales) > maxLocales {
		fields["locales"] = fmt.Sprintf("at most %d locales", maxLocales)
	}
	seen := map[string]bool{}
	for i, l := range in.Locales {
		key := fmt.Sprintf("locales[%d]", i)
		if msg := localeProblem(l.Code); msg != "" {
			fields[key+".code"] = msg
		} else if seen[l.Code] {
			fields[key+".code"] = l.Code + " is listed twice"
		}
		seen[l.Code] = true
	}
	for i, l := range in.Locales {
		key := fmt.Sprintf("locales[%d].fallback", i)
		switch {
		case l.Fallback == "":
		case l.Fallback == l.Code:
			fields[key] = "a locale cannot fall back to itself"
		case !seen[l.Fallback]:
			fields[key] = l.Fallback + " is not one of the locales"
		}
	}
	if in.Default == "" {
		fields["default"] = "required"
	} else if !seen[in.Default] {
		fields["default"] = in.Default + " is not one of the locales"
	}
	if len(fields) == 0 {
		next := map[string]string{}
		for _, l := range in.Locales {
			next[l.Code] = l.Fallback
		}
		for i, l := range in.Locales {
			chain := []string{l.Code}
			for c := next[l.Code]; c != ""; c = next[c] {
				if slices.Contains(chain, c) {
					fields[fmt.Sprintf("locales[%d].fallback", i)] = "the fallbacks go round in a circle: " + strings.Join(append(chain, c), " → ")
					break
				}
				chain = append(chain, c)
			}
		}
	}
	if len(fields) > 0 {
		return models.Invalid(fields)
	}
	return nil
}

// localeProblem says what is wrong with a locale code, or "": it must be
// BCP 47 ("fr", "fr-CA", "zh-Hant") in its canonical spelling.
func localeProblem(code string) string {
	if code == "" {
		return "required"
	}
	if len(code) > 35 {
		return "a locale code has at most 35 characters"
	}
	tag, err := language.Parse(code)
	if err != nil {
		return fmt.Sprintf("%q is not a BCP 47 language tag, such as en, fr-CA or zh-Hant", code)
	}
	if canonical := tag.String(); canonical != code {
		return fmt.Sprintf("write %q as %s", code, canonical)
	}
	return ""
}

// fullText is the search condition for text in the working copies or
// snapshots (table), stemmed in every configured language.
func (s *Service) fullText(db *gorm.DB, table, text string) (dialect.FullText, error) {
	if len(strings.Fields(text)) > dialect.MaxSearchWords {
		return dialect.FullText{}, models.Errorf(models.CodeBadRequest, "search for at most %d words", dialect.MaxSearchWords)
	}
	var codes []string
	if s.opt.Dialect == "postgres" {
		if err := db.Session(&gorm.Session{NewDB: true}).Model(&models.Locale{}).Order("position").Pluck("code", &codes).Error; err != nil {
			return dialect.FullText{}, err
		}
	}
	ft, _ := dialect.Search(s.opt.Dialect, table, text, codes)
	return ft, nil
}
