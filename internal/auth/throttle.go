package auth

import "time"

// Throttle is the login throttling policy: after Failures failed logins for
// one account (AddressFailures from one client address) the key is locked
// for Backoff, doubled by each further failure up to MaxBackoff. A key
// forgets its failures after Window without any failure or lock. The zero
// value of a field takes the default below (CADENA_LOGIN_* in the README).
type Throttle struct {
	Failures        int
	AddressFailures int
	Window          time.Duration
	Backoff         time.Duration
	MaxBackoff      time.Duration
}

// Default login throttling: 5 failures an account, 20 an address, within
// 15 minutes; locks of 1 minute, then 2, 4, … up to an hour.
var DefaultThrottle = Throttle{Failures: 5, AddressFailures: 20, Window: 15 * time.Minute, Backoff: time.Minute, MaxBackoff: time.Hour}

// Normalised fills zero fields with the defaults.
func (t Throttle) Normalised() Throttle {
	d := DefaultThrottle
	if t.Failures <= 0 {
		t.Failures = d.Failures
	}
	if t.AddressFailures <= 0 {
		t.AddressFailures = d.AddressFailures
	}
	if t.Window <= 0 {
		t.Window = d.Window
	}
	if t.Backoff <= 0 {
		t.Backoff = d.Backoff
	}
	if t.MaxBackoff < t.Backoff {
		t.MaxBackoff = max(d.MaxBackoff, t.Backoff)
	}
	return t
}

// LockFor is how long a key with failures failed logins is locked when its
// limit is limit: nothing below the limit, Backoff at it, doubling after.
func (t Throttle) LockFor(failures, limit int) time.Duration {
	if failures < limit {
		return 0
	}
	d := t.Backoff
	for i := limit; i < failures && d < t.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, t.MaxBackoff)
}
