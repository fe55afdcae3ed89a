package media

import (
	"mime"
	"path"
	"strings"

	"github.com/gabriel-vasile/mimetype"
)

// fileType is one allowed kind of upload.
type fileType struct {
	mime   string   // what we store and serve
	kind   string   // image, video, audio or document: the library's type filter
	raster bool     // decoded, stripped, measured and resizable
	exts   []string // names it may carry (the first is used for storage keys)
}

// allowed is the upload allowlist, keyed by the sniffed type. Anything
// else, whatever its name or header claims, is refused.
var allowed = map[string]fileType{
	"image/jpeg":      {"image/jpeg", "image", true, []string{".jpg", ".jpeg", ".jpe", ".jfif"}},
	"image/png":       {"image/png", "image", true, []string{".png"}},
	"image/gif":       {"image/gif", "image", true, []string{".gif"}},
	"image/webp":      {"image/webp", "image", true, []string{".webp"}},
	"image/avif":      {"image/avif", "image", true, []string{".avif"}},
	"image/svg+xml":   {"image/svg+xml", "image", false, []string{".svg"}},
	"application/pdf": {"application/pdf", "document", false, []string{".pdf"}},
	"video/mp4":       {"video/mp4", "video", false, []string{".mp4", ".m4v"}},
	"video/webm":      {"video/webm", "video", false, []string{".webm"}},
	"audio/mpeg":      {"audio/mpeg", "audio", false, []string{".mp3"}},
	"text/plain":      {"text/plain", "document", false, []string{".txt", ".text", ".md", ".csv"}},
}

// Kinds are the values of the library's type filter.
var Kinds = []string{"image", "video", "audio", "document"}

// sniff names the allowed type of head (the file's first bytes), or
// returns false. Only the exact sniffed type counts, never a parent: an
// HTML page is text but is not text/plain.
func sniff(head []byte) (fileType, bool) {
	m := mimetype.Detect(head)
	name, _, _ := mime.ParseMediaType(m.String())
	switch name {
	case "audio/mp3":
		name = "audio/mpeg"
	case "image/svg":
		name = "image/svg+xml"
	}
	t, ok := allowed[name]
	return t, ok
}

// declaredMismatch reports whether a client's claim about the file (its
// part Content-Type or its name's extension) names a different type than
// the bytes are: a spoof is refused rather than silently corrected.
func declaredMismatch(t fileType, contentType, filename string) bool {
	if ct, _, err := mime.ParseMediaType(contentType); err == nil && ct != "" && ct != "application/octet-stream" {
		if ct == "image/jpg" || ct == "image/pjpeg" {
			ct = "image/jpeg"
		}
		if ct == "audio/mp3" {
			ct = "audio/mpeg"
		}
		if ct != t.mime && !(t.mime == "text/plain" && strings.HasPrefix(ct, "text/") && ct != "text/html") {
			return true
		}
	}
	ext := strings.ToLower(path.Ext(filename))
	if ext == "" {
		return false
	}
	for _, e := range t.exts {
		if e == ext {
			return false
		}
	}
	// An unknown extension (".bin", ".scan") is a name, not a claim; a
	// known one of another type (".jpg" on HTML) is a claim, and false.
	for _, other := range allowed {
		for _, e := range other.exts {
			if e == ext {
				return true
			}
		}
	}
	return dangerousExt[ext]
}

// dangerousExt are names a browser or desktop would treat as active
// content; no allowed type may wear them.
var dangerousExt = map[string]bool{
	".html": true, ".htm": true, ".xhtml": true, ".js": true, ".mjs": true, ".exe": true,
	".svgz": true, ".xml": true, ".php": true, ".sh": true, ".bat": true, ".cmd": true,
}

// KindMimes lists the stored mime types of a library kind.
func KindMimes(kind string) []string {
	var out []string
	for _, t := range allowed {
		if t.kind == kind {
			out = append(out, t.mime)
		}
	}
	return out
}

// IsRaster reports whether mime is a raster image type we resize.
func IsRaster(m string) bool { return allowed[m].raster }

// Inline reports whether mime may be shown in place by a browser: raster
// images, audio and video. Everything else is served as an attachment.
func Inline(m string) bool {
	t := allowed[m]
	return t.raster || t.kind == "audio" || t.kind == "video"
}
