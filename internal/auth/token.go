package auth

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

const (
	// MaxTTL caps access tokens: they cannot be revoked, so their lifetime is
	// the window a stolen token stays useful.
	MaxTTL     = 15 * time.Minute
	DefaultTTL = 10 * time.Minute
	// DefaultLeeway absorbs clock skew between instances; MaxLeeway keeps a
	// misconfiguration from quietly extending token life.
	DefaultLeeway = 30 * time.Second
	MaxLeeway     = time.Minute
	// maxTokenLen bounds work on hostile input; real tokens are ~450 bytes.
	maxTokenLen = 8 << 10
	algEdDSA    = "EdDSA"
)

// Config is shared by Issuer and Verifier so both agree on iss and aud.
type Config struct {
	Issuer   string
	Audience string
	// TTL of issued tokens: 0 means DefaultTTL, above MaxTTL is clamped.
	TTL time.Duration
	// Leeway for exp, nbf and iat checks: 0 means DefaultLeeway, negative
	// means none, above MaxLeeway is clamped.
	Leeway time.Duration
	// Now is the clock; nil means time.Now. Tests inject a fixed one.
	Now func() time.Time
}

func (c Config) normalised() (Config, error) {
	if c.Issuer == "" || c.Audience == "" {
		return c, errors.New("auth config: issuer and audience are required")
	}
	switch {
	case c.TTL <= 0:
		c.TTL = DefaultTTL
	case c.TTL > MaxTTL:
		c.TTL = MaxTTL
	}
	switch {
	case c.Leeway == 0:
		c.Leeway = DefaultLeeway
	case c.Leeway < 0:
		c.Leeway = 0
	case c.Leeway > MaxLeeway:
		c.Leeway = MaxLeeway
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c, nil
}

// Claims is a verified token's content, in plain types so callers need not
// import the JWT library.
type Claims struct {
	Subject   string
	PartyID   string
	Role      Role
	Issuer    string
	Audience  []string
	IssuedAt  time.Time
	ExpiresAt time.Time
	NotBefore time.Time // zero when the token has no nbf
	ID        string    // jti, for audit logs and any future deny list
	KeyID     string
}

// Principal returns who the token speaks for.
func (c Claims) Principal() Principal {
	return Principal{Subject: c.Subject, PartyID: c.PartyID, Role: c.Role}
}

// wireClaims is the JSON payload.
type wireClaims struct {
	jwt.RegisteredClaims
	PartyID string `json:"party_id"`
	Role    Role   `json:"role"`
}

// Issuer signs access tokens with the ring's current signing key.
type Issuer struct {
	ring *KeyRing
	cfg  Config
}

// NewIssuer checks cfg and clamps its TTL to MaxTTL.
func NewIssuer(ring *KeyRing, cfg Config) (*Issuer, error) {
	if ring == nil {
		return nil, ErrNoKeys
	}
	cfg, err := cfg.normalised()
	if err != nil {
		return nil, err
	}
	return &Issuer{ring: ring, cfg: cfg}, nil
}

// TTL is the effective token lifetime after clamping, for startup logs.
func (is *Issuer) TTL() time.Duration { return is.cfg.TTL }

// Issue signs a token for p. expiresAt is exactly the token's exp, so a
// login response can report it.
func (is *Issuer) Issue(p Principal) (string, time.Time, error) {
	t, err := is.IssueToken(p)
	return t.Token, t.ExpiresAt, err
}

// Issued is a signed token with the claims a record of it may keep: its id
// (jti) and expiry, never the token.
type Issued struct {
	Token     string
	ID        string
	ExpiresAt time.Time
}

// IssueToken is Issue returning the token's id too.
func (is *Issuer) IssueToken(p Principal) (Issued, error) {
	if err := p.validate(); err != nil {
		return Issued{}, err
	}
	k, err := is.ring.signingKey()
	if err != nil {
		return Issued{}, err
	}
	jti, err := uuid.NewRandom()
	if err != nil {
		return Issued{}, fmt.Errorf("token id: %w", err)
	}
	// JWT times have whole-second precision; truncating here makes the
	// returned expiry match the encoded one.
	now := is.cfg.Now().UTC().Truncate(time.Second)
	exp := now.Add(is.cfg.TTL)
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, wireClaims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    is.cfg.Issuer,
			Subject:   p.Subject,
			Audience:  jwt.ClaimStrings{is.cfg.Audience},
			ExpiresAt: jwt.NewNumericDate(exp),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        jti.String(),
		},
		PartyID: p.PartyID,
		Role:    p.Role,
	})
	tok.Header["kid"] = k.kid
	s, err := tok.SignedString(k.priv)
	if err != nil {
		return Issued{}, fmt.Errorf("sign token: %w", err)
	}
	return Issued{Token: s, ID: jti.String(), ExpiresAt: exp}, nil
}

// Verifier checks tokens against every key in the ring.
type Verifier struct {
	ring   *KeyRing
	cfg    Config
	parser *jwt.Parser

	mu       sync.Mutex
	verified map[string]Claims // see recall
}

// verifiedMax bounds the tokens Verify remembers; the map starts afresh when full.
const verifiedMax = 8192

// NewVerifier checks cfg; its Leeway applies to exp, nbf and iat.
func NewVerifier(ring *KeyRing, cfg Config) (*Verifier, error) {
	if ring == nil {
		return nil, ErrNoKeys
	}
	cfg, err := cfg.normalised()
	if err != nil {
		return nil, err
	}
	p := jwt.NewParser(
		// Pinning the algorithm blocks "none" and HMAC-with-public-key forgery.
		jwt.WithValidMethods([]string{algEdDSA}),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithIssuer(cfg.Issuer),
		jwt.WithAudience(cfg.Audience),
		jwt.WithLeeway(cfg.Leeway),
		jwt.WithTimeFunc(cfg.Now),
		// Only canonical base64 is accepted, so one token has one spelling.
		jwt.WithStrictDecoding(),
	)
	return &Verifier{ring: ring, cfg: cfg, parser: p}, nil
}

