package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/cadena-finance/cadena/internal/platform/db"
)

// `cadena reconcile` passes on a consistent platform and exits non-zero,
// saying what differs, once a lender's exposure disagrees with its financings.
func TestReconcileCommand(t *testing.T) {
	url := seededDemo(t)
	ctx := context.Background()
	var out, errOut bytes.Buffer
	if err := run(ctx, []string{"reconcile"}, &out, &errOut); err != nil || !strings.Contains(out.String(), "0 differences") {
		t.Fatalf("%v: %s", err, out.String())
	}
	pool, err := db.Open(ctx, url, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, "UPDATE program_lenders SET exposure = exposure + 1 WHERE lender_id = (SELECT min(lender_id::text)::uuid FROM program_lenders)"); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	err = run(ctx, []string{"reconcile"}, &out, &errOut)
	if err == nil || !strings.Contains(out.String(), "exposure of lender") || !strings.Contains(out.String(), "actual 1.00") {
		t.Fatalf("tampered exposure not caught: %v\n%s", err, out.String())
	}
}
