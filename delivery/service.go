package delivery

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
	"gorm.io/gorm"

	"github.com/loamcms/cms/internal/changes"
	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dialect"
	"github.com/loamcms/cms/models"
)

// Options tune a Service.
type Options struct {
	Dialect string // "sqlite" or "postgres"
	// CacheBytes bounds the answer cache (default 32 MiB).
	CacheBytes int
	// Grace is how long after a change a list it may extend is still
	// served while its one recomputation runs (default 500 ms).
	Grace time.Duration
}

// Service answers delivery reads.
type Service struct {
	db       *gorm.DB
	authz    models.Authorizer
	opt      Options
	cache    *cache
	inflight singleflight.Group
	results  map[string]*atomic.Uint64
	refresh  map[string]*atomic.Uint64
	// decisions remembers the authorizer's answers (see can).
	decisions     sync.Map // decision → bool
	manyDecisions atomic.Int64
}

// CacheResults are how a published answer can be found: in the cache,
// stale in the cache (served while it is recomputed), by joining a
// computation in flight, or by computing it.
var CacheResults = []string{"hit", "stale", "shared", "miss"}

// CacheResult counts the published answers found as result, for metrics.
func (s *Service) CacheResult(result string) uint64 { return s.results[result].Load() }

// RefreshResults are how a stale list's one recomputation ended: its page
// (ids and total) was the same, so the cached answer is fresh again
// without being rebuilt, or it was built anew.
var RefreshResults = []string{"unchanged", "rebuilt"}

// RefreshResult counts the stale lists' recomputations that ended as
// result, for metrics.
func (s *Service) RefreshResult(result string) uint64 { return s.refresh[result].Load() }

func (s *Service) observe(result string) { s.results[result].Add(1) }

// New returns a Service. Feed it every change with Changed (the
// internal/changes feed's OnChange).
func New(db *gorm.DB, authz models.Authorizer, opt Options) *Service {
	if opt.CacheBytes == 0 {
		opt.CacheBytes = 32 << 20
	}
	if opt.Grace == 0 {
		opt.Grace = 500 * time.Millisecond
	}
	s := &Service{db: db, authz: authz, opt: opt, cache: newCache(opt.CacheBytes), results: map[string]*atomic.Uint64{}, refresh: map[string]*atomic.Uint64{}}
	for _, r := range CacheResults {
		s.results[r] = &atomic.Uint64{}
	}
	for _, r := range RefreshResults {
		s.refresh[r] = &atomic.Uint64{}
	}
	return s
}

func (s *Service) postgres() bool { return s.opt.Dialect == "postgres" }

// Changed drops or marks stale the cached answers a change touched.
func (s *Service) Changed(tags []string) { s.cache.invalidate(tags) }

// Answer is a finished delivery answer: its JSON, ETag and Cache-Tag.
type Answer struct {
	Body []byte
	ETag string
	Tags string // the type and every entry in the answer, for CDNs that purge by tag
	// Audience says who may keep it: "public" (anonymous readers: shared
	// caches may keep it), "private" (token holders) or "none" (a preview).
	Audience string
	Language string // Content-Language: the item's locale, or the list's
}

// Meta is the "meta" of a list answer. Total counts at most
// database.CountCap items, so a list of a million entries costs no more
// than one of ten thousand (Capped says when there are more); Next is the cursor of the page
// after this one, absent on the last.
type Meta struct {
	Total  int64  `json:"total"`
	Limit  int    `json:"limit"`
	Offset int    `json:"offset"`
	Capped bool   `json:"capped,omitempty"`
	Next   string `json:"next,omitempty"`
}

