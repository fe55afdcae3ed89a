package server

import (
	"fmt"
	"strings"
	"testing"

	"github.com/loamcms/cms/policies"
)

// The delivery API's authorization matrix: every kind of reader × a
// public and a non-public type × each read (a list, a published entry by
// slug, a draft by slug, and the previews of both), with the status each
// must get and, where it gets 200, whether the draft shows.

// deliveryReaders are the matrix's columns: who sends what.
var deliveryReaders = []string{"anonymous", "unknown token", "delivery token", "preview token", "editor", "preview link"}

// deliveryReads are the rows, for each type.
var deliveryReads = []string{"list", "published", "draft", "preview", "preview list"}

// deliveryWant[type][reader] is the status of each read, in deliveryReads order.
var deliveryWant = map[string]map[string][5]int{
	"post": { // not public
		"anonymous":      {401, 401, 401, 401, 401},
		"unknown token":  {401, 401, 401, 401, 401},
		"delivery token": {200, 200, 404, 403, 403},
		"preview token":  {200, 200, 404, 200, 200},
		"editor":         {200, 200, 404, 200, 200},
		"preview link":   {403, 404, 200, 200, 403}, // the link opens the post draft, and nothing else
	},
	"notice": { // public
		"anonymous":      {200, 200, 404, 403, 403},
		"unknown token":  {401, 401, 401, 401, 401},
		"delivery token": {200, 200, 404, 403, 403},
		"preview token":  {200, 200, 404, 200, 200},
		"editor":         {200, 200, 404, 200, 200},
		"preview link":   {403, 404, 404, 404, 403},
	},
}

type deliveryFixture struct {
	bearer map[string]string            // reader → what it sends
	slugs  map[string]map[string]string // type → "published"/"draft" → slug
}

// newDeliveryFixture publishes one entry and drafts another of each type
// through the API, and makes a token of each scope and a preview link of
// the post draft.
func newDeliveryFixture(t *testing.T, f *matrixFixture) *deliveryFixture {
	e, editor, reviewer, admin := f.env, f.tokens["editor"], f.tokens["reviewer"], f.tokens["admin"]
	call := func(token, method, path string, body any, want int) *response {
		t.Helper()
		r := e.do(request{method: method, path: path, body: body, token: token})
		expect(t, r, want, "")
		return r
	}
	call(admin, "POST", "/api/content-types", map[string]any{"key": "notice", "name": "Notice", "public": true,
		"fields": []map[string]any{{"name": "title", "type": "text"}}}, 201)
	d := &deliveryFixture{bearer: map[string]string{"anonymous": "", "unknown token": "cms_madeup", "editor": editor},
		slugs: map[string]map[string]string{}}
	var postDraft string
	for _, typ := range []string{"post", "notice"} {
		d.slugs[typ] = map[string]string{}
		for _, state := range []string{"published", "draft"} {
			r := call(editor, "POST", "/api/entries", map[string]any{"type": typ, "data": map[string]any{"title": typ + " " + state}}, 201)
			en := entryOf(t, r)
			d.slugs[typ][state] = en.Slug
			if state == "published" {
				call(editor, "POST", "/api/entries/"+en.ID+"/submit", nil, 200)
				call(reviewer, "POST", "/api/entries/"+en.ID+"/approve", nil, 200)
				call(reviewer, "POST", "/api/entries/"+en.ID+"/publish", nil, 200)
			} else if typ == "post" {
				postDraft = en.ID
			}
		}
	}
	for _, scope := range []string{"delivery", "preview"} {
		var tok struct{ Token string }
		call(admin, "POST", "/api/tokens", map[string]any{"name": scope, "scope": scope}, 201).json(t, &tok)
		d.bearer[scope+" token"] = tok.Token
	}
	var link struct{ Token string }
	call(editor, "POST", "/api/entries/"+postDraft+"/preview", nil, 201).json(t, &link)
	d.bearer["preview link"] = link.Token
	return d
}

// run reads every cell under policy and returns the cells that differ.
func (d *deliveryFixture) run(t *testing.T, f *matrixFixture, policy string) []string {
	enf, err := policies.New(policy)
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvWith(t, f.env.db, enf)
	var diffs []string
	for typ, readers := range deliveryWant {
		for _, reader := range deliveryReaders {
			for i, read := range deliveryReads {
				path := "/api/content/" + typ
				// Lists of just the fixture's two entries (other tests' entries are around).
				list := "?filter[slug][in]=" + d.slugs[typ]["published"] + "," + d.slugs[typ]["draft"]
				switch read {
				case "list":
					path += list
				case "published":
					path += "/" + d.slugs[typ]["published"]
				case "draft":
					path += "/" + d.slugs[typ]["draft"]
				case "preview":
					path += "/" + d.slugs[typ]["draft"] + "?preview=1"
				case "preview list":
					path += list + "&preview=1"
				}
				r := e.do(request{method: "GET", path: path, token: d.bearer[reader]})
				want := readers[reader][i]
				if r.Status != want {
					diffs = append(diffs, fmt.Sprintf("delivery: %s of %s by %s: %d, want %d %s", read, typ, reader, r.Status, want, r.Body))
					continue
				}
				if want != 200 {
					continue
				}
				body := string(r.Body)
				showsDraft := strings.Contains(body, `"slug":"`+d.slugs[typ]["draft"]+`"`)
				if wantDraft := read == "draft" || strings.HasPrefix(read, "preview"); showsDraft != wantDraft {
					diffs = append(diffs, fmt.Sprintf("delivery: %s of %s by %s shows the draft: %v, want %v", read, typ, reader, showsDraft, wantDraft))
				}
				showsPublished := strings.Contains(body, `"slug":"`+d.slugs[typ]["published"]+`"`)
				if wantPublished := read == "published" || strings.HasSuffix(read, "list"); showsPublished != wantPublished {
					diffs = append(diffs, fmt.Sprintf("delivery: %s of %s by %s shows the published entry: %v, want %v", read, typ, reader, showsPublished, wantPublished))
				}
			}
		}
	}
	return diffs
}
