package settling_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/apptest"
	"github.com/cadena-finance/cadena/internal/app/settling"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/settlement"
	"github.com/cadena-finance/cadena/internal/validation"
)

var as = apptest.Actor

// paid is a confirmation of amount dated today in the programs' zone.
func paid(e *apptest.Env, ref, amount string) settling.ConfirmationInput {
	return settling.ConfirmationInput{BankReference: ref, Amount: amount, Date: e.Today().Format(time.DateOnly)}
}

// get reloads a financing.
func get(t *testing.T, e *apptest.Env, f financing.Financing) financing.Financing {
	t.Helper()
	got, err := e.Settling.GetFinancing(e.Ctx, app.System, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// reconciled checks the financings agree with their ledger, legs and the exposure lines.
func reconciled(t *testing.T, e *apptest.Env, fs ...financing.Financing) {
	t.Helper()
	r, err := e.Settling.ReconcileFinancings(e.Ctx, idsOf(fs))
	if err != nil || !r.OK() || r.Checked != len(fs) {
		t.Fatalf("reconciliation of %d: checked %d, %+v %v", len(fs), r.Checked, r.Differences, err)
	}
}

func idsOf(fs []financing.Financing) []uuid.UUID {
	out := make([]uuid.UUID, len(fs))
	for i, f := range fs {
		out[i] = f.ID
	}
	return out
}

func TestSettling(t *testing.T) {
	apptest.Shared(t, map[string]func(t *testing.T, e *apptest.Env){
		"a funding confirmation is the lender's, exact, dated, and idempotent by reference": confirmFunding,
		"a repayment confirmation releases the exposure once":                               confirmRepayment,
		"reconciliation is the operator's":                                                  reconcileRole,
	})
}

func confirmFunding(t *testing.T, e *apptest.Env) {
	w := e.World()
	e.Quotable(w)
	f := e.Financed(w, "100000.00")
	net := f.Net.StringFixed(2)
	for _, a := range []app.Actor{as(w.Supplier), as(w.Buyer), as(w.Operator)} {
		if _, err := e.Settling.ConfirmFunding(e.Ctx, a, f.ID, paid(e, "R1", net)); !errors.Is(err, app.ErrForbidden) {
			t.Fatalf("%s confirms: %v", a.Role, err)
		}
	}
	if _, err := e.Settling.ConfirmFunding(e.Ctx, as(w.Lender2), f.ID, paid(e, "R1", net)); !errors.Is(err, financing.ErrNotFound) {
		t.Fatalf("another lender confirms: %v", err)
	}
	if _, err := e.Settling.ConfirmFunding(e.Ctx, as(w.Lender), f.ID, paid(e, "R1", f.Face.StringFixed(2))); !errors.Is(err, settlement.ErrAmountMismatch) {
		t.Fatalf("the face instead of the net: %v", err)
	}
	tomorrow := paid(e, "R1", net)
	tomorrow.Date = e.Today().AddDate(0, 0, 1).Format(time.DateOnly)
	if _, err := e.Settling.ConfirmFunding(e.Ctx, as(w.Lender), f.ID, tomorrow); !errors.Is(err, settlement.ErrPaidInFuture) {
		t.Fatalf("paid tomorrow: %v", err)
	}
	var ve validation.Errors
	if _, err := e.Settling.ConfirmFunding(e.Ctx, as(w.Lender), f.ID, paid(e, " ", net)); !errors.As(err, &ve) {
		t.Fatalf("no bank reference: %v", err)
	}
	if _, err := e.Settling.ConfirmRepayment(e.Ctx, as(w.Lender), f.ID, paid(e, "P0", f.Face.StringFixed(2))); !errors.Is(err, financing.ErrTransition) {
		t.Fatalf("repaid before funded: %v", err)
	}
	c, err := e.Settling.ConfirmFunding(e.Ctx, as(w.Lender), f.ID, paid(e, "R1", net))
	if err != nil || c.Duplicate || c.Financing.Status != financing.Funded {
		t.Fatalf("confirm: %+v %v", c, err)
	}
	// The bank's word again changes nothing; another reference for the paid leg is refused.
	if c, err = e.Settling.ConfirmFunding(e.Ctx, as(w.Lender), f.ID, paid(e, "R1", net)); err != nil || !c.Duplicate || c.Financing.Status != financing.Funded {
		t.Fatalf("the same confirmation again: %+v %v", c, err)
	}
	if _, err = e.Settling.ConfirmFunding(e.Ctx, as(w.Lender), f.ID, paid(e, "R2", net)); !errors.Is(err, settlement.ErrAlreadyConfirmed) {
		t.Fatalf("another reference: %v", err)
	}
	if n := e.Count("SELECT count(*) FROM outbox WHERE subject = $1 AND payload->'data'->>'financing_id' = $2 AND payload->'data'->>'bank_reference' = 'R1'",
		event.FinancingFunded, f.ID.String()); n != 1 {
		t.Fatalf("%d financing.funded events, want 1", n)
	}
	reconciled(t, e, f)
}

func confirmRepayment(t *testing.T, e *apptest.Env) {
	w := e.World()
	e.Quotable(w)
	f := e.Financed(w, "50000.00")
	if _, err := e.Settling.ConfirmFunding(e.Ctx, as(w.Lender), f.ID, paid(e, "F1", f.Net.StringFixed(2))); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Settling.ConfirmRepayment(e.Ctx, as(w.Lender), f.ID, paid(e, "P1", f.Net.StringFixed(2))); !errors.Is(err, settlement.ErrAmountMismatch) {
		t.Fatalf("the net instead of the face: %v", err)
	}
	for range 2 {
		c, err := e.Settling.ConfirmRepayment(e.Ctx, as(w.Lender), f.ID, paid(e, "P1", f.Face.StringFixed(2)))
		if err != nil || c.Financing.Status != financing.Repaid {
			t.Fatalf("repayment: %+v %v", c, err)
		}
	}
	_, lines, err := e.Administration.ProgramLenders(e.Ctx, as(w.Lender), w.Program.ID)
	if err != nil || !lines[0].Exposure.IsZero() {
		t.Fatalf("exposure after repayment %s (%v), want released once to 0", lines[0].Exposure, err)
	}
	reconciled(t, e, f)
}

func reconcileRole(t *testing.T, e *apptest.Env) {
	w := e.World()
	for _, a := range []app.Actor{as(w.Buyer), as(w.Lender), as(w.Supplier)} {
		if _, err := e.Settling.Reconcile(e.Ctx, a); !errors.Is(err, app.ErrForbidden) {
			t.Fatalf("%s reconciles: %v", a.Role, err)
		}
	}
}

// at is a day's wall-clock time in Mexico City.
func at(day time.Time, hour, minute int) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), hour, minute, 0, 0, apptest.MexicoCity)
}

