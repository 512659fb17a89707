package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/settlement"
)

// runBankNotification is `cadena bank-notification`: the camt.054 the
// lender's bank would send for financings' payments (settling.WriteBankNotification),
// to upload to POST /v1/bank-statements. The file goes to stdout or --out;
// what each entry says, and whether an upload would apply it now, to stderr.
func runBankNotification(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bank-notification", stdout)
	var ids []uuid.UUID
	fs.Func("financing", "financing id; repeat the flag or separate ids with commas (required)", func(s string) error {
		for _, f := range strings.Split(s, ",") {
			id, err := uuid.Parse(strings.TrimSpace(f))
			if err != nil {
				return fmt.Errorf("%q is not a financing id", f)
			}
			ids = append(ids, id)
		}
		return nil
	})
	legs := []settlement.Leg{settlement.Repayment}
	fs.Func("leg", "repayment (buyer → lender, face), disbursement (lender → supplier, net proceeds) or both (default repayment)", func(s string) error {
		var ok bool
		if legs, ok = map[string][]settlement.Leg{"repayment": {settlement.Repayment}, "disbursement": {settlement.Disbursement},
			"both": {settlement.Disbursement, settlement.Repayment}}[s]; !ok {
			return fmt.Errorf("%q is not repayment, disbursement or both", s)
		}
		return nil
	})
	var on time.Time
	fs.Func("date", "booking date YYYY-MM-DD of every entry (default each leg's date, or today while that is to come)", func(s string) (err error) {
		on, err = calendar.ParseDate(s)
		return err
	})
	out := fs.String("out", "", "write to this file (mode 0600) instead of standard output")
	s, ctx, err := openApp(ctx, fs, args, stderr)
	if err != nil {
		return err
	}
	defer s.Shutdown(context.Background()) //nolint:errcheck
	if len(ids) == 0 {
		return usageErr("bank-notification: name the financings with --financing ID (cadena bank-notification --help)")
	}
	n, err := s.App.Settling.WriteBankNotification(ctx, app.System, ids, legs, on)
	if err != nil {
		return err
	}
	if err := writeOut(stdout, *out, n.XML); err != nil {
		return err
	}
	for _, e := range n.Entries {
		fmt.Fprintf(stderr, "financing %s: %s %s %s %s on the lender's account, booked %s",
			e.FinancingID, e.Leg, money.Format(e.Amount, e.Currency), e.Currency, e.CreditDebit, e.BookedOn.Format(time.DateOnly))
		switch e.Outcome {
		case settlement.Matched:
		case settlement.Duplicated:
			fmt.Fprintf(stderr, " (a duplicate if uploaded now: %s)", e.Reason)
		default:
			fmt.Fprintf(stderr, " (held for review if uploaded now: %s)", e.Reason)
		}
		fmt.Fprintln(stderr)
	}
	entries := fmt.Sprintf("%d entries", len(n.Entries))
	if len(n.Entries) == 1 {
		entries = "1 entry"
	}
	fmt.Fprintf(stderr, "camt.054.001.08 %s with %s: upload it to POST /v1/bank-statements\n", n.MessageID, entries)
	return nil
}
