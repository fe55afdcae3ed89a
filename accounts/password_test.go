package accounts

import (
	"strings"
	"testing"
)

func TestPasswordHashing(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not argon2id with the configured parameters", h)
	}
	h2, _ := HashPassword("correct horse battery")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	if !VerifyPassword(h, "correct horse battery") {
		t.Fatal("the right password does not verify")
	}
	for _, wrong := range []string{"", "correct horse batter", "correct horse battery "} {
		if VerifyPassword(h, wrong) {
			t.Fatalf("%q verifies", wrong)
		}
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=x$c2FsdA$aGFzaA", "$argon2id$v=19$m=19456,t=2,p=1$!!$aGFzaA"} {
		if VerifyPassword(bad, "anything") {
			t.Fatalf("malformed hash %q verifies", bad)
		}
	}
}

func TestSecretsAreStoredAsHashes(t *testing.T) {
	token, hash := newSecret("cmsr_")
	if !strings.HasPrefix(token, "cmsr_") || len(token) < 40 {
		t.Fatalf("token %q", token)
	}
	if hash == token || strings.Contains(hash, token) || hashSecret(token) != hash || len(hash) != 64 {
		t.Fatalf("hash %q of %q", hash, token)
	}
}