// Read answers a delivery request by principal p: anonymous, an API token
// (role token:delivery or token:preview), an entry preview link, or a
// signed-in user.
func (s *Service) Read(ctx context.Context, p models.Principal, q Query) (Answer, error) {
	t, err := s.contentType(ctx, q.Type)
	if err != nil {
		return Answer{}, err
	}
	only, err := s.authorize(p, t, &q)
	if err != nil {
		return Answer{}, err
	}
	anonymous := p.Anonymous()
	if q.chain, err = s.readerChain(ctx, q.Locale, q.Fallback); err != nil {
		return Answer{}, err
	}
	if q.Preview {
		a, _, _, err := s.compute(ctx, t, q, anonymous, only)
		a.Audience = "none"
		return a, err
	}
	key := cacheKey(q, anonymous)
	a, st, since := s.cache.get(key, s.opt.Grace)
	switch st {
	case fresh:
		s.observe("hit")
		return a, nil
	case stale:
		// One recomputation of a stale list at a time, whatever changed
		// meanwhile: what it misses keeps the result stale (cache.keep).
		s.observe("stale")
		s.inflight.DoChan("stale "+key, func() (any, error) { return s.revalidate(ctx, t, q, anonymous, key) })
		return a, nil
	}
	// Readers asking the same thing at once (right after a change) share
	// one computation, which does not stop when the first of them hangs
	// up. One that starts after a later change does not join it.
	v, err, shared := s.inflight.Do(flightKey(since, key), func() (any, error) { return s.fill(ctx, t, q, anonymous, key, since) })
	s.observe(map[bool]string{true: "shared", false: "miss"}[shared])
	if err != nil {
		return Answer{}, err
	}
	return v.(Answer), nil
}

// readerChain is chain, remembered until the locales change: one map and
// slice less on every read. The chain is shared by the readers; nothing
// writes into it.
func (s *Service) readerChain(ctx context.Context, locale string, fallback bool) ([]string, error) {
	k := chainKey{locale, fallback}
	if c := s.cache.chainOf(k); c != nil {
		return c, nil
	}
	since := s.cache.count()
	c, err := s.chain(ctx, locale, fallback)
	if err == nil {
		s.cache.keepChain(k, c, since)
	}
	return c, err
}

// flightKey names the computation of the answer under key that starts at
// invalidation count since.
func flightKey(since uint64, key string) string { return strconv.FormatUint(since, 10) + " " + key }

// fill computes an answer and caches it.
func (s *Service) fill(ctx context.Context, t *models.ContentType, q Query, anonymous bool, key string, since uint64) (any, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	a, d, p, err := s.compute(ctx, t, q, anonymous, "")
	if err != nil {
		return nil, err
	}
	a.Audience = "private"
	if anonymous {
		a.Audience = "public"
	}
	s.cache.keep(key, a, d.list(), p, since)
	return a, nil
}

// revalidate recomputes the stale list under key: when its page (the ids
// on it and the total) is what the cached answer shows, the answer is
// still right and fresh again; else it is built anew. Most changes that
// make a list stale leave it as it was (a post published in another
// category, or past its page with a total counted up to the cap), and
// reading the page's ids costs a fraction of reading, decoding and
// encoding its items.
func (s *Service) revalidate(ctx context.Context, t *models.ContentType, q Query, anonymous bool, key string) (any, error) {
	since := s.cache.count()
	if was := s.cache.listPage(key); was != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		now, err := s.listPage(cctx, t, q, was)
		cancel()
		if err == nil && now.same(was) && s.cache.refresh(key, was, since) {
			s.refresh["unchanged"].Add(1)
			return nil, nil
		}
		if err == nil && now.counted {
			q.counted = now // the list is counted once per recomputation
		}
	}
	s.refresh["rebuilt"].Add(1)
	return s.fill(ctx, t, q, anonymous, key, since)
}

// cacheKey is equal for equal queries (filters are sorted). Published
// answers are the same for every reader allowed to see them, except that
// anonymous readers may not see embedded entries of non-public types.
func cacheKey(q Query, anonymous bool) string {
	var b strings.Builder
	b.Grow(64 + len(q.Type) + len(q.Slug) + len(q.Sort) + len(q.After) + len(q.Search))
	b.WriteString(strconv.FormatBool(anonymous))
	for _, part := range [...]string{q.Type, q.Slug, q.Sort} {
		b.WriteByte('|')
		b.WriteString(part)
	}
	b.WriteByte('|')
	b.WriteString(strconv.Itoa(q.Limit))
	b.WriteByte('|')
	b.WriteString(strconv.Itoa(q.Offset))
	b.WriteByte('|')
	b.WriteString(q.After)
	b.WriteByte('|')
	writeList(&b, q.Fields)
	b.WriteByte('|')
	writeList(&b, q.chain) // the locales read, not the one asked for: equal chains, equal answers
	b.WriteByte('|')
	b.WriteString(q.Search)
	b.WriteByte('|')
	writeList(&b, q.Include)
	for _, f := range q.Filters {
		b.WriteByte('|')
		b.WriteString(f.Field)
		b.WriteByte(0)
		b.WriteString(f.Op)
		b.WriteByte(0)
		b.WriteString(f.Value)
	}
	return b.String()
}

