package webhooks

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"time"
)

// Limits of one outbound call.
const (
	Timeout      = 10 * time.Second
	MaxRedirects = 3
	MaxResponse  = 1 << 20 // bytes of a response body read; the rest is dropped
)

// ErrForbiddenTarget is a URL or address the CMS will not call.
var ErrForbiddenTarget = errors.New("webhooks: forbidden target")

// blocked are the networks no webhook may reach unless allowed: this
// machine, private networks, link-local (cloud metadata lives there),
// carrier-grade NAT, unique-local IPv6, and the reserved ranges.
var blocked = func() []netip.Prefix {
	var out []netip.Prefix
	for _, s := range []string{
		"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
		"192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
		"203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
		"::/128", "::1/128", "64:ff9b::/96", "64:ff9b:1::/48", "100::/64", "2001::/32", "2001:db8::/32", "2002::/16",
		"fc00::/7", "fe80::/10", "ff00::/8",
	} {
		out = append(out, netip.MustParsePrefix(s))
	}
	return out
}()

// Guard decides which addresses outbound calls may reach.
type Guard struct {
	// Allow opens these networks despite the block list (CMS_WEBHOOK_ALLOW_PRIVATE:
	// "true" for every network, or a list of CIDRs, for intranets and tests).
	Allow []netip.Prefix
}

// ParseAllow reads CMS_WEBHOOK_ALLOW_PRIVATE: "", "false", "true", or CIDRs.
func ParseAllow(s string) ([]netip.Prefix, error) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "", "false", "0", "no":
		return nil, nil
	case "true", "1", "yes":
		return []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}, nil
	}
	var out []netip.Prefix
	for part := range strings.SplitSeq(s, ",") {
		p, err := netip.ParsePrefix(strings.TrimSpace(part))
		if err != nil {
			return nil, fmt.Errorf("CMS_WEBHOOK_ALLOW_PRIVATE: %q is not a CIDR", part)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// Permits reports whether an address may be called.
func (g Guard) Permits(addr netip.Addr) bool {
	addr = addr.Unmap() // ::ffff:127.0.0.1 is 127.0.0.1
	for _, p := range g.Allow {
		if p.Contains(addr) {
			return true
		}
	}
	if !addr.IsValid() || addr.Zone() != "" {
		return false
	}
	for _, p := range blocked {
		if p.Contains(addr) {
			return false
		}
	}
	return true
}

// numericHost catches hosts that some resolvers read as addresses in odd
// spellings (0177.0.0.1, 2130706433, 0x7f.1): they are never real names.
var numericHost = regexp.MustCompile(`^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}\.?$`)

// CheckURL refuses URLs a webhook may not have: another scheme than http
// or https, credentials, a missing host, an address in an odd spelling, or
// a literal address the guard does not permit. Names are checked again at
// connection time, whatever they resolve to then.
func (g Guard) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() {
		return fmt.Errorf("%w: %q is not an absolute URL", ErrForbiddenTarget, raw)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%w: only http and https URLs can be called", ErrForbiddenTarget)
	}
	if u.User != nil {
		return fmt.Errorf("%w: credentials in the URL are not allowed; the request is signed instead", ErrForbiddenTarget)
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return fmt.Errorf("%w: the URL has no host", ErrForbiddenTarget)
	}
	if addr, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil {
		if !g.Permits(addr) {
			return fmt.Errorf("%w: %s is a private, loopback or reserved address", ErrForbiddenTarget, addr)
		}
		return nil
	}
	if numericHost.MatchString(host) {
		return fmt.Errorf("%w: %q is an address in an unusual spelling", ErrForbiddenTarget, host)
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		if !g.Permits(netip.MustParseAddr("127.0.0.1")) {
			return fmt.Errorf("%w: localhost is this machine", ErrForbiddenTarget)
		}
	}
	return nil
}

// Client returns an HTTP client that checks every address it connects to
// (so DNS rebinding cannot slip past a check made earlier), every redirect
// (at most MaxRedirects, http and https only), uses no proxy, and gives up
// after Timeout. Read responses through ReadBody to stay within MaxResponse.
func (g Guard) Client() *http.Client {
	dialer := &net.Dialer{
		Timeout: Timeout,
		Control: func(network, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !g.Permits(ap.Addr()) {
				return fmt.Errorf("%w: %s", ErrForbiddenTarget, address)
			}
			return nil
		},
	}
	transport := &http.Transport{
		Proxy:                 nil, // a proxy would make the connection-time check meaningless
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          50,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   Timeout,
		ResponseHeaderTimeout: Timeout,
	}
	return &http.Client{
		Transport: transport,
		Timeout:   Timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > MaxRedirects {
				return fmt.Errorf("%w: more than %d redirects", ErrForbiddenTarget, MaxRedirects)
			}
			return g.CheckURL(req.URL.String())
		},
	}
}

// ReadBody reads at most MaxResponse bytes of a response and drains no
// more: a receiver answering 100 MB costs 1 MiB.
func ReadBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	return io.ReadAll(io.LimitReader(resp.Body, MaxResponse))
}

// Do sends req after checking its URL, with the guarded client.
func (g Guard) Do(ctx context.Context, client *http.Client, req *http.Request) (*http.Response, error) {
	if err := g.CheckURL(req.URL.String()); err != nil {
		return nil, err
	}
	return client.Do(req.WithContext(ctx))
}
