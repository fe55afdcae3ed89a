package delivery

import (
	"testing"
	"time"
)

// TestCacheKeepsAListAcrossASoftChange: a list computed while a post was
// published (a change to its type only) is kept, stale since that change,
// so the next reader gets it and one recomputation; one computed while an
// entry it shows changed is refused.
func TestCacheKeepsAListAcrossASoftChange(t *testing.T) {
	c := newCache(1 << 20)
	a := Answer{Body: []byte("x")}
	p := &page{ids: []string{"a", "b"}, total: 2, counted: true}
	since := c.count()
	c.invalidate([]string{"entry:c", "type:post"})
	at := c.recent[len(c.recent)-1].at
	c.keep("post list", a, []string{"entry:a", "entry:b", "type:post"}, p, since)
	if _, st, _ := c.get("post list", time.Hour); st != stale {
		t.Fatalf("a list computed across a new post is %d, want stale", st)
	}
	if got := c.answers["post list"].stale; !got.Equal(at) {
		t.Errorf("stale since %v, want the change's %v", got, at)
	}
	if _, st, _ := c.get("post list", 0); st != missing {
		t.Error("a list kept stale was served after its grace")
	}

	since = c.count()
	c.invalidate([]string{"entry:a", "type:post"})
	c.keep("post list", a, []string{"entry:a", "entry:b", "type:post"}, p, since)
	if _, st, _ := c.get("post list", time.Hour); st != missing {
		t.Error("a list computed across a change to an entry it shows was kept")
	}
}

// TestCacheRefresh: a stale list whose page is found the same is fresh
// again, unless it was replaced or dropped meanwhile; a change after the
// check began leaves it stale.
func TestCacheRefresh(t *testing.T) {
	c := newCache(1 << 20)
	a := Answer{Body: []byte("x")}
	deps := []string{"entry:a", "type:post"}
	p := &page{ids: []string{"a"}, total: 1, counted: true}
	c.keep("list", a, deps, p, c.count())
	c.invalidate([]string{"entry:z", "type:post"})
	if !c.listPage("list").same(&page{ids: []string{"a"}, total: 1, counted: true}) || c.listPage("list").same(&page{ids: []string{"a"}, total: 2, counted: true}) {
		t.Fatal("same compares wrongly")
	}
	since := c.count()
	if !c.refresh("list", p, since) {
		t.Fatal("refresh of an unchanged stale list failed")
	}
	if _, st, _ := c.get("list", time.Hour); st != fresh {
		t.Fatalf("a refreshed list is %d, want fresh", st)
	}

	c.invalidate([]string{"entry:y", "type:post"})
	since = c.count()
	c.invalidate([]string{"entry:x", "type:post"}) // while the page was read
	if !c.refresh("list", p, since) {
		t.Fatal("refresh failed")
	}
	if _, st, _ := c.get("list", time.Hour); st != stale {
		t.Errorf("a list refreshed across a later change is %d, want stale", st)
	}

	c.keep("list", a, deps, &page{ids: []string{"a"}, total: 1, counted: true}, c.count()) // replaced by a recomputation
	if c.refresh("list", p, c.count()) {
		t.Error("refreshed an answer that was replaced")
	}
	c.invalidate([]string{"entry:a", "type:post"})
	if c.refresh("list", c.listPage("list"), c.count()) {
		t.Error("refreshed an answer that was dropped")
	}
}
