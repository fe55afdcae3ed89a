package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

func TestSignAndVerify(t *testing.T) {
	at := time.Unix(1_764_000_000, 0)
	body := []byte(`{"id":"evt_1","event":"entry.published"}`)
	secret := NewSecret()
	if !strings.HasPrefix(secret, SecretPrefix) || len(secret) != len(SecretPrefix)+44 {
		t.Fatalf("secret %q", secret)
	}
	sig, err := Sign("msg_1", at, body, secret)
	if err != nil {
		t.Fatal(err)
	}
	// The construction spelled out as a receiver would read the spec.
	key, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("msg_1.1764000000." + string(body)))
	if want := "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)); sig != want {
		t.Fatalf("signature %s, want %s", sig, want)
	}
	if err := Verify(secret, "msg_1", "1764000000", sig, body, at.Add(time.Minute)); err != nil {
		t.Error(err)
	}
	for name, bad := range map[string]func() error{
		"tampered body": func() error { return Verify(secret, "msg_1", "1764000000", sig, append(body, ' '), at) },
		"other id":      func() error { return Verify(secret, "msg_2", "1764000000", sig, body, at) },
		"other secret":  func() error { return Verify(NewSecret(), "msg_1", "1764000000", sig, body, at) },
		"replayed late": func() error { return Verify(secret, "msg_1", "1764000000", sig, body, at.Add(time.Hour)) },
		"bad timestamp": func() error { return Verify(secret, "msg_1", "soon", sig, body, at) },
	} {
		if bad() == nil {
			t.Errorf("%s verified", name)
		}
	}
	// During a rotation both secrets sign; a receiver with either verifies.
	old := NewSecret()
	both, _ := Sign("msg_3", at, body, secret, old)
	if len(strings.Fields(both)) != 2 || Verify(old, "msg_3", "1764000000", both, body, at) != nil || Verify(secret, "msg_3", "1764000000", both, body, at) != nil {
		t.Errorf("rotation: %s", both)
	}
	if _, err := Sign("m", at, body, "not-a-secret"); err == nil {
		t.Error("a malformed secret signed")
	}
}
