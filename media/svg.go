package media

import (
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
)

// maxSVG bounds an SVG upload: it is parsed whole to be checked.
const maxSVG = 4 << 20

// svgBlocked are elements that run script, embed other documents or load
// from elsewhere. SVG is a document format; only drawings are allowed.
var svgBlocked = map[string]bool{
	"script": true, "foreignobject": true, "iframe": true, "embed": true, "object": true,
	"handler": true, "listener": true, "frame": true, "frameset": true, "meta": true,
	"link": true, "base": true, "audio": true, "video": true, "html": true, "body": true,
	// Stylesheets can fetch (@import, url(), image-set()) in ways too many
	// to recognise; style attributes and presentation attributes remain.
	"style": true,
}

// checkSVG refuses an SVG that could run script or reach outside itself:
// script-like elements, event handlers, javascript: anywhere, DOCTYPE
// (entity expansion), stylesheets, external references, animations that
// rewrite links. It returns the drawing's size when the root states one.
func checkSVG(r io.Reader) (w, h int, err error) {
	refuse := func(why string) (int, int, error) { return 0, 0, errors.New(why) }
	d := xml.NewDecoder(io.LimitReader(r, maxSVG))
	d.Strict = true
	depth := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if depth != 0 {
				return refuse("the SVG is cut off")
			}
			return w, h, nil
		}
		if err != nil {
			return refuse("the SVG is not well-formed XML")
		}
		switch t := tok.(type) {
		case xml.Directive:
			return refuse("the SVG has a DOCTYPE or entity declaration")
		case xml.ProcInst:
			if t.Target != "xml" {
				return refuse("the SVG has a processing instruction (" + t.Target + ")")
			}
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			if depth == 0 && name != "svg" {
				return refuse("the file is XML but not an SVG drawing")
			}
			if svgBlocked[name] || strings.Contains(strings.ToLower(t.Name.Space), "xhtml") {
				return refuse("the SVG contains a <" + t.Name.Local + "> element")
			}
			for _, a := range t.Attr {
				an := strings.ToLower(a.Name.Local)
				v := squash(a.Value)
				switch {
				case strings.HasPrefix(an, "on"):
					return refuse("the SVG has an event handler (" + a.Name.Local + ")")
				case strings.Contains(v, "javascript:") || strings.Contains(v, "vbscript:"):
					return refuse("the SVG has a javascript: URL")
				case an == "href" || an == "src":
					if !strings.HasPrefix(v, "#") && !strings.HasPrefix(v, "data:image/png") &&
						!strings.HasPrefix(v, "data:image/jpeg") && !strings.HasPrefix(v, "data:image/gif") &&
						!strings.HasPrefix(v, "data:image/webp") {
						return refuse("the SVG refers to an outside resource (" + a.Value + ")")
					}
				case an == "attributename" && (strings.Contains(v, "href") || strings.HasPrefix(v, "on")):
					return refuse("the SVG animates a link or handler")
				case badCSS(v):
					// fill="url(https://…)", style="background:image-set(…)", CSS escapes…
					return refuse("the SVG loads from outside in its " + a.Name.Local)
				}
			}
			if depth == 0 {
				w, h = svgSize(t.Attr)
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
}

// squash lower-cases v and drops whitespace and control characters, the
// way browsers do inside URLs ("java\tscript:").
func squash(v string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(v) {
		if r > ' ' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// badCSS reports a (squashed) value that could fetch anything but a local
// fragment: url() of anything else, image-set(), @import, expression(), or
// a CSS escape that could spell any of them.
func badCSS(css string) bool {
	for _, s := range []string{"@import", "expression(", "image-set(", "image(", "\\"} {
		if strings.Contains(css, s) {
			return true
		}
	}
	for rest := css; ; {
		i := strings.Index(rest, "url(")
		if i < 0 {
			return false
		}
		rest = strings.TrimLeft(rest[i+4:], `"'`)
		if !strings.HasPrefix(rest, "#") {
			return true
		}
	}
}

// svgSize reads width and height (plain numbers or px) or the viewBox.
func svgSize(attrs []xml.Attr) (int, int) {
	get := func(n string) string {
		for _, a := range attrs {
			if strings.EqualFold(a.Name.Local, n) {
				return strings.TrimSpace(a.Value)
			}
		}
		return ""
	}
	num := func(s string) int {
		f, err := strconv.ParseFloat(strings.TrimSuffix(s, "px"), 64)
		if err != nil || f <= 0 || f > 1e6 {
			return 0
		}
		return int(f + 0.5)
	}
	if w, h := num(get("width")), num(get("height")); w > 0 && h > 0 {
		return w, h
	}
	if f := strings.FieldsFunc(get("viewBox"), func(r rune) bool { return r == ' ' || r == ',' }); len(f) == 4 {
		return num(f[2]), num(f[3])
	}
	return 0, 0
}
