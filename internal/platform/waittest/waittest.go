// Package waittest waits, in tests, for what background work (the outbox
// relay, the audit feed, the scheduler, a JetStream delivery) makes true.
// CI runs on a busy 2-core machine: a test waits for a condition, never for
// a fixed time, and gives up only after Deadline.
package waittest

import (
	"testing"
	"time"
)

// Deadline is how long a test waits for a condition before it fails. It is
// generous on purpose (a passing test returns as soon as the condition
// holds) and longer than any JetStream redelivery a test relies on: a test
// that needs a redelivery sets it explicitly (a Nak with a delay, or a short
// AckWait), never the 30 s default.
const Deadline = 60 * time.Second

// Until polls cond until it holds, and fails the test, naming what it
// waited for, if it still does not after Deadline.
func Until(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Deadline)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waittest: %s did not happen within %v", what, Deadline)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Receive waits for a value on ch, and fails the test, naming what it
// waited for, if none comes within Deadline.
func Receive[T any](t testing.TB, what string, ch <-chan T) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(Deadline):
		t.Fatalf("waittest: %s did not arrive within %v", what, Deadline)
		var zero T
		return zero
	}
}