// writeList writes the items joined by commas.
func writeList(b *strings.Builder, items []string) {
	for i, it := range items {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(it)
	}
}

// authorize checks that p may read q of type t, through the policy; for
// an entry preview link it turns q into a preview of that one entry, whose
// id it returns.
func (s *Service) authorize(p models.Principal, t *models.ContentType, q *Query) (string, error) {
	user := p.UserID != "" && s.can(p, "entries/"+t.Key, models.ActRead) // the admin UI previews with its session
	switch {
	case p.Entry != "":
		if !s.can(p, models.ObjContent, models.ActPreview) {
			return "", models.ErrForbidden
		}
		if q.Slug == "" {
			return "", models.Errorf(models.CodeForbidden, "a preview link opens one entry, not a list")
		}
		q.Preview = true
		return p.Entry, nil
	case p.Anonymous():
		if !t.Public {
			return "", &models.Error{Code: models.CodeUnauthorized, Message: "this content type needs an API token"}
		}
	case !user && !s.can(p, models.ObjContent, models.ActRead):
		return "", models.ErrForbidden
	}
	if q.Preview && !user && !s.can(p, models.ObjContent, models.ActPreview) {
		return "", &models.Error{Code: models.CodeForbidden, Message: "preview needs a preview token or a signed-in user"}
	}
	return "", nil
}

// decision is one question to the authorizer: may principals with these
// roles (joined by NULs) do act on obj.
type decision struct{ roles, obj, act string }

// maxDecisions bounds the decisions remembered: roles × types × actions.
const maxDecisions = 10000

// can is s.authz.Can, remembered for every reader with the same roles:
// an Authorizer answers by the principal's roles (models.Authorizer), and
// the policy does not change while the process runs. Asking casbin costs
// more than the rest of a cached answer (its matcher is evaluated anew
// each time), so the hot path asks it once per roles, object and action.
func (s *Service) can(p models.Principal, obj, act string) bool {
	if p.System {
		return s.authz.Can(p, obj, act)
	}
	roles := ""
	if len(p.Roles) == 1 {
		roles = p.Roles[0]
	} else if len(p.Roles) > 1 {
		roles = strings.Join(p.Roles, "\x00")
	}
	key := decision{roles, obj, act}
	if v, ok := s.decisions.Load(key); ok {
		return v.(bool)
	}
	ok := s.authz.Can(p, obj, act)
	if s.manyDecisions.Add(1) <= maxDecisions {
		s.decisions.Store(key, ok)
	}
	return ok
}

// compute runs a delivery query and encodes the answer with its ETag;
// deps are the tags of what it shows.
func (s *Service) compute(ctx context.Context, t *models.ContentType, q Query, anonymous bool, only string) (Answer, deps, *page, error) {
	d := deps{}
	language := q.chain[0]
	var payload any
	var items []Item
	var p *page
	if q.Slug != "" {
		item, err := s.one(ctx, t, q, anonymous, only, d)
		if err != nil {
			return Answer{}, nil, nil, err
		}
		payload, items = map[string]any{"data": item}, []Item{item}
		language, _ = item["locale"].(string)
	} else {
		var meta Meta
		var err error
		if items, meta, p, err = s.list(ctx, t, q, anonymous, d); err != nil {
			return Answer{}, nil, nil, err
		}
		d.add(changes.Type(t.Key))
		payload = map[string]any{"data": items, "meta": meta}
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return Answer{}, nil, nil, err
	}
	sum := sha256.Sum256(body)
	return Answer{Body: body, ETag: `"` + hex.EncodeToString(sum[:12]) + `"`, Tags: cacheTags(t.Key, items), Language: language}, d, p, nil
}

