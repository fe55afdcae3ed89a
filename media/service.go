package media

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"os"
	"path"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/sync/singleflight"
	"gorm.io/gorm"

	"github.com/loamcms/cms/internal/changes"
	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/outbox"
	"github.com/loamcms/cms/models"
)

// Options tune a Service.
type Options struct {
	MaxUpload int64  // bytes of one file (CMS_MAX_UPLOAD)
	TempDir   string // where uploads are spooled; default os.TempDir()
	// Workers bounds concurrent image decoding and encoding (uploads and
	// variants); default GOMAXPROCS. Queue bounds variant requests waiting
	// for a worker; more are refused with 503. Default 4×Workers.
	Workers, Queue int
	// MaxVariants bounds the variants made of one file (default 100).
	MaxVariants int
	Changes     changes.Announcer
	// Gen is the change counter (internal/changes): rows read at one count
	// are served from memory until it moves. Nil disables the cache.
	Gen func() uint64
	Now func() time.Time
	Log *slog.Logger
}

// Service implements the media use-cases.
type Service struct {
	db       *gorm.DB
	store    Store
	authz    models.Authorizer
	opt      Options
	work     chan struct{} // a token per running image job
	waiting  atomic.Int64  // variant requests queued for a token
	inflight singleflight.Group
	rows     rowCache
	hot      hotCache
}

