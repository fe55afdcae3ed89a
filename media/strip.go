package media

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// errCorrupt marks a file whose structure is broken: it is refused as
// invalid, never stored half-understood.
var errCorrupt = errors.New("the file is damaged or truncated")

func corrupt(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errCorrupt}, args...)...)
}

// The strippers below copy an image's bytes from r to w, leaving out every
// block that can carry EXIF, GPS, XMP, IPTC, comments or trailing data,
// without re-encoding the pixels. They keep what rendering needs (colour
// profiles, animation control).

// stripJPEG copies a JPEG without APP1 (EXIF, XMP), APP13 (IPTC), COM,
// other application segments and anything after EOI. It returns the EXIF
// orientation (1 when absent) so the caller can apply it.
func stripJPEG(r io.Reader, w io.Writer) (orientation int, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	bw := bufio.NewWriterSize(w, 64<<10)
	orientation = 1
	var soi [2]byte
	if _, err := io.ReadFull(br, soi[:]); err != nil || soi != [2]byte{0xFF, 0xD8} {
		return 0, corrupt("not a JPEG")
	}
	bw.Write(soi[:])
	pending := -1 // a marker already read by copyScan
	for {
		var marker byte
		if pending >= 0 {
			marker, pending = byte(pending), -1
		} else if marker, err = nextMarker(br); err != nil {
			return 0, err
		}
		switch {
		case marker == 0xD9: // EOI: the end, whatever follows is dropped
			bw.Write([]byte{0xFF, 0xD9})
			return orientation, bw.Flush()
		case marker >= 0xD0 && marker <= 0xD7 || marker == 0x01:
			bw.Write([]byte{0xFF, marker})
			continue
		}
		var lenBuf [2]byte
		if _, err := io.ReadFull(br, lenBuf[:]); err != nil {
			return 0, corrupt("JPEG segment cut off")
		}
		n := int(binary.BigEndian.Uint16(lenBuf[:])) - 2
		if n < 0 {
			return 0, corrupt("JPEG segment length")
		}
		keep := keepJPEGSegment(marker)
		if marker == 0xE1 || marker == 0xE2 {
			// Small enough (< 64 KiB) to look into: APP1 for the
			// orientation, APP2 to tell an ICC profile from MPF.
			body := make([]byte, n)
			if _, err := io.ReadFull(br, body); err != nil {
				return 0, corrupt("JPEG segment cut off")
			}
			if marker == 0xE1 && bytes.HasPrefix(body, []byte("Exif\x00\x00")) {
				if o := exifOrientation(body[6:]); o >= 1 && o <= 8 {
					orientation = o
				}
			}
			if marker == 0xE2 && bytes.HasPrefix(body, []byte("ICC_PROFILE\x00")) {
				bw.Write([]byte{0xFF, marker})
				bw.Write(lenBuf[:])
				bw.Write(body)
			}
			continue
		}
		if keep {
			bw.Write([]byte{0xFF, marker})
			bw.Write(lenBuf[:])
			if _, err := io.CopyN(bw, br, int64(n)); err != nil {
				return 0, corrupt("JPEG segment cut off")
			}
		} else if _, err := br.Discard(n); err != nil {
			return 0, corrupt("JPEG segment cut off")
		}
		if marker == 0xDA { // SOS: entropy-coded data up to the next real marker
			next, err := copyScan(br, bw)
			if err != nil {
				return 0, err
			}
			pending = int(next)
		}
	}
}

// keepJPEGSegment says which segments rendering needs: APP0 (JFIF), APP14
// (Adobe colour transform) and every non-APP, non-COM segment.
func keepJPEGSegment(marker byte) bool {
	switch {
	case marker == 0xE0 || marker == 0xEE:
		return true
	case marker >= 0xE0 && marker <= 0xEF, marker == 0xFE:
		return false
	}
	return true
}

// nextMarker reads up to and including the next marker byte, skipping fill bytes.
func nextMarker(br *bufio.Reader) (byte, error) {
	b, err := br.ReadByte()
	if err != nil {
		return 0, corrupt("JPEG ends without EOI")
	}
	if b != 0xFF {
		return 0, corrupt("JPEG marker expected")
	}
	for {
		b, err = br.ReadByte()
		if err != nil {
			return 0, corrupt("JPEG ends without EOI")
		}
		if b != 0xFF {
			return b, nil
		}
	}
}

// copyScan copies entropy-coded data, including stuffed bytes and restart
// markers, and returns the next other marker, which it has read.
func copyScan(br *bufio.Reader, bw *bufio.Writer) (byte, error) {
	for {
		run, err := br.ReadSlice(0xFF)
		if err == bufio.ErrBufferFull {
			bw.Write(run)
			continue
		}
		if err != nil {
			return 0, corrupt("JPEG scan cut off")
		}
		bw.Write(run[:len(run)-1])
		next, err := br.ReadByte()
		for err == nil && next == 0xFF { // fill bytes before a marker
			next, err = br.ReadByte()
		}
		if err != nil {
			return 0, corrupt("JPEG scan cut off")
		}
		if next == 0x00 || (next >= 0xD0 && next <= 0xD7) {
			bw.WriteByte(0xFF)
			bw.WriteByte(next)
			continue
		}
		return next, nil
	}
}

