package delivery

import (
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/loamcms/cms/internal/changes"
	"github.com/loamcms/cms/models"
)

// cache keeps finished answers until a change touches what they show.
// Each answer depends on tags (internal/changes): the entries and media it
// shows, hard — a change to one drops the answer, so an unpublished entry
// is never served from here — and for a list, its type, soft — a change
// there (a new entry published) only marks the list stale, and readers get
// the stale list for at most the grace while exactly one recomputation
// runs. A list recomputed across a soft change is kept, stale since that
// change, rather than thrown away; a stale list whose page turns out the
// same (refresh) is fresh again without being rebuilt. Bounded in bytes:
// when full, about half of it is let go.
type cache struct {
	mu      sync.Mutex
	max     int
	bytes   int
	seq     uint64 // invalidations so far; an answer computed since an older one may be stale
	answers map[string]*cached
	byDep   map[string]map[string]bool // tag → keys of the answers depending on it
	recent  []invalidation             // the last few, to check an answer that was computed during them
	types   map[string]*models.ContentType
	locales []models.Locale // nil until read
	chains  map[chainKey][]string
}

// chainKey is what a reader asks for that decides its locale chain.
type chainKey struct {
	locale   string
	fallback bool
}

type cached struct {
	Answer
	deps  []string
	page  *page // a list's; nil for one item
	size  int
	stale time.Time // when a change marked it stale; zero while fresh
}

// page is what a list answer is made of besides its items' content: the
// ids on it in order (with the first of the next page, if any) and the
// total. Its items' content cannot have changed while the answer is
// cached (a change to one drops it), so a stale list whose page is still
// the same is the same answer.
type page struct {
	ids     []string
	total   int64
	capped  bool
	counted bool // total and capped are read (a recomputation that found other ids does not count)
}

func (p *page) same(o *page) bool {
	return p != nil && o != nil && p.counted && o.counted && p.total == o.total && p.capped == o.capped && slices.Equal(p.ids, o.ids)
}

type invalidation struct {
	seq  uint64
	at   time.Time
	tags []string
}

const keepInvalidations = 64

func newCache(max int) *cache {
	c := &cache{max: max}
	c.reset()
	return c
}

func (c *cache) reset() {
	c.answers, c.byDep, c.types, c.locales, c.bytes = map[string]*cached{}, map[string]map[string]bool{}, map[string]*models.ContentType{}, nil, 0
	c.chains = map[chainKey][]string{}
}

// state of a cached answer for a reader.
type state int

const (
	missing state = iota
	fresh
	stale   // marked stale within the grace: serve it, and recompute once
	dropped // for a change: what it did to an answer (see affects)
)

// get returns the answer under key, how fresh it is, and the invalidation
// count that a recomputation starting now begins at.
func (c *cache) get(key string, grace time.Duration) (Answer, state, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	a, ok := c.answers[key]
	switch {
	case !ok:
		return Answer{}, missing, c.seq
	case a.stale.IsZero():
		return a.Answer, fresh, c.seq
	case time.Since(a.stale) < grace:
		return a.Answer, stale, c.seq
	}
	return Answer{}, missing, c.seq
}

// listPage is the page of the list answer under key, or nil.
func (c *cache) listPage(key string) *page {
	c.mu.Lock()
	defer c.mu.Unlock()
	if a := c.answers[key]; a != nil {
		return a.page
	}
	return nil
}

// put keeps an answer computed from invalidation count since, unless a
// change since then touched what it depends on.
func (c *cache) put(key string, a Answer, deps []string, since uint64) {
	c.keep(key, a, deps, nil, since)
}

// after tells what the changes after invalidation count since did to an
// answer depending on deps: ok is false when one of them touched what it
// shows (or when too much has happened to tell); else staleAt is the time
// of the first that made it stale (a soft dependency), zero for none.
// c.mu is held.
func (c *cache) after(since uint64, deps []string) (ok bool, staleAt time.Time) {
	if since >= c.seq {
		return true, time.Time{}
	}
	if len(c.recent) == 0 || c.recent[0].seq > since+1 {
		return false, time.Time{}
	}
	for _, inv := range c.recent {
		if inv.seq <= since {
			continue
		}
		switch affects(inv.tags, deps) {
		case dropped:
			return false, time.Time{}
		case stale:
			if staleAt.IsZero() {
				staleAt = inv.at
			}
		}
	}
	return true, staleAt
}

// affects is what a change of tags does to an answer depending on deps:
// drops it (everything, or something it shows), makes it stale (its type),
// or nothing (fresh).
func affects(tags, deps []string) state {
	st := fresh
	for _, t := range tags {
		if t == changes.All {
			return dropped
		}
		if slices.Contains(deps, t) {
			if !strings.HasPrefix(t, "type:") {
				return dropped
			}
			st = stale
		}
	}
	return st
}