// New returns a Service over db and store.
func New(db *gorm.DB, store Store, authz models.Authorizer, opt Options) *Service {
	if opt.MaxUpload <= 0 {
		opt.MaxUpload = 50 << 20
	}
	if opt.TempDir == "" {
		opt.TempDir = os.TempDir()
	}
	if opt.Workers <= 0 {
		opt.Workers = runtime.GOMAXPROCS(0)
	}
	if opt.Queue <= 0 {
		opt.Queue = 4 * opt.Workers
	}
	if opt.MaxVariants <= 0 {
		opt.MaxVariants = DefaultMaxVariants
	}
	if opt.Changes == nil {
		opt.Changes = changes.None
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Log == nil {
		opt.Log = slog.Default()
	}
	return &Service{db: db, store: store, authz: authz, opt: opt, work: make(chan struct{}, opt.Workers)}
}

// MaxUpload is the configured limit of one file.
func (s *Service) MaxUpload() int64 { return s.opt.MaxUpload }

func (s *Service) now() time.Time { return s.opt.Now().UTC().Truncate(time.Microsecond) }

// Item is a media item as the management API shows it.
type Item struct {
	ID          string    `json:"id"`
	Filename    string    `json:"filename"`
	Mime        string    `json:"mime"`
	Size        int64     `json:"size"`
	Width       *int      `json:"width"`
	Height      *int      `json:"height"`
	Alt         string    `json:"alt"`
	Title       string    `json:"title"`
	FocalX      float64   `json:"focal_x"`
	FocalY      float64   `json:"focal_y"`
	Placeholder string    `json:"placeholder"`
	URL         string    `json:"url"`
	Version     int       `json:"version"`
	CreatedBy   Person    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Person names a user.
type Person struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Public is the subset of an item that delivered entries carry.
type Public struct {
	ID          string  `json:"id"`
	URL         string  `json:"url"`
	Mime        string  `json:"mime"`
	Width       *int    `json:"width"`
	Height      *int    `json:"height"`
	Alt         string  `json:"alt"`
	FocalX      float64 `json:"focal_x"`
	FocalY      float64 `json:"focal_y"`
	Placeholder string  `json:"placeholder"`
}

// URL is the path a media item's original is served at. The name is for
// people and search engines; the version tag makes it cacheable for good.
func URL(m *models.Media) string {
	return "/media/" + m.ID + "/" + urlName(m.Filename, path.Ext(m.StorageKey)) + "?v=" + Tag(m)
}

// Tag identifies what a media item's URLs show (its ?v=): the bytes, and
// the focal point that cover crops are cut around.
func Tag(m *models.Media) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s %.4f %.4f", m.SHA256, m.FocalX, m.FocalY))
	return hex.EncodeToString(sum[:6])
}

// PublicOf is the delivery view of m.
func PublicOf(m *models.Media) Public {
	return Public{ID: m.ID, URL: URL(m), Mime: m.Mime, Width: m.Width, Height: m.Height, Alt: m.Alt,
		FocalX: m.FocalX, FocalY: m.FocalY, Placeholder: m.Placeholder}
}

func (s *Service) item(db *gorm.DB, m *models.Media) (*Item, error) {
	items, err := s.items(db, []models.Media{*m})
	if err != nil {
		return nil, err
	}
	return &items[0], nil
}

func (s *Service) items(db *gorm.DB, ms []models.Media) ([]Item, error) {
	ids := make([]string, 0, len(ms))
	for _, m := range ms {
		ids = append(ids, m.CreatedBy)
	}
	var users []models.User
	if len(ids) > 0 {
		if err := db.Select("id", "name").Where("id IN ?", ids).Find(&users).Error; err != nil {
			return nil, err
		}
	}
	names := map[string]string{}
	for _, u := range users {
		names[u.ID] = u.Name
	}
	out := make([]Item, 0, len(ms))
	for _, m := range ms {
		out = append(out, Item{ID: m.ID, Filename: m.Filename, Mime: m.Mime, Size: m.Size, Width: m.Width, Height: m.Height,
			Alt: m.Alt, Title: m.Title, FocalX: m.FocalX, FocalY: m.FocalY, Placeholder: m.Placeholder, URL: URL(&m),
			Version: m.Version, CreatedBy: Person{ID: m.CreatedBy, Name: names[m.CreatedBy]}, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt})
	}
	return out, nil
}

// can checks the policy; own/any actions check ownership of m.
func (s *Service) can(p models.Principal, act string, m *models.Media) error {
	if m == nil {
		return models.Authorize(s.authz, p, models.ObjMedia, act)
	}
	if err := models.Authorize(s.authz, p, models.ObjMedia, act+"_any"); err == nil {
		return nil
	}
	if m.CreatedBy == p.UserID {
		return models.Authorize(s.authz, p, models.ObjMedia, act+"_own")
	}
	return models.Authorize(s.authz, p, models.ObjMedia, act+"_any")
}

func validID(id string) bool {
	_, err := uuid.Parse(id)
	return err == nil && len(id) == 36
}

// rowCache keeps media rows for serving files: a row changes only with
// its item, and every change moves the counter, here or on any instance.
type rowCache struct {
	mu   sync.Mutex
	gen  uint64
	rows map[string]models.Media
}

const rowCacheSize = 10_000

// lookup is find for serving files, from memory while nothing changed.
func (s *Service) lookup(ctx context.Context, id string) (*models.Media, error) {
	if s.opt.Gen == nil {
		return s.find(s.db.WithContext(ctx), id)
	}
	gen := s.opt.Gen() // read first: a change during the query makes this entry stale at once
	c := &s.rows
	c.mu.Lock()
	if c.rows == nil || c.gen != gen || len(c.rows) >= rowCacheSize {
		c.gen, c.rows = gen, map[string]models.Media{}
	}
	m, ok := c.rows[id]
	c.mu.Unlock()
	if ok {
		return &m, nil
	}
	row, err := s.find(s.db.WithContext(ctx), id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.gen == gen {
		c.rows[id] = *row
	}
	c.mu.Unlock()
	return row, nil
}

// find loads a media item; not_found for a bad or unknown id.
func (s *Service) find(db *gorm.DB, id string) (*models.Media, error) {
	if !validID(id) {
		return nil, errMediaNotFound
	}
	var m models.Media
	if err := db.Where("id = ?", id).Take(&m).Error; errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, errMediaNotFound
	} else if err != nil {
		return nil, err
	}
	return &m, nil
}

// Get returns one item.
func (s *Service) Get(ctx context.Context, p models.Principal, id string) (*Item, error) {
	if err := s.can(p, models.ActRead, nil); err != nil {
		return nil, err
	}
	db := s.db.WithContext(ctx)
	m, err := s.find(db, id)
	if err != nil {
		return nil, err
	}
	return s.item(db, m)
}

// Query selects a page of the library.
type Query struct {
	Search, Kind, Sort string
	Limit, Offset      int
}

var sorts = map[string]string{
	"created_at": "created_at", "-created_at": "created_at DESC",
	"filename": "lower(filename)", "-filename": "lower(filename) DESC",
	"size": "size", "-size": "size DESC",
}

// List returns a page of the library and the total that matches.
func (s *Service) List(ctx context.Context, p models.Principal, q Query) (items []Item, total int64, capped bool, err error) {
	if err := s.can(p, models.ActRead, nil); err != nil {
		return nil, 0, false, err
	}
	db := s.db.WithContext(ctx).Model(&models.Media{})
	if q.Kind != "" {
		if !slices.Contains(Kinds, q.Kind) {
			return nil, 0, false, models.Errorf(models.CodeBadRequest, "type must be one of %s", strings.Join(Kinds, ", "))
		}
		db = db.Where("kind = ?", q.Kind)
	}
	for word := range strings.FieldsSeq(q.Search) {
		pat := database.LikePattern(word)
		db = db.Where(`(lower(filename) LIKE ? ESCAPE '\' OR lower(alt) LIKE ? ESCAPE '\' OR lower(title) LIKE ? ESCAPE '\')`, pat, pat, pat)
	}
	order, ok := sorts[q.Sort]
	if q.Sort == "" {
		order = sorts["-created_at"]
	} else if !ok {
		return nil, 0, false, models.Errorf(models.CodeBadRequest, "cannot sort by %q; sort by created_at, filename or size (- for descending)", q.Sort)
	}
	if total, capped, err = database.CountUpTo(s.db.WithContext(ctx), db); err != nil {
		return nil, 0, false, err
	}
	var ms []models.Media
	if err := db.Order(order).Order("id DESC").Limit(q.Limit).Offset(q.Offset).Find(&ms).Error; err != nil {
		return nil, 0, false, err
	}
	items, err = s.items(s.db.WithContext(ctx), ms)
	return items, total, capped, err
}

// Meta is the editable metadata of an item; nil leaves a value alone.
type Meta struct {
	Alt    *string  `json:"alt"`
	Title  *string  `json:"title"`
	FocalX *float64 `json:"focal_x"`
	FocalY *float64 `json:"focal_y"`
}

// names lists the metadata fields m sets.
func (m Meta) names() string {
	var f []string
	for _, n := range []struct {
		name string
		set  bool
	}{{"alt", m.Alt != nil}, {"title", m.Title != nil}, {"focal_x", m.FocalX != nil}, {"focal_y", m.FocalY != nil}} {
		if n.set {
			f = append(f, n.name)
		}
	}
	if len(f) == 0 {
		return "nothing"
	}
	return strings.Join(f, ", ")
}

// event writes the outbox event of a change to m, in the change's transaction.
func event(tx *gorm.DB, p models.Principal, typ string, m *models.Media, summary string) error {
	return outbox.Record(tx, outbox.Event{Type: typ, ObjectType: models.ObjMedia, ObjectID: m.ID, ActorID: p.UserID,
		Subject: m.Filename, Summary: summary,
		Data: map[string]any{"id": m.ID, "filename": m.Filename, "mime": m.Mime, "size": m.Size, "version": m.Version}})
}

// Patch is the input of Update.
type Patch struct {
	Meta
	Version *int `json:"version"`
}

// check validates the metadata, naming each bad field.
func (m Meta) check(fields map[string]string) {
	if m.Alt != nil && utf8.RuneCountInString(*m.Alt) > 1000 {
		fields["alt"] = "must be at most 1000 characters"
	}
	if m.Title != nil && utf8.RuneCountInString(*m.Title) > 300 {
		fields["title"] = "must be at most 300 characters"
	}
	for name, v := range map[string]*float64{"focal_x": m.FocalX, "focal_y": m.FocalY} {
		if v != nil && (math.IsNaN(*v) || *v < 0 || *v > 1) {
			fields[name] = "must be between 0 and 1"
		}
	}
}

func (m Meta) apply(row *models.Media) {
	if m.Alt != nil {
		row.Alt = strings.TrimSpace(*m.Alt)
	}
	if m.Title != nil {
		row.Title = strings.TrimSpace(*m.Title)
	}
	if m.FocalX != nil {
		row.FocalX = *m.FocalX
	}
	if m.FocalY != nil {
		row.FocalY = *m.FocalY
	}
}

// Update edits an item's metadata; the caller's version must be current.
func (s *Service) Update(ctx context.Context, p models.Principal, id string, in Patch) (*Item, error) {
	var out *Item
	err := outbox.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB, after func(func())) error {
		m, err := s.find(tx, id)
		if err != nil {
			return err
		}
		if err := s.can(p, models.ActUpdate, m); err != nil {
			return err
		}
		fields := map[string]string{}
		if in.Version == nil {
			fields["version"] = "is required"
		}
		in.Meta.check(fields)
		if len(fields) > 0 {
			return models.Invalid(fields)
		}
		if *in.Version != m.Version {
			return versionConflict(m.Version)
		}
		in.Meta.apply(m)
		m.Version++
		m.UpdatedAt = s.now()
		if err := s.save(tx, after, m, *in.Version); err != nil {
			return err
		}
		if err := event(tx, p, models.EventMediaUpdated, m, "changed "+in.Meta.names()); err != nil {
			return err
		}
		out, err = s.item(tx, m)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// save writes m if its version is still was (a racing edit loses with 409).
func (s *Service) save(tx *gorm.DB, after func(func()), m *models.Media, was int) error {
	res := tx.Model(&models.Media{}).Where("id = ? AND version = ?", m.ID, was).Select("*").Updates(m)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return versionConflict(m.Version - 1)
	}
	return s.opt.Changes.Changed(tx, after, changes.Media(m.ID))
}

func versionConflict(current int) error {
	return &models.Error{Code: models.CodeVersionConflict,
		Message: "this media item was changed by someone else (now version " + strconv.Itoa(current) + "); reload it and apply your change again"}
}

// Delete removes an item nothing uses, and then its files.
func (s *Service) Delete(ctx context.Context, p models.Principal, id string) error {
	var m *models.Media
	err := outbox.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB, after func(func())) error {
		var err error
		if m, err = s.find(tx, id); err != nil {
			return err
		}
		if err := s.can(p, models.ActDelete, m); err != nil {
			return err
		}
		var uses int64
		if err := tx.Model(&models.MediaRef{}).Where("media_id = ?", m.ID).Count(&uses).Error; err != nil {
			return err
		}
		if uses > 0 {
			return inUse()
		}
		err = tx.Where("id = ?", m.ID).Delete(&models.Media{}).Error
		if errors.Is(err, gorm.ErrForeignKeyViolated) {
			return inUse() // an entry started using it meanwhile
		}
		if err != nil {
			return err
		}
		if err := event(tx, p, models.EventMediaDeleted, m, ""); err != nil {
			return err
		}
		return s.opt.Changes.Changed(tx, after, changes.Media(m.ID))
	})
	if err != nil {
		return err
	}
	// The row is gone, so nothing serves these files any more; a failure
	// here leaves unreachable bytes, never a broken item.
	if err := s.store.DeletePrefix(context.WithoutCancel(ctx), m.ID+"/"); err != nil {
		s.opt.Log.Warn("media files not deleted", "media_id", m.ID, "error", err)
	}
	return nil
}

