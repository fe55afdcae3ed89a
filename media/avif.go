package media

import (
	"cmp"
	"encoding/binary"
	"io"
	"os"
	"slices"
)

// AVIF keeps EXIF and XMP as items of its ISOBMFF container: an entry in
// iinf names the item's type ("Exif", or "mime" for XMP) and iloc says
// where its bytes are. stripAVIF copies the file and overwrites those
// bytes with zeros, so nothing of the metadata remains while every offset
// and the picture stay exactly as they were (no re-encoding, which for a
// 12-megapixel AVIF takes tens of seconds in pure Go).

// maxMetaBox bounds the meta box, which is read whole.
const maxMetaBox = 4 << 20

type extent struct{ offset, length int64 }

func stripAVIF(src *os.File, out *os.File) error {
	info, err := src.Stat()
	if err != nil {
		return err
	}
	size := info.Size()
	boxes, end, err := topBoxes(src, size)
	if err != nil {
		return err
	}
	var zero []extent // byte ranges to overwrite
	var metaAt int64 = -1
	for _, b := range boxes {
		switch b.typ {
		case "meta":
			metaAt = b.at
		case "ftyp", "mdat", "moov", "moof", "mfra", "styp", "sidx":
		default:
			// uuid (where XMP hides), free, skip and unknown boxes: their
			// payload goes, their place stays, so no offset moves.
			zero = append(zero, extent{b.at + b.hdr, b.size - b.hdr})
		}
	}
	if metaAt < 0 {
		return corrupt("AVIF without a meta box")
	}
	meta, _, err := findBox(src, metaAt, size, "meta")
	if err != nil {
		return err
	}
	if len(meta) < 4 {
		return corrupt("AVIF meta box")
	}
	children := meta[4:] // meta is a full box: version and flags first
	metaItems := map[uint32]bool{}
	var locations map[uint32][]itemExtent
	idatAt := int64(-1)
	for off := 0; off+8 <= len(children); {
		n := int(binary.BigEndian.Uint32(children[off:]))
		typ := string(children[off+4 : off+8])
		if n < 8 || off+n > len(children) {
			return corrupt("AVIF box size")
		}
		body := children[off+8 : off+n]
		switch typ {
		case "iinf":
			if err := metadataItems(body, metaItems); err != nil {
				return err
			}
		case "iloc":
			if locations, err = itemLocations(body); err != nil {
				return err
			}
		case "idat":
			idatAt = metaAt + 12 + int64(off) + 8
		}
		off += n
	}
	for id := range metaItems {
		for _, e := range locations[id] {
			start := e.offset
			if e.inIdat {
				if idatAt < 0 {
					return corrupt("AVIF item in a missing idat")
				}
				start += idatAt
			}
			// A zero length means "to the end": never for metadata here.
			if start < 0 || e.length <= 0 || start+e.length > size {
				return corrupt("AVIF item outside the file")
			}
			zero = append(zero, extent{start, e.length})
		}
	}
	zero, err = mergeExtents(zero, size)
	if err != nil {
		return err
	}
	// Copy the boxes (anything after the last one is dropped), then zero.
	if _, err := io.Copy(out, io.NewSectionReader(src, 0, end)); err != nil {
		return err
	}
	buf := make([]byte, 64<<10)
	for _, e := range zero {
		for off := e.offset; off < e.offset+e.length; {
			n := min(int64(len(buf)), e.offset+e.length-off)
			if _, err := out.WriteAt(buf[:n], off); err != nil {
				return err
			}
			off += n
		}
	}
	return nil
}

// mergeExtents sorts and joins overlapping ranges; together they can never
// cover more than the file (a crafted iloc lists the same bytes a million times).
func mergeExtents(es []extent, size int64) ([]extent, error) {
	slices.SortFunc(es, func(a, b extent) int { return cmp.Compare(a.offset, b.offset) })
	var out []extent
	var total int64
	for _, e := range es {
		if n := len(out); n > 0 && e.offset <= out[n-1].offset+out[n-1].length {
			last := &out[n-1]
			last.length = max(last.length, e.offset+e.length-last.offset)
			continue
		}
		out = append(out, e)
	}
	for _, e := range out {
		total += e.length
	}
	if total > size {
		return nil, corrupt("AVIF metadata larger than the file")
	}
	return out, nil
}

type box struct {
	typ           string
	at, hdr, size int64
}

// topBoxes lists the top-level boxes of f and where the last one ends.
func topBoxes(f *os.File, size int64) ([]box, int64, error) {
	var out []box
	at := int64(0)
	for at+8 <= size {
		if len(out) == 10_000 {
			return nil, 0, corrupt("AVIF with too many boxes")
		}
		head := make([]byte, 16)
		if _, err := f.ReadAt(head[:8], at); err != nil {
			return nil, 0, corrupt("AVIF box cut off")
		}
		n, hdr := int64(binary.BigEndian.Uint32(head)), int64(8)
		switch n {
		case 0:
			n = size - at
		case 1:
			if _, err := f.ReadAt(head[8:16], at+8); err != nil {
				return nil, 0, corrupt("AVIF box cut off")
			}
			n, hdr = int64(binary.BigEndian.Uint64(head[8:])), 16
		}
		if n < hdr || at+n > size {
			break // trailing bytes that are no box: dropped
		}
		out = append(out, box{typ: string(head[4:8]), at: at, hdr: hdr, size: n})
		at += n
	}
	if len(out) == 0 || out[0].typ != "ftyp" {
		return nil, 0, corrupt("not an AVIF")
	}
	return out, at, nil
}

