package media

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/gif" // decoding GIF uploads
	"image/jpeg"
	"image/png"
	"io"
	"math"

	"github.com/gen2brain/avif"
	"github.com/gen2brain/webp"
	xdraw "golang.org/x/image/draw"
)

// Decoding is bounded before it starts: the header's dimensions are read
// first, and an image over these limits is refused without decoding it
// (a 34-byte GIF or a small PNG can claim 65535×65535 pixels).
const (
	MaxPixels = 50_000_000
	MaxSide   = 20_000
)

// checkBounds reads the header of an image and refuses one too large to decode.
func checkBounds(r io.Reader) (image.Config, string, error) {
	cfg, format, err := image.DecodeConfig(r)
	if err != nil {
		return cfg, "", corrupt("the image header cannot be read")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return cfg, "", corrupt("the image has no pixels")
	}
	if cfg.Width > MaxSide || cfg.Height > MaxSide || cfg.Width*cfg.Height > MaxPixels {
		return cfg, "", errTooManyPixels{cfg.Width, cfg.Height}
	}
	return cfg, format, nil
}

type errTooManyPixels struct{ w, h int }

func (e errTooManyPixels) Error() string {
	return fmt.Sprintf("the image is %d×%d pixels; at most %d megapixels and %d pixels a side are allowed", e.w, e.h, MaxPixels/1_000_000, MaxSide)
}

// decode decodes a bounded image (the first frame of an animation).
func decode(r io.Reader) (image.Image, error) {
	img, _, err := image.Decode(r)
	if err != nil {
		return nil, corrupt("the image cannot be decoded")
	}
	return img, nil
}