func inUse() error {
	return models.Errorf(models.CodeConflict, "this media item is used by an entry; remove it there first (see where it is used)")
}

// Spooled is an upload copied to a temporary file, not yet checked.
type Spooled struct {
	file                  *os.File
	Filename, ContentType string
}

// Close removes the temporary file.
func (u *Spooled) Close() {
	if u != nil && u.file != nil {
		u.file.Close()
		os.Remove(u.file.Name())
	}
}

// Spool copies one uploaded file from r to a temporary file, refusing it
// (413) at the first byte over the limit. Nothing is kept on failure.
func (s *Service) Spool(r io.Reader, filename, contentType string) (*Spooled, error) {
	f, err := os.CreateTemp(s.opt.TempDir, "cms-upload-*")
	if err != nil {
		return nil, err
	}
	u := &Spooled{file: f, Filename: filename, ContentType: contentType}
	n, err := io.Copy(f, io.LimitReader(r, s.opt.MaxUpload+1))
	if err == nil && n > s.opt.MaxUpload {
		err = models.Errorf(models.CodePayloadTooLarge, "the file is larger than the upload limit of %s", humanSize(s.opt.MaxUpload))
	}
	if err != nil {
		u.Close()
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, models.Errorf(models.CodePayloadTooLarge, "the upload is larger than the limit of %s", humanSize(s.opt.MaxUpload))
		}
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		u.Close()
		return nil, err
	}
	return u, nil
}

