package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/loamcms/cms/internal/database"
	"github.com/loamcms/cms/internal/dbtest"
	"github.com/loamcms/cms/internal/mediatest"
	"github.com/loamcms/cms/internal/storetest"
	"github.com/loamcms/cms/media"
	"github.com/loamcms/cms/models"
)

func withStore(s media.Store) envOption { return func(c *envConfig) { c.store = s } }

// eachStack runs fn on every database × every store, each fresh.
func eachStack(t *testing.T, fn func(t *testing.T, n *newsroom)) {
	for _, d := range dbtest.Dialects {
		for _, b := range storetest.Backends {
			t.Run(d+"/"+b, func(t *testing.T) {
				store := storetest.Open(t, b)
				fn(t, newNewsroom(t, dbtest.Open(t, d), withStore(store)))
			})
		}
	}
}

func (n *newsroom) upload(t *testing.T, who *account, u upload) media.Item {
	t.Helper()
	r := n.call(who, "POST", "/api/media", u)
	expect(t, r, 201, "")
	var item media.Item
	r.json(t, &item)
	return item
}

func mediaOf(t *testing.T, r *response) media.Item {
	t.Helper()
	var item media.Item
	r.json(t, &item)
	return item
}

// get fetches a public media URL.
func (n *newsroom) get(path string, header map[string]string) *response {
	return n.do(request{method: "GET", path: path, header: header})
}

