package webhooks

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestGuardBlocksInternalAddresses(t *testing.T) {
	g := Guard{}
	for _, s := range []string{"127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1", "10.0.0.1", "172.16.5.4", "192.168.1.1",
		"169.254.169.254", "100.64.0.1", "0.0.0.0", "fc00::1", "fd00:ec2::254", "fe80::1", "64:ff9b::7f00:1", "224.0.0.1",
		"255.255.255.255", "::", "2002:7f00:1::"} {
		if g.Permits(netip.MustParseAddr(s)) {
			t.Errorf("%s is permitted", s)
		}
	}
	for _, s := range []string{"93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"} {
		if !g.Permits(netip.MustParseAddr(s)) {
			t.Errorf("%s is blocked", s)
		}
	}
	open, err := ParseAllow("10.1.0.0/16, fd00::/8")
	if err != nil || !(Guard{Allow: open}).Permits(netip.MustParseAddr("10.1.2.3")) || (Guard{Allow: open}).Permits(netip.MustParseAddr("10.2.0.1")) {
		t.Errorf("allow list: %v %v", open, err)
	}
	if all, _ := ParseAllow("true"); !(Guard{Allow: all}).Permits(netip.MustParseAddr("127.0.0.1")) {
		t.Error("true opens everything")
	}
	if _, err := ParseAllow("not-a-cidr"); err == nil {
		t.Error("a bad list was accepted")
	}
}

func TestGuardChecksURLs(t *testing.T) {
	g := Guard{}
	for _, u := range []string{"file:///etc/passwd", "gopher://example.com/", "ftp://example.com/", "http://user:pass@example.com/",
		"http://127.0.0.1/", "http://[::1]:8080/", "http://[::ffff:127.0.0.1]/", "http://0177.0.0.1/", "http://2130706433/",
		"http://0x7f.1/", "http://017700000001/", "http://localhost:8080/", "http://a.localhost/", "http:///path", "/relative",
		"http://169.254.169.254/latest/meta-data/", "http://[fe80::1%25eth0]/"} {
		if err := g.CheckURL(u); !errors.Is(err, ErrForbiddenTarget) {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"https://example.com/hook", "http://hooks.example.org:8080/a?b=c", "https://93.184.215.14/"} {
		if err := g.CheckURL(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
}

// serveOn starts a test server on a given loopback address.
func serveOn(t *testing.T, addr string, h http.Handler) *httptest.Server {
	l, err := net.Listen("tcp", addr+":0")
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func TestClientChecksEveryConnection(t *testing.T) {
	target := serveOn(t, "127.0.0.1", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("internal")) }))
	ctx := context.Background()
	get := func(g Guard, url string) error {
		req, _ := http.NewRequest("GET", url, nil)
		resp, err := g.Client().Do(req.WithContext(ctx))
		if err == nil {
			ReadBody(resp)
		}
		return err
	}

	// The client checks the address it connects to, whatever the URL
	// check said earlier (or a name resolves to later: DNS rebinding).
	if err := get(Guard{}, target.URL); !errors.Is(err, ErrForbiddenTarget) {
		t.Errorf("loopback reached: %v", err)
	}
	if err := get(Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}, target.URL); err != nil {
		t.Errorf("allowed target: %v", err)
	}

	// A permitted receiver that redirects to a forbidden address is stopped at the redirect.
	onlyTwo := Guard{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.2/32")}}
	redirector := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/secret", http.StatusFound)
	}))
	if err := get(onlyTwo, redirector.URL); !errors.Is(err, ErrForbiddenTarget) {
		t.Errorf("redirect to 127.0.0.1 followed: %v", err)
	}
	loop := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/again", http.StatusFound)
	}))
	if err := get(onlyTwo, loop.URL); !errors.Is(err, ErrForbiddenTarget) {
		t.Errorf("endless redirects: %v", err)
	}

	// A huge answer costs at most MaxResponse.
	huge := serveOn(t, "127.0.0.2", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		chunk := make([]byte, 1<<20)
		for range 100 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}))
	req, _ := http.NewRequest("GET", huge.URL, nil)
	resp, err := onlyTwo.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := ReadBody(resp)
	if err != nil || len(body) != MaxResponse {
		t.Errorf("read %d bytes, %v", len(body), err)
	}
}
