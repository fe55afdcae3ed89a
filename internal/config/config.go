package config

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is everything `cms serve` needs to know.
type Config struct {
	Addr           string
	DatabaseURL    string
	DataDir        string
	JWTSecret      string
	AdminEmail     string
	AdminPassword  string
	MaxBody        int64
	MaxUpload      int64  // one uploaded file
	CacheBytes     int64  // the delivery API's answer cache
	StorageURL     string // file://PATH or s3://BUCKET?endpoint=…
	S3AccessKey    string
	S3SecretKey    string
	TrustedProxies []*net.IPNet
	// CORSOrigins may read the delivery API from a browser ("*" for any);
	// CORSAdminOrigins may call the management API (exact origins only).
	CORSOrigins, CORSAdminOrigins []string
	PublicURL                     string
	SelfApproval                  bool // an admin may approve their own revisions: one-person sites only
	// WebhookAllowPrivate opens private networks to webhooks: "true" or CIDRs
	// (webhooks.ParseAllow reads it).
	WebhookAllowPrivate string
	AuditRetention      time.Duration // how long audit records are kept
	LogFormat, LogLevel string        // text|json; debug|info|warn|error
	MetricsAddr         string        // where /metrics listens; "" for nowhere
	DebugAddr           string        // where net/http/pprof listens; "" for nowhere
}

// envOr returns the environment variable name, or def when it is unset.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// Register declares the flags of Config on fs, with defaults taken from the
// environment. Call Finish after fs.Parse.
func Register(fs *flag.FlagSet) *Flags {
	f := &Flags{}
	fs.StringVar(&f.Addr, "addr", envOr("CMS_ADDR", ":8080"), "listen address (CMS_ADDR)")
	fs.StringVar(&f.DatabaseURL, "database-url", envOr("CMS_DATABASE_URL", ""), "sqlite://PATH or postgres://… (CMS_DATABASE_URL; default sqlite://DATA_DIR/cms.db)")
	fs.StringVar(&f.DataDir, "data-dir", envOr("CMS_DATA_DIR", "data"), "SQLite file, generated secrets and local media (CMS_DATA_DIR)")
	fs.StringVar(&f.MaxBody, "max-body", envOr("CMS_MAX_BODY", "2MiB"), "JSON body limit, e.g. 512KiB, 2MiB (CMS_MAX_BODY)")
	fs.StringVar(&f.MaxUpload, "max-upload", envOr("CMS_MAX_UPLOAD", "50MiB"), "upload limit of one file, e.g. 50MiB (CMS_MAX_UPLOAD)")
	fs.StringVar(&f.CacheSize, "cache-size", envOr("CMS_CACHE_SIZE", "32MiB"), "memory for the delivery API's cached answers, e.g. 32MiB (CMS_CACHE_SIZE)")
	fs.StringVar(&f.StorageURL, "storage-url", envOr("CMS_STORAGE_URL", ""), "where media live: file://PATH or s3://BUCKET?endpoint=http://HOST:PORT&region=… (CMS_STORAGE_URL; default file://DATA_DIR/media; S3 keys from CMS_S3_ACCESS_KEY, CMS_S3_SECRET_KEY)")
	fs.StringVar(&f.TrustedProxies, "trusted-proxies", envOr("CMS_TRUSTED_PROXIES", ""), "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed (CMS_TRUSTED_PROXIES; default none)")
	fs.StringVar(&f.CORSOrigins, "cors-origins", envOr("CMS_CORS_ORIGINS", ""), "comma-separated origins (https://site.example) whose pages may read the delivery API, or * for any (CMS_CORS_ORIGINS; default none)")
	fs.StringVar(&f.CORSAdminOrigins, "cors-admin-origins", envOr("CMS_CORS_ADMIN_ORIGINS", ""), "comma-separated exact origins whose pages may call the management API (CMS_CORS_ADMIN_ORIGINS; default none)")
	fs.StringVar(&f.WebhookAllowPrivate, "webhook-allow-private", envOr("CMS_WEBHOOK_ALLOW_PRIVATE", ""), "let webhooks reach private networks: true, or comma-separated CIDRs (CMS_WEBHOOK_ALLOW_PRIVATE; default none)")
	fs.StringVar(&f.AuditRetention, "audit-retention", envOr("CMS_AUDIT_RETENTION", "365d"), "how long audit records are kept, e.g. 365d or 2160h (CMS_AUDIT_RETENTION)")
	fs.StringVar(&f.LogFormat, "log-format", envOr("CMS_LOG_FORMAT", "text"), "log lines as text or json (CMS_LOG_FORMAT)")
	fs.StringVar(&f.LogLevel, "log-level", envOr("CMS_LOG_LEVEL", "info"), "lowest level logged: debug, info, warn or error (CMS_LOG_LEVEL)")
	fs.StringVar(&f.MetricsAddr, "metrics-addr", envOr("CMS_METRICS_ADDR", ""), "serve Prometheus /metrics on this address, e.g. 127.0.0.1:9090 (CMS_METRICS_ADDR; default off)")
	fs.StringVar(&f.DebugAddr, "debug-addr", envOr("CMS_DEBUG_ADDR", ""), "serve net/http/pprof on this address, e.g. 127.0.0.1:6060 (CMS_DEBUG_ADDR; default off)")
	fs.StringVar(&f.PublicURL, "public-url", envOr("CMS_PUBLIC_URL", ""), "base URL people reach the CMS at, used in printed links (CMS_PUBLIC_URL; default http://localhost:PORT)")
	selfApproval, _ := strconv.ParseBool(envOr("CMS_SELF_APPROVAL", "false"))
	fs.BoolVar(&f.SelfApproval, "self-approval", selfApproval, "let an admin approve their own revisions, for one-person sites (CMS_SELF_APPROVAL)")
	return f
}

