package main

import (
	"bytes"
	"context"
	"flag"
	"strings"
	"testing"

	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
)

// seed-demo's events reach the chain through the auditor; `audit verify`
// passes on the intact log and fails, naming the seq, once a row is forged.
func TestAuditVerifyCommand(t *testing.T) {
	url := seededDemo(t)
	ctx := context.Background()
	var out, errOut bytes.Buffer
	s, ctx, err := openApp(ctx, newFlagSet(), nil, &errOut)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background()) //nolint:errcheck
	if n, err := s.App.Auditing.AuditPending(ctx, 10000); err != nil || n == 0 {
		t.Fatalf("audited %d: %v", n, err)
	}
	out.Reset()
	if err := run(ctx, []string{"audit", "verify"}, &out, &errOut); err != nil || !strings.Contains(out.String(), "audit log intact") {
		t.Fatalf("%v: %s", err, out.String())
	}
	pool, err := db.Open(ctx, url, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	for _, sql := range []string{"ALTER TABLE audit_log DISABLE TRIGGER ALL", "DELETE FROM audit_log WHERE seq = 5",
		"ALTER TABLE audit_log ENABLE TRIGGER ALL"} {
		if _, err := pool.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	err = run(ctx, []string{"audit", "verify"}, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "seq 5") {
		t.Fatalf("deleted record not caught: %v", err)
	}
}

func newFlagSet() *flag.FlagSet { return flag.NewFlagSet("test", flag.ContinueOnError) }

// seededDemo points the commands at a fresh database holding the demo.
func seededDemo(t *testing.T) string {
	t.Helper()
	url := pgtest.NewDatabase(t)
	t.Setenv("DATABASE_URL", url)
	t.Setenv("CADENA_DATA_DIR", t.TempDir())
	var out, errOut bytes.Buffer
	if err := run(context.Background(), []string{"seed-demo"}, &out, &errOut); err != nil {
		t.Fatal(err, errOut.String())
	}
	return url
}