func TestMediaUploadAndServe(t *testing.T) {
	eachStack(t, func(t *testing.T, n *newsroom) {
		photo := mediatest.JPEGWithMetadata(1200, 900, 1)
		item := n.upload(t, n.editor, upload{filename: "../../Holiday ‮gpj.exe photo.jpg", contentType: "image/jpeg", data: photo,
			fields: map[string]string{"alt": "A beach at dawn", "title": "Dawn", "focal_x": "0.25", "focal_y": "0.75"}})
		if item.Mime != "image/jpeg" || *item.Width != 1200 || *item.Height != 900 || item.Alt != "A beach at dawn" || item.Title != "Dawn" ||
			item.FocalX != .25 || item.FocalY != .75 || item.Version != 1 || item.CreatedBy.ID != n.editor.user.ID ||
			!strings.HasPrefix(item.Placeholder, "data:image/png;base64,") || item.Size <= 0 {
			t.Fatalf("item %+v", item)
		}
		if item.Filename != "Holiday gpj.exe photo.jpg" {
			t.Errorf("filename %q: no path parts, no bidi override", item.Filename)
		}
		if !strings.HasPrefix(item.URL, "/media/"+item.ID+"/holiday-gpj-exe-photo.jpg?v=") {
			t.Errorf("url %s", item.URL)
		}

		// The original: stripped, nosniff, sandboxed, cacheable for good at its versioned URL.
		r := n.get(item.URL, nil)
		if r.Status != 200 {
			t.Log(n.logs.String())
		}
		expect(t, r, 200, "")
		if bytes.Contains(r.Body, []byte(mediatest.Secret)) || bytes.Contains(r.Body, []byte("Exif")) {
			t.Error("the served file carries metadata")
		}
		if int64(len(r.Body)) != item.Size {
			t.Errorf("served %d bytes, size %d", len(r.Body), item.Size)
		}
		h := r.Header
		if h.Get("Content-Type") != "image/jpeg" || h.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") || h.Get("Cache-Control") != cacheForever ||
			h.Get("ETag") == "" || !strings.HasPrefix(h.Get("Content-Disposition"), "inline") {
			t.Errorf("headers %v", h)
		}
		expect(t, n.get(item.URL, map[string]string{"If-None-Match": h.Get("ETag")}), 304, "")
		part := n.get(item.URL, map[string]string{"Range": "bytes=0-9"})
		expect(t, part, 206, "")
		if len(part.Body) != 10 || !bytes.Equal(part.Body, r.Body[:10]) {
			t.Errorf("range: %d bytes", len(part.Body))
		}
		if n.get("/media/"+item.ID+"/anything.jpg", nil).Header.Get("Cache-Control") != cacheCurrent {
			t.Error("an unversioned URL is cached briefly")
		}

		// A variant: resized, re-encoded, stored beside the original, served like it.
		vr := n.get(item.URL+"&w=800&fm=webp", nil)
		expect(t, vr, 200, "")
		img, format, err := image.Decode(bytes.NewReader(vr.Body))
		if err != nil || format != "webp" || img.Bounds().Dx() != 800 || img.Bounds().Dy() != 600 {
			t.Fatalf("variant: %s %v %v", format, img.Bounds(), err)
		}
		if vr.Header.Get("Content-Type") != "image/webp" || vr.Header.Get("Cache-Control") != cacheForever || vr.Header.Get("ETag") == h.Get("ETag") {
			t.Errorf("variant headers %v", vr.Header)
		}
		again := n.get(item.URL+"&fm=webp&w=800", nil)
		if !bytes.Equal(again.Body, vr.Body) || again.Header.Get("ETag") != vr.Header.Get("ETag") {
			t.Error("the second request is not the stored variant")
		}
		expect(t, n.get(item.URL+"&w=800&fm=webp", map[string]string{"If-None-Match": vr.Header.Get("ETag")}), 304, "")
		cover := n.get(item.URL+"&w=300&h=300&fit=cover&fm=png", nil)
		expect(t, cover, 200, "")
		if img, _, err := image.Decode(bytes.NewReader(cover.Body)); err != nil || img.Bounds().Dx() != 300 || img.Bounds().Dy() != 300 {
			t.Errorf("cover: %v", err)
		}
		big := n.get(item.URL+"&w=4000", nil) // never upscaled
		if img, _, err := image.Decode(bytes.NewReader(big.Body)); err != nil || img.Bounds().Dx() != 1200 {
			t.Errorf("upscaled: %v", err)
		}

		// Bounded parameters: nonsense is 400, never a crash.
		for _, q := range []string{"w=0", "w=-5", "w=4097", "w=abc", "w=1e3", "h=99999", "q=0", "q=101", "fm=gif", "fm=svg",
			"fit=stretch", "w=10&w=20", "x=1", "w=%00", "w=+5", "q=50.5"} {
			expect(t, n.get(item.URL+"&"+q, nil), 400, "bad_request")
		}
		expect(t, n.get("/media/not-an-id/x.jpg", nil), 404, "not_found")
		expect(t, n.get("/media/01900000-0000-7000-8000-000000000000/x.jpg", nil), 404, "not_found")

		// Metadata edits need the current version.
		alt := "A quiet beach at dawn"
		r = n.call(n.editor, "PATCH", "/api/media/"+item.ID, map[string]any{"alt": alt, "focal_x": 0.5, "version": 1})
		expect(t, r, 200, "")
		// A new focal point changes cover crops, so it is a new URL; alt text is not.
		patched := mediaOf(t, r)
		if patched.Alt != alt || patched.Version != 2 || patched.URL == item.URL {
			t.Errorf("patched %+v", patched)
		}
		r = n.call(n.editor, "PATCH", "/api/media/"+item.ID, map[string]any{"title": "Dawn at sea", "version": 2})
		expect(t, r, 200, "")
		if m := mediaOf(t, r); m.URL != patched.URL || m.Version != 3 {
			t.Errorf("a title edit changed the URL: %+v", m)
		}
		expect(t, n.call(n.editor, "PATCH", "/api/media/"+item.ID, map[string]any{"alt": "late", "version": 1}), 409, "version_conflict")
		expect(t, n.call(n.editor, "PATCH", "/api/media/"+item.ID, map[string]any{"alt": "x"}), 422, "validation_failed")
		expect(t, n.call(n.editor, "PATCH", "/api/media/"+item.ID, map[string]any{"focal_x": 1.5, "version": 3}), 422, "validation_failed")
		expect(t, n.call(n.editor, "PATCH", "/api/media/"+item.ID, map[string]any{"filename": "x", "version": 3}), 422, "validation_failed")
		expect(t, n.call(n.editor2, "PATCH", "/api/media/"+item.ID, map[string]any{"alt": "mine now", "version": 3}), 403, "forbidden")

		// Search by name, alt text and title; filter by type.
		n.upload(t, n.editor2, upload{filename: "report.pdf", data: []byte("%PDF-1.7\n%%EOF\n")})
		n.upload(t, n.editor2, upload{filename: "diagram.png", data: mediatest.PNG(40, 30), fields: map[string]string{"alt": "Flow of a card freeze"}})
		list := func(query string) []string {
			t.Helper()
			r := n.call(n.reviewer, "GET", "/api/media?"+query, nil)
			expect(t, r, 200, "")
			var l struct {
				Data []media.Item
				Meta listMeta
			}
			r.json(t, &l)
			var names []string
			for _, it := range l.Data {
				names = append(names, it.Filename)
			}
			if int(l.Meta.Total) < len(names) {
				t.Errorf("total %d < %d", l.Meta.Total, len(names))
			}
			return names
		}
		if got := fmt.Sprint(list("")); got != "[diagram.png report.pdf Holiday gpj.exe photo.jpg]" {
			t.Errorf("newest first: %s", got)
		}
		for q, want := range map[string]string{
			"search=quiet":             "[Holiday gpj.exe photo.jpg]",
			"search=REPORT":            "[report.pdf]",
			"search=card%20freeze":     "[diagram.png]",
			"search=dawn":              "[Holiday gpj.exe photo.jpg]",
			"type=document":            "[report.pdf]",
			"type=image&sort=filename": "[diagram.png Holiday gpj.exe photo.jpg]",
			"search=%25":               "[]",
			"type=video":               "[]",
		} {
			if got := fmt.Sprint(list(q)); got != want {
				t.Errorf("%s: %s, want %s", q, got, want)
			}
		}
		expect(t, n.call(n.editor, "GET", "/api/media?type=spreadsheet", nil), 400, "bad_request")
		expect(t, n.call(n.editor, "GET", "/api/media?sort=alt", nil), 400, "bad_request")

		// Replacing the file keeps the id; the URL's version changes and
		// the old bytes and variants go.
		oldKey := storageKey(t, n, item.ID)
		r = n.call(n.editor, "PUT", "/api/media/"+item.ID+"/file", upload{filename: "new.png", data: mediatest.PNG(300, 200), fields: map[string]string{"version": "3"}})
		expect(t, r, 200, "")
		replaced := mediaOf(t, r)
		if replaced.ID != item.ID || replaced.Mime != "image/png" || *replaced.Width != 300 || replaced.URL == patched.URL || replaced.Version != 4 ||
			replaced.Alt != alt || replaced.Filename != "Holiday gpj.exe photo.jpg" { // the item keeps its name
			t.Errorf("replaced %+v", replaced)
		}
		if _, err := n.store.Open(context.Background(), oldKey); !errors.Is(err, media.ErrNoObject) {
			t.Errorf("old original still stored: %v", err)
		}
		if r := n.get(item.URL, nil); r.Header.Get("Cache-Control") != cacheStale || r.Header.Get("Content-Type") != "image/png" {
			t.Errorf("an outdated ?v= is served the new file, briefly cached: %v", r.Header)
		}
		expect(t, n.call(n.editor, "PUT", "/api/media/"+item.ID+"/file", upload{filename: "x.png", data: mediatest.PNG(5, 5), fields: map[string]string{"version": "1"}}), 409, "version_conflict")
		expect(t, n.call(n.reviewer, "PUT", "/api/media/"+item.ID+"/file", upload{filename: "x.png", data: mediatest.PNG(5, 5)}), 403, "forbidden")

		// Deleting an unused item removes its files too.
		expect(t, n.call(n.editor2, "DELETE", "/api/media/"+item.ID, nil), 403, "forbidden")
		key := storageKey(t, n, item.ID)
		expect(t, n.call(n.editor, "DELETE", "/api/media/"+item.ID, nil), 204, "")
		expect(t, n.call(n.editor, "GET", "/api/media/"+item.ID, nil), 404, "not_found")
		expect(t, n.get(item.URL, nil), 404, "not_found")
		if _, err := n.store.Open(context.Background(), key); !errors.Is(err, media.ErrNoObject) {
			t.Errorf("file of a deleted item still stored: %v", err)
		}
	})
}

