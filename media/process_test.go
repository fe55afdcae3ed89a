package media

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/loamcms/cms/internal/mediatest"
	"github.com/loamcms/cms/models"
)

// run processes data as an upload called name with the given part type
// and returns the stored bytes.
func run(t *testing.T, data []byte, name, contentType string) (*processed, []byte, error) {
	t.Helper()
	dir := t.TempDir()
	src, err := os.CreateTemp(dir, "up-*")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	src.Write(data)
	src.Seek(0, io.SeekStart)
	p, err := process(src, name, contentType, dir)
	if err != nil {
		return nil, nil, err
	}
	stored, err := io.ReadAll(p.file)
	if err != nil {
		t.Fatal(err)
	}
	if p.file != src {
		p.discard()
	}
	if int64(len(stored)) != p.size {
		t.Errorf("size %d, stored %d bytes", p.size, len(stored))
	}
	return p, stored, nil
}

func code(err error) models.Code { return models.ErrorCode(err) }

func TestImagesAreStrippedOfMetadata(t *testing.T) {
	cases := []struct {
		name, file string
		data       []byte
		mime       string
	}{
		{"jpeg", "photo.jpg", mediatest.JPEGWithMetadata(64, 48, 1), "image/jpeg"},
		{"png", "shot.png", mediatest.PNGWithMetadata(64, 48), "image/png"},
		{"webp", "pic.webp", mediatest.WebPWithMetadata(64, 48), "image/webp"},
		{"gif", "anim.gif", mediatest.GIFWithMetadata(64, 48), "image/gif"},
		{"avif", "pic.avif", mediatest.AVIFWithMetadata(64, 48), "image/avif"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !bytes.Contains(c.data, []byte(mediatest.Secret)) {
				t.Fatal("fixture lacks its metadata")
			}
			p, stored, err := run(t, c.data, c.file, "")
			if err != nil {
				t.Fatal(err)
			}
			// (An AVIF keeps the empty item's entry, whose type is "Exif".)
			exifMarker := bytes.Contains(stored, []byte("Exif")) && c.name != "avif"
			if bytes.Contains(stored, []byte(mediatest.Secret)) || exifMarker || bytes.Contains(stored, []byte("<script")) {
				t.Errorf("stored %s still carries metadata", c.name)
			}
			if p.t.mime != c.mime || p.width != 64 || p.height != 48 {
				t.Errorf("got %s %dx%d", p.t.mime, p.width, p.height)
			}
			img, _, err := image.Decode(bytes.NewReader(stored))
			if err != nil || img.Bounds().Dx() != 64 {
				t.Errorf("stored file does not decode: %v", err)
			}
			if !strings.HasPrefix(p.placeholder, "data:image/png;base64,") || len(p.placeholder) > 2000 {
				t.Errorf("placeholder %.60s… (%d bytes)", p.placeholder, len(p.placeholder))
			}
		})
	}
}

func TestOrientationIsAppliedBeforeStripping(t *testing.T) {
	// Orientation 6: the camera was turned; the stored picture is upright.
	p, stored, err := run(t, mediatest.JPEGWithMetadata(80, 40, 6), "turned.jpg", "image/jpeg")
	if err != nil {
		t.Fatal(err)
	}
	if p.width != 40 || p.height != 80 {
		t.Errorf("dimensions %dx%d, want 40x80", p.width, p.height)
	}
	if bytes.Contains(stored, []byte(mediatest.Secret)) || bytes.Contains(stored, []byte("Exif")) {
		t.Error("rotated file still carries metadata")
	}
	img, _, err := image.Decode(bytes.NewReader(stored))
	if err != nil {
		t.Fatal(err)
	}
	// The dark square was top-left; turned 90° clockwise it is top-right.
	// (The square is the only place whose blue channel is low.)
	if _, _, b, _ := img.At(35, 5).RGBA(); b>>8 > 60 {
		t.Errorf("top-right pixel is not the dark square: b=%d", b>>8)
	}
	if _, _, b, _ := img.At(5, 5).RGBA(); b>>8 < 100 {
		t.Errorf("top-left pixel should be the gradient after turning: b=%d", b>>8)
	}
}

func TestHugeEXIFIsDropped(t *testing.T) {
	_, stored, err := run(t, mediatest.JPEGWithHugeEXIF(32, 32), "big-exif.jpg", "")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(stored, []byte(mediatest.Secret)) {
		t.Error("EXIF kept")
	}
}