// findBox returns the payload of the first top-level box of type want and
// the offset of the box, reading [from, to) of f.
func findBox(f *os.File, from, to int64, want string) ([]byte, int64, error) {
	for at := from; at+8 <= to; {
		head := make([]byte, 16)
		if _, err := f.ReadAt(head[:8], at); err != nil {
			return nil, 0, corrupt("AVIF box cut off")
		}
		n := int64(binary.BigEndian.Uint32(head))
		hdr := int64(8)
		switch n {
		case 0:
			n = to - at
		case 1:
			if _, err := f.ReadAt(head[8:16], at+8); err != nil {
				return nil, 0, corrupt("AVIF box cut off")
			}
			n, hdr = int64(binary.BigEndian.Uint64(head[8:])), 16
		}
		if n < hdr || at+n > to {
			return nil, 0, corrupt("AVIF box size")
		}
		if string(head[4:8]) == want {
			if n-hdr > maxMetaBox {
				return nil, 0, corrupt("AVIF %s box too large", want)
			}
			body := make([]byte, n-hdr)
			if _, err := f.ReadAt(body, at+hdr); err != nil {
				return nil, 0, corrupt("AVIF box cut off")
			}
			return body, at, nil
		}
		at += n
	}
	return nil, 0, corrupt("AVIF without a %s box", want)
}

// metadataItems adds the ids of EXIF and XMP items listed in an iinf box.
func metadataItems(b []byte, into map[uint32]bool) error {
	if len(b) < 6 {
		return corrupt("AVIF iinf")
	}
	off := 6 // version+flags, 16-bit count
	if b[0] != 0 {
		off = 8
	}
	for off+8 <= len(b) {
		n := int(binary.BigEndian.Uint32(b[off:]))
		if n < 8 || off+n > len(b) {
			return corrupt("AVIF infe size")
		}
		e := b[off+8 : off+n]
		if string(b[off+4:off+8]) == "infe" && len(e) >= 4 && e[0] >= 2 {
			var id uint32
			p := 4
			if e[0] == 2 && len(e) >= p+8 {
				id, p = uint32(binary.BigEndian.Uint16(e[p:])), p+2
			} else if len(e) >= p+10 {
				id, p = binary.BigEndian.Uint32(e[p:]), p+4
			} else {
				return corrupt("AVIF infe")
			}
			typ := string(e[p+2 : p+6])
			if typ == "Exif" || typ == "mime" {
				into[id] = true
			}
		}
		off += n
	}
	return nil
}

type itemExtent struct {
	extent
	inIdat bool // construction method 1: offsets into the idat box
}

// itemLocations reads an iloc box: each item's extents.
func itemLocations(b []byte) (map[uint32][]itemExtent, error) {
	bad := corrupt("AVIF iloc")
	if len(b) < 6 {
		return nil, bad
	}
	version := b[0]
	offSize, lenSize := int(b[4]>>4), int(b[4]&15)
	baseSize, idxSize := int(b[5]>>4), int(b[5]&15)
	if version == 0 {
		idxSize = 0
	}
	p := 6
	read := func(n int) (int64, bool) {
		if n == 0 {
			return 0, true
		}
		if (n != 4 && n != 8 && n != 2) || p+n > len(b) {
			return 0, false
		}
		var v int64
		switch n {
		case 2:
			v = int64(binary.BigEndian.Uint16(b[p:]))
		case 4:
			v = int64(binary.BigEndian.Uint32(b[p:]))
		case 8:
			v = int64(binary.BigEndian.Uint64(b[p:]))
		}
		p += n
		return v, v >= 0
	}
	countSize := 2
	if version == 2 {
		countSize = 4
	}
	count, ok := read(countSize)
	if !ok {
		return nil, bad
	}
	out := map[uint32][]itemExtent{}
	for range count {
		id, ok := read(countSize)
		if !ok {
			return nil, bad
		}
		method := int64(0)
		if version == 1 || version == 2 {
			if method, ok = read(2); !ok {
				return nil, bad
			}
			method &= 15
		}
		if _, ok = read(2); !ok { // data reference index
			return nil, bad
		}
		base, ok1 := read(baseSize)
		extents, ok2 := read(2)
		if !ok1 || !ok2 {
			return nil, bad
		}
		for range extents {
			_, ok1 := read(idxSize)
			off, ok2 := read(offSize)
			n, ok3 := read(lenSize)
			if !ok1 || !ok2 || !ok3 {
				return nil, bad
			}
			out[uint32(id)] = append(out[uint32(id)], itemExtent{extent{base + off, n}, method == 1})
		}
	}
	return out, nil
}