func storageKey(t *testing.T, n *newsroom, id string) string {
	t.Helper()
	var m models.Media
	if err := n.db.Where("id = ?", id).Take(&m).Error; err != nil {
		t.Fatal(err)
	}
	return m.StorageKey
}

func TestDocumentsDownloadSandboxed(t *testing.T) {
	eachStack(t, func(t *testing.T, n *newsroom) {
		for _, c := range []struct {
			name string
			data []byte
			mime string
		}{
			{"logo.svg", []byte(mediatest.SafeSVG), "image/svg+xml"},
			{"report.pdf", []byte("%PDF-1.7\n%%EOF\n"), "application/pdf"},
			{"notes.txt", []byte("Plain notes: call the bank, freeze the card.\n"), "text/plain"},
		} {
			item := n.upload(t, n.editor, upload{filename: c.name, data: c.data})
			r := n.get(item.URL, nil)
			expect(t, r, 200, "")
			h := r.Header
			if h.Get("Content-Type") != c.mime || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") ||
				!strings.Contains(h.Get("Content-Security-Policy"), "sandbox") || h.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s: %v", c.name, h)
			}
			expect(t, n.get(item.URL+"&w=100", nil), 400, "bad_request")
		}
	})
}

func TestMediaInEntriesAndDelivery(t *testing.T) {
	eachStack(t, func(t *testing.T, n *newsroom) {
		hero := n.upload(t, n.editor, upload{filename: "hero.jpg", data: mediatest.JPEG(2000, 1000), fields: map[string]string{"alt": "An ID card and a bank card"}})
		inline := n.upload(t, n.editor, upload{filename: "inline.png", data: mediatest.PNG(700, 400), fields: map[string]string{"alt": "Steps"}})
		draftOnly := n.upload(t, n.editor, upload{filename: "draft.png", data: mediatest.PNG(50, 50)})

		// Validation: a media field must name an existing item, and so must rich text.
		missing := "01900000-0000-7000-8000-000000000000"
		r := n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "data": map[string]any{"title": "T", "hero": missing}})
		expect(t, r, 422, "validation_failed")
		r = n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "data": map[string]any{"title": "T", "body": `<p><img src="/media/` + missing + `/x.png"></p>`}})
		expect(t, r, 422, "validation_failed")

		body := `<p>Freeze the card.</p><p><img src="` + inline.URL + `" alt="Steps"></p><p><a href="` + inline.URL + `">download</a></p>`
		id := n.publish(t, "post", map[string]any{"title": "Leaked ID card photos", "hero": hero.ID, "body": body})
		draft := entryOf(t, n.call(n.editor, "POST", "/api/entries", map[string]any{"type": "post", "data": map[string]any{"title": "Draft", "hero": draftOnly.ID}}))

		// Usage, in fields and inside rich text, live or working.
		usage := func(m media.Item) []content_use {
			t.Helper()
			r := n.call(n.reviewer, "GET", "/api/media/"+m.ID+"/usage", nil)
			expect(t, r, 200, "")
			var out struct{ Data []content_use }
			r.json(t, &out)
			return out.Data
		}
		if u := usage(inline); len(u) != 1 || u[0].EntryID != id || u[0].Title != "Leaked ID card photos" || u[0].Status != "published" || u[0].Type != "post" {
			t.Errorf("usage of the inline image: %+v", u)
		}
		if u := usage(draftOnly); len(u) != 1 || u[0].EntryID != draft.ID || u[0].Status != "draft" {
			t.Errorf("usage of the draft's image: %+v", u)
		}
		for _, m := range []media.Item{hero, inline, draftOnly} {
			expect(t, n.call(n.admin, "DELETE", "/api/media/"+m.ID, nil), 409, "conflict")
		}

		// Delivery: the field is the public subset, rich text points at variants.
		_, secret := n.token(t, "delivery")
		r = n.do(request{method: "GET", path: "/api/content/post/leaked-id-card-photos", token: secret})
		expect(t, r, 200, "")
		var one struct{ Data map[string]any }
		r.json(t, &one)
		item := one.Data
		h, _ := item["hero"].(map[string]any)
		if h == nil || h["id"] != hero.ID || h["url"] != hero.URL || h["mime"] != "image/jpeg" || h["width"] != 2000.0 || h["height"] != 1000.0 ||
			h["alt"] != "An ID card and a bank card" || h["focal_x"] != 0.5 || !strings.HasPrefix(h["placeholder"].(string), "data:image/png") {
			t.Errorf("hero %v", item["hero"])
		}
		if len(h) != 9 {
			t.Errorf("hero has %d keys, the public subset has 9: %v", len(h), h)
		}
		html := item["body"].(string)
		for _, want := range []string{`width="700"`, `height="400"`, `loading="lazy"`, `srcset="` + strings.ReplaceAll(inline.URL, "&", "&amp;") + `&amp;w=320&amp;fm=webp 320w`, `700w"`, `alt="Steps"`} {
			if !strings.Contains(html, want) {
				t.Errorf("body lacks %s: %s", want, html)
			}
		}
		if strings.Contains(html, "w=960") {
			t.Errorf("srcset offers widths larger than the image: %s", html)
		}
		variant := n.get(inline.URL+"&w=320&fm=webp", nil)
		expect(t, variant, 200, "")
		if variant.Header.Get("Content-Type") != "image/webp" {
			t.Error("srcset URL is not a webp")
		}
		// Media used only by drafts never shows on the delivery API.
		r = n.do(request{method: "GET", path: "/api/content/post", token: secret})
		if bytes.Contains(r.Body, []byte(draftOnly.ID)) {
			t.Error("a draft's media is listed on the delivery API")
		}

		// An alt text edit reaches the site at once (the cache is dropped).
		expect(t, n.call(n.editor, "PATCH", "/api/media/"+hero.ID, map[string]any{"alt": "Two cards", "version": 1}), 200, "")
		r = n.do(request{method: "GET", path: "/api/content/post/leaked-id-card-photos", token: secret})
		if !bytes.Contains(r.Body, []byte("Two cards")) {
			t.Errorf("stale alt text: %s", r.Body)
		}

		// Taken out of the working copy it is still used by the live
		// revision; unpublished too, it may go.
		edited := entryOf(t, n.call(n.editor, "GET", "/api/entries/"+id, nil))
		expect(t, n.call(n.editor, "PATCH", "/api/entries/"+id, map[string]any{"version": edited.Version, "data": map[string]any{"hero": nil, "body": "<p>No pictures.</p>"}}), 200, "")
		expect(t, n.call(n.admin, "DELETE", "/api/media/"+hero.ID, nil), 409, "conflict")
		expect(t, n.call(n.reviewer, "POST", "/api/entries/"+id+"/unpublish", nil), 200, "")
		if u := usage(hero); len(u) != 0 {
			t.Errorf("still used: %+v", u)
		}
		expect(t, n.call(n.editor, "DELETE", "/api/media/"+hero.ID, nil), 204, "")
		// Deleting the draft frees its image.
		expect(t, n.call(n.editor, "DELETE", "/api/entries/"+draft.ID, nil), 204, "")
		expect(t, n.call(n.editor, "DELETE", "/api/media/"+draftOnly.ID, nil), 204, "")
		// A restored revision naming deleted media is refused, not saved broken.
		expect(t, n.call(n.editor, "POST", fmt.Sprintf("/api/entries/%s/revisions/1/restore", id), map[string]any{"version": edited.Version + 2}), 422, "validation_failed")
	})
}

