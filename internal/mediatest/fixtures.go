// Package mediatest builds test files: images carrying the metadata that
// must never be stored (EXIF with GPS, XMP, IPTC, comments), bombs,
// truncated files and hostile SVGs. Everything is generated; no file on
// disk, no third-party photo.
package mediatest

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"

	"github.com/gen2brain/avif"
	"github.com/gen2brain/webp"
)

// Secret is text planted in every metadata block; stored files must not contain it.
const Secret = "GPS-52.3676N-4.9041E-secret"

// Picture is a w×h test image: a gradient with a dark square near the
// top-left, so crops and orientation can be told apart.
func Picture(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			c := color.NRGBA{uint8(x * 255 / max(1, w-1)), uint8(y * 255 / max(1, h-1)), 160, 255}
			if x < w/4 && y < h/4 {
				c = color.NRGBA{10, 10, 10, 255}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

// JPEG encodes a w×h picture.
func JPEG(w, h int) []byte {
	var b bytes.Buffer
	jpeg.Encode(&b, Picture(w, h), &jpeg.Options{Quality: 85})
	return b.Bytes()
}

// PNG encodes a w×h picture.
func PNG(w, h int) []byte {
	var b bytes.Buffer
	png.Encode(&b, Picture(w, h))
	return b.Bytes()
}

// GIF encodes a w×h picture.
func GIF(w, h int) []byte {
	var b bytes.Buffer
	gif.Encode(&b, Picture(w, h), nil)
	return b.Bytes()
}

// WebP encodes a w×h picture.
func WebP(w, h int) []byte {
	var b bytes.Buffer
	webp.Encode(&b, Picture(w, h), webp.Options{Quality: 80})
	return b.Bytes()
}

// exif is a TIFF-structured EXIF block with an orientation tag and an
// ImageDescription holding Secret (where GPS data would sit).
func exif(orientation uint16) []byte {
	var t bytes.Buffer
	t.WriteString("II*\x00")
	binary.Write(&t, binary.LittleEndian, uint32(8))
	binary.Write(&t, binary.LittleEndian, uint16(2)) // two entries
	// 0x0112 Orientation, SHORT, 1 value
	binary.Write(&t, binary.LittleEndian, []uint16{0x0112, 3})
	binary.Write(&t, binary.LittleEndian, uint32(1))
	binary.Write(&t, binary.LittleEndian, []uint16{orientation, 0})
	// 0x010E ImageDescription, ASCII
	desc := Secret + "\x00"
	binary.Write(&t, binary.LittleEndian, []uint16{0x010E, 2})
	binary.Write(&t, binary.LittleEndian, uint32(len(desc)))
	binary.Write(&t, binary.LittleEndian, uint32(8+2+24+4))
	binary.Write(&t, binary.LittleEndian, uint32(0)) // no next IFD
	t.WriteString(desc)
	return t.Bytes()
}

func segment(marker byte, body []byte) []byte {
	out := []byte{0xFF, marker, 0, 0}
	binary.BigEndian.PutUint16(out[2:], uint16(len(body)+2))
	return append(out, body...)
}

// JPEGWithMetadata is a w×h JPEG carrying EXIF (with the orientation
// given), XMP, IPTC, a comment and trailing data after EOI, each holding Secret.
func JPEGWithMetadata(w, h int, orientation uint16) []byte {
	plain := JPEG(w, h)
	var b bytes.Buffer
	b.Write(plain[:2])
	b.Write(segment(0xE1, append([]byte("Exif\x00\x00"), exif(orientation)...)))
	b.Write(segment(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>"+Secret+"</x:xmpmeta>")))
	b.Write(segment(0xED, []byte("Photoshop 3.0\x008BIM\x04\x04"+Secret)))
	b.Write(segment(0xFE, []byte(Secret)))
	b.Write(plain[2:])
	b.WriteString("<html><script>alert(1)</script>" + Secret)
	return b.Bytes()
}

// JPEGWithHugeEXIF is a JPEG whose APP1 is as large as a segment can be,
// with an IFD claiming 65535 entries.
func JPEGWithHugeEXIF(w, h int) []byte {
	plain := JPEG(w, h)
	body := append([]byte("Exif\x00\x00II*\x00\x08\x00\x00\x00\xff\xff"), bytes.Repeat([]byte(Secret), 65000/len(Secret))...)
	body = body[:65533]
	var b bytes.Buffer
	b.Write(plain[:2])
	b.Write(segment(0xE1, body))
	b.Write(plain[2:])
	return b.Bytes()
}

func chunk(typ string, data []byte) []byte {
	out := make([]byte, 8, 12+len(data))
	binary.BigEndian.PutUint32(out, uint32(len(data)))
	copy(out[4:], typ)
	out = append(out, data...)
	crc := crc32.NewIEEE()
	crc.Write([]byte(typ))
	crc.Write(data)
	return binary.BigEndian.AppendUint32(out, crc.Sum32())
}

// PNGWithMetadata is a PNG with tEXt, iTXt, eXIf and tIME chunks and
// trailing data, each holding Secret.
func PNGWithMetadata(w, h int) []byte {
	plain := PNG(w, h)
	iend := len(plain) - 12
	var b bytes.Buffer
	b.Write(plain[:33]) // signature + IHDR
	b.Write(chunk("tEXt", []byte("Comment\x00"+Secret)))
	b.Write(chunk("eXIf", exif(1)))
	b.Write(chunk("tIME", []byte{0x07, 0xEA, 12, 3, 10, 0, 0}))
	b.Write(plain[33:iend])
	b.Write(chunk("iTXt", []byte("XML:com.adobe.xmp\x00\x00\x00\x00\x00"+Secret)))
	b.Write(plain[iend:])
	b.WriteString(Secret)
	return b.Bytes()
}

// WebPWithMetadata is an extended WebP with EXIF and XMP chunks holding Secret.
func WebPWithMetadata(w, h int) []byte {
	plain := WebP(w, h)
	image := plain[12:] // the VP8/VP8L chunk
	vp8x := make([]byte, 10)
	vp8x[0] = 0x08 | 0x04 // EXIF and XMP present
	put24 := func(b []byte, v int) { b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16) }
	put24(vp8x[4:], w-1)
	put24(vp8x[7:], h-1)
	riffChunk := func(fourcc string, data []byte) []byte {
		out := append([]byte(fourcc), 0, 0, 0, 0)
		binary.LittleEndian.PutUint32(out[4:], uint32(len(data)))
		out = append(out, data...)
		if len(data)%2 == 1 {
			out = append(out, 0)
		}
		return out
	}
	var body bytes.Buffer
	body.WriteString("WEBP")
	body.Write(riffChunk("VP8X", vp8x))
	body.Write(image)
	body.Write(riffChunk("EXIF", exif(1)))
	body.Write(riffChunk("XMP ", []byte("<x:xmpmeta>"+Secret+"</x:xmpmeta>")))
	out := append([]byte("RIFF"), 0, 0, 0, 0)
	binary.LittleEndian.PutUint32(out[4:], uint32(body.Len()))
	return append(out, body.Bytes()...)
}

// GIFWithMetadata is a GIF with a comment and an XMP application extension.
func GIFWithMetadata(w, h int) []byte {
	plain := GIF(w, h)
	// After the header, screen descriptor and global colour table.
	off := 13
	if plain[10]&0x80 != 0 {
		off += 3 << (int(plain[10]&7) + 1)
	}
	var b bytes.Buffer
	b.Write(plain[:off])
	b.Write([]byte{0x21, 0xFE, byte(len(Secret))})
	b.WriteString(Secret)
	b.WriteByte(0)
	b.Write([]byte{0x21, 0xFF, 11})
	b.WriteString("XMP DataXMP")
	b.WriteByte(byte(len(Secret)))
	b.WriteString(Secret)
	b.WriteByte(0)
	b.Write(plain[off:])
	b.WriteString(Secret)
	return b.Bytes()
}

// GIFBomb is the classic tiny GIF that claims 65535×65535 pixels.
func GIFBomb() []byte {
	b := []byte("GIF89a")
	b = append(b, 0xFF, 0xFF, 0xFF, 0xFF, 0x80, 0x00, 0x00)       // screen 65535×65535, 2-colour table
	b = append(b, 0, 0, 0, 0xFF, 0xFF, 0xFF)                      // black, white
	b = append(b, 0x2C, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x00) // one frame filling it
	b = append(b, 0x02, 0x01, 0x44, 0x00, 0x3B)                   // a byte of LZW data, trailer
	return b
}

// HugePNG is a small file whose header claims 65535×65535 RGBA pixels.
func HugePNG() []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr, 65535)
	binary.BigEndian.PutUint32(ihdr[4:], 65535)
	ihdr[8], ihdr[9] = 8, 6
	b.Write(chunk("IHDR", ihdr))
	// Compressed zeros would expand to 16 GiB if anyone decoded them.
	b.Write(chunk("IDAT", []byte{0x78, 0x9c, 0xed, 0xc1, 0x01, 0x01, 0x00, 0x00, 0x00, 0x80, 0x90, 0xfe, 0xaf, 0xee, 0x08, 0x0a}))
	b.Write(chunk("IEND", nil))
	return b.Bytes()
}

// SafeSVG is a plain drawing.
const SafeSVG = `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="120" height="80" viewBox="0 0 120 80">
  <defs><linearGradient id="g"><stop offset="0" stop-color="#0a6"/><stop offset="1" stop-color="#06a"/></linearGradient></defs>
  <rect width="120" height="80" fill="url(#g)" style="stroke: url(#g); stroke-width: 2"/><use xlink:href="#g"/>
</svg>`

// HostileSVGs are SVGs that must be refused, by what they try.
var HostileSVGs = map[string]string{
	"script":         `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>`,
	"onload":         `<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="1" height="1"/></svg>`,
	"javascript-url": `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"><a xlink:href="java&#x09;script:alert(1)"><rect width="9" height="9"/></a></svg>`,
	"foreignObject":  `<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><body xmlns="http://www.w3.org/1999/xhtml"><img src="x" onerror="alert(1)"/></body></foreignObject></svg>`,
	"entity":         `<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>`,
	"external-image": `<svg xmlns="http://www.w3.org/2000/svg"><image href="https://tracker.example/pixel.png" width="1" height="1"/></svg>`,
	"css-import":     `<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://evil.example/x.css);</style></svg>`,
	"animate-href":   `<svg xmlns="http://www.w3.org/2000/svg"><a><animate attributeName="href" values="javascript:alert(1)"/><text>x</text></a></svg>`,
	"set-onclick":    `<svg xmlns="http://www.w3.org/2000/svg"><rect width="9" height="9"><set attributeName="onclick" to="alert(1)"/></rect></svg>`,
	"style-comment":  `<svg xmlns="http://www.w3.org/2000/svg"><style>@imp<!---->ort 'https://evil.example/x.css';</style></svg>`,
	"style-split":    `<svg xmlns="http://www.w3.org/2000/svg"><style><g/>@import url(https://evil.example/x.css);</style></svg>`,
	"css-escape":     `<svg xmlns="http://www.w3.org/2000/svg"><rect style="background:url(\68ttps://evil.example/p)" width="1" height="1"/></svg>`,
	"image-set":      `<svg xmlns="http://www.w3.org/2000/svg"><rect style="background:image-set('https://evil.example/p' 1x)" width="1" height="1"/></svg>`,
	"fill-url":       `<svg xmlns="http://www.w3.org/2000/svg"><rect fill="url(https://evil.example/p.svg#a)" width="1" height="1"/></svg>`,
	"filter-url":     `<svg xmlns="http://www.w3.org/2000/svg"><rect filter="url(//evil.example/f.svg#f)" width="1" height="1"/></svg>`,
}

// AVIF encodes a w×h picture.
func AVIF(w, h int) []byte {
	var b bytes.Buffer
	avif.Encode(&b, Picture(w, h), avif.Options{Quality: 60, Speed: 10})
	return b.Bytes()
}

// AVIFWithMetadata is an AVIF with an EXIF item (holding Secret), added
// the way cameras write one: an infe entry in iinf, its location in iloc,
// and its bytes in an mdat of their own at the end.
func AVIFWithMetadata(w, h int) []byte {
	plain := AVIF(w, h)
	box := func(typ string, body []byte) []byte {
		out := binary.BigEndian.AppendUint32(nil, uint32(8+len(body)))
		return append(append(out, typ...), body...)
	}
	// Split the file into ftyp, meta (with its children) and the rest.
	ftypLen := int(binary.BigEndian.Uint32(plain))
	metaLen := int(binary.BigEndian.Uint32(plain[ftypLen:]))
	meta := plain[ftypLen : ftypLen+metaLen]
	rest := plain[ftypLen+metaLen:]
	payload := append([]byte{0, 0, 0, 0}, exif(1)...) // no offset before the TIFF header
	var children []byte
	const growth = 21 + 14 // one more infe, one more iloc entry
	exifAt := len(plain) + growth + 8
	for off := 12; off < len(meta); {
		n := int(binary.BigEndian.Uint32(meta[off:]))
		typ, body := string(meta[off+4:off+8]), meta[off+8:off+n]
		switch typ {
		case "iinf": // version 0: a 16-bit count, then infe boxes
			count := binary.BigEndian.Uint16(body[4:])
			nb := append(append([]byte{}, body[:4]...), byte((count+1)>>8), byte(count+1))
			nb = append(nb, body[6:]...)
			nb = append(nb, box("infe", []byte{2, 0, 0, 0, 0, 2, 0, 0, 'E', 'x', 'i', 'f', 0})...)
			children = append(children, box("iinf", nb)...)
		case "iloc": // version 0, 4-byte offsets and lengths, no base offset
			if body[0] != 0 || body[4] != 0x44 || body[5] != 0 {
				panic("mediatest: unexpected iloc layout")
			}
			count := int(binary.BigEndian.Uint16(body[6:]))
			nb := append(append([]byte{}, body[:6]...), byte((count+1)>>8), byte(count+1))
			p := 8
			for range count {
				nb = append(nb, body[p:p+4]...) // item id, data reference
				extents := int(binary.BigEndian.Uint16(body[p+4:]))
				nb = append(nb, body[p+4:p+6]...)
				p += 6
				for range extents {
					nb = binary.BigEndian.AppendUint32(nb, binary.BigEndian.Uint32(body[p:])+growth)
					nb = append(nb, body[p+4:p+8]...)
					p += 8
				}
			}
			nb = append(nb, 0, 2, 0, 0, 0, 1)
			nb = binary.BigEndian.AppendUint32(nb, uint32(exifAt))
			nb = binary.BigEndian.AppendUint32(nb, uint32(len(payload)))
			children = append(children, box("iloc", nb)...)
		default:
			children = append(children, meta[off:off+n]...)
		}
		off += n
	}
	var out []byte
	out = append(out, plain[:ftypLen]...)
	out = append(out, box("meta", append(append([]byte{}, meta[8:12]...), children...))...)
	out = append(out, rest...)
	if len(out) != len(plain)+growth {
		panic("mediatest: AVIF growth miscounted")
	}
	return append(out, box("mdat", payload)...)
}