// orient applies an EXIF orientation (2–8) to img.
func orient(img image.Image, o int) image.Image {
	if o < 2 || o > 8 {
		return img
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if o >= 5 {
		dw, dh = h, w
	}
	dst := image.NewNRGBA(image.Rect(0, 0, dw, dh))
	for y := range h {
		for x := range w {
			var dx, dy int
			switch o {
			case 2:
				dx, dy = w-1-x, y
			case 3:
				dx, dy = w-1-x, h-1-y
			case 4:
				dx, dy = x, h-1-y
			case 5:
				dx, dy = y, x
			case 6:
				dx, dy = h-1-y, x
			case 7:
				dx, dy = h-1-y, w-1-x
			case 8:
				dx, dy = y, w-1-x
			}
			dst.Set(dx, dy, img.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return dst
}

// placeholder is a data URL of a tiny (16 px) PNG of img: browsers scale
// it up smoothly, which is the blur.
func placeholder(img image.Image) string {
	b := img.Bounds()
	w, h := 16, 16
	if b.Dx() >= b.Dy() {
		h = max(1, int(math.Round(16*float64(b.Dy())/float64(b.Dx()))))
	} else {
		w = max(1, int(math.Round(16*float64(b.Dx())/float64(b.Dy()))))
	}
	small := image.NewNRGBA(image.Rect(0, 0, w, h))
	xdraw.CatmullRom.Scale(small, small.Bounds(), img, b, xdraw.Src, nil)
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, small); err != nil {
		return ""
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())
}

// Variant is a normalised request for a resized image. Two requests that
// give the same picture normalise to the same Variant (and storage key).
type Variant struct {
	W, H    int    // output size in pixels
	Cover   bool   // crop to exactly W×H around the focal point
	Format  string // webp, avif, jpeg or png
	Quality int    // 1–100 (0 for png)
	// Crop is the part of the original that is scaled to W×H.
	Crop image.Rectangle
}

// Key names the variant's file beside its original.
func (v Variant) Key() string {
	fit := "contain"
	if v.Cover {
		fit = fmt.Sprintf("cover-%d-%d-%d-%d", v.Crop.Min.X, v.Crop.Min.Y, v.Crop.Dx(), v.Crop.Dy())
	}
	return fmt.Sprintf("%dx%d-%s-q%d.%s", v.W, v.H, fit, v.Quality, v.Format)
}

// Mime is the variant's content type.
func (v Variant) Mime() string { return "image/" + v.Format }

// VariantRequest is what a client asked for; zero means "not given".
type VariantRequest struct {
	W, H    int
	Fit     string // "", cover, contain
	Format  string // "", webp, avif, jpeg, png
	Quality int
}

// Limits of variant requests.
const (
	MaxVariantSide = 4096
	defaultQuality = 80
)

// plan turns a request into a Variant of an srcW×srcH original with the
// focal point (fx, fy), never larger than the original.
func (r VariantRequest) plan(srcW, srcH int, fx, fy float64, srcFormat string) Variant {
	v := Variant{Format: r.Format, Quality: r.Quality}
	if v.Format == "" {
		v.Format = srcFormat
		if v.Format != "jpeg" && v.Format != "webp" && v.Format != "avif" {
			v.Format = "png" // gif frames and anything else become png
		}
	}
	if v.Format == "png" {
		v.Quality = 0
	} else if v.Quality == 0 {
		v.Quality = defaultQuality
	}
	full := image.Rect(0, 0, srcW, srcH)
	sw, sh := float64(srcW), float64(srcH)
	switch {
	case r.Fit == "cover" && r.W > 0 && r.H > 0:
		// No upscaling: shrink the asked box until it fits the original.
		f := math.Min(1, math.Min(sw/float64(r.W), sh/float64(r.H)))
		v.W, v.H = max(1, int(math.Round(float64(r.W)*f))), max(1, int(math.Round(float64(r.H)*f)))
		v.Cover = true
		v.Crop = focalCrop(srcW, srcH, float64(r.W)/float64(r.H), fx, fy)
		if v.Crop == full {
			v.Cover = false
		}
		return v
	case r.W > 0 && r.H > 0:
		f := math.Min(1, math.Min(float64(r.W)/sw, float64(r.H)/sh))
		v.W, v.H = int(math.Round(sw*f)), int(math.Round(sh*f))
	case r.W > 0:
		f := math.Min(1, float64(r.W)/sw)
		v.W, v.H = int(math.Round(sw*f)), int(math.Round(sh*f))
	case r.H > 0:
		f := math.Min(1, float64(r.H)/sh)
		v.W, v.H = int(math.Round(sw*f)), int(math.Round(sh*f))
	default:
		v.W, v.H = srcW, srcH
	}
	v.W, v.H = max(1, v.W), max(1, v.H)
	v.Crop = full
	return v
}

// focalCrop is the largest rectangle of the given aspect inside the
// image, centred on the focal point as far as the edges allow.
func focalCrop(w, h int, aspect, fx, fy float64) image.Rectangle {
	cw, ch := float64(w), float64(w)/aspect
	if ch > float64(h) {
		cw, ch = float64(h)*aspect, float64(h)
	}
	x := math.Min(math.Max(fx*float64(w)-cw/2, 0), float64(w)-cw)
	y := math.Min(math.Max(fy*float64(h)-ch/2, 0), float64(h)-ch)
	r := image.Rect(int(math.Round(x)), int(math.Round(y)), int(math.Round(x+cw)), int(math.Round(y+ch)))
	// An extreme aspect (1×300 of a short image) rounds to nothing: keep a pixel.
	if r.Dx() < 1 {
		r.Max.X = min(r.Min.X+1, w)
		r.Min.X = r.Max.X - 1
	}
	if r.Dy() < 1 {
		r.Max.Y = min(r.Min.Y+1, h)
		r.Min.Y = r.Max.Y - 1
	}
	return r.Intersect(image.Rect(0, 0, w, h))
}

// render scales the variant's crop of img and encodes it to w.
func (v Variant) render(img image.Image, w io.Writer) error {
	crop := v.Crop.Add(img.Bounds().Min)
	// Shrink by a whole factor first with a box filter: the resampler's
	// scratch buffer is output width × input height, which for a 12 MP
	// photo is over 100 MB per render.
	if k := min(crop.Dx()/v.W, crop.Dy()/v.H); k >= 2 {
		img, crop = boxShrink(img, crop, k), image.Rect(0, 0, crop.Dx()/k, crop.Dy()/k)
	}
	var out draw.Image
	if v.Format == "jpeg" {
		// JPEG has no alpha: transparent pixels go on white, not black.
		rgba := image.NewRGBA(image.Rect(0, 0, v.W, v.H))
		draw.Draw(rgba, rgba.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
		xdraw.CatmullRom.Scale(rgba, rgba.Bounds(), img, crop, xdraw.Over, nil)
		out = rgba
	} else {
		nrgba := image.NewNRGBA(image.Rect(0, 0, v.W, v.H))
		xdraw.CatmullRom.Scale(nrgba, nrgba.Bounds(), img, crop, xdraw.Src, nil)
		out = nrgba
	}
	return encode(w, out, v.Format, v.Quality)
}

// encode writes img in format.
func encode(w io.Writer, img image.Image, format string, quality int) error {
	switch format {
	case "jpeg":
		return jpeg.Encode(w, img, &jpeg.Options{Quality: quality})
	case "png":
		return (&png.Encoder{CompressionLevel: png.DefaultCompression}).Encode(w, img)
	case "webp":
		return webp.Encode(w, img, webp.Options{Quality: quality, Method: 4})
	case "avif":
		return avif.Encode(w, img, avif.Options{Quality: quality, QualityAlpha: quality, Speed: 8})
	}
	return fmt.Errorf("media: cannot encode %s", format)
}

// boxShrink averages k×k blocks of the crop r of img into a new image.
// JPEG's YCbCr and the RGBA kinds are read directly; anything else goes
// through the colour model, which is slower but rare (GIF, grey PNG).
func boxShrink(img image.Image, r image.Rectangle, k int) *image.NRGBA {
	w, h := r.Dx()/k, r.Dy()/k
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	n := uint32(k * k)
	row := make([]uint32, 4*w) // sums for one output row
	for oy := range h {
		clear(row)
		for dy := range k {
			y := r.Min.Y + oy*k + dy
			for ox := range w {
				var sr, sg, sb, sa uint32
				for dx := range k {
					x := r.Min.X + ox*k + dx
					cr, cg, cb, ca := pixel(img, x, y)
					sr, sg, sb, sa = sr+cr, sg+cg, sb+cb, sa+ca
				}
				o := 4 * ox
				row[o], row[o+1], row[o+2], row[o+3] = row[o]+sr, row[o+1]+sg, row[o+2]+sb, row[o+3]+sa
			}
		}
		out := dst.Pix[oy*dst.Stride:]
		for ox := range w {
			o := 4 * ox
			a := row[o+3] / n
			if a == 0 {
				continue
			}
			// The sums are premultiplied; NRGBA wants straight colour.
			out[o], out[o+1], out[o+2], out[o+3] = uint8(row[o]*255/row[o+3]), uint8(row[o+1]*255/row[o+3]), uint8(row[o+2]*255/row[o+3]), uint8(a)
		}
	}
	return dst
}

// pixel is img's premultiplied colour at (x, y) in 8 bits per channel.
func pixel(img image.Image, x, y int) (r, g, b, a uint32) {
	switch m := img.(type) {
	case *image.YCbCr:
		yi, ci := m.YOffset(x, y), m.COffset(x, y)
		cr, cg, cb := color.YCbCrToRGB(m.Y[yi], m.Cb[ci], m.Cr[ci])
		return uint32(cr), uint32(cg), uint32(cb), 255
	case *image.NRGBA:
		i := m.PixOffset(x, y)
		a := uint32(m.Pix[i+3])
		return uint32(m.Pix[i]) * a / 255, uint32(m.Pix[i+1]) * a / 255, uint32(m.Pix[i+2]) * a / 255, a
	case *image.RGBA:
		i := m.PixOffset(x, y)
		return uint32(m.Pix[i]), uint32(m.Pix[i+1]), uint32(m.Pix[i+2]), uint32(m.Pix[i+3])
	}
	cr, cg, cb, ca := img.At(x, y).RGBA()
	return cr >> 8, cg >> 8, cb >> 8, ca >> 8
}

// Warm compiles the WebP encoder (WebAssembly, compiled on first use) in
// the background, so the first visitor after a start does not wait for it.
func Warm() {
	go encode(io.Discard, image.NewNRGBA(image.Rect(0, 0, 1, 1)), "webp", 80)
}