type content_use struct {
	EntryID string `json:"entry_id"`
	Type    string `json:"type"`
	Title   string `json:"title"`
	Status  string `json:"status"`
}

func TestUploadBadInput(t *testing.T) {
	eachStack(t, func(t *testing.T, n *newsroom) {
		jpg := mediatest.JPEG(64, 64)
		cases := []struct {
			name   string
			body   any
			status int
			code   string
		}{
			{"html named jpg", upload{filename: "cat.jpg", contentType: "image/jpeg", data: []byte("<!doctype html><html><script>alert(1)</script>")}, 415, "unsupported_media_type"},
			{"polyglot type", upload{filename: "a.png", contentType: "image/png", data: jpg}, 415, "unsupported_media_type"},
			{"spoofed content type", upload{filename: "a", contentType: "image/gif", data: mediatest.PNG(4, 4)}, 415, "unsupported_media_type"},
			{"svg with script", upload{filename: "x.svg", data: []byte(mediatest.HostileSVGs["script"])}, 415, "unsupported_media_type"},
			{"svg with onload", upload{filename: "x.svg", data: []byte(mediatest.HostileSVGs["onload"])}, 415, "unsupported_media_type"},
			{"svg with javascript:", upload{filename: "x.svg", data: []byte(mediatest.HostileSVGs["javascript-url"])}, 415, "unsupported_media_type"},
			{"gif bomb", upload{filename: "b.gif", data: mediatest.GIFBomb()}, 422, "validation_failed"},
			{"huge png", upload{filename: "h.png", data: mediatest.HugePNG()}, 422, "validation_failed"},
			{"truncated", upload{filename: "t.jpg", data: jpg[:len(jpg)-200]}, 422, "validation_failed"},
			{"too large", upload{filename: "big.png", data: make([]byte, 9<<20)}, 413, "payload_too_large"},
			{"no file", upload{fields: map[string]string{"alt": "x"}}, 422, "validation_failed"},
			{"unknown field", upload{filename: "a.png", data: mediatest.PNG(4, 4), fields: map[string]string{"owner": "admin"}}, 400, "bad_request"},
			{"bad focal", upload{filename: "a.png", data: mediatest.PNG(4, 4), fields: map[string]string{"focal_x": "left"}}, 422, "validation_failed"},
			{"focal out of range", upload{filename: "a.png", data: mediatest.PNG(4, 4), fields: map[string]string{"focal_y": "2"}}, 422, "validation_failed"},
			{"alt too long", upload{filename: "a.png", data: mediatest.PNG(4, 4), fields: map[string]string{"alt": strings.Repeat("a", 1001)}}, 422, "validation_failed"},
			{"json", map[string]any{"file": "aGVsbG8="}, 415, "unsupported_media_type"},
		}
		for _, c := range cases {
			r := n.call(n.editor, "POST", "/api/media", c.body)
			if r.Status != c.status || r.errorCode() != c.code {
				t.Errorf("%s: %d %s, want %d %s", c.name, r.Status, r.Body, c.status, c.code)
			}
		}
		// Names are cleaned: no path parts, NUL, control or bidi characters; bounded.
		for in, want := range map[string]string{
			"../../x.png": "x.png", `..\x.png`: "x.png", "a\x00b.png": "ab.png", "rtl\u202egnp.png": "rtlgnp.png",
			strings.Repeat("n", 300) + ".png": strings.Repeat("n", 116) + ".png",
		} {
			if got := n.upload(t, n.editor, upload{filename: in, data: mediatest.PNG(4, 4)}).Filename; got != want {
				t.Errorf("name %q stored as %q", in, got)
			}
		}
		assertNoLeftovers(t, n, 5)
	})
}

