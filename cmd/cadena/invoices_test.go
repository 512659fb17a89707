package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/api/apitest"
	"github.com/cadena-finance/cadena/internal/auth"
)

// The upload splits, reports refused rows by their row in the whole file
// with their document number, draws the bar to 100%, and publishes nothing
// twice when the same file is uploaded again, saying so.
func TestInvoicesUpload(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.Seed()
	tok := env.Token(w.Buyer.ID, auth.RoleBuyer)
	due := time.Now().AddDate(0, 0, 40).Format(time.DateOnly)
	var sb strings.Builder
	sb.WriteString("supplier;document_number;einvoice_id;issue_date;due_date;amount\n")
	for i := 1; i <= 7; i++ {
		amount := "100.00"
		if i == 5 {
			amount = "100.001"
		}
		fmt.Fprintf(&sb, "%s;U-%d;%s;2026-11-01;%s;%s\n", w.Supplier.TaxID, i, strings.ToUpper(uuid.NewString()), due, amount)
	}
	fmt.Fprintf(&sb, "%s;U-8\n", w.Supplier.TaxID)
	dir := t.TempDir()
	file := filepath.Join(dir, "erp.csv")
	if err := os.WriteFile(file, []byte(sb.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"upload", file, "--api", env.Server.URL, "--token", tok, "--batch-size", "3"}
	for run := 0; run < 2; run++ {
		var out, errOut bytes.Buffer
		err := runInvoices(context.Background(), args, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), "2 rows rejected") {
			t.Fatalf("run %d: %v\n%s\n%s", run, err, out.String(), errOut.String())
		}
		want := []string{"8 rows in 3 batches: 6 published, 2 rejected", "8 rows in 3 batches: 0 published (6 published by an earlier upload of this file), 2 rejected"}[run]
		if !strings.Contains(out.String(), want) || !strings.Contains(errOut.String(), "100% 8/8 rows") || strings.Contains(errOut.String(), "/9 rows") {
			t.Fatalf("run %d output:\n%s\n%s", run, out.String(), errOut.String())
		}
		rej, err := os.ReadFile(filepath.Join(dir, "erp.rejects.csv"))
		if err != nil {
			t.Fatal(err)
		}
		wantRej := "row,document_number,field,code,message\n5,U-5,amount,invoice.too_many_decimals,amount has more than 2 decimals\n" +
			"8,U-8,row,invoice.malformed_row,\"row has 2 fields, the header has 6\"\n"
		if string(rej) != wantRej {
			t.Fatalf("rejects:\n%s", rej)
		}
	}
	var n int
	if err := env.Pool.QueryRow(context.Background(), "SELECT count(*) FROM invoices").Scan(&n); err != nil || n != 6 {
		t.Fatalf("%d invoices after two uploads: %v", n, err)
	}
	if err := runInvoices(context.Background(), []string{"upload", file, "--api", env.Server.URL}, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
		t.Fatal("upload without a token")
	}
}

// A refused file gets its reason once; an API that is not there fails in
// seconds, naming the URL and the settings that change it.
func TestInvoicesUploadFailures(t *testing.T) {
	env := apitest.New(t)
	w := env.Seed()
	tok := env.Token(w.Buyer.ID, auth.RoleBuyer)
	file := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(file, []byte("proveedor;folio\nX;1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := runInvoices(context.Background(), []string{"upload", file, "--api", env.Server.URL, "--token", tok}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || strings.Count(strings.ToLower(err.Error()), "header row") != 1 {
		t.Fatalf("bad header: %v", err)
	}
	start := time.Now()
	err = runInvoices(context.Background(), []string{"upload", file, "--api", "http://127.0.0.1:1", "--token", tok}, &bytes.Buffer{}, &bytes.Buffer{})
	if err == nil || !strings.Contains(err.Error(), "http://127.0.0.1:1") || !strings.Contains(err.Error(), "CADENA_API_URL") || time.Since(start) > 10*time.Second {
		t.Fatalf("unreachable API after %v: %v", time.Since(start), err)
	}
}