// Flags holds the raw flag values until Finish turns them into a Config.
type Flags struct {
	Addr, DatabaseURL, DataDir, MaxBody, MaxUpload, CacheSize, StorageURL, TrustedProxies, PublicURL string
	WebhookAllowPrivate, AuditRetention, CORSOrigins, CORSAdminOrigins                               string
	LogFormat, LogLevel, MetricsAddr, DebugAddr                                                      string
	SelfApproval                                                                                     bool
}

// Finish validates the flags and reads the variables that have no flag
// (secrets stay out of the process list).
func (f *Flags) Finish() (*Config, error) {
	c := &Config{
		Addr:                f.Addr,
		DatabaseURL:         f.DatabaseURL,
		DataDir:             f.DataDir,
		JWTSecret:           os.Getenv("CMS_JWT_SECRET"),
		AdminEmail:          os.Getenv("CMS_ADMIN_EMAIL"),
		AdminPassword:       os.Getenv("CMS_ADMIN_PASSWORD"),
		PublicURL:           strings.TrimRight(f.PublicURL, "/"),
		SelfApproval:        f.SelfApproval,
		WebhookAllowPrivate: f.WebhookAllowPrivate,
		LogFormat:           f.LogFormat,
		LogLevel:            f.LogLevel,
		MetricsAddr:         f.MetricsAddr,
		DebugAddr:           f.DebugAddr,
		StorageURL:          f.StorageURL,
		S3AccessKey:         os.Getenv("CMS_S3_ACCESS_KEY"),
		S3SecretKey:         os.Getenv("CMS_S3_SECRET_KEY"),
	}
	if c.StorageURL == "" {
		c.StorageURL = "file://" + filepath.ToSlash(filepath.Join(c.DataDir, "media"))
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL = "sqlite://" + filepath.Join(c.DataDir, "cms.db")
	}
	var err error
	if c.MaxBody, err = ParseSize(f.MaxBody); err != nil {
		return nil, fmt.Errorf("CMS_MAX_BODY: %w", err)
	}
	if c.MaxUpload, err = ParseSize(f.MaxUpload); err != nil {
		return nil, fmt.Errorf("CMS_MAX_UPLOAD: %w", err)
	}
	if c.CacheBytes, err = ParseSize(f.CacheSize); err != nil || c.CacheBytes < 1<<20 {
		return nil, fmt.Errorf("CMS_CACHE_SIZE: at least 1MiB, e.g. 32MiB")
	}
	if c.AuditRetention, err = ParseDays(f.AuditRetention); err != nil {
		return nil, fmt.Errorf("CMS_AUDIT_RETENTION: %w", err)
	}
	if c.TrustedProxies, err = parseCIDRs(f.TrustedProxies); err != nil {
		return nil, fmt.Errorf("CMS_TRUSTED_PROXIES: %w", err)
	}
	if c.CORSOrigins, err = ParseOrigins(f.CORSOrigins, true); err != nil {
		return nil, fmt.Errorf("CMS_CORS_ORIGINS: %w", err)
	}
	if c.CORSAdminOrigins, err = ParseOrigins(f.CORSAdminOrigins, false); err != nil {
		return nil, fmt.Errorf("CMS_CORS_ADMIN_ORIGINS: %w", err)
	}
	if c.PublicURL == "" {
		port := "8080"
		if _, p, err := net.SplitHostPort(c.Addr); err == nil && p != "" {
			port = p
		}
		c.PublicURL = "http://localhost:" + port
	}
	return c, nil
}

