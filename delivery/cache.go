package delivery

import (
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
// runs. Bounded in bytes: when full, about half of it is let go.
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
}

type cached struct {
	Answer
	deps  []string
	size  int
	stale time.Time // when a change marked it stale; zero while fresh
}

type invalidation struct {
	seq  uint64
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
}

// state of a cached answer for a reader.
type state int

const (
	missing state = iota
	fresh
	stale // marked stale within the grace: serve it, and recompute once
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

// put keeps an answer computed from invalidation count since, unless a
// change since then touched what it depends on.
func (c *cache) put(key string, a Answer, deps []string, since uint64) {
	size := len(key) + len(a.Body) + len(a.ETag) + len(a.Tags) + 32*len(deps)
	if size > c.max/16 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if since < c.seq {
		if len(c.recent) == 0 || c.recent[0].seq > since+1 {
			return // too much has happened to tell
		}
		for _, inv := range c.recent {
			if inv.seq > since && touches(inv.tags, deps) {
				return
			}
		}
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
	c.answers[key] = &cached{Answer: a, deps: deps, size: size}
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
	c.recent = append(c.recent, invalidation{seq: c.seq, tags: tags})
	if len(c.recent) > keepInvalidations {
		c.recent = c.recent[len(c.recent)-keepInvalidations:]
	}
	now := time.Now()
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

func (c *cache) count() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seq
}
