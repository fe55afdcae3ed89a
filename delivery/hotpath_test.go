package delivery

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/loamcms/cms/models"
)

// TestCacheKeyIsTheQuery: the key written by hand is the one the format
// string made, so equal queries share an answer and others do not.
func TestCacheKeyIsTheQuery(t *testing.T) {
	old := func(q Query, anonymous bool) string {
		var b strings.Builder
		fmt.Fprintf(&b, "%t|%s|%s|%s|%d|%d|%s|%s|%s|%s|%s", anonymous, q.Type, q.Slug, q.Sort, q.Limit, q.Offset, q.After,
			strings.Join(q.Fields, ","), strings.Join(q.chain, ","), q.Search, strings.Join(q.Include, ","))
		for _, f := range q.Filters {
			fmt.Fprintf(&b, "|%s\x00%s\x00%s", f.Field, f.Op, f.Value)
		}
		return b.String()
	}
	for _, raw := range []string{"", "limit=5&offset=10", "sort=-title,published_at&fields=title,slug&include=category,tags&locale=fr&search=a+b",
		"filter[category]=x&filter[rating][gte]=3&filter[tags][in]=a,b&after=abc"} {
		q, err := ParseQuery("post", "", raw)
		if err != nil {
			t.Fatal(err)
		}
		q.chain = []string{"fr-CA", "fr", "en"} // what Read works out from the locale
		for _, anonymous := range []bool{false, true} {
			if got, want := cacheKey(q, anonymous), old(q, anonymous); got != want {
				t.Errorf("%q: key %q, want %q", raw, got, want)
			}
		}
	}
}

// TestParseQueryWithoutAQueryString: the shortcut gives the defaults the
// parser gives for an empty parameter.
func TestParseQueryWithoutAQueryString(t *testing.T) {
	got, err := ParseQuery("post", "hello", "")
	if err != nil {
		t.Fatal(err)
	}
	want, err := ParseQuery("post", "hello", "sort=")
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, want %+v (%v)", got, want, err)
	}
}

type countingAuthorizer struct {
	calls map[string]int
}

func (a *countingAuthorizer) Can(p models.Principal, obj, act string) bool {
	a.calls[strings.Join(p.Roles, "+")+" "+obj+" "+act]++
	return len(p.Roles) > 0 && p.Roles[0] == "token:delivery" && act == models.ActRead
}

func (a *countingAuthorizer) Roles() []string { return nil }

// TestDecisionsAreRemembered: the authorizer is asked once per roles,
// object and action, and its answers are kept apart.
func TestDecisionsAreRemembered(t *testing.T) {
	a := &countingAuthorizer{calls: map[string]int{}}
	s := New(nil, a, Options{})
	reader := models.Principal{TokenID: "1", Roles: []string{"token:delivery"}}
	other := models.Principal{TokenID: "2", Roles: []string{"token:delivery"}}
	two := models.Principal{UserID: "u", Roles: []string{"token:delivery", "editor"}}
	preview := models.Principal{TokenID: "3", Roles: []string{"token:preview"}}
	for range 3 {
		if !s.can(reader, models.ObjContent, models.ActRead) || !s.can(other, models.ObjContent, models.ActRead) {
			t.Fatal("a delivery token may not read")
		}
		if s.can(reader, models.ObjContent, models.ActPreview) || s.can(preview, models.ObjContent, models.ActRead) {
			t.Fatal("a remembered answer leaked to another question")
		}
		if !s.can(two, models.ObjContent, models.ActRead) {
			t.Fatal("two roles")
		}
	}
	for q, n := range a.calls {
		if n != 1 {
			t.Errorf("%s asked %d times", q, n)
		}
	}
	if len(a.calls) != 4 {
		t.Errorf("asked %v", a.calls)
	}
}
