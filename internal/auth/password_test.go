package auth

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestHashCheckPassword(t *testing.T) {
	const pw = "correct horse battery"
	h, err := HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q lacks the expected PHC prefix", h)
	}
	if ok, err := CheckPassword(h, pw); !ok || err != nil {
		t.Errorf("right password: %v, %v", ok, err)
	}
	for _, wrong := range []string{"correct horse battery ", "Correct horse battery", "", "correct horse batter"} {
		if ok, err := CheckPassword(h, wrong); ok || err != nil {
			t.Errorf("wrong password %q: %v, %v", wrong, ok, err)
		}
	}
	h2, _ := HashPassword(pw)
	if h2 == h {
		t.Error("two hashes of one password are equal: salt not random")
	}
	if NeedsRehash(h) {
		t.Error("fresh hash needs rehash")
	}
}

func TestPasswordUnicodeNormalised(t *testing.T) {
	composed := "contrase\u00f1a-segura"    // ñ as one code point
	decomposed := "contrasen\u0303a-segura" // n + combining tilde
	h, err := HashPassword(composed)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := CheckPassword(h, decomposed); !ok {
		t.Error("NFD spelling of the same password rejected")
	}
}

func TestHashPasswordRefusesWeak(t *testing.T) {
	for _, pw := range []string{"", "short", "123456789", "ñññññññññ"} {
		if _, err := HashPassword(pw); !errors.Is(err, ErrWeakPassword) {
			t.Errorf("HashPassword(%q): %v, want ErrWeakPassword", pw, err)
		}
	}
	// Ten characters is enough even when some are multi-byte.
	if _, err := HashPassword("ññññññññññ"); err != nil {
		t.Errorf("ten runes refused: %v", err)
	}
	if _, err := HashPassword(strings.Repeat("a", MaxPasswordLen+1)); !errors.Is(err, ErrPasswordTooLong) {
		t.Errorf("long password: %v, want ErrPasswordTooLong", err)
	}
}

func TestCheckPasswordReadsParameters(t *testing.T) {
	// Hashes made with other (here cheaper) parameters still verify, and are
	// flagged for rehash.
	p := argonParams{memory: 64, time: 1, threads: 1, saltLen: 16, keyLen: 32}
	salt := []byte("0123456789abcdef")
	h := encodePHC(p, salt, argon2Key("a long enough password", salt, p))
	if ok, err := CheckPassword(h, "a long enough password"); !ok || err != nil {
		t.Errorf("old-parameter hash: %v, %v", ok, err)
	}
	if !NeedsRehash(h) {
		t.Error("weaker hash not flagged for rehash")
	}
}

func TestCheckPasswordTamperedEncoding(t *testing.T) {
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Split(h, "$")
	join := func(i int, v string) string {
		g := append([]string(nil), f...)
		g[i] = v
		return strings.Join(g, "$")
	}
	tests := []struct {
		name, enc string
		want      error
	}{
		{"empty", "", ErrMalformedHash},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuu5Zb3rF7aUO4LQbOcB2lq0R9cTjQ0aO2", ErrMalformedHash},
		{"argon2i", join(1, "argon2i"), ErrUnsupportedHash},
		{"version 16", join(2, "v=16"), ErrUnsupportedHash},
		{"params order", join(3, "t=2,m=19456,p=1"), ErrMalformedHash},
		{"params missing", join(3, "m=19456,t=2"), ErrMalformedHash},
		{"params not numbers", join(3, "m=x,t=2,p=1"), ErrMalformedHash},
		{"params leading zero", join(3, "m=019456,t=2,p=1"), ErrMalformedHash},
		{"memory too large", join(3, "m=4194304,t=2,p=1"), ErrUnsupportedHash},
		{"time zero", join(3, "m=19456,t=0,p=1"), ErrUnsupportedHash},
		{"threads zero", join(3, "m=19456,t=2,p=0"), ErrUnsupportedHash},
		{"salt not base64", join(4, "!!!!"), ErrMalformedHash},
		{"salt padded", join(4, f[4]+"=="), ErrMalformedHash},
		{"salt too short", join(4, "AAAA"), ErrMalformedHash},
		{"hash truncated", join(5, f[5][:10]), ErrMalformedHash},
		{"extra field", h + "$x", ErrMalformedHash},
		{"leading text", "x" + h, ErrMalformedHash},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := CheckPassword(tc.enc, "correct horse battery")
			if ok || !errors.Is(err, tc.want) {
				t.Errorf("CheckPassword: %v, %v; want false, %v", ok, err, tc.want)
			}
			if !NeedsRehash(tc.enc) {
				t.Error("unusable hash not flagged for rehash")
			}
		})
	}
	// A changed hash byte is a mismatch, not an error.
	flipped := []byte(f[5])
	flipped[0] ^= 'A' ^ 'B'
	if flipped[0] == f[5][0] {
		flipped[0] = 'C'
	}
	if ok, err := CheckPassword(join(5, string(flipped)), "correct horse battery"); ok {
		t.Errorf("tampered hash matched (err %v)", err)
	}
}

// DummyCheck must cost about what a real check costs, or timing shows which
// emails exist. On a busy machine load only adds time, and in bursts: the
// two are measured in turns, and the fastest of each run compared (the
// nearest to their own cost), loosely.
func TestDummyCheckTiming(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	h, err := HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	took := func(f func()) time.Duration {
		start := time.Now()
		f()
		return time.Since(start)
	}
	real, dummy := time.Duration(1<<62), time.Duration(1<<62)
	for range 7 {
		real = min(real, took(func() { _, _ = CheckPassword(h, "wrong password!") }))
		dummy = min(dummy, took(func() { DummyCheck("wrong password!") }))
	}
	if dummy*3 < real || dummy > real*3 {
		t.Errorf("DummyCheck %v vs CheckPassword %v: too different", dummy, real)
	}
	if ok, err := CheckPassword(dummyHash, "anything at all"); ok || err != nil {
		t.Errorf("dummy hash: %v, %v", ok, err)
	}
}

func FuzzDecodePHC(f *testing.F) {
	f.Add(dummyHash)
	f.Add("$argon2id$v=19$m=1,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$argon2id$v=19$m=19456,t=2,p=1$$")
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, sum, err := decodePHC(s)
		if err != nil {
			if !errors.Is(err, ErrMalformedHash) && !errors.Is(err, ErrUnsupportedHash) {
				t.Fatalf("error %v is neither sentinel", err)
			}
			return
		}
		if p.memory < 8 || p.memory > maxMemoryKiB || p.time < 1 || p.time > maxTime ||
			p.threads < 1 || p.threads > maxThreads || len(salt) < 8 || len(sum) < 16 {
			t.Fatalf("accepted out-of-range %+v salt %d sum %d", p, len(salt), len(sum))
		}
		// Whatever decodes must re-encode to the same string.
		if enc := encodePHC(p, salt, sum); enc != s {
			t.Fatalf("round trip %q -> %q", s, enc)
		}
	})
}

func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("correct horse battery"); err != nil {
			b.Fatal(err)
		}
	}
}
