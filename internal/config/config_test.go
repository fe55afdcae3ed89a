package config

import (
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestParseSize(t *testing.T) {
	good := map[string]int64{"2MiB": 2 << 20, "512KiB": 512 << 10, "1MB": 1000000, "4096": 4096, "10 K": 10 << 10, "3B": 3}
	for in, want := range good {
		if got, err := ParseSize(in); err != nil || got != want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "-1MiB", "0", "2 parsecs", "1.5MiB"} {
		if _, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) accepted", in)
		}
	}
}

func TestFlagsOverrideEnvironment(t *testing.T) {
	t.Setenv("CMS_ADDR", ":9999")
	t.Setenv("CMS_MAX_BODY", "1MiB")
	t.Setenv("CMS_DATA_DIR", "/tmp/x")
	t.Setenv("CMS_TRUSTED_PROXIES", "10.0.0.1, 192.168.0.0/16")
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	f := Register(fs)
	if err := fs.Parse([]string{"--addr", "127.0.0.1:7000"}); err != nil {
		t.Fatal(err)
	}
	c, err := f.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:7000" || c.MaxBody != 1<<20 || c.DatabaseURL != "sqlite:///tmp/x/cms.db" ||
		len(c.TrustedProxies) != 2 || c.TrustedProxies[0].String() != "10.0.0.1/32" || c.PublicURL != "http://localhost:7000" {
		t.Fatalf("%+v", c)
	}
	t.Setenv("CMS_TRUSTED_PROXIES", "not-a-network")
	if _, err := Register(flag.NewFlagSet("t", flag.ContinueOnError)).Finish(); err == nil {
		t.Fatal("a bad CMS_TRUSTED_PROXIES was accepted")
	}
}

func TestSecretIsGeneratedOnce(t *testing.T) {
	dir := t.TempDir()
	var wg sync.WaitGroup
	got := make([]string, 8)
	for i := range got {
		wg.Go(func() {
			s, err := LoadOrCreateSecret("", dir)
			if err != nil {
				t.Error(err)
			}
			got[i] = string(s)
		})
	}
	wg.Wait()
	for _, s := range got {
		if s != got[0] || len(s) < 32 {
			t.Fatalf("secrets differ or are short: %q", got)
		}
	}
	info, err := os.Stat(filepath.Join(dir, "jwt-secret"))
	if err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("secret file: %v %v", info, err)
	}
	if s, err := LoadOrCreateSecret("configured-secret-configured-secret", dir); err != nil || string(s) != "configured-secret-configured-secret" {
		t.Fatalf("configured secret: %q %v", s, err)
	}
	if _, err := LoadOrCreateSecret("short", dir); err == nil {
		t.Fatal("a short CMS_JWT_SECRET was accepted")
	}
}

func TestParseOrigins(t *testing.T) {
	for _, c := range []struct {
		in      string
		any     bool
		want    []string
		problem string
	}{
		{"", true, nil, ""},
		{"https://site.example, http://localhost:4321", false, []string{"https://site.example", "http://localhost:4321"}, ""},
		{"*", true, []string{"*"}, ""},
		{"*", false, nil, "not allowed here"},
		{"*,https://site.example", true, nil, "stands alone"},
		{"https://site.example/", true, nil, "write"},
		{"https://Site.example", true, nil, "write"},
		{"site.example", true, nil, "not an origin"},
		{"ftp://site.example", true, nil, "not an origin"},
		{"https://user@site.example", true, nil, "not an origin"},
	} {
		got, err := ParseOrigins(c.in, c.any)
		if c.problem != "" {
			if err == nil || !strings.Contains(err.Error(), c.problem) {
				t.Errorf("%q: error %v, want one saying %q", c.in, err, c.problem)
			}
			continue
		}
		if err != nil || !slices.Equal(got, c.want) {
			t.Errorf("%q: %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}
