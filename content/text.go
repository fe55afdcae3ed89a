package content

import (
	"html"
	"regexp"
	"strings"
	"unicode"

	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/text/unicode/norm"
)

// richTextPolicy is bluemonday's policy for user-generated content: the
// formatting, links and images of an article, and no script, style, event
// handler or javascript: URL. Links get rel="nofollow noopener".
var richTextPolicy = func() *bluemonday.Policy {
	p := bluemonday.UGCPolicy()
	// Alt text and titles are prose ("Figure 2: steps, in order"), not
	// the word characters UGC allows; bluemonday still escapes them.
	p.AllowAttrs("alt", "title").OnElements("img")
	p.RequireNoFollowOnLinks(false)              // UGC asks it of every link…
	p.RequireNoFollowOnFullyQualifiedLinks(true) // …but links within the site stay followed
	p.AddTargetBlankToFullyQualifiedLinks(true)
	return p
}()

// sanitizeHTML returns the clean form of rich text; only that is stored.
func sanitizeHTML(s string) string { return richTextPolicy.Sanitize(s) }

var tags = regexp.MustCompile(`<[^>]*>`)

// plainText is rich text without its markup, for search and diffs.
func plainText(s string) string {
	return strings.Join(strings.Fields(html.UnescapeString(tags.ReplaceAllString(s, " "))), " ")
}

// slugify turns a title into a URL slug: lower-case ASCII letters and digits
// separated by single hyphens, accents folded ("Café au lait" → "cafe-au-lait").
func slugify(s string) string {
	var b strings.Builder
	hyphen := false
	for _, r := range norm.NFKD.String(foldLetters.Replace(s)) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue // a combining accent, split off by NFKD
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if hyphen && b.Len() > 0 {
				b.WriteByte('-')
			}
			hyphen = false
			b.WriteRune(unicode.ToLower(r))
		default:
			hyphen = true
		}
		if b.Len() >= 80 {
			break
		}
	}
	return strings.Trim(b.String(), "-")
}

// foldLetters spells out the Latin letters that have no accent to split off.
var foldLetters = strings.NewReplacer("ß", "ss", "ẞ", "SS", "æ", "ae", "Æ", "AE", "œ", "oe", "Œ", "OE",
	"ø", "o", "Ø", "O", "đ", "d", "Đ", "D", "ł", "l", "Ł", "L", "þ", "th", "Þ", "TH")

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// validSlug reports whether s may be used as a slug as it is.
func validSlug(s string) bool { return len(s) <= 100 && slugPattern.MatchString(s) }

var localePattern = regexp.MustCompile(`^[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$`)