// list answers a list query: published items (or, for previews, working
// copies) of one type, filtered, sorted and paged by offset or cursor;
// with the page they make.
func (s *Service) list(ctx context.Context, t *models.ContentType, q Query, anonymous bool, d deps) ([]Item, Meta, *page, error) {
	meta := Meta{Limit: q.Limit, Offset: q.Offset}
	var rows []row
	var keys []sortKey
	p := &page{}
	err := s.snapshot(ctx, func(tx *gorm.DB) error {
		db, src, k, count, err := s.listQuery(tx, t, q)
		if err != nil {
			return err
		}
		keys = k
		if err := selectRows(db, src, keys).Order(orderBy(keys)).Limit(q.Limit + 1).Offset(q.Offset).Scan(&rows).Error; err != nil {
			return err
		}
		p.ids = make([]string, len(rows))
		for i, r := range rows {
			p.ids[i] = r.ID
		}
		if q.counted != nil {
			p.total, p.capped = q.counted.total, q.counted.capped
			return nil
		}
		return count(p)
	})
	if err != nil {
		return nil, meta, nil, err
	}
	p.counted = true
	meta.Total, meta.Capped = p.total, p.capped
	if len(rows) > q.Limit {
		rows = rows[:q.Limit]
		meta.Next = encodeCursor(q.Sort, rows[len(rows)-1].keys(len(keys)))
	}
	items, err := s.items(ctx, t, rows, q, anonymous, d)
	return items, meta, p, err
}

