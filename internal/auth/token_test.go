package auth

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const (
	testIss = "https://cadena.test"
	testAud = "cadena-api"
)

var (
	testPrincipal = Principal{Subject: "usr_42", PartyID: "pty_7", Role: RoleSupplier}
	testNow       = time.Date(2026, 11, 22, 6, 57, 0, 0, time.UTC)
)

// clock is a settable time source so tests can move past expiry.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func testConfig(c *clock) Config {
	cfg := Config{Issuer: testIss, Audience: testAud, TTL: 5 * time.Minute}
	if c != nil {
		cfg.Now = c.Now
	}
	return cfg
}

func pair(t testing.TB, ring *KeyRing, c *clock) (*Issuer, *Verifier) {
	t.Helper()
	cfg := testConfig(c)
	is, err := NewIssuer(ring, cfg)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(ring, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return is, v
}

func TestIssueVerifyRoundTrip(t *testing.T) {
	k := newKey(t)
	ring := mustRing(t, k)
	c := &clock{testNow.Add(400 * time.Millisecond)}
	is, v := pair(t, ring, c)

	tok, exp, err := is.Issue(testPrincipal)
	if err != nil {
		t.Fatal(err)
	}
	if want := testNow.Add(5 * time.Minute); !exp.Equal(want) {
		t.Errorf("expiresAt %v, want %v (second precision)", exp, want)
	}

	hdr := decodeSegment(t, tok, 0)
	if hdr["alg"] != "EdDSA" || hdr["typ"] != "JWT" || hdr["kid"] != Thumbprint(pubOf(k)) {
		t.Errorf("header %v", hdr)
	}
	body := decodeSegment(t, tok, 1)
	for _, f := range []string{"sub", "party_id", "role", "iss", "aud", "iat", "exp", "jti"} {
		if _, ok := body[f]; !ok {
			t.Errorf("payload lacks %s: %v", f, body)
		}
	}

	got, err := v.Verify(tok)
	if err != nil {
		t.Fatal(err)
	}
	want := Claims{
		Subject: "usr_42", PartyID: "pty_7", Role: RoleSupplier,
		Issuer: testIss, Audience: []string{testAud},
		IssuedAt: testNow, ExpiresAt: testNow.Add(5 * time.Minute),
		ID: got.ID, KeyID: Thumbprint(pubOf(k)),
	}
	if !claimsEqual(got, want) {
		t.Errorf("claims\n got %+v\nwant %+v", got, want)
	}
	if got.Principal() != testPrincipal {
		t.Errorf("Principal %+v", got.Principal())
	}
	if len(got.ID) != 36 || strings.Count(got.ID, "-") != 4 {
		t.Errorf("jti %q is not a UUID", got.ID)
	}
	tok2, _, _ := is.Issue(testPrincipal)
	if got2, _ := v.Verify(tok2); got2.ID == got.ID {
		t.Error("two tokens share a jti")
	}
}

func claimsEqual(a, b Claims) bool {
	return a.Subject == b.Subject && a.PartyID == b.PartyID && a.Role == b.Role &&
		a.Issuer == b.Issuer && strings.Join(a.Audience, ",") == strings.Join(b.Audience, ",") &&
		a.IssuedAt.Equal(b.IssuedAt) && a.ExpiresAt.Equal(b.ExpiresAt) && a.NotBefore.Equal(b.NotBefore) &&
		a.ID == b.ID && a.KeyID == b.KeyID
}

func decodeSegment(t *testing.T, tok string, i int) map[string]any {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[i])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestIssueRejectsBadPrincipal(t *testing.T) {
	is, _ := pair(t, mustRing(t, newKey(t)), &clock{testNow})
	for _, p := range []Principal{
		{PartyID: "p", Role: RoleBuyer},
		{Subject: "s", Role: RoleBuyer},
		{Subject: "s", PartyID: "p", Role: "admin"},
		{Subject: "s", PartyID: "p"},
	} {
		if _, _, err := is.Issue(p); !errors.Is(err, ErrInvalidPrincipal) {
			t.Errorf("Issue(%+v): %v, want ErrInvalidPrincipal", p, err)
		}
	}
}

// validClaims is what Issue would write; tests mutate a copy.
func validClaims(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{
		"sub": "usr_42", "party_id": "pty_7", "role": "buyer",
		"iss": testIss, "aud": []string{testAud},
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(),
		"jti": "b5a5c0a2-3f43-4d3c-9d0e-3f1f2f1e4a11",
	}
}

func sign(t testing.TB, method jwt.SigningMethod, key any, header map[string]any, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	for k, v := range header {
		if v == nil {
			delete(tok.Header, k)
		} else {
			tok.Header[k] = v
		}
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifyRejects(t *testing.T) {
	k, other := newKey(t), newKey(t)
	kid := Thumbprint(pubOf(k))
	ring := mustRing(t, k)
	c := &clock{testNow}
	is, v := pair(t, ring, c)
	good, _, err := is.Issue(testPrincipal)
	if err != nil {
		t.Fatal(err)
	}
	edKid := map[string]any{"kid": kid}
	with := func(mut func(jwt.MapClaims)) jwt.MapClaims {
		m := validClaims(testNow)
		mut(m)
		return m
	}
	// Sanity: the hand-built baseline passes, so each case fails for its
	// own reason only.
	if _, err := v.Verify(sign(t, jwt.SigningMethodEdDSA, k, edKid, validClaims(testNow))); err != nil {
		t.Fatalf("baseline hand-built token rejected: %v", err)
	}

	tamper := func(tok string) string {
		parts := strings.Split(tok, ".")
		body, _ := base64.RawURLEncoding.DecodeString(parts[1])
		body = []byte(strings.Replace(string(body), `"supplier"`, `"operator"`, 1))
		parts[1] = base64.RawURLEncoding.EncodeToString(body)
		return strings.Join(parts, ".")
	}

	tests := []struct {
		name    string
		token   string
		want    error
		wantKey bool // also ErrUnknownKey
	}{
		{"alg none", sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, edKid, validClaims(testNow)), ErrTokenInvalid, false},
		{"HS256 keyed with public key", sign(t, jwt.SigningMethodHS256, []byte(pubOf(k)), edKid, validClaims(testNow)), ErrTokenInvalid, false},
		{"missing exp", sign(t, jwt.SigningMethodEdDSA, k, edKid, with(func(m jwt.MapClaims) { delete(m, "exp") })), ErrTokenInvalid, false},
		{"missing iat", sign(t, jwt.SigningMethodEdDSA, k, edKid, with(func(m jwt.MapClaims) { delete(m, "iat") })), ErrTokenInvalid, false},
		{"iat in future", sign(t, jwt.SigningMethodEdDSA, k, edKid, with(func(m jwt.MapClaims) { m["iat"] = testNow.Add(2 * time.Minute).Unix() })), ErrTokenInvalid, false},
		{"nbf in future", sign(t, jwt.SigningMethodEdDSA, k, edKid, with(func(m jwt.MapClaims) { m["nbf"] = testNow.Add(2 * time.Minute).Unix() })), ErrTokenInvalid, false},
		{"lifetime above cap", sign(t, jwt.SigningMethodEdDSA, k, edKid, with(func(m jwt.MapClaims) { m["exp"] = testNow.Add(time.Hour).Unix() })), ErrTokenInvalid, false},
		{"wrong aud", sign(t, jwt.SigningMethodEdDSA, k, edKid, with(func(m jwt.MapClaims) { m["aud"] = []string{"other-api"} })), ErrTokenInvalid, false},
		{"missing aud", sign(t, jwt.SigningMethodEdDSA, k, edKid, with(func(m jwt.MapClaims) { delete(m, "aud") })), ErrTokenInvalid, false},
		{"wrong iss", sign(t, jwt.SigningMethodEdDSA, k, edKid, with(func(m jwt.MapClaims) { m["iss"] = "https://evil.test" })), ErrTokenInvalid, false},
		{"expired", sign(t, jwt.SigningMethodEdDSA, k, edKid, with(func(m jwt.MapClaims) {
			m["iat"] = testNow.Add(-10 * time.Minute).Unix()
			m["exp"] = testNow.Add(-time.Minute).Unix()
		})), ErrTokenExpired, false},
		{"unknown kid", sign(t, jwt.SigningMethodEdDSA, other, map[string]any{"kid": Thumbprint(pubOf(other))}, validClaims(testNow)), ErrTokenInvalid, true},
		{"missing kid", sign(t, jwt.SigningMethodEdDSA, k, nil, validClaims(testNow)), ErrTokenInvalid, false},
		{"empty kid", sign(t, jwt.SigningMethodEdDSA, k, map[string]any{"kid": ""}, validClaims(testNow)), ErrTokenInvalid, false},
		{"non-string kid", sign(t, jwt.SigningMethodEdDSA, k, map[string]any{"kid": 7}, validClaims(testNow)), ErrTokenInvalid, false},
		{"wrong typ", sign(t, jwt.SigningMethodEdDSA, k, map[string]any{"kid": kid, "typ": "at+jwt"}, validClaims(testNow)), ErrTokenInvalid, false},
		{"crit header", sign(t, jwt.SigningMethodEdDSA, k, map[string]any{"kid": kid, "crit": []string{"exp"}}, validClaims(testNow)), ErrTokenInvalid, false},
		{"tampered payload", tamper(good), ErrTokenInvalid, false},
		{"other key under known kid", sign(t, jwt.SigningMethodEdDSA, other, edKid, validClaims(testNow)), ErrTokenInvalid, false},
		{"unknown role", sign(t, jwt.SigningMethodEdDSA, k, edKid, with(func(m jwt.MapClaims) { m["role"] = "admin" })), ErrTokenInvalid, false},
		{"role wrong case", sign(t, jwt.SigningMethodEdDSA, k, edKid, with(func(m jwt.MapClaims) { m["role"] = "Operator" })), ErrTokenInvalid, false},
		{"role not a string", sign(t, jwt.SigningMethodEdDSA, k, edKid, with(func(m jwt.MapClaims) { m["role"] = 1 })), ErrTokenInvalid, false},
		{"missing party_id", sign(t, jwt.SigningMethodEdDSA, k, edKid, with(func(m jwt.MapClaims) { delete(m, "party_id") })), ErrTokenInvalid, false},
		{"missing sub", sign(t, jwt.SigningMethodEdDSA, k, edKid, with(func(m jwt.MapClaims) { delete(m, "sub") })), ErrTokenInvalid, false},
		{"missing jti", sign(t, jwt.SigningMethodEdDSA, k, edKid, with(func(m jwt.MapClaims) { delete(m, "jti") })), ErrTokenInvalid, false},
		{"padded base64", strings.Replace(good, ".", "=.", 1), ErrTokenInvalid, false},
		{"empty", "", ErrTokenInvalid, false},
		{"garbage", "not.a.jwt", ErrTokenInvalid, false},
		{"oversized", strings.Repeat("a", maxTokenLen+1), ErrTokenInvalid, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := v.Verify(tc.token)
			if err == nil {
				t.Fatalf("accepted: %+v", got)
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			// Each case must fail for its own reason, not an earlier one.
			if why, ok := rejectReasons[tc.name]; !ok || !strings.Contains(err.Error(), why) {
				t.Errorf("error %q, want it to mention %q", err, why)
			}
			// The API maps on these two; exactly one must match.
			if errors.Is(err, ErrTokenInvalid) == errors.Is(err, ErrTokenExpired) {
				t.Errorf("error %v matches both or neither sentinel", err)
			}
			if errors.Is(err, ErrUnknownKey) != tc.wantKey {
				t.Errorf("errors.Is(ErrUnknownKey) = %v, want %v (%v)", !tc.wantKey, tc.wantKey, err)
			}
			if !claimsEqual(got, Claims{}) {
				t.Errorf("claims returned with error: %+v", got)
			}
		})
	}
}

var rejectReasons = map[string]string{
	"alg none":                    "signing method none is invalid",
	"HS256 keyed with public key": "signing method HS256 is invalid",
	"missing exp":                 "exp claim is required",
	"missing iat":                 "missing iat",
	"iat in future":               "used before issued",
	"nbf in future":               "not valid yet",
	"lifetime above cap":          "lifetime 1h0m0s above 15m0s",
	"wrong aud":                   "invalid audience",
	"missing aud":                 "aud claim is required",
	"wrong iss":                   "invalid issuer",
	"expired":                     "token is expired",
	"unknown kid":                 "unknown signing key",
	"missing kid":                 "missing kid",
	"empty kid":                   "missing kid",
	"non-string kid":              "missing kid",
	"wrong typ":                   "typ at+jwt",
	"crit header":                 "crit header",
	"tampered payload":            "verification error",
	"other key under known kid":   "verification error",
	"unknown role":                `role "admin"`,
	"role wrong case":             `role "Operator"`,
	"role not a string":           "malformed",
	"missing party_id":            "missing party_id",
	"missing sub":                 "missing sub",
	"missing jti":                 "missing jti",
	"padded base64":               "malformed",
	"empty":                       "malformed",
	"garbage":                     "malformed",
	"oversized":                   "longer than",
}

func TestVerifyExpiryAndLeeway(t *testing.T) {
	ring := mustRing(t, newKey(t))
	c := &clock{testNow}
	is, v := pair(t, ring, c)
	tok, exp, err := is.Issue(testPrincipal)
	if err != nil {
		t.Fatal(err)
	}
	c.t = exp.Add(DefaultLeeway - time.Second)
	if _, err := v.Verify(tok); err != nil {
		t.Errorf("within leeway: %v", err)
	}
	c.t = exp.Add(DefaultLeeway + time.Second)
	if _, err := v.Verify(tok); !errors.Is(err, ErrTokenExpired) || errors.Is(err, ErrTokenInvalid) {
		t.Errorf("past leeway: %v, want only ErrTokenExpired", err)
	}
	// A verifier a little behind the issuer still accepts a fresh token.
	c.t = testNow
	tok, _, _ = is.Issue(testPrincipal)
	c.t = testNow.Add(-20 * time.Second)
	if _, err := v.Verify(tok); err != nil {
		t.Errorf("verifier clock 20s behind: %v", err)
	}
}

func TestConfigClampsTTLAndLeeway(t *testing.T) {
	ring := mustRing(t, newKey(t))
	c := &clock{testNow}
	tests := []struct {
		ttl, want time.Duration
	}{
		{0, DefaultTTL},
		{-time.Minute, DefaultTTL},
		{time.Minute, time.Minute},
		{MaxTTL, MaxTTL},
		{MaxTTL + time.Second, MaxTTL},
		{24 * time.Hour, MaxTTL},
	}
	for _, tc := range tests {
		is, err := NewIssuer(ring, Config{Issuer: testIss, Audience: testAud, TTL: tc.ttl, Now: c.Now})
		if err != nil {
			t.Fatal(err)
		}
		if is.TTL() != tc.want {
			t.Errorf("TTL(%v) = %v, want %v", tc.ttl, is.TTL(), tc.want)
		}
		_, exp, err := is.Issue(testPrincipal)
		if err != nil {
			t.Fatal(err)
		}
		if got := exp.Sub(testNow); got != tc.want || got > MaxTTL {
			t.Errorf("TTL(%v): token lives %v, want %v", tc.ttl, got, tc.want)
		}
	}
	cfg, _ := Config{Issuer: "i", Audience: "a", Leeway: time.Hour}.normalised()
	if cfg.Leeway != MaxLeeway {
		t.Errorf("leeway %v, want clamp to %v", cfg.Leeway, MaxLeeway)
	}
	cfg, _ = Config{Issuer: "i", Audience: "a", Leeway: -1}.normalised()
	if cfg.Leeway != 0 {
		t.Errorf("negative leeway gives %v, want 0", cfg.Leeway)
	}
	if _, err := NewIssuer(ring, Config{Audience: testAud}); err == nil {
		t.Error("NewIssuer without issuer succeeded")
	}
	if _, err := NewVerifier(ring, Config{Issuer: testIss}); err == nil {
		t.Error("NewVerifier without audience succeeded")
	}
}

func TestRotation(t *testing.T) {
	dir := t.TempDir()
	oldKid, err := generateKeyAt(dir, testNow.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	ring, err := LoadKeyRing(dir)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{testNow}
	is, v := pair(t, ring, c)
	oldTok, _, err := is.Issue(testPrincipal)
	if err != nil {
		t.Fatal(err)
	}

	// Rotate: a new key appears and the ring reloads.
	newKid, err := generateKeyAt(dir, testNow)
	if err != nil {
		t.Fatal(err)
	}
	if err := ring.Reload(); err != nil {
		t.Fatal(err)
	}
	if got, err := v.Verify(oldTok); err != nil || got.KeyID != oldKid {
		t.Fatalf("old token after rotation: kid %q err %v", got.KeyID, err)
	}
	newTok, _, err := is.Issue(testPrincipal)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := v.Verify(newTok); err != nil || got.KeyID != newKid {
		t.Fatalf("new token: kid %q err %v, want %s", got.KeyID, err, newKid)
	}

	// Retire the old key: it keeps verifying but can never sign again.
	if err := RetireKey(dir, newKid); err == nil {
		t.Fatal("RetireKey retired the signing key")
	}
	if err := RetireKey(dir, oldKid); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "20261121T065700Z"+publicSuffix)); err != nil {
		t.Fatalf("retired public file: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "20261121T065700Z"+privateSuffix)); !os.IsNotExist(err) {
		t.Fatalf("retired private file still there: %v", err)
	}
	if err := ring.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(oldTok); err != nil {
		t.Errorf("token of retired key: %v", err)
	}
	for range 5 {
		tok, _, _ := is.Issue(testPrincipal)
		if got, _ := v.Verify(tok); got.KeyID != newKid {
			t.Fatalf("signed with %s, want %s", got.KeyID, newKid)
		}
	}
	jwks, _ := ring.JWKS()
	if !strings.Contains(string(jwks), oldKid) {
		t.Error("retired key missing from JWKS")
	}

	// Remove the retired key: its tokens now fail as unknown.
	if err := os.Remove(filepath.Join(dir, "20261121T065700Z"+publicSuffix)); err != nil {
		t.Fatal(err)
	}
	if err := ring.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(oldTok); !errors.Is(err, ErrUnknownKey) || !errors.Is(err, ErrTokenInvalid) {
		t.Errorf("token of removed key: %v, want ErrUnknownKey", err)
	}
	if _, err := v.Verify(newTok); err != nil {
		t.Errorf("new token after removal: %v", err)
	}
	jwks, _ = ring.JWKS()
	if strings.Contains(string(jwks), oldKid) {
		t.Error("removed key still in JWKS")
	}
}

func TestRetiredInMemoryKeyNeverSigns(t *testing.T) {
	signing, retired := newKey(t), newKey(t)
	c := &clock{testNow}
	oldIs, _ := pair(t, mustRing(t, retired), c)
	oldTok, _, _ := oldIs.Issue(testPrincipal)

	is, v := pair(t, mustRing(t, signing, pubOf(retired)), c)
	if got, err := v.Verify(oldTok); err != nil || got.KeyID != Thumbprint(pubOf(retired)) {
		t.Fatalf("retired key token: kid %q err %v", got.KeyID, err)
	}
	tok, _, _ := is.Issue(testPrincipal)
	if kid := decodeSegment(t, tok, 0)["kid"]; kid != Thumbprint(pubOf(signing)) {
		t.Errorf("signed with kid %v", kid)
	}
}

func TestReloadKeepsKeysOnError(t *testing.T) {
	dir := t.TempDir()
	kid, _ := generateKeyAt(dir, testNow)
	ring, err := LoadKeyRing(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "broken"+privateSuffix), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := ring.Reload(); err == nil {
		t.Fatal("Reload accepted a broken key file")
	}
	if ring.SigningKeyID() != kid {
		t.Errorf("failed Reload changed the ring")
	}
}

func FuzzVerify(f *testing.F) {
	k := newKey(f)
	ring := mustRing(f, k)
	c := &clock{testNow}
	is, v := pair(f, ring, c)
	good, _, _ := is.Issue(testPrincipal)
	f.Add(good)
	f.Add("")
	f.Add("e30.e30.")
	f.Add(sign(f, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, map[string]any{"kid": ring.SigningKeyID()}, validClaims(testNow)))
	f.Fuzz(func(t *testing.T, tok string) {
		got, err := v.Verify(tok)
		if err != nil {
			if errors.Is(err, ErrTokenInvalid) == errors.Is(err, ErrTokenExpired) {
				t.Fatalf("error %v matches both or neither sentinel", err)
			}
			return
		}
		// Only a token our key signed may pass: re-check the signature.
		parts := strings.Split(tok, ".")
		sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
		if !ed25519.Verify(pubOf(k), []byte(parts[0]+"."+parts[1]), sig) || !got.Role.Valid() {
			t.Fatalf("accepted unsigned or invalid token %q", tok)
		}
	})
}

func BenchmarkIssue(b *testing.B) {
	is, _ := pair(b, mustRing(b, newKey(b)), &clock{testNow})
	for b.Loop() {
		if _, _, err := is.Issue(testPrincipal); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	is, v := pair(b, mustRing(b, newKey(b)), &clock{testNow})
	tok, _, _ := is.Issue(testPrincipal)
	for b.Loop() {
		if _, err := v.Verify(tok); err != nil {
			b.Fatal(err)
		}
	}
}
