// Package storetest gives tests media stores of both kinds: a folder, and
// a bucket on a real S3 server (versitygw) on loopback, started once per
// test process.
package storetest

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/loamcms/cms/media"
)

// EnvS3 controls the S3 half: "required" starts versitygw and fails when
// it cannot; unset, versitygw is started when it is installed and the S3
// half is skipped (saying so) when it is not.
const EnvS3 = "CMS_TEST_S3"

// Backends lists the stores Each runs on.
var Backends = []string{"folder", "s3"}

// Keys are the credentials of the test S3 server.
var Keys = media.S3Keys{AccessKey: "cms-test-access", SecretKey: "cms-test-secret-key-0123456789"}

// Each runs fn once per store kind, as subtests "folder" and "s3".
func Each(t *testing.T, fn func(t *testing.T, store media.Store)) {
	t.Helper()
	for _, b := range Backends {
		t.Run(b, func(t *testing.T) { fn(t, Open(t, b)) })
	}
}

// Open returns an empty store of the kind, emptied when the test ends.
func Open(t testing.TB, backend string) media.Store {
	t.Helper()
	store, err := media.OpenStore(context.Background(), URL(t, backend), Keys)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() { store.DeletePrefix(context.Background(), "") })
	return store
}

// URL returns a CMS_STORAGE_URL for a new, empty store of the kind (the
// S3 keys are Keys).
func URL(t testing.TB, backend string) string {
	t.Helper()
	switch backend {
	case "folder":
		return "file://" + filepath.ToSlash(filepath.Join(t.TempDir(), "media"))
	case "s3":
		endpoint := s3Endpoint(t)
		return "s3://t" + strings.ToLower(rand.Text()[:20]) + "?endpoint=" + endpoint + "&region=us-east-1"
	}
	t.Fatalf("storetest: unknown backend %q", backend)
	return ""
}

var (
	s3Once     sync.Once
	s3URL      string
	s3StartErr error
)

func s3Endpoint(t testing.TB) string {
	mode := os.Getenv(EnvS3)
	bin := versitygw()
	if bin == "" {
		if mode == "required" {
			t.Fatalf("storetest: %s=required but versitygw is not installed (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0)", EnvS3)
		}
		t.Skipf("S3 half skipped: versitygw is not installed; set %s=required to insist", EnvS3)
	}
	s3Once.Do(func() { s3URL, s3StartErr = startVersity(bin) })
	if s3StartErr != nil {
		t.Fatalf("storetest: starting versitygw: %v", s3StartErr)
	}
	return s3URL
}

// versitygw finds the server on PATH or in GOPATH/bin.
func versitygw() string {
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	gopath := os.Getenv("GOPATH")
	if gopath == "" {
		home, _ := os.UserHomeDir()
		gopath = filepath.Join(home, "go")
	}
	p := filepath.Join(gopath, "bin", "versitygw")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	return ""
}

// startVersity runs versitygw over a temporary folder on a free loopback
// port; it dies with the test process.
func startVersity(bin string) (string, error) {
	dir, err := os.MkdirTemp("", "cms-test-s3-")
	if err != nil {
		return "", err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "--access", Keys.AccessKey, "--secret", Keys.SecretKey, "--port", addr, "posix", dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		return "", err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			return "", fmt.Errorf("versitygw exited: %v: %s", err, out.String())
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return "http://" + addr, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	cmd.Process.Kill()
	return "", fmt.Errorf("versitygw did not listen on %s: %s", addr, out.String())
}
