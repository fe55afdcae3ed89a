package media

import (
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxNameRunes bounds a display name; the extension is kept when cutting.
const maxNameRunes = 120

// CleanFilename turns a client's file name into display metadata: the last
// path element only (either slash), without NUL, control, format (bidi
// overrides, zero-width) or invalid characters, NFC-normalised, trimmed and
// bounded. It never returns "", ".", or "..".
func CleanFilename(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\u00a0' || r == '\u3000' || unicode.Is(unicode.Zs, r) {
			return ' '
		}
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError || unicode.Is(unicode.Co, r) ||
			unicode.Is(unicode.Zl, r) || unicode.Is(unicode.Zp, r) {
			return -1
		}
		return r
	}, norm.NFC.String(name))
	name = strings.Join(strings.Fields(name), " ")
	name = strings.Trim(name, " .")
	if name == "" {
		return "file"
	}
	if utf8.RuneCountInString(name) > maxNameRunes {
		ext := path.Ext(name)
		if utf8.RuneCountInString(ext) > 12 {
			ext = ""
		}
		stem := []rune(strings.TrimSuffix(name, ext))
		name = strings.TrimRight(string(stem[:maxNameRunes-utf8.RuneCountInString(ext)]), " .") + ext
	}
	return name
}

// urlName is the name used in a file's URL: ASCII letters, digits, dot,
// dash and underscore, so the URL needs no escaping and shows no tricks.
func urlName(name, ext string) string {
	stem := strings.TrimSuffix(name, path.Ext(name))
	var b strings.Builder
	dash := false
	for _, r := range norm.NFKD.String(stem) {
		switch {
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_'):
			b.WriteRune(unicode.ToLower(r))
			dash = false
		case unicode.Is(unicode.Mn, r):
			// accents fall off: é → e
		default:
			if !dash && b.Len() > 0 {
				b.WriteByte('-')
				dash = true
			}
		}
		if b.Len() >= 60 {
			break
		}
	}
	s := strings.Trim(b.String(), "-")
	if s == "" {
		s = "file"
	}
	return s + ext
}