// keep is put for a list with its page. An answer that missed only
// changes that make it stale is kept, stale since the first of them.
func (c *cache) keep(key string, a Answer, deps []string, p *page, since uint64) {
	size := len(key) + len(a.Body) + len(a.ETag) + len(a.Tags) + 32*len(deps) + 40*len(p.idsOrNil())
	if size > c.max/16 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ok, staleAt := c.after(since, deps)
	if !ok {
		return
	}
	c.drop(key)
	if c.bytes+size > c.max {
		for k := range c.answers { // map order: as good as random
			c.drop(k)
			if c.bytes+size <= c.max/2 {
				break
			}
		}
	}
	c.answers[key] = &cached{Answer: a, deps: deps, page: p, size: size, stale: staleAt}
	c.bytes += size
	for _, d := range deps {
		if c.byDep[d] == nil {
			c.byDep[d] = map[string]bool{}
		}
		c.byDep[d][key] = true
	}
}

func touches(tags, deps []string) bool {
	for _, t := range tags {
		if t == changes.All {
			return true
		}
		for _, d := range deps {
			if d == t {
				return true
			}
		}
	}
	return false
}

func (p *page) idsOrNil() []string {
	if p == nil {
		return nil
	}
	return p.ids
}

// refresh makes the stale list under key fresh again, as recomputed from
// invalidation count since, when its page was found the same as was (the
// page of the answer cached then). It is stale again since any change
// after since that made it so; false if the answer was replaced or
// dropped meanwhile.
func (c *cache) refresh(key string, was *page, since uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	a := c.answers[key]
	if a == nil || a.page != was {
		return false
	}
	ok, staleAt := c.after(since, a.deps)
	if !ok {
		return false
	}
	a.stale = staleAt
	return true
}

// drop forgets the answer under key.
func (c *cache) drop(key string) {
	a, ok := c.answers[key]
	if !ok {
		return
	}
	delete(c.answers, key)
	c.bytes -= a.size
	for _, d := range a.deps {
		delete(c.byDep[d], key)
		if len(c.byDep[d]) == 0 {
			delete(c.byDep, d)
		}
	}
}

// invalidate applies one change: answers showing a changed entry or media
// item are dropped, lists of a changed type marked stale; everything goes
// on a change to a content type (or an unknown one).
func (c *cache) invalidate(tags []string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	now := time.Now()
	c.recent = append(c.recent, invalidation{seq: c.seq, at: now, tags: tags})
	if len(c.recent) > keepInvalidations {
		c.recent = c.recent[len(c.recent)-keepInvalidations:]
	}
	for _, t := range tags {
		switch {
		case t == changes.All:
			c.reset()
			return
		case strings.HasPrefix(t, "type:"):
			for key := range c.byDep[t] {
				if a := c.answers[key]; a != nil && a.stale.IsZero() {
					a.stale = now
				}
			}
		case strings.HasPrefix(t, "entry:"), strings.HasPrefix(t, "media:"), strings.HasPrefix(t, "doc:"):
			for key := range c.byDep[t] {
				c.drop(key)
			}
		}
	}
}

// contentType is a cached content type, or nil.
func (c *cache) contentType(key string) *models.ContentType {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.types[key]
}

// keepType caches a type read at invalidation count since.
func (c *cache) keepType(t *models.ContentType, since uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.types) >= 1000 {
		return
	}
	for _, inv := range c.recent {
		if inv.seq > since && touches(inv.tags, nil) {
			return
		}
	}
	c.types[t.Key] = t
}

// localeList is the cached locales, or nil.
func (c *cache) localeList() []models.Locale {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.locales
}

// keepLocales caches the locales read at invalidation count since.
func (c *cache) keepLocales(l []models.Locale, since uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, inv := range c.recent {
		if inv.seq > since && touches(inv.tags, nil) {
			return
		}
	}
	if l == nil {
		l = []models.Locale{}
	}
	c.locales = l
}

// chainOf is the cached locale chain of k, or nil.
func (c *cache) chainOf(k chainKey) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.chains[k]
}

// keepChain caches the locale chain of k, worked out at invalidation
// count since (from the locales then, which only a change to everything
// changes).
func (c *cache) keepChain(k chainKey, chain []string, since uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.chains) >= 1000 {
		return
	}
	for _, inv := range c.recent {
		if inv.seq > since && touches(inv.tags, nil) {
			return
		}
	}
	c.chains[k] = chain
}

func (c *cache) count() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seq
}
