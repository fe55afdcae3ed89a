package server

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/loamcms/cms/accounts"
	"github.com/loamcms/cms/content"
	"github.com/loamcms/cms/models"
)

// deliveryParams are the query parameters the delivery API understands,
// besides filter[…]; anything else is a bad request, so typos do not
// silently return everything.
var deliveryParams = []string{"sort", "limit", "offset", "fields", "locale", "search", "include", "preview", "token"}

// maxFilters bounds the filters of one request.
const maxFilters = 20

var filterParam = regexp.MustCompile(`^filter\[([a-z][a-z0-9_]*)\](?:\[([a-z]+)\])?$`)

// reader is who is reading the delivery API.
type reader int

const (
	readerPublic  reader = iota // no credentials: public types only
	readerToken                 // an API token of scope delivery
	readerPreview               // a preview token, or a signed-in user
	readerEntry                 // an entry preview token: that one entry's working copy
)

// deliveryReader works out who is calling and what they may see of type
// t; for an entry preview token, also which entry.
func (s *Server) deliveryReader(c echo.Context, t *models.ContentType, preview bool) (reader, string, error) {
	ctx := c.Request().Context()
	token, ok := bearer(c.Request())
	if q := c.QueryParam("token"); q != "" {
		// A preview link carries its token in the URL; no other kind of
		// token is ever taken from one (URLs end up in logs and histories).
		if !accounts.IsPreviewToken(q) {
			return 0, "", models.Errorf(models.CodeBadRequest, "token in the URL must be an entry preview token; send API tokens as Authorization: Bearer")
		}
		token, ok = q, true
	}
	who := readerPublic
	switch {
	case !ok:
	case accounts.IsPreviewToken(token):
		entry, err := s.accounts.VerifyPreview(token)
		if err != nil {
			return 0, "", err
		}
		return readerEntry, entry, nil
	case accounts.IsAPIToken(token):
		scope, err := s.accounts.VerifyToken(ctx, token)
		if err != nil {
			return 0, "", err
		}
		who = readerToken
		if scope == models.ScopePreview {
			who = readerPreview
		}
	default:
		// The admin UI previews with its own session.
		p, err := s.accounts.Authenticate(ctx, token)
		if err != nil {
			return 0, "", err
		}
		if err := s.content.CanPreview(p, t.Key); err != nil {
			return 0, "", err
		}
		who = readerPreview
	}
	if who == readerPublic && !t.Public {
		return 0, "", &models.Error{Code: models.CodeUnauthorized, Message: "this content type needs an API token"}
	}
	if preview && who != readerPreview {
		return 0, "", &models.Error{Code: models.CodeForbidden, Message: "preview needs a preview token or a signed-in user"}
	}
	return who, "", nil
}

// parseDelivery splits the query string into a content.DeliveryQuery.
func parseDelivery(c echo.Context) (content.DeliveryQuery, error) {
	q := content.DeliveryQuery{Type: c.Param("type"), Slug: c.Param("slug"), Locale: content.DefaultLocale}
	values, err := url.ParseQuery(c.Request().URL.RawQuery)
	if err != nil {
		return q, models.Errorf(models.CodeBadRequest, "malformed query string")
	}
	for key, vals := range values {
		if m := filterParam.FindStringSubmatch(key); m != nil {
			if len(q.Filters)+len(vals) > maxFilters {
				return q, models.Errorf(models.CodeBadRequest, "at most %d filters", maxFilters)
			}
			for _, v := range vals {
				q.Filters = append(q.Filters, content.Filter{Field: m[1], Op: m[2], Value: v})
			}
			continue
		}
		if !slices.Contains(deliveryParams, key) {
			return q, models.Errorf(models.CodeBadRequest, "unknown query parameter %q", key)
		}
	}
	// Sorted, so equal queries build equal SQL.
	sort.Slice(q.Filters, func(i, j int) bool {
		return q.Filters[i].Field+q.Filters[i].Op+q.Filters[i].Value < q.Filters[j].Field+q.Filters[j].Op+q.Filters[j].Value
	})
	if q.Limit, q.Offset, err = pageParams(c); err != nil {
		return q, err
	}
	q.Sort, q.Search = values.Get("sort"), values.Get("search")
	if l := values.Get("locale"); l != "" {
		q.Locale = l
	}
	q.Fields = splitList(values.Get("fields"))
	q.Include = splitList(values.Get("include"))
	switch values.Get("preview") {
	case "", "0", "false":
	case "1", "true":
		q.Preview = true
	default:
		return q, models.Errorf(models.CodeBadRequest, "preview must be 1 or 0")
	}
	return q, nil
}

