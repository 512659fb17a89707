package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func newKey(t testing.TB) ed25519.PrivateKey {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

func pubOf(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

func writePEM(t *testing.T, path, typ string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func writePrivate(t *testing.T, dir, stem string, k ed25519.PrivateKey) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, filepath.Join(dir, stem+privateSuffix), "PRIVATE KEY", der)
}

func writePublic(t *testing.T, dir, stem string, k ed25519.PublicKey) {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		t.Fatal(err)
	}
	writePEM(t, filepath.Join(dir, stem+publicSuffix), "PUBLIC KEY", der)
}

// RFC 8037 Appendix A.3 gives the thumbprint of its example Ed25519 key.
func TestThumbprintRFC8037(t *testing.T) {
	x, err := base64.RawURLEncoding.DecodeString("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
	if err != nil {
		t.Fatal(err)
	}
	const want = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"
	if got := Thumbprint(ed25519.PublicKey(x)); got != want {
		t.Fatalf("Thumbprint = %s, want %s", got, want)
	}
}

func TestGenerateKeyFilesAndModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	kid, err := GenerateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %o, want 700", st.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("want one file, got %d", len(entries))
	}
	name := entries[0].Name()
	stem, ok := strings.CutSuffix(name, privateSuffix)
	if !ok {
		t.Fatalf("file %q lacks %s", name, privateSuffix)
	}
	if _, ok := stemTime(stem); !ok {
		t.Errorf("file stem %q has no timestamp", stem)
	}
	info, _ := entries[0].Info()
	if info.Mode().Perm() != 0o600 {
		t.Errorf("key mode %o, want 600", info.Mode().Perm())
	}
	ring, err := LoadKeyRing(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ring.SigningKeyID() != kid {
		t.Errorf("signing kid %s, want %s", ring.SigningKeyID(), kid)
	}
}

func TestGenerateKeySameSecondSortsLater(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 22, 6, 57, 0, 0, time.UTC)
	var kids []string
	for range 3 {
		kid, err := generateKeyAt(dir, now)
		if err != nil {
			t.Fatal(err)
		}
		kids = append(kids, kid)
	}
	for _, n := range []string{"20261122T065700Z", "20261122T065700Z-01", "20261122T065700Z-02"} {
		if _, err := os.Stat(filepath.Join(dir, n+privateSuffix)); err != nil {
			t.Errorf("missing %s: %v", n, err)
		}
	}
	ring, err := LoadKeyRing(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := ring.SigningKeyID(); got != kids[2] {
		t.Errorf("signing kid %s, want the last generated %s", got, kids[2])
	}
	if want := []string{kids[2], kids[1], kids[0]}; !slices.Equal(ring.KeyIDs(), want) {
		t.Errorf("KeyIDs %v, want newest first %v", ring.KeyIDs(), want)
	}
}

