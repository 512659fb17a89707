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

// The upload splits, reports refused rows by their row in the whole file,
// and publishes nothing twice when the same file is uploaded again.
func TestInvoicesUpload(t *testing.T) {
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
		if !strings.Contains(out.String(), "8 rows in 3 batches: 6 published, 2 rejected") || !strings.Contains(errOut.String(), "rows/s") {
			t.Fatalf("run %d output:\n%s\n%s", run, out.String(), errOut.String())
		}
		rej, err := os.ReadFile(filepath.Join(dir, "erp.rejects.csv"))
		if err != nil {
			t.Fatal(err)
		}
		want := "row,field,code,message\n5,amount,invoice.too_many_decimals,amount has more than 2 decimals\n" +
			"8,row,invoice.malformed_row,\"row has 2 fields, the header has 6\"\n"
		if string(rej) != want {
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
