package media

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"time"
)

// Folder is a Store in a local directory. Every access goes through an
// os.Root, so no key, link or race can reach outside the directory.
type Folder struct{ root *os.Root }

// tmpDir holds files being written; they are renamed into place whole.
const tmpDir = ".tmp"

// OpenFolder opens (creating if needed) the directory dir as a Store.
func OpenFolder(dir string) (*Folder, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	if err := root.MkdirAll(tmpDir, 0o750); err != nil {
		root.Close()
		return nil, err
	}
	return &Folder{root: root}, nil
}

// Close releases the directory.
func (f *Folder) Close() error { return f.root.Close() }

func (f *Folder) Put(ctx context.Context, key string, r io.Reader, size int64, _ string) error {
	if err := validKey(key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	buf := make([]byte, 8)
	rand.Read(buf)
	tmp := path.Join(tmpDir, hex.EncodeToString(buf))
	w, err := f.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	defer f.root.Remove(tmp) // a no-op once renamed
	n, err := io.Copy(w, r)
	if err == nil && n != size {
		err = io.ErrUnexpectedEOF
	}
	if err == nil {
		err = w.Sync()
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if dir := path.Dir(key); dir != "." {
		if err := f.root.MkdirAll(dir, 0o750); err != nil {
			return err
		}
	}
	return f.root.Rename(tmp, key)
}

func (f *Folder) Open(_ context.Context, key string) (Object, error) {
	if err := validKey(key); err != nil {
		return nil, err
	}
	file, err := f.root.Open(key)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoObject
	} else if err != nil {
		return nil, err
	}
	info, err := file.Stat()
	if err != nil || !info.Mode().IsRegular() {
		file.Close()
		return nil, ErrNoObject
	}
	return folderObject{file, info}, nil
}

type folderObject struct {
	*os.File
	info fs.FileInfo
}

func (o folderObject) Size() int64        { return o.info.Size() }
func (o folderObject) ModTime() time.Time { return o.info.ModTime() }

func (f *Folder) DeletePrefix(_ context.Context, prefix string) error {
	dir, base := path.Split(prefix)
	dir = strings.TrimSuffix(dir, "/")
	if dir == "" {
		dir = "."
	}
	if err := validKey(path.Join(dir, "x")); err != nil {
		return err
	}
	entries, err := fs.ReadDir(f.root.FS(), dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	} else if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), base) && e.Name() != tmpDir {
			if err := f.root.RemoveAll(path.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	// Leave no empty folders behind.
	if dir != "." {
		f.root.Remove(dir)
	}
	return nil
}
