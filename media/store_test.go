package media_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/loamcms/cms/internal/storetest"
	"github.com/loamcms/cms/media"
)

// The same suite runs on the folder and on a real S3 server.
func TestStores(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s media.Store) {
		ctx := context.Background()
		put := func(key, body string) {
			t.Helper()
			if err := s.Put(ctx, key, strings.NewReader(body), int64(len(body)), "text/plain"); err != nil {
				t.Fatalf("put %s: %v", key, err)
			}
		}
		read := func(key string) string {
			t.Helper()
			o, err := s.Open(ctx, key)
			if err != nil {
				t.Fatalf("open %s: %v", key, err)
			}
			defer o.Close()
			b, err := io.ReadAll(o)
			if err != nil {
				t.Fatal(err)
			}
			if o.Size() != int64(len(b)) || o.ModTime().IsZero() {
				t.Errorf("size %d for %d bytes, modtime %v", o.Size(), len(b), o.ModTime())
			}
			return string(b)
		}
		put("a/1/original.txt", "first")
		put("a/1/original.txt", "second version") // replaced whole
		put("a/1/w100.webp", "variant")
		put("a/2/original.txt", "other")
		put("b/1/original.txt", "unrelated")
		if got := read("a/1/original.txt"); got != "second version" {
			t.Errorf("read %q", got)
		}

		// Seeking is what Range requests need.
		o, err := s.Open(ctx, "a/1/original.txt")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := o.Seek(7, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		rest, _ := io.ReadAll(o)
		o.Close()
		if string(rest) != "version" {
			t.Errorf("after seek: %q", rest)
		}

		if _, err := s.Open(ctx, "a/9/none"); !errors.Is(err, media.ErrNoObject) {
			t.Errorf("missing key: %v", err)
		}
		// A short reader is an error, and leaves the old object intact.
		if err := s.Put(ctx, "a/2/original.txt", strings.NewReader("abc"), 10, "text/plain"); err == nil {
			t.Error("a short body was accepted")
		}
		if got := read("a/2/original.txt"); got != "other" {
			t.Errorf("after a failed put: %q", got)
		}

		if err := s.DeletePrefix(ctx, "a/1/"); err != nil {
			t.Fatal(err)
		}
		for _, k := range []string{"a/1/original.txt", "a/1/w100.webp"} {
			if _, err := s.Open(ctx, k); !errors.Is(err, media.ErrNoObject) {
				t.Errorf("%s survived DeletePrefix: %v", k, err)
			}
		}
		if read("a/2/original.txt") != "other" || read("b/1/original.txt") != "unrelated" {
			t.Error("DeletePrefix removed too much")
		}
		if err := s.DeletePrefix(ctx, "zzz/"); err != nil {
			t.Errorf("deleting nothing: %v", err)
		}

		// Keys never climb out of the store, whatever a bug might pass.
		for _, key := range []string{"../x", "a/../../x", "/etc/passwd", `a\..\x`, "a//b", "", "a/./b", "a\x00b"} {
			if err := s.Put(ctx, key, bytes.NewReader(nil), 0, ""); err == nil {
				t.Errorf("key %q accepted", key)
			}
			if _, err := s.Open(ctx, key); err == nil || errors.Is(err, media.ErrNoObject) {
				t.Errorf("open %q: %v", key, err)
			}
		}
	})
}
