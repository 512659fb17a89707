package auth

import (
	"cmp"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// Key files live flat in one directory. Private keys sign, public-only keys
// are retired keys kept so tokens they signed stay valid until they expire.
const (
	privateSuffix = ".key.pem"
	publicSuffix  = ".pub.pem"
	// keyTimeLayout names key files so the newest key is obvious to a human
	// and sorts last both lexically and by time.
	keyTimeLayout = "20060102T150405Z"
)

type key struct {
	kid  string
	pub  ed25519.PublicKey
	priv ed25519.PrivateKey // nil for retired keys
	name string             // file stem, or "" for in-memory keys
}

// keySet is immutable once built, so Reload can swap it atomically while
// requests read it without locks.
type keySet struct {
	signing *key
	byKID   map[string]*key
	ordered []*key // signing key first, then newest to oldest
}

// KeyRing holds the Ed25519 keys that sign and verify access tokens.
// It is safe for concurrent use; Reload swaps the whole set at once.
type KeyRing struct {
	dir string
	set atomic.Pointer[keySet]
}

// NewKeyRing builds a ring from in-memory keys, mainly for tests. signing may
// be nil for a verify-only ring; extra keys verify but never sign.
func NewKeyRing(signing ed25519.PrivateKey, extra ...ed25519.PublicKey) (*KeyRing, error) {
	var keys []*key
	if signing != nil {
		if len(signing) != ed25519.PrivateKeySize {
			return nil, fmt.Errorf("%w: signing key has %d bytes", ErrInvalidKey, len(signing))
		}
		pub := signing.Public().(ed25519.PublicKey)
		keys = append(keys, &key{kid: Thumbprint(pub), pub: pub, priv: signing})
	}
	for i, pub := range extra {
		if len(pub) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("%w: extra key %d has %d bytes", ErrInvalidKey, i, len(pub))
		}
		keys = append(keys, &key{kid: Thumbprint(pub), pub: pub})
	}
	set, err := newKeySet(keys)
	if err != nil {
		return nil, err
	}
	r := &KeyRing{}
	r.set.Store(set)
	return r, nil
}

// LoadKeyRing reads every *.key.pem (PKCS#8) and *.pub.pem (PKIX) file in
// dir. The signing key is the newest private key by the timestamp in its file
// name; names without one count as older and sort lexically. A directory with
// only public keys gives a verify-only ring.
func LoadKeyRing(dir string) (*KeyRing, error) {
	set, err := loadKeySet(dir)
	if err != nil {
		return nil, err
	}
	r := &KeyRing{dir: dir}
	r.set.Store(set)
	return r, nil
}

// LoadOrCreateKeyRing is the development default: when dir holds no private
// key it generates one, so a fresh checkout can issue tokens.
func LoadOrCreateKeyRing(dir string) (*KeyRing, error) {
	names, err := keyFileNames(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if !slices.ContainsFunc(names, func(n string) bool { return strings.HasSuffix(n, privateSuffix) }) {
		if _, err := GenerateKey(dir); err != nil {
			return nil, err
		}
	}
	return LoadKeyRing(dir)
}

// Reload re-reads the ring's directory, so a key generated or retired by an
// operator takes effect without a restart. On error the old keys stay.
func (r *KeyRing) Reload() error {
	if r.dir == "" {
		return errors.New("key ring was not loaded from a directory")
	}
	set, err := loadKeySet(r.dir)
	if err != nil {
		return err
	}
	r.set.Store(set)
	return nil
}

// SigningKeyID is the kid new tokens carry, or "" for a verify-only ring.
func (r *KeyRing) SigningKeyID() string {
	if s := r.set.Load().signing; s != nil {
		return s.kid
	}
	return ""
}

// KeyIDs lists every verification kid, signing key first.
func (r *KeyRing) KeyIDs() []string {
	set := r.set.Load()
	ids := make([]string, len(set.ordered))
	for i, k := range set.ordered {
		ids[i] = k.kid
	}
	return ids
}

func (r *KeyRing) signingKey() (*key, error) {
	if s := r.set.Load().signing; s != nil {
		return s, nil
	}
	return nil, ErrNoSigningKey
}

func (r *KeyRing) publicKey(kid string) (ed25519.PublicKey, bool) {
	k, ok := r.set.Load().byKID[kid]
	if !ok {
		return nil, false
	}
	return k.pub, true
}

// JWK is one entry of a JSON Web Key Set (RFC 7517, RFC 8037 for OKP).
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	Alg string `json:"alg"`
}

