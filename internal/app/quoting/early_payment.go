package quoting

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/offer/offerdb"
	"github.com/cadena-finance/cadena/internal/pricing"
	"github.com/cadena-finance/cadena/internal/refrate"
)

// Why an invoice cannot be paid early today (EarlyPayment.Reason).
const (
	PayNotOpen      = "not_open"      // not a published invoice with an amount payable
	PayTenorShort   = "tenor_short"   // matures too soon for the program: never
	PayTenorLong    = "tenor_long"    // matures too far out: from Next
	PayNoRate       = "no_rate"       // no fresh reference-rate fixing: once one is published
	PayNoOffer      = "no_offer"      // no standing offer with the limit and a tenor bucket for it
	PayCutoffPassed = "cutoff_passed" // today's funding cut-off has passed: on Next
	PayClosed       = "closed"        // today is not a business day: on Next
)

// EarlyPayment says whether an invoice can be paid early today and, if
// not, why and from when.
type EarlyPayment struct {
	Today    bool   // a quote made now pays today
	Quotable bool   // a quote made now succeeds, perhaps for a later value date
	Reason   string // why not today; empty when Today
	// Next is the first day it can be paid; zero when that waits on someone
	// (a fixing, a lender's limit) or never comes.
	Next   time.Time
	Asked  time.Time // today in the program's time zone, when the answer was given
	Cutoff string    // the program's funding cut-off, HH:MM in its time zone
	Index  string    // the program's reference index
}

// EarlyPayments answers EarlyPayment for invoices the caller (a supplier)
// has read, by the very rules a quote applies (loadBasket and Quote): a
// value date from the cut-off and the program's calendar, a fresh fixing
// for that date, the program's tenor limits, and at least one standing
// offer whose available limit and tenor buckets take the invoice at a price
// the program allows.
func (a *App) EarlyPayments(ctx context.Context, act app.Actor, invs []invoice.Invoice) (map[uuid.UUID]EarlyPayment, error) {
	if !act.Is(auth.RoleSupplier) {
		return nil, app.ErrForbidden
	}
	out := make(map[uuid.UUID]EarlyPayment, len(invs))
	days := map[uuid.UUID]*payDay{}
	for _, inv := range invs {
		if inv.Kind != invoice.KindInvoice || inv.Status != invoice.Published || !inv.Payable().IsPositive() {
			out[inv.ID] = EarlyPayment{Reason: PayNotOpen}
			continue
		}
		d, ok := days[inv.ProgramID]
		if !ok {
			var err error
			if d, err = a.payDay(ctx, inv.ProgramID); err != nil {
				return nil, err
			}
			days[inv.ProgramID] = d
		}
		out[inv.ID] = d.judge(inv)
	}
	return out, nil
}

// payDay is what a quote made now in one program rests on.
type payDay struct {
	app.Basket
	today   time.Time
	open    bool // today is a business day
	fixErr  error
	lenders []offerdb.QuotingLender
}

func (a *App) payDay(ctx context.Context, programID uuid.UUID) (*payDay, error) {
	d := &payDay{}
	var err error
	if d.Program, err = a.ProgramOf(ctx, programID); err != nil {
		return nil, err
	}
	if err := a.QuoteDay(ctx, &d.Basket, a.Clock()); err != nil {
		return nil, err
	}
	d.today = calendar.Day(a.Clock().In(d.Program.Location()))
	if d.open, err = d.Terms.Calendar.IsBusinessDay(d.today); err != nil {
		return nil, err
	}
	d.Fix, d.fixErr = a.Fixing(ctx, d.Program.ReferenceIndex, d.Value, d.Terms.Calendar)
	if d.fixErr != nil && !errors.Is(d.fixErr, refrate.ErrStale) && !errors.Is(d.fixErr, refrate.ErrNone) {
		return nil, d.fixErr
	}
	if d.lenders, err = offerdb.QuotingLenders(ctx, a.Pool, programID, a.Clock()); err != nil {
		return nil, err
	}
	return d, nil
}

// judge applies the quote's rules to one invoice, the invoice's own first:
// a reason that never goes away outranks one that waits on someone, which
// outranks the clock.
func (d *payDay) judge(inv invoice.Invoice) EarlyPayment {
	ep := EarlyPayment{Asked: d.today, Cutoff: d.Program.FundingCutoff, Index: d.Program.ReferenceIndex}
	days, maturity, err := d.Tenor(inv)
	switch {
	case errors.Is(err, pricing.ErrTenorTooLong):
		ep.Reason, ep.Next = PayTenorLong, d.firstWithin(maturity)
		return ep
	case err != nil:
		ep.Reason = PayTenorShort
		return ep
	case d.fixErr != nil:
		ep.Reason = PayNoRate
		return ep
	}
	if !d.anyLender(inv, days) {
		ep.Reason = PayNoOffer
		return ep
	}
	ep.Quotable = true
	switch {
	case d.Value.Equal(d.today):
		ep.Today = true
	case d.open:
		ep.Reason, ep.Next = PayCutoffPassed, d.Value
	default:
		ep.Reason, ep.Next = PayClosed, d.Value
	}
	return ep
}

// anyLender: some standing offer quotes the invoice alone, priced as Quote prices it.
func (d *payDay) anyLender(inv invoice.Invoice, days int) bool {
	for _, l := range d.lenders {
		sp, why := spreads(l, inv.Payable(), []int{days})
		if why != "" {
			continue
		}
		if _, err := pricing.Price(d.Input(inv, sp[0])); err == nil {
			return true
		}
	}
	return false
}

// firstWithin is the first business day from which maturity is within the
// program's maximum tenor.
func (d *payDay) firstWithin(maturity time.Time) time.Time {
	day := maturity.AddDate(0, 0, -d.Program.MaxTenorDays)
	if ok, err := d.Terms.Calendar.IsBusinessDay(day); err == nil && !ok {
		if next, err := d.Terms.Calendar.NextBusinessDay(day); err == nil {
			return next
		}
	}
	return day
}