func TestRefusedUploads(t *testing.T) {
	jpg := mediatest.JPEG(16, 16)
	cases := []struct {
		name     string
		data     []byte
		file, ct string
		want     models.Code
	}{
		{"html named jpg", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), "cat.jpg", "image/jpeg", models.CodeUnsupportedMedia},
		{"html", []byte("<html><body>hi</body></html>"), "page.html", "text/html", models.CodeUnsupportedMedia},
		{"spoofed content type", mediatest.PNG(8, 8), "x.png", "image/jpeg", models.CodeUnsupportedMedia},
		{"png named jpg", mediatest.PNG(8, 8), "x.jpg", "", models.CodeUnsupportedMedia},
		{"text named html", []byte("just words"), "note.html", "", models.CodeUnsupportedMedia},
		{"executable", append([]byte("MZ\x90\x00"), make([]byte, 200)...), "setup.jpg", "", models.CodeUnsupportedMedia},
		{"zip", append([]byte("PK\x03\x04"), make([]byte, 100)...), "a.zip", "", models.CodeUnsupportedMedia},
		{"empty", nil, "empty.png", "", models.CodeValidationFailed},
		{"gif bomb", mediatest.GIFBomb(), "bomb.gif", "image/gif", models.CodeValidationFailed},
		{"huge png", mediatest.HugePNG(), "huge.png", "image/png", models.CodeValidationFailed},
		{"truncated jpeg", jpg[:len(jpg)/2], "half.jpg", "", models.CodeValidationFailed},
		{"truncated png", mediatest.PNG(64, 64)[:200], "half.png", "", models.CodeValidationFailed},
		{"jpeg header only", jpg[:200], "head.jpg", "", models.CodeValidationFailed},
	}
	for name, svg := range mediatest.HostileSVGs {
		cases = append(cases, struct {
			name     string
			data     []byte
			file, ct string
			want     models.Code
		}{"svg " + name, []byte(svg), "x.svg", "image/svg+xml", models.CodeUnsupportedMedia})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := run(t, c.data, c.file, c.ct)
			if code(err) != c.want {
				t.Errorf("got %v, want %s", err, c.want)
			}
		})
	}
	if len(mediatest.GIFBomb()) != 34 {
		t.Errorf("the GIF bomb is %d bytes", len(mediatest.GIFBomb()))
	}
}

func TestAllowedDocuments(t *testing.T) {
	pdf := []byte("%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	cases := []struct {
		data       []byte
		file, mime string
	}{
		{pdf, "report.pdf", "application/pdf"},
		{[]byte("Plain notes, nothing more.\n"), "notes.txt", "text/plain"},
		{[]byte(mediatest.SafeSVG), "logo.svg", "image/svg+xml"},
		{mediatest.PNG(8, 8), "no-extension", "image/png"},
		{mediatest.PNG(8, 8), "scan.bin", "image/png"},
	}
	for _, c := range cases {
		p, stored, err := run(t, c.data, c.file, "application/octet-stream")
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		if p.t.mime != c.mime {
			t.Errorf("%s: mime %s", c.file, p.t.mime)
		}
		if c.mime != "image/png" && !bytes.Equal(stored, c.data) {
			t.Errorf("%s: documents are stored as they are", c.file)
		}
	}
	p, _, _ := run(t, []byte(mediatest.SafeSVG), "logo.svg", "image/svg+xml")
	if p == nil || p.width != 120 || p.height != 80 {
		t.Errorf("svg size: %+v", p)
	}
}

func TestCleanFilename(t *testing.T) {
	cases := map[string]string{
		"../../x":               "x",
		`..\x`:                  "x",
		`C:\Users\me\photo.jpg`: "photo.jpg",
		"a\x00b.png":            "ab.png",
		"evil\u202Egpj.exe":     "evilgpj.exe",
		"zero\u200bwidth.png":   "zerowidth.png",
		"tab\there.png":         "tab here.png",
		"..":                    "file",
		"":                      "file",
		"   ":                   "file",
		"/":                     "file",
		"Cafe\u0301 menu.pdf":   "Café menu.pdf",
		"line\nbreak.txt":       "linebreak.txt",
		"dots....":              "dots",
		".hidden":               "hidden",
		"ok name (1).jpeg":      "ok name (1).jpeg",
	}
	cases[strings.Repeat("a", 300)+".jpg"] = strings.Repeat("a", maxNameRunes-4) + ".jpg"
	for in, want := range cases {
		if got := CleanFilename(in); got != want {
			t.Errorf("CleanFilename(%q) = %q, want %q", in, got, want)
		}
	}
	if got := urlName("Ünïcode Fïle ‮name.JPG", ".jpg"); got != "unicode-file-name.jpg" {
		t.Errorf("urlName: %q", got)
	}
	if got := urlName("日本語", ".png"); got != "file.png" {
		t.Errorf("urlName: %q", got)
	}
}

