package webhooks

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Deliveries are signed the Standard Webhooks way: the receiver gets
// webhook-id, webhook-timestamp and webhook-signature ("v1,<base64
// HMAC-SHA256 of id.timestamp.body>", space-separated when a secret is
// being rotated and both sign), and any Standard Webhooks library verifies them.

// SecretPrefix starts every webhook secret.
const SecretPrefix = "whsec_"

// NewSecret makes a random 32-byte signing secret.
func NewSecret() string {
	key := make([]byte, 32)
	rand.Read(key)
	return SecretPrefix + base64.StdEncoding.EncodeToString(key)
}

func secretKey(secret string) ([]byte, error) {
	raw, ok := strings.CutPrefix(secret, SecretPrefix)
	if !ok {
		return nil, errors.New("webhooks: a secret starts with " + SecretPrefix)
	}
	return base64.StdEncoding.DecodeString(raw)
}

// Sign returns the webhook-signature header for a message signed with
// every secret given (the current one, and during a rotation the old one).
func Sign(id string, at time.Time, body []byte, secrets ...string) (string, error) {
	var sigs []string
	for _, s := range secrets {
		key, err := secretKey(s)
		if err != nil {
			return "", err
		}
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(id + "." + strconv.FormatInt(at.Unix(), 10) + "."))
		mac.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	return strings.Join(sigs, " "), nil
}

// Tolerance is how far a delivery's timestamp may be from the receiver's clock.
const Tolerance = 5 * time.Minute

// Verify is what a receiver does: it checks the timestamp is recent and
// that one of the signatures matches secret. The tests' receivers use it.
func Verify(secret, id, timestamp, signature string, body []byte, now time.Time) error {
	ts, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return errors.New("webhooks: bad timestamp")
	}
	if d := now.Sub(time.Unix(ts, 0)); d > Tolerance || d < -Tolerance {
		return errors.New("webhooks: timestamp too far from now")
	}
	want, err := Sign(id, time.Unix(ts, 0), body, secret)
	if err != nil {
		return err
	}
	for _, got := range strings.Fields(signature) {
		if hmac.Equal([]byte(got), []byte(want)) {
			return nil
		}
	}
	return errors.New("webhooks: no signature matches")
}