// assertNoLeftovers checks that the library holds exactly want items and
// that no spooled upload is left in the temporary directory.
func assertNoLeftovers(t *testing.T, n *newsroom, want int64) {
	t.Helper()
	var count int64
	n.db.Model(&models.Media{}).Count(&count)
	if count != want {
		t.Errorf("%d media rows, want %d", count, want)
	}
	entries, _ := os.ReadDir(n.media.TempDir())
	for _, e := range entries {
		t.Errorf("left behind in the temporary directory: %s", e.Name())
	}
}

// TestUploadCutOffMidStream sends an upload through a real HTTP server and
// drops the connection halfway: no row, no spooled file, no stored file.
func TestUploadCutOffMidStream(t *testing.T) {
	eachStack(t, func(t *testing.T, n *newsroom) {
		srv := httptest.NewServer(n.srv)
		defer srv.Close()
		body, ct := upload{filename: "big.png", data: mediatest.PNG(800, 800)}.encode(t)
		pr, pw := io.Pipe()
		go func() {
			pw.Write(body[:len(body)/2])
			pw.CloseWithError(errors.New("the client went away"))
		}()
		req, _ := http.NewRequest("POST", srv.URL+"/api/media", pr)
		req.Header.Set("Content-Type", ct)
		req.Header.Set("Authorization", "Bearer "+n.editor.access)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode < 400 {
				t.Errorf("a cut-off upload got %d", resp.StatusCode)
			}
		}
		srv.Close() // waits for the handler
		assertNoLeftovers(t, n, 0)
		// And a truncated multipart body (no closing boundary) is a 400.
		r := n.call(n.editor, "POST", "/api/media", string(body[:len(body)-10]))
		_ = r
		req2 := request{method: "POST", path: "/api/media", body: string(body[:len(body)/2]), token: n.editor.access, header: map[string]string{"Content-Type": ct}}
		expect(t, n.do(req2), 400, "bad_request")
		assertNoLeftovers(t, n, 0)
	})
}