// exifOrientation reads tag 0x0112 from IFD0 of a TIFF-structured EXIF
// block; 0 when it is absent or the block is malformed.
func exifOrientation(tiff []byte) int {
	if len(tiff) < 8 {
		return 0
	}
	var bo binary.ByteOrder
	switch string(tiff[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0
	}
	off := int(bo.Uint32(tiff[4:8]))
	if off < 8 || off+2 > len(tiff) {
		return 0
	}
	count := int(bo.Uint16(tiff[off:]))
	for i := range count {
		e := off + 2 + i*12
		if e+12 > len(tiff) {
			return 0
		}
		if bo.Uint16(tiff[e:]) == 0x0112 && bo.Uint16(tiff[e+2:]) == 3 {
			return int(bo.Uint16(tiff[e+8:]))
		}
	}
	return 0
}

// pngKeep are the ancillary chunks rendering needs; every other ancillary
// chunk (tEXt, zTXt, iTXt, eXIf, tIME, private ones) is dropped.
var pngKeep = map[string]bool{
	"tRNS": true, "cHRM": true, "gAMA": true, "iCCP": true, "sBIT": true, "sRGB": true,
	"cICP": true, "mDCv": true, "cLLi": true, "bKGD": true, "hIST": true, "pHYs": true,
	"sPLT": true, "acTL": true, "fcTL": true, "fdAT": true,
}

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// stripPNG copies a PNG keeping critical and rendering chunks only, and
// nothing after IEND.
func stripPNG(r io.Reader, w io.Writer) error {
	br := bufio.NewReaderSize(r, 64<<10)
	bw := bufio.NewWriterSize(w, 64<<10)
	sig := make([]byte, 8)
	if _, err := io.ReadFull(br, sig); err != nil || !bytes.Equal(sig, pngSignature) {
		return corrupt("not a PNG")
	}
	bw.Write(sig)
	for {
		var head [8]byte
		if _, err := io.ReadFull(br, head[:]); err != nil {
			return corrupt("PNG ends without IEND")
		}
		n := binary.BigEndian.Uint32(head[:4])
		typ := string(head[4:8])
		if n > 1<<31-1 {
			return corrupt("PNG chunk length")
		}
		critical := typ[0] >= 'A' && typ[0] <= 'Z'
		if critical && typ != "IHDR" && typ != "PLTE" && typ != "IDAT" && typ != "IEND" {
			return corrupt("unknown critical PNG chunk %q", typ)
		}
		if critical || pngKeep[typ] {
			bw.Write(head[:])
			if _, err := io.CopyN(bw, br, int64(n)+4); err != nil {
				return corrupt("PNG chunk cut off")
			}
		} else if _, err := br.Discard(int(n) + 4); err != nil {
			return corrupt("PNG chunk cut off")
		}
		if typ == "IEND" {
			return bw.Flush()
		}
	}
}

// webpKeep are the RIFF chunks of a WebP that rendering needs; EXIF, XMP
// and unknown chunks are dropped.
var webpKeep = map[string]bool{"VP8 ": true, "VP8L": true, "VP8X": true, "ALPH": true, "ANIM": true, "ANMF": true, "ICCP": true}

// maxWebPChunks bounds the chunks of a WebP (frames of an animation
// included): millions of empty ones are an attack, not a picture.
const maxWebPChunks = 100_000

// stripWebP copies a WebP without EXIF and XMP chunks, clearing their
// flags in VP8X and fixing the RIFF size. It reads r twice: once to
// measure, once to copy.
func stripWebP(r io.ReadSeeker, w io.Writer) error {
	type chunk struct {
		fourcc string
		offset int64 // of the payload
		size   uint32
	}
	var head [12]byte
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if _, err := io.ReadFull(r, head[:]); err != nil || string(head[:4]) != "RIFF" || string(head[8:]) != "WEBP" {
		return corrupt("not a WebP")
	}
	riffEnd := int64(binary.LittleEndian.Uint32(head[4:8])) + 8
	var kept []chunk
	seen := map[string]bool{}
	total := int64(4) // "WEBP"
	pos := int64(12)
	br := bufio.NewReaderSize(r, 64<<10)
	for chunks := 0; pos < riffEnd; chunks++ {
		if chunks == maxWebPChunks {
			return corrupt("WebP with more than %d chunks", maxWebPChunks)
		}
		var ch [8]byte
		if _, err := io.ReadFull(br, ch[:]); err != nil {
			return corrupt("WebP chunk cut off")
		}
		size := binary.LittleEndian.Uint32(ch[4:])
		padded := int64(size) + int64(size&1)
		c := chunk{string(ch[:4]), pos + 8, size}
		if webpKeep[c.fourcc] {
			// Only animation frames repeat; a second header or profile is a trick.
			if c.fourcc != "ANMF" && seen[c.fourcc] {
				return corrupt("WebP with two %q chunks", c.fourcc)
			}
			seen[c.fourcc] = true
			kept = append(kept, c)
			total += 8 + padded
		}
		pos += 8 + padded
		if pos > riffEnd {
			return corrupt("WebP chunk cut off")
		}
		if _, err := br.Discard(int(padded)); err != nil {
			return corrupt("WebP chunk cut off")
		}
	}
	if len(kept) == 0 {
		return corrupt("WebP has no image")
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString("RIFF")
	binary.Write(bw, binary.LittleEndian, uint32(total))
	bw.WriteString("WEBP")
	for _, c := range kept {
		if _, err := r.Seek(c.offset, io.SeekStart); err != nil {
			return err
		}
		bw.WriteString(c.fourcc)
		binary.Write(bw, binary.LittleEndian, c.size)
		padded := int64(c.size) + int64(c.size&1)
		if c.fourcc == "VP8X" && c.size >= 1 {
			flags := make([]byte, 1)
			if _, err := io.ReadFull(r, flags); err != nil {
				return corrupt("WebP chunk cut off")
			}
			bw.WriteByte(flags[0] &^ (0x08 | 0x04)) // no EXIF, no XMP
			padded--
		}
		if _, err := io.CopyN(bw, r, padded); err != nil {
			return corrupt("WebP chunk cut off")
		}
	}
	return bw.Flush()
}

// stripGIF copies a GIF without comments, application extensions other
// than animation loops, and anything after the trailer. It counts frames
// and checks each lies within the logical screen.
func stripGIF(r io.Reader, w io.Writer) (frames int, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	bw := bufio.NewWriterSize(w, 64<<10)
	head := make([]byte, 13)
	if _, err := io.ReadFull(br, head); err != nil || (string(head[:6]) != "GIF87a" && string(head[:6]) != "GIF89a") {
		return 0, corrupt("not a GIF")
	}
	bw.Write(head)
	screenW, screenH := int(binary.LittleEndian.Uint16(head[6:])), int(binary.LittleEndian.Uint16(head[8:]))
	if head[10]&0x80 != 0 {
		if _, err := io.CopyN(bw, br, 3<<(int(head[10]&7)+1)); err != nil {
			return 0, corrupt("GIF colour table cut off")
		}
	}
	for {
		b, err := br.ReadByte()
		if err != nil {
			return 0, corrupt("GIF ends without trailer")
		}
		switch b {
		case 0x3B:
			bw.WriteByte(b)
			return frames, bw.Flush()
		case 0x2C:
			desc := make([]byte, 9)
			if _, err := io.ReadFull(br, desc); err != nil {
				return 0, corrupt("GIF frame cut off")
			}
			x, y := int(binary.LittleEndian.Uint16(desc[0:])), int(binary.LittleEndian.Uint16(desc[2:]))
			fw, fh := int(binary.LittleEndian.Uint16(desc[4:])), int(binary.LittleEndian.Uint16(desc[6:]))
			if x+fw > screenW || y+fh > screenH {
				return 0, corrupt("GIF frame outside the image")
			}
			frames++
			bw.WriteByte(b)
			bw.Write(desc)
			if desc[8]&0x80 != 0 {
				if _, err := io.CopyN(bw, br, 3<<(int(desc[8]&7)+1)); err != nil {
					return 0, corrupt("GIF colour table cut off")
				}
			}
			lzw, err := br.ReadByte()
			if err != nil {
				return 0, corrupt("GIF frame cut off")
			}
			bw.WriteByte(lzw)
			if err := gifSubBlocks(br, bw); err != nil {
				return 0, err
			}
		case 0x21:
			label, err := br.ReadByte()
			if err != nil {
				return 0, corrupt("GIF extension cut off")
			}
			keep := label == 0xF9 || label == 0x01
			var first []byte
			if label == 0xFF {
				n, err := br.ReadByte()
				if err != nil {
					return 0, corrupt("GIF extension cut off")
				}
				first = make([]byte, n)
				if _, err := io.ReadFull(br, first); err != nil {
					return 0, corrupt("GIF extension cut off")
				}
				id := string(first)
				keep = id == "NETSCAPE2.0" || id == "ANIMEXTS1.0"
			}
			out := io.Discard
			if keep {
				out = bw
				bw.WriteByte(b)
				bw.WriteByte(label)
				if first != nil {
					bw.WriteByte(byte(len(first)))
					bw.Write(first)
				}
			}
			if err := gifSubBlocks(br, out); err != nil {
				return 0, err
			}
		default:
			return 0, corrupt("unknown GIF block 0x%02x", b)
		}
	}
}

// gifSubBlocks copies data sub-blocks up to and including the terminator.
func gifSubBlocks(br *bufio.Reader, w io.Writer) error {
	for {
		n, err := br.ReadByte()
		if err != nil {
			return corrupt("GIF data cut off")
		}
		w.Write([]byte{n})
		if n == 0 {
			return nil
		}
		if _, err := io.CopyN(w, br, int64(n)); err != nil {
			return corrupt("GIF data cut off")
		}
	}
}
