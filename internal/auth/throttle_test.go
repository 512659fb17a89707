package auth

import (
	"testing"
	"time"
)

func TestThrottleBackoffGrowsToItsCap(t *testing.T) {
	th := Throttle{Failures: 3, Backoff: time.Minute, MaxBackoff: 10 * time.Minute}.Normalised()
	for failures, want := range map[int]time.Duration{1: 0, 2: 0, 3: time.Minute, 4: 2 * time.Minute, 5: 4 * time.Minute, 6: 8 * time.Minute, 7: 10 * time.Minute, 400: 10 * time.Minute} {
		if got := th.LockFor(failures, th.Failures); got != want {
			t.Errorf("%d failures: locked %s, want %s", failures, got, want)
		}
	}
	if d := (Throttle{}).Normalised(); d != DefaultThrottle {
		t.Errorf("zero policy %+v, want the defaults", d)
	}
}
