package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"
)

// argonParams are the argon2id cost settings; they are stored in every hash
// so they can be raised later without breaking existing ones.
type argonParams struct {
	memory  uint32 // KiB
	time    uint32
	threads uint8
	saltLen int
	keyLen  int
}

// defaultParams follow the OWASP Password Storage Cheat Sheet's first
// argon2id option: 19 MiB, 2 iterations, 1 lane (~20-50 ms per hash).
var defaultParams = argonParams{memory: 19456, time: 2, threads: 1, saltLen: 16, keyLen: 32}

// Bounds on what a stored hash may ask for, so a corrupt or hostile row
// cannot make one login allocate gigabytes or spin for minutes.
const (
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxTime      = 16
	maxThreads   = 16

	// MinPasswordLen counts characters, not bytes (NIST SP 800-63B asks for
	// length, not composition rules).
	MinPasswordLen = 10
	// MaxPasswordLen bounds the bytes hashed per request.
	MaxPasswordLen = 1024
)

// HashPassword returns an argon2id hash in PHC string format:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (unpadded standard base64).
func HashPassword(pw string) (string, error) {
	pw = normalisePassword(pw)
	if utf8.RuneCountInString(pw) < MinPasswordLen {
		return "", fmt.Errorf("%w: fewer than %d characters", ErrWeakPassword, MinPasswordLen)
	}
	if len(pw) > MaxPasswordLen {
		return "", fmt.Errorf("%w: more than %d bytes", ErrPasswordTooLong, MaxPasswordLen)
	}
	p := defaultParams
	salt := make([]byte, p.saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	return encodePHC(p, salt, argon2Key(pw, salt, p)), nil
}

// CheckPassword reports whether pw matches encoded, using the parameters in
// encoded. A malformed or unsupported hash is an error, never a false match.
func CheckPassword(encoded, pw string) (bool, error) {
	p, salt, want, err := decodePHC(encoded)
	if err != nil {
		return false, err
	}
	pw = normalisePassword(pw)
	if len(pw) > MaxPasswordLen {
		// No stored hash can be of such a password; its length is the
		// caller's own knowledge, so returning early leaks nothing.
		return false, nil
	}
	got := argon2Key(pw, salt, p)
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// NeedsRehash reports whether encoded was made with weaker parameters than
// today's, so login can re-hash the password it has just verified.
func NeedsRehash(encoded string) bool {
	p, salt, sum, err := decodePHC(encoded)
	if err != nil {
		return true
	}
	d := defaultParams
	return p.memory < d.memory || p.time < d.time || len(salt) < d.saltLen || len(sum) < d.keyLen
}

// dummyHash has the current parameters and a salt and hash no password is
// known to produce.
var dummyHash = encodePHC(defaultParams, make([]byte, defaultParams.saltLen), make([]byte, defaultParams.keyLen))

// DummyCheck spends the time of a CheckPassword against a real hash. Call it
// when the login email is unknown, so response time does not reveal which
// emails have accounts.
func DummyCheck(pw string) {
	_, _ = CheckPassword(dummyHash, pw)
}

// normalisePassword applies NFKC (NIST SP 800-63B 5.1.1.2) so the same
// password typed on keyboards that compose accents differently still matches.
// Changing this would break every stored hash.
func normalisePassword(pw string) string { return norm.NFKC.String(pw) }

func argon2Key(pw string, salt []byte, p argonParams) []byte {
	return argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, uint32(p.keyLen))
}

func encodePHC(p argonParams, salt, sum []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.time, p.threads,
		base64.RawStdEncoding.EncodeToString(salt),
		base64.RawStdEncoding.EncodeToString(sum))
}

func decodePHC(encoded string) (argonParams, []byte, []byte, error) {
	var p argonParams
	fields := strings.Split(encoded, "$")
	if len(fields) != 6 || fields[0] != "" {
		return p, nil, nil, fmt.Errorf("%w: want 5 $-separated fields", ErrMalformedHash)
	}
	if fields[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: algorithm %q", ErrUnsupportedHash, fields[1])
	}
	if fields[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("%w: version %q", ErrUnsupportedHash, fields[2])
	}
	m, t, threads, err := parseArgonParams(fields[3])
	if err != nil {
		return p, nil, nil, err
	}
	salt, err := base64.RawStdEncoding.Strict().DecodeString(fields[4])
	if err != nil || len(salt) < 8 || len(salt) > 64 {
		return p, nil, nil, fmt.Errorf("%w: salt", ErrMalformedHash)
	}
	sum, err := base64.RawStdEncoding.Strict().DecodeString(fields[5])
	if err != nil || len(sum) < 16 || len(sum) > 64 {
		return p, nil, nil, fmt.Errorf("%w: hash", ErrMalformedHash)
	}
	p = argonParams{memory: m, time: t, threads: threads, saltLen: len(salt), keyLen: len(sum)}
	return p, salt, sum, nil
}

// parseArgonParams reads "m=..,t=..,p=.." in exactly that order, as written
// by encodePHC and the reference implementation.
func parseArgonParams(s string) (memory, iterations uint32, threads uint8, err error) {
	parts := strings.Split(s, ",")
	if len(parts) != 3 {
		return 0, 0, 0, fmt.Errorf("%w: parameters %q", ErrMalformedHash, s)
	}
	var vals [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(parts[i], name)
		if !ok || v == "" || (len(v) > 1 && v[0] == '0') {
			return 0, 0, 0, fmt.Errorf("%w: parameters %q", ErrMalformedHash, s)
		}
		vals[i], err = strconv.ParseUint(v, 10, 32)
		if err != nil {
			return 0, 0, 0, fmt.Errorf("%w: parameters %q", ErrMalformedHash, s)
		}
	}
	m, t, p := vals[0], vals[1], vals[2]
	// argon2 needs at least 8 KiB per lane.
	if p < 1 || p > maxThreads || t < 1 || t > maxTime || m < 8*p || m > maxMemoryKiB {
		return 0, 0, 0, fmt.Errorf("%w: parameters %q out of range", ErrUnsupportedHash, s)
	}
	return uint32(m), uint32(t), uint8(p), nil
}