func splitList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// deliveryCache keeps finished answers (body and ETag) until anything
// changes, on this instance or another: published content is read far more
// often than it changes.
type deliveryCache struct {
	mu      sync.Mutex
	gen     uint64
	answers map[string]cachedAnswer
	bytes   int
	types   map[string]*models.ContentType
}

type cachedAnswer struct {
	body []byte
	etag string
	tags string // the Cache-Tag header: the type and every entry in the answer
}

// The cache holds at most this many bytes of answers (a query string chosen
// per request must not grow it without bound), and no single answer above
// a sixteenth of it; when full it starts over.
const deliveryCacheBytes = 64 << 20

func (d *deliveryCache) get(gen uint64, key string) (cachedAnswer, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.forget(gen)
	a, ok := d.answers[key]
	return a, ok
}

func (d *deliveryCache) put(gen uint64, key string, a cachedAnswer) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.gen > gen {
		return // something changed while this answer was being made
	}
	d.forget(gen)
	size := len(key) + len(a.body) + len(a.etag)
	if size > deliveryCacheBytes/16 {
		return
	}
	if d.bytes+size > deliveryCacheBytes {
		d.answers, d.bytes = map[string]cachedAnswer{}, 0
	}
	if _, ok := d.answers[key]; !ok {
		d.bytes += size
	}
	d.answers[key] = a
}

// forget drops every answer when the count of changes has moved on.
func (d *deliveryCache) forget(gen uint64) {
	if d.answers == nil || d.gen != gen {
		d.gen, d.answers, d.bytes, d.types = gen, map[string]cachedAnswer{}, 0, map[string]*models.ContentType{}
	}
}

// deliver serves GET /api/content/:type and /api/content/:type/:slug.
func (s *Server) deliver(c echo.Context) error {
	q, err := parseDelivery(c)
	if err != nil {
		return err
	}
	gen := s.gen()
	t, err := s.deliveryType(c, gen, q.Type)
	if err != nil {
		return err
	}
	who, entry, err := s.deliveryReader(c, t, q.Preview)
	if err != nil {
		return err
	}
	if who == readerEntry {
		if q.Slug == "" {
			return models.Errorf(models.CodeForbidden, "a preview link opens one entry, not a list")
		}
		q.Preview, q.OnlyEntry = true, entry
	}
	q.Anonymous = who == readerPublic
	h := c.Response().Header()
	h.Set("Vary", "Authorization")
	switch {
	case q.Preview:
		h.Set("Cache-Control", "no-store")
	case who == readerPublic:
		// Shared caches may keep it but must ask (a cheap 304) before each
		// use, so an unpublished entry is gone from them at once too.
		h.Set("Cache-Control", "public, max-age=0, must-revalidate")
	default:
		h.Set("Cache-Control", "private, no-cache")
	}
	// Previews are never cached; published answers are the same for every
	// reader allowed to see them, except that anonymous readers may not see
	// embedded entries of non-public types.
	key := c.Request().URL.Path + "?" + c.QueryParams().Encode() // sorted: equal queries share an entry
	if q.Anonymous {
		key = "public:" + key
	}
	ctx := c.Request().Context()
	if q.Preview {
		a, err := s.answer(ctx, t, q)
		if err != nil {
			return err
		}
		return writeTagged(c, a)
	}
	if a, ok := s.answers.get(gen, key); ok {
		s.metrics.cache.WithLabelValues("hit").Inc()
		return writeTagged(c, a)
	}
	// Readers asking the same thing at once (right after a publish emptied
	// the cache) share one computation, which does not stop when the first
	// of them hangs up.
	v, err, shared := s.inflight.Do(fmt.Sprint(gen, " ", key), func() (any, error) {
		shared, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		a, err := s.answer(shared, t, q)
		if err == nil {
			s.answers.put(gen, key, a)
		}
		return a, err
	})
	s.metrics.cache.WithLabelValues(map[bool]string{true: "shared", false: "miss"}[shared]).Inc()
	if err != nil {
		return err
	}
	return writeTagged(c, v.(cachedAnswer))
}

