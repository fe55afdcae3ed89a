package media

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/loamcms/cms/models"
)

// Served is a stored file ready to send: the original or a variant.
type Served struct {
	Object
	Mime     string
	ETag     string // strong: the bytes' identity
	Filename string // for Content-Disposition
	Inline   bool   // raster image, audio or video: shown in place
	Variant  bool
	Tag      string // the item's current version tag (?v=)
}

// DefaultMaxVariants bounds the variants made of one file. Files are
// public, so anyone can ask for any size; without a bound one picture could
// cost unlimited CPU and storage. A site uses a handful of sizes.
const DefaultMaxVariants = 100

// MaxAVIFSide bounds AVIF variants: pure-Go AVIF encoding costs seconds
// per megapixel.
const MaxAVIFSide = 2048

// Content is what to send: for a file in a folder, the *os.File itself, so
// the kernel can copy it to the socket (sendfile) without passing through here.
func (f *Served) Content() io.ReadSeeker {
	if fo, ok := f.Object.(folderObject); ok {
		return fo.File
	}
	return f.Object
}

// ErrBusy refuses a variant while too many wait for a worker.
var ErrBusy = &models.Error{Code: models.CodeRateLimited, Status: http.StatusServiceUnavailable, RetryAfter: 1,
	Message: "busy making image variants; retry in a moment"}

// Open returns the original of item id, or the variant req describes when
// it asks for anything. Files are public: an item's id is the capability
// (a random UUIDv7 nobody can guess), as on every CDN-backed CMS.
func (s *Service) Open(ctx context.Context, id string, req *VariantRequest) (*Served, error) {
	m, err := s.lookup(ctx, id)
	if err != nil {
		return nil, err
	}
	if req == nil {
		obj, err := s.openHot(ctx, m.StorageKey)
		if err != nil {
			return nil, s.missing(m, err)
		}
		return &Served{Object: obj, Mime: m.Mime, ETag: `"` + m.SHA256[:32] + `"`, Filename: m.Filename,
			Inline: Inline(m.Mime), Tag: Tag(m)}, nil
	}
	if !IsRaster(m.Mime) || m.Width == nil || m.Height == nil {
		return nil, models.Errorf(models.CodeBadRequest, "only JPEG, PNG, GIF, WebP and AVIF images have variants; this is %s", m.Mime)
	}
	v := req.plan(*m.Width, *m.Height, m.FocalX, m.FocalY, strings.TrimPrefix(m.Mime, "image/"))
	if v.Format == "avif" && max(v.W, v.H) > MaxAVIFSide {
		return nil, models.Errorf(models.CodeBadRequest, "AVIF variants are at most %d pixels a side (encoding is slow); use fm=webp for larger", MaxAVIFSide)
	}
	key := path.Dir(m.StorageKey) + "/" + v.Key()
	obj, err := s.openHot(ctx, key)
	if errors.Is(err, ErrNoObject) {
		obj, err = s.makeVariant(ctx, m, v, key)
	}
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(key))
	name := strings.TrimSuffix(m.Filename, path.Ext(m.Filename)) + "." + extOf(v.Format)
	return &Served{Object: obj, Mime: v.Mime(), ETag: `"` + hex.EncodeToString(sum[:16]) + `"`, Filename: name,
		Inline: true, Variant: true, Tag: Tag(m)}, nil
}

func extOf(format string) string {
	if format == "jpeg" {
		return "jpg"
	}
	return format
}

// missing reports an original the store has lost as a server fault.
func (s *Service) missing(m *models.Media, err error) error {
	if errors.Is(err, ErrNoObject) {
		s.opt.Log.Error("media file missing from the store", "media_id", m.ID, "key", m.StorageKey)
	}
	return err
}