// JWKS returns the key set with every verification key, for
// /.well-known/jwks.json. Retired keys stay listed until removed, because
// tokens they signed are still in flight.
func (r *KeyRing) JWKS() ([]byte, error) {
	set := r.set.Load()
	doc := struct {
		Keys []JWK `json:"keys"`
	}{Keys: make([]JWK, 0, len(set.ordered))}
	for _, k := range set.ordered {
		doc.Keys = append(doc.Keys, JWK{
			Kty: "OKP",
			Crv: "Ed25519",
			X:   base64.RawURLEncoding.EncodeToString(k.pub),
			Kid: k.kid,
			Use: "sig",
			Alg: "EdDSA",
		})
	}
	return json.Marshal(doc)
}

// Thumbprint is the RFC 7638 JWK thumbprint of an Ed25519 public key. Using it
// as kid makes the id derive from the key itself, so every instance and every
// reload agrees on it without a registry.
func Thumbprint(pub ed25519.PublicKey) string {
	// RFC 7638 fixes the members to the required ones, in lexical order, with
	// no whitespace; base64url has no characters that need JSON escaping.
	canonical := `{"crv":"Ed25519","kty":"OKP","x":"` + base64.RawURLEncoding.EncodeToString(pub) + `"}`
	sum := sha256.Sum256([]byte(canonical))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// GenerateKey writes a new private key to dir as <UTC timestamp>.key.pem
// (mode 0600, dir created 0700) and returns its kid. The new key signs from
// the next load or Reload of the ring.
func GenerateKey(dir string) (string, error) {
	return generateKeyAt(dir, time.Now())
}

func generateKeyAt(dir string, now time.Time) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create key dir: %w", err)
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return "", fmt.Errorf("generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return "", fmt.Errorf("marshal key: %w", err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	stem := now.UTC().Format(keyTimeLayout)
	// A second key in the same second gets -01, -02...: those sort after the
	// bare stem, so the later key still wins.
	for i := 0; i < 100; i++ {
		name := stem
		if i > 0 {
			name = fmt.Sprintf("%s-%02d", stem, i)
		}
		err = writeNewFile(filepath.Join(dir, name+privateSuffix), data, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if err != nil {
			return "", err
		}
		return Thumbprint(pub), nil
	}
	return "", fmt.Errorf("too many keys named %s", stem)
}

// RetireKey turns the private key kid in dir into a public-only file with the
// same stem, so it keeps verifying tokens but can no longer sign. It refuses
// the current signing key: generate its successor first.
func RetireKey(dir, kid string) error {
	set, err := loadKeySet(dir)
	if err != nil {
		return err
	}
	k, ok := set.byKID[kid]
	switch {
	case !ok:
		return fmt.Errorf("%w: %s", ErrUnknownKey, kid)
	case k.priv == nil:
		return nil // already retired
	case set.signing == k:
		return fmt.Errorf("key %s is the signing key; generate a new key before retiring it", kid)
	}
	der, err := x509.MarshalPKIXPublicKey(k.pub)
	if err != nil {
		return fmt.Errorf("marshal public key: %w", err)
	}
	data := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	pubPath := filepath.Join(dir, k.name+publicSuffix)
	if err := writeNewFile(pubPath, data, 0o600); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	// The public file is on disk before the private one goes, so a crash in
	// between leaves the key loadable (duplicates collapse by kid).
	return os.Remove(filepath.Join(dir, k.name+privateSuffix))
}

// writeNewFile never overwrites: replacing a key file by accident would
// invalidate every token it signed.
func writeNewFile(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(path) // best effort: the write error is the one to report
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func keyFileNames(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		n := e.Name()
		// Dot files cover editor temp files and Kubernetes' ..data links.
		if strings.HasPrefix(n, ".") || e.IsDir() {
			continue
		}
		if strings.HasSuffix(n, privateSuffix) || strings.HasSuffix(n, publicSuffix) {
			names = append(names, n)
		}
	}
	return names, nil
}

func loadKeySet(dir string) (*keySet, error) {
	names, err := keyFileNames(dir)
	if err != nil {
		return nil, fmt.Errorf("read key dir: %w", err)
	}
	keys := make([]*key, 0, len(names))
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return nil, fmt.Errorf("read key: %w", err)
		}
		var k *key
		if stem, ok := strings.CutSuffix(n, privateSuffix); ok {
			k, err = parsePrivatePEM(data)
			if k != nil {
				k.name = stem
			}
		} else {
			k, err = parsePublicPEM(data)
			if k != nil {
				k.name = strings.TrimSuffix(n, publicSuffix)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		keys = append(keys, k)
	}
	slices.SortStableFunc(keys, func(a, b *key) int { return -compareNames(a.name, b.name) })
	return newKeySet(keys)
}

// compareNames orders key file stems oldest first: names without a leading
// timestamp before those with one, then by time, then lexically.
func compareNames(a, b string) int {
	ta, oka := stemTime(a)
	tb, okb := stemTime(b)
	switch {
	case oka != okb:
		if oka {
			return 1
		}
		return -1
	case oka:
		if c := ta.Compare(tb); c != 0 {
			return c
		}
	}
	return cmp.Compare(a, b)
}

func stemTime(stem string) (time.Time, bool) {
	n := len(keyTimeLayout)
	if len(stem) < n || (len(stem) > n && stem[n] != '-') {
		return time.Time{}, false
	}
	t, err := time.Parse(keyTimeLayout, stem[:n])
	return t, err == nil
}

// newKeySet expects keys ordered newest first; it keeps the first (newest)
// private key as signer and collapses duplicates, preferring a private copy.
func newKeySet(keys []*key) (*keySet, error) {
	if len(keys) == 0 {
		return nil, ErrNoKeys
	}
	set := &keySet{byKID: make(map[string]*key, len(keys))}
	for _, k := range keys {
		if prev, dup := set.byKID[k.kid]; dup {
			if prev.priv == nil && k.priv != nil {
				prev.priv = k.priv
			}
			continue
		}
		set.byKID[k.kid] = k
		set.ordered = append(set.ordered, k)
	}
	for _, k := range set.ordered {
		if k.priv != nil {
			set.signing = k
			break
		}
	}
	if set.signing != nil {
		i := slices.Index(set.ordered, set.signing)
		set.ordered = slices.Insert(slices.Delete(set.ordered, i, i+1), 0, set.signing)
	}
	return set, nil
}

func parsePrivatePEM(data []byte) (*key, error) {
	der, err := singlePEM(data, "PRIVATE KEY")
	if err != nil {
		return nil, err
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	priv, ok := parsed.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not Ed25519", ErrInvalidKey, parsed)
	}
	pub := priv.Public().(ed25519.PublicKey)
	return &key{kid: Thumbprint(pub), pub: pub, priv: priv}, nil
}

func parsePublicPEM(data []byte) (*key, error) {
	der, err := singlePEM(data, "PUBLIC KEY")
	if err != nil {
		return nil, err
	}
	parsed, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidKey, err)
	}
	pub, ok := parsed.(ed25519.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not Ed25519", ErrInvalidKey, parsed)
	}
	return &key{kid: Thumbprint(pub), pub: pub}, nil
}

// singlePEM refuses files with extra blocks: a second key hidden in a file
// would otherwise be silently ignored.
func singlePEM(data []byte, typ string) ([]byte, error) {
	block, rest := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("%w: no PEM block", ErrInvalidKey)
	}
	if block.Type != typ {
		return nil, fmt.Errorf("%w: PEM type %q, want %q", ErrInvalidKey, block.Type, typ)
	}
	if len(strings.TrimSpace(string(rest))) != 0 {
		return nil, fmt.Errorf("%w: trailing data after PEM block", ErrInvalidKey)
	}
	return block.Bytes, nil
}