// TestVariantsAreBounded: anyone may ask for any size, so one file gets a
// bounded number of variants; sizes already made are still served.
func TestVariantsAreBounded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		n := newNewsroom(t, db, func(c *envConfig) { c.media.MaxVariants = 3 })
		item := n.upload(t, n.editor, upload{filename: "p.png", data: mediatest.PNG(400, 300)})
		for _, w := range []string{"100", "200", "300"} {
			expect(t, n.get(item.URL+"&w="+w, nil), 200, "")
		}
		expect(t, n.get(item.URL+"&w=150", nil), 400, "bad_request")
		expect(t, n.get(item.URL+"&w=200", nil), 200, "") // made already
		big := n.upload(t, n.editor, upload{filename: "big.png", data: mediatest.PNG(2100, 100)})
		expect(t, n.get(big.URL+"&fm=avif", nil), 400, "bad_request") // AVIF over 2048 px
		// A new file starts afresh.
		r := n.call(n.editor, "PUT", "/api/media/"+item.ID+"/file", upload{filename: "q.png", data: mediatest.PNG(400, 300)})
		expect(t, r, 200, "")
		expect(t, n.get(mediaOf(t, r).URL+"&w=150", nil), 200, "")
	})
}

// TestConcurrentReplacesKeepAFile: two replaces at once, one of them with
// the bytes already stored, leave the item with a file that is served.
func TestConcurrentReplacesKeepAFile(t *testing.T) {
	eachStack(t, func(t *testing.T, n *newsroom) {
		same := mediatest.PNG(60, 40)
		item := n.upload(t, n.editor, upload{filename: "a.png", data: same})
		for range 5 {
			done := make(chan *response, 2)
			for _, data := range [][]byte{same, mediatest.PNG(61, 40)} {
				go func() {
					done <- n.call(n.editor, "PUT", "/api/media/"+item.ID+"/file", upload{filename: "b.png", data: data})
				}()
			}
			for range 2 {
				if r := <-done; r.Status != 200 && r.Status != 409 {
					t.Fatalf("replace: %d %s", r.Status, r.Body)
				}
			}
			cur := mediaOf(t, n.call(n.editor, "GET", "/api/media/"+item.ID, nil))
			expect(t, n.get(cur.URL, nil), 200, "")
		}
	})
}