func TestLoadKeyRingPicksNewestPrivateKey(t *testing.T) {
	dir := t.TempDir()
	old, newest, undated, retired := newKey(t), newKey(t), newKey(t), newKey(t)
	writePrivate(t, dir, "20250101T000000Z", old)
	writePrivate(t, dir, "20260301T120000Z", newest)
	// Undated names sort before dated ones even when lexically later.
	writePrivate(t, dir, "zzz-manual", undated)
	// A retired key newer than every private key must still not sign.
	writePublic(t, dir, "20270101T000000Z", pubOf(retired))
	// Files that are not keys are ignored.
	for _, err := range []error{
		os.WriteFile(filepath.Join(dir, "README"), []byte("keys"), 0o600),
		os.WriteFile(filepath.Join(dir, ".tmp.key.pem"), []byte("junk"), 0o600),
		os.Mkdir(filepath.Join(dir, "..data"), 0o700),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}

	ring, err := LoadKeyRing(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ring.SigningKeyID(), Thumbprint(pubOf(newest)); got != want {
		t.Fatalf("signing kid %s, want newest private %s", got, want)
	}
	want := []string{Thumbprint(pubOf(newest)), Thumbprint(pubOf(retired)), Thumbprint(pubOf(old)), Thumbprint(pubOf(undated))}
	if !slices.Equal(ring.KeyIDs(), want) {
		t.Errorf("KeyIDs %v, want %v", ring.KeyIDs(), want)
	}
}

func TestLoadKeyRingLexicalFallback(t *testing.T) {
	dir := t.TempDir()
	a, b := newKey(t), newKey(t)
	writePrivate(t, dir, "key-a", a)
	writePrivate(t, dir, "key-b", b)
	ring, err := LoadKeyRing(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ring.SigningKeyID(), Thumbprint(pubOf(b)); got != want {
		t.Errorf("signing kid %s, want lexically last %s", got, want)
	}
}

func TestLoadKeyRingPublicOnlyIsVerifyOnly(t *testing.T) {
	dir := t.TempDir()
	k := newKey(t)
	writePublic(t, dir, "20250101T000000Z", pubOf(k))
	ring, err := LoadKeyRing(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ring.SigningKeyID() != "" {
		t.Errorf("public-only ring has signing kid %q", ring.SigningKeyID())
	}
	is, err := NewIssuer(ring, testConfig(nil))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := is.Issue(testPrincipal); !errors.Is(err, ErrNoSigningKey) {
		t.Errorf("Issue on verify-only ring: %v, want ErrNoSigningKey", err)
	}
}

func TestLoadKeyRingDuplicateKeyCollapses(t *testing.T) {
	dir := t.TempDir()
	k := newKey(t)
	writePrivate(t, dir, "20250101T000000Z", k)
	writePublic(t, dir, "20250101T000000Z", pubOf(k))
	ring, err := LoadKeyRing(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ids := ring.KeyIDs(); len(ids) != 1 || ring.SigningKeyID() != ids[0] {
		t.Errorf("KeyIDs %v, signing %q: want one key that signs", ids, ring.SigningKeyID())
	}
}

func TestLoadKeyRingErrors(t *testing.T) {
	rsaLikeDER := []byte{0x30, 0x03, 0x02, 0x01, 0x00}
	okKey := newKey(t)
	okDER, _ := x509.MarshalPKCS8PrivateKey(okKey)
	pubDER, _ := x509.MarshalPKIXPublicKey(pubOf(okKey))
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  error
	}{
		{"empty dir", func(*testing.T, string) {}, ErrNoKeys},
		{"not PEM", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, "a"+privateSuffix), []byte("hello"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, ErrInvalidKey},
		{"wrong PEM type", func(t *testing.T, dir string) {
			writePEM(t, filepath.Join(dir, "a"+privateSuffix), "EC PRIVATE KEY", okDER)
		}, ErrInvalidKey},
		{"public key in private file", func(t *testing.T, dir string) {
			writePEM(t, filepath.Join(dir, "a"+privateSuffix), "PUBLIC KEY", pubDER)
		}, ErrInvalidKey},
		{"garbage DER", func(t *testing.T, dir string) {
			writePEM(t, filepath.Join(dir, "a"+publicSuffix), "PUBLIC KEY", rsaLikeDER)
		}, ErrInvalidKey},
		{"two blocks", func(t *testing.T, dir string) {
			b := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: okDER})
			if err := os.WriteFile(filepath.Join(dir, "a"+privateSuffix), append(b, b...), 0o600); err != nil {
				t.Fatal(err)
			}
		}, ErrInvalidKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.setup(t, dir)
			if _, err := LoadKeyRing(dir); !errors.Is(err, tc.want) {
				t.Errorf("LoadKeyRing: %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := LoadKeyRing(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing dir: %v, want ErrNotExist", err)
	}
}

func TestLoadOrCreateKeyRing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	ring, err := LoadOrCreateKeyRing(dir)
	if err != nil {
		t.Fatal(err)
	}
	kid := ring.SigningKeyID()
	if kid == "" {
		t.Fatal("no signing key after create")
	}
	// A second start must reuse the key, not add one.
	ring2, err := LoadOrCreateKeyRing(dir)
	if err != nil {
		t.Fatal(err)
	}
	if ring2.SigningKeyID() != kid || len(ring2.KeyIDs()) != 1 {
		t.Errorf("second load: kid %s keys %v, want only %s", ring2.SigningKeyID(), ring2.KeyIDs(), kid)
	}
	// A directory with only retired keys gets a signer too.
	dir2 := t.TempDir()
	writePublic(t, dir2, "old", pubOf(newKey(t)))
	ring3, err := LoadOrCreateKeyRing(dir2)
	if err != nil {
		t.Fatal(err)
	}
	if ring3.SigningKeyID() == "" || len(ring3.KeyIDs()) != 2 {
		t.Errorf("public-only dir: signing %q keys %v", ring3.SigningKeyID(), ring3.KeyIDs())
	}
}

func TestNewKeyRingValidates(t *testing.T) {
	if _, err := NewKeyRing(ed25519.PrivateKey{1, 2, 3}); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("short private key: %v", err)
	}
	if _, err := NewKeyRing(newKey(t), ed25519.PublicKey{1}); !errors.Is(err, ErrInvalidKey) {
		t.Errorf("short public key: %v", err)
	}
	if _, err := NewKeyRing(nil); !errors.Is(err, ErrNoKeys) {
		t.Errorf("no keys: %v", err)
	}
	if err := mustRing(t, newKey(t)).Reload(); err == nil {
		t.Error("Reload of in-memory ring succeeded")
	}
}

func mustRing(t testing.TB, signing ed25519.PrivateKey, extra ...ed25519.PublicKey) *KeyRing {
	t.Helper()
	r, err := NewKeyRing(signing, extra...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestJWKS(t *testing.T) {
	signing, retired1, retired2 := newKey(t), newKey(t), newKey(t)
	ring := mustRing(t, signing, pubOf(retired1), pubOf(retired2))
	raw, err := ring.JWKS()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Keys []map[string]string `json:"keys"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("JWKS is not JSON: %v\n%s", err, raw)
	}
	want := []ed25519.PublicKey{pubOf(signing), pubOf(retired1), pubOf(retired2)}
	if len(doc.Keys) != len(want) {
		t.Fatalf("%d keys, want %d", len(doc.Keys), len(want))
	}
	for i, jwk := range doc.Keys {
		for field, v := range map[string]string{"kty": "OKP", "crv": "Ed25519", "use": "sig", "alg": "EdDSA"} {
			if jwk[field] != v {
				t.Errorf("key %d: %s = %q, want %q", i, field, jwk[field], v)
			}
		}
		x, err := base64.RawURLEncoding.Strict().DecodeString(jwk["x"])
		if err != nil {
			t.Fatalf("key %d: x: %v", i, err)
		}
		if !ed25519.PublicKey(x).Equal(want[i]) {
			t.Errorf("key %d: x does not match the ring's key", i)
		}
		// Recompute the RFC 7638 thumbprint independently of Thumbprint.
		canon, _ := json.Marshal(struct {
			Crv string `json:"crv"`
			Kty string `json:"kty"`
			X   string `json:"x"`
		}{jwk["crv"], jwk["kty"], jwk["x"]})
		sum := sha256.Sum256(canon)
		if kid := base64.RawURLEncoding.EncodeToString(sum[:]); jwk["kid"] != kid {
			t.Errorf("key %d: kid %s, want thumbprint %s", i, jwk["kid"], kid)
		}
		if len(jwk) != 6 {
			t.Errorf("key %d has extra members: %v", i, jwk)
		}
	}
}