// listPage reads only the page of a list query: the ids on it (and the
// first of the next page), and when they are was's, the total.
func (s *Service) listPage(ctx context.Context, t *models.ContentType, q Query, was *page) (*page, error) {
	p := &page{}
	err := s.snapshot(ctx, func(tx *gorm.DB) error {
		db, src, keys, count, err := s.listQuery(tx, t, q)
		if err != nil {
			return err
		}
		var rows []struct{ ID string }
		if err := db.Select(src.id + " AS id").Order(orderBy(keys)).Limit(q.Limit + 1).Offset(q.Offset).Scan(&rows).Error; err != nil {
			return err
		}
		p.ids = make([]string, len(rows))
		for i, r := range rows {
			p.ids[i] = r.ID
		}
		if !slices.Equal(p.ids, was.ids) {
			return nil // changed: the rebuild counts
		}
		p.counted = true
		return count(p)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// snapshot runs fn in one read-only transaction, so that a list's page
// and its total see the same published entries: read by two statements
// apart, a publish between them made a page of 39 with a total of 40.
func (s *Service) snapshot(ctx context.Context, fn func(tx *gorm.DB) error) error {
	var opts *sql.TxOptions
	if s.postgres() {
		opts = &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true}
	}
	return s.db.WithContext(ctx).Transaction(fn, opts)
}

// listQuery checks a list query and builds it: the matching rows of its
// source (after its cursor) for the caller to select, order and page; its
// sort keys; and count, which sets the total of the page read (of up to
// limit+1 ids).
func (s *Service) listQuery(tx *gorm.DB, t *models.ContentType, q Query) (*gorm.DB, source, []sortKey, func(*page) error, error) {
	src := s.source(q.Preview)
	db := tx.Table(src.table).Where("type = ?", t.Key)
	db = inChain(db, src.table, q.chain)
	for _, f := range q.Filters {
		var err error
		if db, err = s.where(db, t, src, f); err != nil {
			return nil, src, nil, nil, err
		}
	}
	if q.Search != "" {
		if len(strings.Fields(q.Search)) > dialect.MaxSearchWords {
			return nil, src, nil, nil, models.Errorf(models.CodeBadRequest, "search for at most %d words", dialect.MaxSearchWords)
		}
		// Full text, stemmed in the languages asked for; only the published
		// snapshots' index is read (the working copies' only in previews).
		ft, _ := dialect.Search(s.opt.Dialect, src.table, q.Search, q.chain)
		db = db.Where(ft.Where, ft.Args...)
	}
	keys, err := s.sortKeys(t, src, q.Sort)
	if err != nil {
		return nil, src, nil, nil, err
	}
	if err := checkFields(t, q.Fields); err != nil {
		return nil, src, nil, nil, err
	}
	// The total counts matches up to the cap, not all of them: a bounded
	// index range however large the type.
	count := func(p *page) (err error) {
		p.total, p.capped, err = database.CountUpTo(tx, db)
		return err
	}
	if len(q.chain) > 1 && len(q.Filters) == 0 && q.Search == "" {
		// Unfiltered, every document with a row in the chain shows its one
		// best row: count the documents (a range of the (type, document_id,
		// locale) index) rather than look for a better translation of each
		// row counted, which made the total 90 % of a fallback list's time.
		count = func(p *page) error {
			docs := tx.Table(src.table).Select("DISTINCT document_id").
				Where("type = ? AND locale IN ?", t.Key, q.chain).Limit(database.CountCap + 1)
			var n int64
			if err := tx.Table("(?) AS docs", docs).Count(&n).Error; err != nil {
				return err
			}
			p.total, p.capped = min(n, database.CountCap), n > database.CountCap
			return nil
		}
	}
	paged := db.Session(&gorm.Session{})
	if q.After != "" {
		vals, err := decodeCursor(q.After, q.Sort, keys, s.postgres())
		if err != nil {
			return nil, src, nil, nil, err
		}
		cond, args := afterCursor(keys, vals, s.postgres())
		paged = paged.Where(cond, args...)
	}
	return paged, src, keys, count, nil
}

// one answers a by-slug query, or not_found; only limits it to one entry
// (an entry preview link).
func (s *Service) one(ctx context.Context, t *models.ContentType, q Query, anonymous bool, only string, d deps) (Item, error) {
	if err := checkFields(t, q.Fields); err != nil {
		return nil, err
	}
	// The slug names a document in one of the chain's locales (slugs are
	// per locale); the answer is that document in the best of them.
	src := s.source(q.Preview)
	var rows []row
	db := selectRows(s.db.WithContext(ctx), src, nil).Where("type = ? AND slug = ? AND "+src.table+".locale IN ?", t.Key, q.Slug, q.chain)
	if only != "" {
		db = db.Where(src.id+" = ?", only)
	}
	if err := db.Scan(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, models.Errorf(models.CodeNotFound, "no published %s %q", t.Key, q.Slug)
	}
	found := rows[0]
	for _, r := range rows[1:] {
		if slices.Index(q.chain, r.Locale) < slices.Index(q.chain, found.Locale) {
			found = r
		}
	}
	if only == "" && found.Locale != q.chain[0] {
		var versions []row
		err := inChain(selectRows(s.db.WithContext(ctx), src, nil).Where("type = ? AND document_id = ?", t.Key, found.DocumentID), src.table, q.chain).
			Scan(&versions).Error
		if err != nil {
			return nil, err
		}
		if len(versions) == 1 {
			found = versions[0]
		}
	}
	d.add(changes.Doc(found.DocumentID)) // a better translation published later must show
	items, err := s.items(ctx, t, []row{found}, q, anonymous, d)
	if err != nil {
		return nil, err
	}
	return items[0], nil
}

func checkFields(t *models.ContentType, fields []string) error {
	for _, name := range fields {
		if _, ok := t.Field(name); !ok && !slices.Contains(systemColumns, name) && name != "type" {
			return models.Errorf(models.CodeBadRequest, "cannot select %q: not a field of %s", name, t.Key)
		}
	}
	return nil
}

var errTypeNotFound = &models.Error{Code: models.CodeNotFound, Message: "content type not found"}

// contentType finds a content type, from the cache until a type changes.
func (s *Service) contentType(ctx context.Context, key string) (*models.ContentType, error) {
	if t := s.cache.contentType(key); t != nil {
		return t, nil
	}
	since := s.cache.count()
	var t models.ContentType
	err := s.db.WithContext(ctx).Where("key = ?", key).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, errTypeNotFound
	} else if err != nil {
		return nil, err
	}
	s.cache.keepType(&t, since)
	return &t, nil
}