// answer runs a delivery query and encodes the answer with its ETag.
func (s *Server) answer(ctx context.Context, t *models.ContentType, q content.DeliveryQuery) (cachedAnswer, error) {
	var payload any
	var items []content.Item
	if q.Slug != "" {
		item, err := s.content.DeliverOne(ctx, t, q)
		if err != nil {
			return cachedAnswer{}, err
		}
		payload, items = map[string]any{"data": item}, []content.Item{item}
	} else {
		var total int64
		var err error
		if items, total, err = s.content.Deliver(ctx, t, q); err != nil {
			return cachedAnswer{}, err
		}
		payload = map[string]any{"data": items, "meta": listMeta{Total: total, Limit: q.Limit, Offset: q.Offset}}
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return cachedAnswer{}, err
	}
	sum := sha256.Sum256(body)
	return cachedAnswer{body: body, etag: `"` + hex.EncodeToString(sum[:12]) + `"`, tags: cacheTags(t.Key, items)}, nil
}

// deliveryType finds a content type, from the cache while nothing changed.
func (s *Server) deliveryType(c echo.Context, gen uint64, key string) (*models.ContentType, error) {
	d := &s.answers
	d.mu.Lock()
	d.forget(gen)
	t, ok := d.types[key]
	d.mu.Unlock()
	if ok {
		return t, nil
	}
	t, err := s.content.DeliveryType(c.Request().Context(), key)
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	if d.gen == gen && len(d.types) < 1000 {
		d.types[key] = t
	}
	d.mu.Unlock()
	return t, nil
}

// cacheTags names what an answer shows, for CDNs that purge by tag: the
// type ("type:post") and each entry in it ("entry:<id>"), the ones embedded
// by include= too. A webhook receiver purges "entry:<id>" on
// entry.published/unpublished and "type:post" for lists. (Entry ids are
// UUIDs: no commas or spaces to escape.)
func cacheTags(typ string, items []content.Item) string {
	tags := []string{"type:" + typ}
	seen := map[string]bool{}
	tag := func(it content.Item) {
		if id, ok := it["id"].(string); ok && !seen[id] {
			seen[id] = true
			tags = append(tags, "entry:"+id)
		}
	}
	for _, it := range items {
		tag(it)
		for _, v := range it {
			switch v := v.(type) {
			case content.Item:
				tag(v)
			case []content.Item:
				for _, rel := range v {
					tag(rel)
				}
			}
		}
	}
	return strings.Join(tags, ",")
}

// writeTagged sends an answer with its ETag and Cache-Tag, or 304 when the client has it.
func writeTagged(c echo.Context, a cachedAnswer) error {
	c.Response().Header().Set("ETag", a.etag)
	c.Response().Header().Set("Cache-Tag", a.tags)
	if etagMatches(c.Request().Header.Get("If-None-Match"), a.etag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.JSONBlob(http.StatusOK, a.body)
}

func etagMatches(header, etag string) bool {
	for part := range strings.SplitSeq(header, ",") {
		part = strings.TrimPrefix(strings.TrimSpace(part), "W/")
		if part == etag || part == "*" {
			return true
		}
	}
	return false
}
