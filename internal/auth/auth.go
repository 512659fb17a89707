// Package auth issues and verifies Cadena's access tokens (EdDSA JWTs), holds
// the signing key ring with its JWKS, and hashes passwords and API client
// secrets. It is pure: no HTTP, SQL or NATS, so the API and the CLI share it.
package auth

import (
	"errors"
	"fmt"
)

// Verify returns errors that match exactly one of ErrTokenExpired or
// ErrTokenInvalid, so internal/api can map them to auth.token_expired and
// auth.token_invalid without looking at the detail.
var (
	ErrTokenInvalid = errors.New("invalid token")
	ErrTokenExpired = errors.New("token expired")
	// ErrUnknownKey also matches ErrTokenInvalid when returned by Verify.
	ErrUnknownKey = errors.New("unknown signing key")

	ErrNoKeys           = errors.New("no keys in key ring")
	ErrNoSigningKey     = errors.New("key ring has no signing key")
	ErrInvalidKey       = errors.New("invalid key")
	ErrInvalidPrincipal = errors.New("invalid principal")
	ErrUnknownRole      = errors.New("unknown role")

	ErrWeakPassword    = errors.New("password too weak")
	ErrPasswordTooLong = errors.New("password too long")
	ErrMalformedHash   = errors.New("malformed password hash")
	ErrUnsupportedHash = errors.New("unsupported password hash")
)

// Role is what a principal may do on the platform. It is carried in the token
// so handlers can authorise without a database round trip.
type Role string

const (
	RoleOperator Role = "operator"
	RoleBuyer    Role = "buyer"
	RoleSupplier Role = "supplier"
	RoleLender   Role = "lender"
)

// ParseRole accepts only the exact lowercase names: a role arrives from
// tokens and the database, never from free typing, so no normalising.
func ParseRole(s string) (Role, error) {
	r := Role(s)
	if !r.Valid() {
		return "", fmt.Errorf("%w: %q", ErrUnknownRole, s)
	}
	return r, nil
}

// Valid reports whether r is one of the known roles.
func (r Role) Valid() bool {
	switch r {
	case RoleOperator, RoleBuyer, RoleSupplier, RoleLender:
		return true
	}
	return false
}

func (r Role) String() string { return string(r) }

// Principal is who a token speaks for: a user or an API client, acting for
// one party in one role.
type Principal struct {
	Subject string // user id or API client id
	PartyID string
	Role    Role
}

func (p Principal) validate() error {
	switch {
	case p.Subject == "":
		return fmt.Errorf("%w: empty subject", ErrInvalidPrincipal)
	case p.PartyID == "":
		return fmt.Errorf("%w: empty party id", ErrInvalidPrincipal)
	case !p.Role.Valid():
		return fmt.Errorf("%w: role %q", ErrInvalidPrincipal, p.Role)
	}
	return nil
}