// CheckUpload reports whether p may upload at all: asked before the body
// is read, so a refused caller never streams 50 MiB first.
func (s *Service) CheckUpload(p models.Principal) error { return s.can(p, models.ActCreate, nil) }

// CheckReplace reports whether p may replace item id's file (before the body is read).
func (s *Service) CheckReplace(ctx context.Context, p models.Principal, id string) error {
	m, err := s.find(s.db.WithContext(ctx), id)
	if err != nil {
		return err
	}
	return s.can(p, models.ActUpdate, m)
}

// acquire takes a worker token, waiting as long as ctx allows.
func (s *Service) acquire(ctx context.Context) error {
	select {
	case s.work <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Service) release() { <-s.work }

// prepare checks and processes an upload and stores its bytes under a new
// key for item id. The caller writes the row, and on failure deletes the key.
func (s *Service) prepare(ctx context.Context, id string, u *Spooled) (*processed, string, error) {
	p, err := s.processBounded(ctx, u)
	if err != nil {
		return nil, "", err
	}
	if p.file != u.file {
		defer p.discard()
	}
	// Each upload gets a folder of its own, so two replaces racing each
	// other can never delete the folder the winner's row points at.
	key := id + "/" + strings.ToLower(rand.Text()[:16]) + "/original" + p.t.exts[0]
	if err := s.store.Put(ctx, key, p.file, p.size, p.t.mime); err != nil {
		return nil, "", err
	}
	return p, key, nil
}

// processBounded checks an upload while holding a worker token: decoding
// is the memory-hungry part.
func (s *Service) processBounded(ctx context.Context, u *Spooled) (*processed, error) {
	if err := s.acquire(ctx); err != nil {
		return nil, err
	}
	defer s.release()
	return process(u.file, u.Filename, u.ContentType, s.opt.TempDir)
}

// Create stores a new item from an upload.
func (s *Service) Create(ctx context.Context, p models.Principal, u *Spooled, meta Meta) (*Item, error) {
	if err := s.can(p, models.ActCreate, nil); err != nil {
		return nil, err
	}
	fields := map[string]string{}
	meta.check(fields)
	if len(fields) > 0 {
		return nil, models.Invalid(fields)
	}
	id := uuid.Must(uuid.NewV7()).String()
	pr, key, err := s.prepare(ctx, id, u)
	if err != nil {
		return nil, err
	}
	now := s.now()
	m := &models.Media{ID: id, Filename: CleanFilename(u.Filename), Mime: pr.t.mime, Kind: pr.t.kind, Size: pr.size,
		FocalX: 0.5, FocalY: 0.5, Placeholder: pr.placeholder, SHA256: pr.sha256, StorageKey: key, Version: 1,
		CreatedBy: p.UserID, CreatedAt: now, UpdatedAt: now}
	m.Width, m.Height = dims(pr)
	meta.apply(m)
	var out *Item
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(m).Error; err != nil {
			return err
		}
		if err := event(tx, p, models.EventMediaCreated, m, m.Mime+", "+humanSize(m.Size)); err != nil {
			return err
		}
		var err error
		out, err = s.item(tx, m)
		return err
	})
	if err != nil {
		s.forget(id + "/")
		return nil, err
	}
	return out, nil
}