func TestVariantPlans(t *testing.T) {
	cases := []struct {
		req      VariantRequest
		w, h     int
		cover    bool
		format   string
		q        int
		fx, fy   float64
		cropMinX int
	}{
		{VariantRequest{W: 800}, 800, 600, false, "jpeg", 80, .5, .5, 0},
		{VariantRequest{W: 4000}, 1600, 1200, false, "jpeg", 80, .5, .5, 0}, // never upscaled
		{VariantRequest{H: 300, Format: "webp", Quality: 60}, 400, 300, false, "webp", 60, .5, .5, 0},
		{VariantRequest{W: 500, H: 500}, 500, 375, false, "jpeg", 80, .5, .5, 0},
		{VariantRequest{W: 500, H: 500, Fit: "cover", Format: "png", Quality: 50}, 500, 500, true, "png", 0, .5, .5, 200},
		{VariantRequest{W: 500, H: 500, Fit: "cover"}, 500, 500, true, "jpeg", 80, 0, .5, 0},   // focal at the left edge
		{VariantRequest{W: 500, H: 500, Fit: "cover"}, 500, 500, true, "jpeg", 80, 1, .5, 400}, // and the right
		{VariantRequest{W: 3200, H: 3200, Fit: "cover"}, 1200, 1200, true, "jpeg", 80, .5, .5, 200},
	}
	for i, c := range cases {
		v := c.req.plan(1600, 1200, c.fx, c.fy, "jpeg")
		if v.W != c.w || v.H != c.h || v.Cover != c.cover || v.Format != c.format || v.Quality != c.q || v.Crop.Min.X != c.cropMinX {
			t.Errorf("case %d: %+v", i, v)
		}
	}
	a := VariantRequest{W: 4000}.plan(1600, 1200, .5, .5, "jpeg")
	b := VariantRequest{W: 1600}.plan(1600, 1200, .5, .5, "jpeg")
	if a.Key() != b.Key() {
		t.Errorf("same picture, two keys: %s %s", a.Key(), b.Key())
	}
	if v := (VariantRequest{W: 100}).plan(200, 100, .5, .5, "gif"); v.Format != "png" {
		t.Error("gif variants are png")
	}
}

func TestVariantsRender(t *testing.T) {
	src := mediatest.Picture(400, 300)
	for _, fm := range []string{"webp", "avif", "jpeg", "png"} {
		v := VariantRequest{W: 120, H: 120, Fit: "cover", Format: fm}.plan(400, 300, .2, .2, "png")
		var buf bytes.Buffer
		if err := v.render(src, &buf); err != nil {
			t.Fatalf("%s: %v", fm, err)
		}
		img, format, err := image.Decode(&buf)
		if err != nil || format != fm || img.Bounds().Dx() != 120 || img.Bounds().Dy() != 120 {
			t.Errorf("%s: decoded %s %v %v", fm, format, img.Bounds(), err)
		}
	}
}

func TestFolderStaysInsideItsRoot(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(filepath.Dir(dir), "outside-"+filepath.Base(dir))
	os.MkdirAll(outside, 0o750)
	// A link planted inside the store pointing out must not be followed.
	root := filepath.Join(dir, "media")
	f, err := OpenFolder(root)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	if err := f.Put(t.Context(), "link/x.txt", strings.NewReader("hi"), 2, ""); err == nil {
		t.Error("wrote through a symlink out of the root")
	}
	if _, err := os.Stat(filepath.Join(outside, "x.txt")); err == nil {
		t.Error("a file appeared outside the root")
	}
}

