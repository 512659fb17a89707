package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"
)

const (
	clientIDPrefix = "cli_"
	secretPrefix   = "cs_"
)

var lowerBase32 = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// NewClientCredentials creates an API client: id "cli_" + 16 random bytes in
// lowercase base32, secret "cs_" + 32 random bytes in base64url (256 bits,
// shown to the user once), and the hash to store instead of the secret.
// The prefixes make leaked secrets easy to spot in logs and secret scanners.
func NewClientCredentials() (clientID, secret, secretHash string, err error) {
	var id [16]byte
	var sec [32]byte
	if _, err := rand.Read(id[:]); err != nil {
		return "", "", "", fmt.Errorf("client id: %w", err)
	}
	if _, err := rand.Read(sec[:]); err != nil {
		return "", "", "", fmt.Errorf("client secret: %w", err)
	}
	clientID = clientIDPrefix + lowerBase32.EncodeToString(id[:])
	secret = secretPrefix + base64.RawURLEncoding.EncodeToString(sec[:])
	return clientID, secret, HashClientSecret(secret), nil
}

// HashClientSecret is SHA-256 in hex. A slow password hash buys nothing here:
// a 256-bit random secret cannot be guessed offline, and a fast hash keeps
// per-request client authentication cheap.
func HashClientSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// CheckClientSecret compares in constant time; a malformed stored hash never
// matches.
func CheckClientSecret(hash, secret string) bool {
	want, err := hex.DecodeString(strings.ToLower(hash))
	if err != nil || len(want) != sha256.Size {
		return false
	}
	got := sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(got[:], want) == 1
}
