package idempotency_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/platform/idempotency"
	"github.com/cadena-finance/cadena/internal/platform/idempotencydb"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
)

func keys(t *testing.T) *idempotency.Keys {
	pool, _ := pgtest.NewPool(t)
	return idempotency.New(idempotencydb.New(pool))
}

func request(body string) idempotency.Request {
	h := sha256.Sum256([]byte(body))
	return idempotency.Request{Party: uuid.New(), Key: uuid.NewString(), Method: "POST", Path: "/v1/things", Hash: h[:]}
}

// A claimed key is held, answers its result once complete, and refuses a
// different request; a released key can be claimed afresh.
func TestClaimReplayMismatchRelease(t *testing.T) {
	t.Parallel()
	k, ctx := keys(t), context.Background()
	r := request("a")
	if won, err := k.Claim(ctx, r, time.Minute); err != nil || !won {
		t.Fatalf("first claim: %v %v", won, err)
	}
	if won, err := k.Claim(ctx, r, time.Minute); err != nil || won {
		t.Fatalf("second claim won: %v %v", won, err)
	}
	if _, err := k.Existing(ctx, r); !errors.Is(err, idempotency.ErrInFlight) {
		t.Fatalf("pending key: %v, want ErrInFlight", err)
	}
	other := r
	other.Hash = request("b").Hash
	if _, err := k.Existing(ctx, other); !errors.Is(err, idempotency.ErrMismatch) {
		t.Fatalf("different request: %v, want ErrMismatch", err)
	}
	if err := k.Complete(ctx, r, 201, "application/json", []byte(`{"id":1}`)); err != nil {
		t.Fatal(err)
	}
	st, err := k.Existing(ctx, r)
	if err != nil || !st.Done || st.Status != 201 || st.ContentType != "application/json" || string(st.Body) != `{"id":1}` {
		t.Fatalf("replay: %+v %v", st, err)
	}
	if _, err := k.Existing(ctx, other); !errors.Is(err, idempotency.ErrMismatch) {
		t.Fatalf("different request after completion: %v, want ErrMismatch", err)
	}

	// Another party's same key is its own.
	mine := request("a")
	mine.Key = r.Key
	if won, err := k.Claim(ctx, mine, time.Minute); err != nil || !won {
		t.Fatalf("other party's claim: %v %v", won, err)
	}
	if err := k.Release(ctx, mine); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Existing(ctx, mine); !errors.Is(err, idempotency.ErrReleased) {
		t.Fatalf("released key: %v, want ErrReleased", err)
	}
	if won, err := k.Claim(ctx, mine, time.Minute); err != nil || !won {
		t.Fatalf("claim after release: %v %v", won, err)
	}
}

// A pending key whose lease ran out is taken over by the same request only.
func TestExpiredLeaseIsTakenOverBySameRequest(t *testing.T) {
	t.Parallel()
	k, ctx := keys(t), context.Background()
	r := request("a")
	if won, err := k.Claim(ctx, r, 0); err != nil || !won { // a lease of 0 s has run out at once
		t.Fatalf("claim: %v %v", won, err)
	}
	other := r
	other.Hash = request("b").Hash
	if won, err := k.Claim(ctx, other, time.Minute); err != nil || won {
		t.Fatalf("different request took over: %v %v", won, err)
	}
	if won, err := k.Claim(ctx, r, time.Minute); err != nil || !won {
		t.Fatalf("same request did not take over: %v %v", won, err)
	}
	if won, err := k.Claim(ctx, r, time.Minute); err != nil || won {
		t.Fatalf("live lease taken over: %v %v", won, err)
	}
}

// Wait returns the first attempt's result once recorded, ErrReleased once
// released, ErrStillRunning at its deadline, and ctx's error when cancelled.
func TestWait(t *testing.T) {
	t.Parallel()
	k, ctx := keys(t), context.Background()
	done, released, stuck := request("a"), request("a"), request("a")
	for _, r := range []idempotency.Request{done, released, stuck} {
		if won, err := k.Claim(ctx, r, time.Minute); err != nil || !won {
			t.Fatalf("claim: %v %v", won, err)
		}
	}
	go func() {
		_ = k.Complete(ctx, done, 200, "text/plain", []byte("result"))
		_ = k.Release(ctx, released)
	}()
	if st, err := k.Wait(ctx, done, time.Minute); err != nil || string(st.Body) != "result" {
		t.Fatalf("wait for completion: %+v %v", st, err)
	}
	if _, err := k.Wait(ctx, released, time.Minute); !errors.Is(err, idempotency.ErrReleased) {
		t.Fatalf("wait for release: %v", err)
	}
	if _, err := k.Wait(ctx, stuck, 0); !errors.Is(err, idempotency.ErrStillRunning) {
		t.Fatalf("wait past deadline: %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := k.Wait(cctx, stuck, time.Minute); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
}

// Once runs its function once among concurrent submissions of a form key;
// every submission gets the first one's result. A failed run releases the
// key: a waiting duplicate learns it failed, and a later submission runs.
func TestOnce(t *testing.T) {
	t.Parallel()
	k, ctx := keys(t), context.Background()
	r := idempotency.FormRequest(uuid.New(), "/upload/publish", "key-1")
	var runs atomic.Int32
	release := make(chan struct{})
	var wg sync.WaitGroup
	results := make([]string, 5)
	replays := make([]bool, 5)
	errs := make([]error, 5)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], replays[i], errs[i] = k.Once(ctx, r, func() (string, error) {
				runs.Add(1)
				<-release
				return "batch-1", nil
			})
		}()
	}
	close(release)
	wg.Wait()
	firsts := 0
	for i := range results {
		if errs[i] != nil || results[i] != "batch-1" {
			t.Fatalf("submission %d: %q %v", i, results[i], errs[i])
		}
		if !replays[i] {
			firsts++
		}
	}
	if runs.Load() != 1 || firsts != 1 {
		t.Fatalf("%d runs, %d first submissions; want 1 and 1", runs.Load(), firsts)
	}

	// A failure releases the key (a duplicate waiting on it gets ErrReleased:
	// TestWait), and the next submission runs afresh.
	f := idempotency.FormRequest(r.Party, "/offers/accept", "key-1")
	if f.Key == r.Key {
		t.Fatal("forms share a key")
	}
	boom := errors.New("boom")
	if _, _, err := k.Once(ctx, f, func() (string, error) { return "", boom }); !errors.Is(err, boom) {
		t.Fatalf("failed run: %v", err)
	}
	if _, err := k.Existing(ctx, f); !errors.Is(err, idempotency.ErrReleased) {
		t.Fatalf("failed run left its key: %v", err)
	}
	res, replayed, err := k.Once(ctx, f, func() (string, error) { return "offer-1", nil })
	if err != nil || replayed || res != "offer-1" {
		t.Fatalf("run after release: %q %v %v", res, replayed, err)
	}
	if res, replayed, err = k.Once(ctx, f, func() (string, error) { return "twice", nil }); err != nil || !replayed || res != "offer-1" {
		t.Fatalf("replay: %q %v %v", res, replayed, err)
	}
}
