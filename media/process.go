package media

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image/jpeg"
	"io"
	"os"

	"github.com/loamcms/cms/models"
)

// processed is an upload made safe to store.
type processed struct {
	t             fileType
	width, height int // 0 when unknown (documents, audio, video)
	placeholder   string
	file          *os.File // the bytes to store, at offset 0
	size          int64
	sha256        string
	format        string // image format name for rasters (jpeg, png, gif, webp, avif)
}

// process checks an upload spooled to src and returns what to store. For
// raster images that is a new temporary file in tmpDir without metadata
// (the caller removes it); otherwise src itself.
func process(src *os.File, filename, contentType, tmpDir string) (*processed, error) {
	head := make([]byte, 3072)
	n, _ := io.ReadFull(src, head)
	if n == 0 {
		return nil, models.Invalid(map[string]string{"file": "is empty"})
	}
	t, ok := sniff(head[:n])
	if !ok {
		return nil, models.Errorf(models.CodeUnsupportedMedia, "this type of file is not allowed; upload JPEG, PNG, GIF, WebP, AVIF, SVG, PDF, MP4, WebM, MP3 or plain text")
	}
	if declaredMismatch(t, contentType, filename) {
		return nil, models.Errorf(models.CodeUnsupportedMedia, "the file's name or declared type does not match its contents (%s)", t.mime)
	}
	p := &processed{t: t, file: src}
	switch {
	case t.raster:
		if err := p.raster(src, tmpDir); err != nil {
			return nil, err
		}
	case t.mime == "image/svg+xml":
		if _, err := src.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		info, err := src.Stat()
		if err != nil {
			return nil, err
		}
		if info.Size() > maxSVG {
			return nil, models.Invalid(map[string]string{"file": "an SVG may be at most 4 MiB"})
		}
		w, h, err := checkSVG(src)
		if err != nil {
			return nil, models.Errorf(models.CodeUnsupportedMedia, "%s", err.Error())
		}
		p.width, p.height = w, h
	}
	if err := p.measure(); err != nil {
		if p.file != src {
			p.discard()
		}
		return nil, err
	}
	return p, nil
}

// raster bounds, strips, orients, validates and previews an image.
func (p *processed) raster(src *os.File, tmpDir string) (err error) {
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return err
	}
	cfg, format, err := checkBounds(src)
	if err != nil {
		return imageError(err)
	}
	if "image/"+format != p.t.mime {
		return models.Errorf(models.CodeUnsupportedMedia, "the file's contents do not match its type")
	}
	p.format = format
	out, err := os.CreateTemp(tmpDir, "cms-media-*")
	if err != nil {
		return err
	}
	p.file = out
	defer func() {
		if err != nil {
			p.discard()
		}
	}()
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return err
	}
	orientation := 1
	switch format {
	case "jpeg":
		orientation, err = stripJPEG(src, out)
	case "png":
		err = stripPNG(src, out)
	case "webp":
		err = stripWebP(src, out)
	case "gif":
		_, err = stripGIF(src, out)
	case "avif":
		err = stripAVIF(src, out)
	}
	if err != nil {
		return imageError(err)
	}
	// Decode what will be stored: a truncated or corrupt image fails here.
	if _, err := out.Seek(0, io.SeekStart); err != nil {
		return err
	}
	img, err := decode(out)
	if err != nil {
		return imageError(err)
	}
	if orientation != 1 {
		img = orient(img, orientation)
		if err := rewrite(out, func(w io.Writer) error { return jpeg.Encode(w, img, &jpeg.Options{Quality: 92}) }); err != nil {
			return err
		}
	}
	b := img.Bounds()
	p.width, p.height = b.Dx(), b.Dy()
	if format == "gif" {
		// A GIF's first frame may cover only part of its screen.
		p.width, p.height = cfg.Width, cfg.Height
	} else if orientation == 1 && (p.width != cfg.Width || p.height != cfg.Height) {
		return imageError(corrupt("the image's header and pixels disagree"))
	}
	p.placeholder = placeholder(img)
	return nil
}

// rewrite replaces the contents of f with what write produces.
func rewrite(f *os.File, write func(io.Writer) error) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return write(f)
}

// measure computes size and hash of the bytes to store and rewinds.
func (p *processed) measure() error {
	if _, err := p.file.Seek(0, io.SeekStart); err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(h, p.file)
	if err != nil {
		return err
	}
	p.size, p.sha256 = n, hex.EncodeToString(h.Sum(nil))
	_, err = p.file.Seek(0, io.SeekStart)
	return err
}

// discard removes the processed temporary file.
func (p *processed) discard() {
	p.file.Close()
	os.Remove(p.file.Name())
}

// imageError turns a decoding problem into the client's error: too many
// pixels or a damaged file are the upload's fault (422), never ours.
func imageError(err error) error {
	var big errTooManyPixels
	switch {
	case errors.As(err, &big):
		return models.Invalid(map[string]string{"file": big.Error()})
	case errors.Is(err, errCorrupt):
		return models.Invalid(map[string]string{"file": err.Error()})
	}
	return err
}