// Verify returns the claims of a valid token. Every error matches either
// ErrTokenExpired or ErrTokenInvalid (unknown kids also match ErrUnknownKey);
// the detail after the sentinel is for logs, not for clients.
func (v *Verifier) Verify(token string) (Claims, error) {
	if len(token) > maxTokenLen {
		return Claims{}, fmt.Errorf("%w: token longer than %d bytes", ErrTokenInvalid, maxTokenLen)
	}
	if c, ok := v.recall(token); ok {
		return c, nil
	}
	c, err := v.verify(token)
	if err == nil {
		v.mu.Lock()
		if len(v.verified) >= verifiedMax || v.verified == nil {
			v.verified = make(map[string]Claims, 64)
		}
		v.verified[token] = c
		v.mu.Unlock()
	}
	return c, err
}

// recall returns the claims of a token that verified before, while it is
// still inside its time window and its signing key is still in the ring. A
// client sends the same token for up to 15 minutes, so the Ed25519 check
// (about a tenth of the server's CPU per acceptance) runs once per token;
// the same bytes carry the same signature, and expiry and key retirement
// still apply on every call.
func (v *Verifier) recall(token string) (Claims, bool) {
	v.mu.Lock()
	c, ok := v.verified[token]
	v.mu.Unlock()
	if !ok {
		return Claims{}, false
	}
	now := v.cfg.Now()
	if !now.Before(c.ExpiresAt.Add(v.cfg.Leeway)) || !c.NotBefore.IsZero() && now.Add(v.cfg.Leeway).Before(c.NotBefore) {
		return Claims{}, false // the full check says why
	}
	if _, ok := v.ring.publicKey(c.KeyID); !ok {
		return Claims{}, false
	}
	return c, true
}

func (v *Verifier) verify(token string) (Claims, error) {
	var (
		wc     wireClaims
		kid    string
		keyErr error
	)
	_, err := v.parser.ParseWithClaims(token, &wc, func(t *jwt.Token) (any, error) {
		keyErr = checkHeader(t.Header)
		if keyErr != nil {
			return nil, keyErr
		}
		kid = t.Header["kid"].(string)
		// One kid, one key: trying every key would let a kid-less token in
		// and makes verification cost grow with the ring.
		pub, ok := v.ring.publicKey(kid)
		if !ok {
			keyErr = fmt.Errorf("%w: %w: kid %q", ErrTokenInvalid, ErrUnknownKey, kid)
			return nil, keyErr
		}
		return pub, nil
	})
	switch {
	case keyErr != nil:
		return Claims{}, keyErr
	case errors.Is(err, jwt.ErrTokenExpired):
		// Only reached after the signature checked out, so "expired" is never
		// said about a forged token.
		return Claims{}, fmt.Errorf("%w: %v", ErrTokenExpired, err)
	case err != nil:
		return Claims{}, fmt.Errorf("%w: %v", ErrTokenInvalid, err)
	}
	return v.claims(&wc, kid)
}

// checkHeader runs before the key lookup; the library checks alg itself.
func checkHeader(h map[string]any) error {
	kid, ok := h["kid"].(string)
	if !ok || kid == "" {
		return fmt.Errorf("%w: missing kid", ErrTokenInvalid)
	}
	// Explicit typing (RFC 8725 §3.11) keeps another JWT kind signed by the
	// same key from passing as an access token.
	if typ, ok := h["typ"].(string); !ok || !strings.EqualFold(typ, "JWT") {
		return fmt.Errorf("%w: typ %v", ErrTokenInvalid, h["typ"])
	}
	// RFC 7515 §4.1.11: we understand no extensions, so any crit must fail.
	if _, ok := h["crit"]; ok {
		return fmt.Errorf("%w: crit header not supported", ErrTokenInvalid)
	}
	return nil
}

// claims applies the checks the library does not: required claims, the
// role list and the lifetime cap.
func (v *Verifier) claims(wc *wireClaims, kid string) (Claims, error) {
	bad := func(format string, a ...any) (Claims, error) {
		return Claims{}, fmt.Errorf("%w: "+format, append([]any{ErrTokenInvalid}, a...)...)
	}
	switch {
	case wc.IssuedAt == nil:
		return bad("missing iat")
	case wc.Subject == "":
		return bad("missing sub")
	case wc.PartyID == "":
		return bad("missing party_id")
	case !wc.Role.Valid():
		return bad("role %q", wc.Role)
	case wc.ID == "":
		return bad("missing jti")
	}
	iat, exp := wc.IssuedAt.Time.UTC(), wc.ExpiresAt.Time.UTC()
	if exp.Sub(iat) > MaxTTL {
		return bad("lifetime %s above %s", exp.Sub(iat), MaxTTL)
	}
	c := Claims{
		Subject:   wc.Subject,
		PartyID:   wc.PartyID,
		Role:      wc.Role,
		Issuer:    wc.Issuer,
		Audience:  []string(wc.Audience),
		IssuedAt:  iat,
		ExpiresAt: exp,
		ID:        wc.ID,
		KeyID:     kid,
	}
	if wc.NotBefore != nil {
		c.NotBefore = wc.NotBefore.Time.UTC()
	}
	return c, nil
}