// makeVariant renders a variant once, however many ask at the same time,
// stores it beside the original and opens it. Concurrency is bounded: a
// request waits for one of Workers tokens, and beyond Queue waiting ones
// is refused with 503 rather than piling up decoded images in memory.
func (s *Service) makeVariant(ctx context.Context, m *models.Media, v Variant, key string) (Object, error) {
	_, err, _ := s.inflight.Do(key, func() (any, error) {
		// Others may be waiting on this result: one client hanging up must
		// not fail them all.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if s.waiting.Add(1) > int64(s.opt.Queue) {
			s.waiting.Add(-1)
			return nil, ErrBusy
		}
		err := s.acquire(ctx)
		s.waiting.Add(-1)
		if err != nil {
			return nil, ErrBusy
		}
		defer s.release()
		res := s.db.WithContext(ctx).Model(&models.Media{}).Where("id = ? AND storage_key = ? AND variants < ?", m.ID, m.StorageKey, s.opt.MaxVariants).
			Update("variants", gorm.Expr("variants + 1"))
		if res.Error != nil {
			return nil, res.Error
		}
		if res.RowsAffected == 0 {
			// (Or the file was replaced meanwhile: a retry sees the new one.)
			return nil, models.Errorf(models.CodeBadRequest,
				"this image has %d sizes already, the most one file may have; use the sizes its srcset lists", s.opt.MaxVariants)
		}
		return nil, s.render(ctx, m, v, key)
	})
	if err != nil {
		return nil, err
	}
	return s.openHot(ctx, key)
}

func (s *Service) render(ctx context.Context, m *models.Media, v Variant, key string) error {
	src, err := s.store.Open(ctx, m.StorageKey)
	if err != nil {
		return s.missing(m, err)
	}
	img, err := decode(bufio.NewReaderSize(src, 64<<10))
	src.Close()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(s.opt.TempDir, "cms-variant-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	bw := bufio.NewWriterSize(tmp, 64<<10)
	if err := v.render(img, bw); err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	size, err := tmp.Seek(0, 1)
	if err != nil {
		return err
	}
	if _, err := tmp.Seek(0, 0); err != nil {
		return err
	}
	return s.store.Put(ctx, key, tmp, size, v.Mime())
}

// Small files are kept in memory once read: a key names the same bytes
// for good (every upload has its own folder, a variant's key its
// parameters), so nothing here goes stale, and a busy page's thumbnails
// cost no file opens or S3 round trips. Deleted items stop being served
// because their row is gone, not because of this cache.
const (
	hotFileMax  = 1 << 20  // files up to this size are kept
	hotCacheMax = 64 << 20 // in all; when full it starts again empty
)

type hotCache struct {
	mu    sync.Mutex
	files map[string]hotFile
	bytes int
}

type hotFile struct {
	data    []byte
	modTime time.Time
}

// openHot opens key from memory, or from the store (keeping it when small).
func (s *Service) openHot(ctx context.Context, key string) (Object, error) {
	c := &s.hot
	c.mu.Lock()
	f, ok := c.files[key]
	c.mu.Unlock()
	if ok {
		return &memObject{bytes.NewReader(f.data), f.data, f.modTime}, nil
	}
	obj, err := s.store.Open(ctx, key)
	if err != nil || obj.Size() > hotFileMax {
		return obj, err
	}
	defer obj.Close()
	data, err := io.ReadAll(io.LimitReader(obj, hotFileMax+1))
	if err != nil {
		return nil, err
	}
	f = hotFile{data, obj.ModTime()}
	c.mu.Lock()
	if c.files == nil || c.bytes+len(data) > hotCacheMax {
		c.files, c.bytes = map[string]hotFile{}, 0
	}
	c.files[key] = f
	c.bytes += len(data)
	c.mu.Unlock()
	return &memObject{bytes.NewReader(data), data, f.modTime}, nil
}

type memObject struct {
	*bytes.Reader
	data    []byte
	modTime time.Time
}

func (m *memObject) Close() error       { return nil }
func (m *memObject) ModTime() time.Time { return m.modTime }

// Next returns up to n of the following bytes without copying them, and
// moves past them: the server writes them to the socket in one call.
func (m *memObject) Next(n int64) []byte {
	off := m.Size() - int64(m.Len())
	end := min(off+n, m.Size())
	m.Seek(end, io.SeekStart)
	return m.data[off:end]
}
