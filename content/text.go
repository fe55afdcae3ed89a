package content

import (
	"html"
	"regexp"
	"strings"

	"github.com/gosimple/slug"
	"github.com/microcosm-cc/bluemonday"
	"golang.org/x/text/language"
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

// slugify makes a readable URL slug of a title in any script: letters
// transliterated to ASCII (gosimple/slug and its Unicode tables: "Привет,
// мир" → "privet-mir", "東京タワー" → "dong-jing-tawa"), with the rules of
// the entry's language where they differ ("Straße" → "strasse", and in
// German "Ü" → "ue"), apostrophes dropped ("gardener's" → "gardeners"), at
// most 80 characters, cut between words. ASCII slugs read the same in
// every URL, log and CDN, need no percent-encoding, and cannot hide one
// script behind another's look-alike letters.
func slugify(s, locale string) string {
	s = apostrophes.Replace(s)
	lang, _ := language.Make(locale).Base()
	out := slug.MakeLang(s, lang.String())
	if len(out) > 80 {
		out = out[:80]
		if cut := strings.LastIndexByte(out, '-'); cut > 0 {
			out = out[:cut]
		}
	}
	return strings.Trim(out, "-")
}

var apostrophes = strings.NewReplacer("'", "", "’", "", "ʼ", "")

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(?:-[a-z0-9]+)*$`)

// validSlug reports whether s may be used as a slug as it is.
func validSlug(s string) bool { return len(s) <= 100 && slugPattern.MatchString(s) }
