package media

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path/filepath"
	"strings"
	"time"
)

// ErrNoObject is returned by Store.Open for a key that holds nothing.
var ErrNoObject = errors.New("media: no such object")

// Store holds the bytes of originals and variants under server-made keys
// (slash-separated, never from user input).
type Store interface {
	// Put stores size bytes from r under key, replacing what was there.
	// Readers see the old object or the whole new one, never a part.
	Put(ctx context.Context, key string, r io.Reader, size int64, contentType string) error
	// Open returns the object for reading; ErrNoObject when it is missing.
	Open(ctx context.Context, key string) (Object, error)
	// DeletePrefix removes every object whose key starts with prefix.
	DeletePrefix(ctx context.Context, prefix string) error
}

// Object is a stored file being read.
type Object interface {
	io.ReadSeekCloser
	Size() int64
	ModTime() time.Time
}

// S3Keys are the credentials of an S3-compatible bucket.
type S3Keys struct{ AccessKey, SecretKey string }

// OpenStore opens the store named by rawURL: file://PATH (a folder,
// created if missing) or s3://BUCKET?endpoint=…&region=….
func OpenStore(ctx context.Context, rawURL string, keys S3Keys) (Store, error) {
	switch {
	case strings.HasPrefix(rawURL, "file://"):
		return OpenFolder(filepath.FromSlash(strings.TrimPrefix(rawURL, "file://")))
	case strings.HasPrefix(rawURL, "s3://"):
		u, err := url.Parse(rawURL)
		if err != nil {
			return nil, fmt.Errorf("storage URL: %w", err)
		}
		q := u.Query()
		return OpenS3(ctx, S3Config{Bucket: u.Host, Endpoint: q.Get("endpoint"), Region: q.Get("region"), Keys: keys})
	default:
		return nil, fmt.Errorf("storage URL %q: want file://PATH or s3://BUCKET?endpoint=…", rawURL)
	}
}

// validKey guards against a programming mistake ever reaching a store:
// keys are made here, from ids and hashes, and never climb.
func validKey(key string) error {
	if key == "" || strings.HasPrefix(key, "/") || strings.Contains(key, "\\") || strings.Contains(key, "\x00") {
		return fmt.Errorf("media: bad key %q", key)
	}
	for part := range strings.SplitSeq(key, "/") {
		if part == "" || part == "." || part == ".." {
			return fmt.Errorf("media: bad key %q", key)
		}
	}
	return nil
}