func dims(p *processed) (*int, *int) {
	if p.width <= 0 || p.height <= 0 {
		return nil, nil
	}
	w, h := p.width, p.height
	return &w, &h
}

// forget deletes stored files that no row points at (after a failure).
func (s *Service) forget(prefix string) {
	if err := s.store.DeletePrefix(context.Background(), prefix); err != nil {
		s.opt.Log.Warn("orphaned media files not deleted", "prefix", prefix, "error", err)
	}
}

// Replace stores a new file for an existing item: the id, metadata and
// every reference stay; the URL's version tag changes.
func (s *Service) Replace(ctx context.Context, p models.Principal, id string, u *Spooled, version *int) (*Item, error) {
	if err := s.CheckReplace(ctx, p, id); err != nil {
		return nil, err
	}
	pr, key, err := s.prepare(ctx, id, u)
	if err != nil {
		return nil, err
	}
	var out *Item
	var oldKey string
	err = outbox.Transaction(s.db.WithContext(ctx), func(tx *gorm.DB, after func(func())) error {
		m, err := s.find(tx, id)
		if err != nil {
			return err
		}
		if err := s.can(p, models.ActUpdate, m); err != nil {
			return err
		}
		oldKey = m.StorageKey
		if version != nil && *version != m.Version {
			return versionConflict(m.Version)
		}
		was := m.Version
		m.Mime, m.Kind, m.Size, m.SHA256, m.StorageKey, m.Placeholder = pr.t.mime, pr.t.kind, pr.size, pr.sha256, key, pr.placeholder
		m.Width, m.Height = dims(pr)
		m.Variants = 0 // the new folder has none yet
		m.Version++
		m.UpdatedAt = s.now()
		if err := s.save(tx, after, m, was); err != nil {
			return err
		}
		if err := event(tx, p, models.EventMediaUpdated, m, "replaced the file ("+m.Mime+", "+humanSize(m.Size)+")"); err != nil {
			return err
		}
		out, err = s.item(tx, m)
		return err
	})
	if err != nil {
		s.forget(path.Dir(key) + "/") // this upload's own folder
		return nil, err
	}
	s.forget(path.Dir(oldKey) + "/") // the old original and its variants
	return out, nil
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return strconv.Itoa(int(n>>30)) + " GiB"
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.Itoa(int(n>>20)) + " MiB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.Itoa(int(n>>10)) + " KiB"
	}
	return strconv.Itoa(int(n)) + " bytes"
}

var errMediaNotFound = &models.Error{Code: models.CodeNotFound, Message: "media item not found"}

// VariantURL is the URL of m resized to width w in format fm.
func VariantURL(m *models.Media, w int, fm string) string {
	return URL(m) + "&w=" + strconv.Itoa(w) + "&fm=" + fm
}

// TempDir is where uploads are spooled.
func (s *Service) TempDir() string { return s.opt.TempDir }