// ParseDays reads a duration in days ("365d") or as Go writes it ("2160h").
func ParseDays(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days <= 0 {
			return 0, fmt.Errorf("%q is not a positive number of days such as 365d", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration such as 365d or 2160h", s)
	}
	return d, nil
}

// ParseSize reads a byte size such as "2MiB", "512KiB", "1MB" or "4096".
func ParseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	units := []struct {
		suffix string
		mult   int64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
		{"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000},
		{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"B", 1},
	}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a positive size such as 2MiB", s)
	}
	return n * mult, nil
}

// ParseOrigins reads comma-separated origins as browsers send them
// (scheme://host[:port], lower case, nothing after), or "*" alone when
// any is allowed.
func ParseOrigins(s string, any bool) ([]string, error) {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		switch {
		case part == "":
			continue
		case part == "*" && !any:
			return nil, errors.New("* is not allowed here: name each origin, such as https://admin.example")
		case part == "*":
			out = append(out, part)
			continue
		}
		u, err := url.Parse(part)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
			return nil, fmt.Errorf("%q is not an origin such as https://site.example", part)
		}
		if canonical := u.Scheme + "://" + strings.ToLower(u.Host); canonical != part {
			return nil, fmt.Errorf("write %q as %s (an origin has no path and is lower case)", part, canonical)
		}
		out = append(out, part)
	}
	if len(out) > 1 && slices.Contains(out, "*") {
		return nil, errors.New("* stands alone: it already allows every origin")
	}
	return out, nil
}

func parseCIDRs(s string) ([]*net.IPNet, error) {
	var out []*net.IPNet
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !strings.Contains(part, "/") {
			if ip := net.ParseIP(part); ip != nil && ip.To4() != nil {
				part += "/32"
			} else {
				part += "/128"
			}
		}
		_, n, err := net.ParseCIDR(part)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// LoadOrCreateSecret returns the JWT signing key: CMS_JWT_SECRET when set,
// otherwise a random key generated once into dataDir/jwt-secret (mode 0600).
func LoadOrCreateSecret(configured, dataDir string) ([]byte, error) {
	if configured != "" {
		if len(configured) < 32 {
			return nil, errors.New("CMS_JWT_SECRET must be at least 32 characters")
		}
		return []byte(configured), nil
	}
	path := filepath.Join(dataDir, "jwt-secret")
	if b, err := os.ReadFile(path); err == nil {
		if s := strings.TrimSpace(string(b)); len(s) >= 32 {
			return []byte(s), nil
		}
		return nil, fmt.Errorf("%s is shorter than 32 characters", path)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, err
	}
	buf := make([]byte, 32)
	if _, err := rand.Read(buf); err != nil {
		return nil, err
	}
	secret := hex.EncodeToString(buf)
	// Write a temporary file and hard-link it into place: the link fails if
	// another process won the race, and nobody ever reads a half-written key.
	tmp, err := os.CreateTemp(dataDir, ".jwt-secret-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(secret + "\n"); err != nil {
		tmp.Close()
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return nil, err
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, os.ErrExist) {
		return LoadOrCreateSecret("", dataDir)
	} else if err != nil {
		return nil, err
	}
	return []byte(secret), nil
}
