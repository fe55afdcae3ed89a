package delivery

import (
	"fmt"
	"testing"
	"time"
)

func TestCacheIsBounded(t *testing.T) {
	const max = 1 << 20
	c := newCache(max)
	c.put("big", Answer{Body: make([]byte, max/16+1)}, nil, 0)
	if _, st, _ := c.get("big", time.Second); st != missing {
		t.Fatal("an oversized answer was cached")
	}
	chunk := Answer{Body: make([]byte, max/32)}
	for i := range 100 {
		c.put(fmt.Sprint(i), chunk, []string{"entry:" + fmt.Sprint(i%7)}, 0)
		if c.bytes > max {
			t.Fatalf("cache holds %d bytes", c.bytes)
		}
	}
	if len(c.answers) < 10 {
		t.Fatalf("only %d answers kept", len(c.answers))
	}
	for dep, keys := range c.byDep { // the index holds only what is cached
		for k := range keys {
			if c.answers[k] == nil {
				t.Fatalf("%s still names the dropped %s", dep, k)
			}
		}
	}
}

// TestCacheDropsWhatAChangeShows: a change to an entry drops every answer
// showing it at once; a change to a type only marks its lists stale, which
// are served for the grace and then not at all; answers about other
// entries stay.
func TestCacheDropsWhatAChangeShows(t *testing.T) {
	c := newCache(1 << 20)
	a := Answer{Body: []byte("x")}
	c.put("post/a", a, []string{"entry:a"}, 0)
	c.put("post/b", a, []string{"entry:b"}, 0)
	c.put("post list", a, []string{"entry:a", "entry:b", "type:post"}, 0)
	c.put("page list", a, []string{"entry:p", "type:page"}, 0)
	c.put("post list with a page", a, []string{"entry:b", "entry:p", "type:post"}, 0)

	c.invalidate([]string{"entry:c", "type:post"}) // a new post is published
	want := map[string]state{"post/a": fresh, "post/b": fresh, "post list": stale, "page list": fresh, "post list with a page": stale}
	for key, st := range want {
		if _, got, _ := c.get(key, time.Hour); got != st {
			t.Errorf("after a new post: %s is %d, want %d", key, got, st)
		}
	}
	if _, got, _ := c.get("post list", 0); got != missing {
		t.Error("a stale list was served after its grace")
	}

	c.invalidate([]string{"entry:a", "type:post"}) // post a is unpublished
	for _, key := range []string{"post/a", "post list"} {
		if _, got, _ := c.get(key, time.Hour); got != missing {
			t.Errorf("%s still served after a was unpublished", key)
		}
	}
	if _, got, _ := c.get("post/b", time.Hour); got != fresh {
		t.Error("post b was dropped for a change to a")
	}

	c.invalidate([]string{"media:m"})
	c.put("post/m", a, []string{"entry:m", "media:m"}, 0) // computed before the change: refused
	if _, got, _ := c.get("post/m", time.Hour); got != missing {
		t.Error("an answer computed before a change to what it shows was kept")
	}
	c.put("post/n", a, []string{"entry:n"}, 0) // computed before an unrelated change: kept
	if _, got, _ := c.get("post/n", time.Hour); got != fresh {
		t.Error("an answer computed before an unrelated change was refused")
	}

	c.invalidate([]string{"*"})
	if len(c.answers) != 0 || len(c.byDep) != 0 {
		t.Fatal("a change to a type left answers behind")
	}
}