func TestCraftedContainersAreBounded(t *testing.T) {
	// WebP: millions of empty chunks, or a second header, are refused quickly.
	plain := mediatest.WebP(16, 16)
	var many bytes.Buffer
	many.Write(plain[12:])
	for range maxWebPChunks + 1 {
		many.WriteString("JUNK\x00\x00\x00\x00")
	}
	riff := append([]byte("RIFF\x00\x00\x00\x00WEBP"), many.Bytes()...)
	binary.LittleEndian.PutUint32(riff[4:], uint32(len(riff)-8))
	if _, _, err := run(t, riff, "many.webp", ""); code(err) != models.CodeValidationFailed {
		t.Errorf("a WebP of %d chunks: %v", maxWebPChunks+1, err)
	}
	twice := append([]byte("RIFF\x00\x00\x00\x00WEBP"), append(append([]byte{}, plain[12:]...), plain[12:]...)...)
	binary.LittleEndian.PutUint32(twice[4:], uint32(len(twice)-8))
	if _, _, err := run(t, twice, "twice.webp", ""); code(err) != models.CodeValidationFailed {
		t.Errorf("a WebP with two images: %v", err)
	}

	// AVIF: the same metadata listed a thousand times is zeroed once; more
	// than the file is refused.
	es := make([]extent, 1000)
	for i := range es {
		es[i] = extent{100, 50}
	}
	if merged, err := mergeExtents(es, 1000); err != nil || len(merged) != 1 || merged[0] != (extent{100, 50}) {
		t.Errorf("merge: %v %v", merged, err)
	}
	if _, err := mergeExtents([]extent{{0, 600}, {700, 600}}, 1000); err == nil {
		t.Error("extents larger than the file were accepted")
	}

	// AVIF: XMP in a top-level uuid box and data after the last box go too.
	withUUID := mediatest.AVIFWithMetadata(32, 24)
	uuid := append([]byte("\x00\x00\x00\x00uuid"), bytes.Repeat([]byte{0xBE}, 16)...)
	uuid = append(uuid, "<x:xmpmeta>"+mediatest.Secret+"</x:xmpmeta>"...)
	binary.BigEndian.PutUint32(uuid, uint32(len(uuid)))
	withUUID = append(append(withUUID, uuid...), "trailing "+mediatest.Secret...)
	_, stored, err := run(t, withUUID, "uuid.avif", "")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(stored, []byte(mediatest.Secret)) {
		t.Error("AVIF metadata outside the meta box survived")
	}
	if _, _, err := image.Decode(bytes.NewReader(stored)); err != nil {
		t.Errorf("stripped AVIF does not decode: %v", err)
	}
}

func TestGIFWithASmallFirstFrame(t *testing.T) {
	frame := image.NewPaletted(image.Rect(0, 0, 50, 50), palette.Plan9)
	var b bytes.Buffer
	err := gif.EncodeAll(&b, &gif.GIF{Image: []*image.Paletted{frame}, Delay: []int{0},
		Config: image.Config{Width: 100, Height: 100, ColorModel: color.Palette(palette.Plan9)}})
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := run(t, b.Bytes(), "small-frame.gif", "")
	if err != nil || p.width != 100 || p.height != 100 {
		t.Errorf("%v %+v", err, p)
	}
}

func TestExtremeCoverKeepsAPixel(t *testing.T) {
	v := VariantRequest{W: 1, H: 300, Fit: "cover", Format: "png"}.plan(1600, 200, .5, .5, "png")
	if v.Crop.Dx() < 1 || v.Crop.Dy() < 1 {
		t.Fatalf("empty crop %v", v.Crop)
	}
	var buf bytes.Buffer
	if err := v.render(mediatest.Picture(1600, 200), &buf); err != nil {
		t.Fatal(err)
	}
}

func TestBoxShrinkMatchesTheAverage(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 4, 2))
	for i := range src.Pix {
		src.Pix[i] = 255
	}
	src.SetNRGBA(0, 0, color.NRGBA{0, 0, 0, 255})
	src.SetNRGBA(2, 0, color.NRGBA{255, 0, 0, 0}) // transparent: does not tint its block
	out := boxShrink(src, src.Bounds(), 2)
	if got := out.NRGBAAt(0, 0); got != (color.NRGBA{191, 191, 191, 255}) {
		t.Errorf("block 1: %v", got)
	}
	if got := out.NRGBAAt(1, 0); got != (color.NRGBA{255, 255, 255, 191}) {
		t.Errorf("block 2: %v", got)
	}
}
