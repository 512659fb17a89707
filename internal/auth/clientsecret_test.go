package auth

import (
	"encoding/base64"
	"regexp"
	"strings"
	"testing"
)

func TestNewClientCredentials(t *testing.T) {
	id, secret, hash, err := NewClientCredentials()
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^cli_[a-z2-7]{26}$`).MatchString(id) {
		t.Errorf("client id %q", id)
	}
	raw, ok := strings.CutPrefix(secret, "cs_")
	if !ok {
		t.Fatalf("secret %q lacks cs_", secret)
	}
	if b, err := base64.RawURLEncoding.Strict().DecodeString(raw); err != nil || len(b) != 32 {
		t.Errorf("secret body: %d bytes, %v", len(b), err)
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(hash) || hash != HashClientSecret(secret) {
		t.Errorf("hash %q", hash)
	}
	if strings.Contains(hash, raw) {
		t.Error("hash contains the secret")
	}

	if !CheckClientSecret(hash, secret) {
		t.Error("right secret rejected")
	}
	if !CheckClientSecret(strings.ToUpper(hash), secret) {
		t.Error("upper-case hex hash rejected")
	}
	for _, bad := range []string{"", "cs_", secret + "x", secret[:len(secret)-1], raw} {
		if CheckClientSecret(hash, bad) {
			t.Errorf("wrong secret %q accepted", bad)
		}
	}
	for _, badHash := range []string{"", "zz", hash[:62], hash + "00"} {
		if CheckClientSecret(badHash, secret) {
			t.Errorf("malformed hash %q matched", badHash)
		}
	}

	id2, secret2, _, _ := NewClientCredentials()
	if id2 == id || secret2 == secret {
		t.Error("credentials repeat")
	}
}