// TestSettleSchedule sweeps the whole platform, so it has a database of its
// own. With the clock pinned it walks two financings through the schedule:
// one never funded fails at the cut-off; the other is reminded once, falls
// due on its maturity in the program's zone, and goes overdue only after
// the grace days, counted in business days. Then everything reconciles.
func TestSettleSchedule(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	w := e.World()
	e.Quotable(w)
	unfunded := e.Financed(w, "1000.00")
	f := e.Financed(w, "2000.00")
	if _, err := e.Settling.ConfirmFunding(e.Ctx, as(w.Lender), f.ID, paid(e, "F1", f.Net.StringFixed(2))); err != nil {
		t.Fatal(err)
	}
	sweep := func(when time.Time, want int) {
		t.Helper()
		e.SetNow(when)
		if n, err := e.Settling.SettleSchedule(e.Ctx, 50, 3); err != nil || n != want {
			t.Fatalf("sweep at %s: %d moved (%v), want %d", when, n, err, want)
		}
	}
	sweep(at(e.Today(), 12, 59), 0)
	sweep(at(e.Today(), 13, 0), 1) // the cut-off of the value date
	if got := get(t, e, unfunded); got.Status != financing.FundingFailed {
		t.Fatalf("unfunded at the cut-off: %s", got.Status)
	}
	if d, err := e.Invoicing.GetInvoice(e.Ctx, app.System, unfunded.InvoiceID); err != nil || d.Status != invoice.Published {
		t.Fatalf("the failed funding's invoice: %s %v", d.Status, err)
	}

	cal, err := e.Calendar(e.Ctx, w.Program.Calendar)
	if err != nil {
		t.Fatal(err)
	}
	before := func(n int) time.Time {
		d, err := cal.AddBusinessDays(f.Maturity, -n)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	sweep(at(before(4), 10, 0), 0)
	sweep(at(before(3), 10, 0), 1) // the reminder
	sweep(at(before(2), 10, 0), 0) // once
	if n := e.Events(event.FinancingRepaymentReminder, "financing_id", f.ID.String()); n != 1 {
		t.Fatalf("%d reminders", n)
	}
	// 23:30 in Mexico City the day before maturity is maturity day in UTC: not yet due.
	sweep(at(f.Maturity.AddDate(0, 0, -1), 23, 30), 0)
	sweep(at(f.Maturity, 0, 30), 1)
	if got := get(t, e, f); got.Status != financing.Due {
		t.Fatalf("at maturity: %s", got.Status)
	}
	deadline, err := cal.AddBusinessDays(f.Maturity, w.Program.GraceDays)
	if err != nil {
		t.Fatal(err)
	}
	sweep(at(deadline, 23, 59), 0)
	sweep(at(deadline.AddDate(0, 0, 1), 0, 0), 1)
	if got := get(t, e, f); got.Status != financing.Overdue {
		t.Fatalf("after the grace days: %s", got.Status)
	}
	// Paid late, it is repaid; the books agree.
	if c, err := e.Settling.ConfirmRepayment(e.Ctx, as(w.Lender), f.ID, paid(e, "P1", f.Face.StringFixed(2))); err != nil || c.Financing.Status != financing.Repaid {
		t.Fatalf("late repayment: %+v %v", c, err)
	}
	r, err := e.Settling.Reconcile(e.Ctx, app.System)
	if err != nil || !r.OK() || r.Checked != 2 {
		t.Fatalf("reconcile: checked %d, %+v %v", r.Checked, r.Differences, err)
	}
	for _, tb := range r.TrialBalance {
		if !tb.Balance.IsZero() {
			t.Fatalf("%s trial balance %s", tb.Currency, tb.Balance)
		}
	}
	_, lines, err := e.Administration.ProgramLenders(e.Ctx, app.System, w.Program.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lines {
		if !l.Exposure.IsZero() {
			t.Fatalf("exposure %s left", l.Exposure)
		}
	}
}
