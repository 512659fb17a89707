package acceptance_test

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/apptest"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/program"
)

var as = apptest.Actor

// exposure is lender's recorded exposure in w's program.
func exposure(t *testing.T, e *apptest.Env, w apptest.World, lender party.Party) decimal.Decimal {
	t.Helper()
	_, lines, err := e.Administration.ProgramLenders(e.Ctx, as(lender), w.Program.ID)
	if err != nil || len(lines) != 1 {
		t.Fatalf("lines %+v %v", lines, err)
	}
	return lines[0].Exposure
}

func status(t *testing.T, e *apptest.Env, id uuid.UUID) invoice.Status {
	t.Helper()
	d, err := e.Invoicing.GetInvoice(e.Ctx, app.System, id)
	if err != nil {
		t.Fatal(err)
	}
	return d.Status
}

func TestAcceptance(t *testing.T) {
	apptest.Shared(t, map[string]func(t *testing.T, e *apptest.Env){
		"an acceptance makes one financing per line and reserves the face": acceptOffer,
		"only the offer's supplier accepts it, while it is open":           acceptOnlyOwnOpen,
		"an invoice cancelled or netted since the quote is taken":          invoiceChanged,
		"an acceptance beyond the lender's limit is refused whole":         limitExceeded,
		"concurrent acceptances on shared invoices: one wins, no deadlock": concurrentAcceptances,
	})
}

func acceptOffer(t *testing.T, e *apptest.Env) {
	w := e.World()
	e.Quotable(w)
	ids := e.Invoices(w, w.Supplier, "100000.00", "50000.00")
	q := e.Quote(w.Supplier, ids...)
	best := q.Offers[0]
	fs := e.Accept(w.Supplier, best.ID)
	if len(fs) != 2 {
		t.Fatalf("%d financings for two lines", len(fs))
	}
	for i, f := range fs {
		l := best.Lines[i]
		if f.Status != financing.Accepted || f.InvoiceID != l.InvoiceID || !f.Face.Equal(l.Face) || !f.Net.Equal(l.Net) || f.LenderID != w.Lender.ID ||
			f.OfferID != best.ID || !f.ValueDate.Equal(best.ValueDate) || !f.Maturity.Equal(l.Maturity) {
			t.Fatalf("financing %d %+v does not carry its line %+v", i, f, l)
		}
		if status(t, e, f.InvoiceID) != invoice.Financed {
			t.Fatalf("invoice %d is %s", i, status(t, e, f.InvoiceID))
		}
	}
	if got := exposure(t, e, w, w.Lender); got.String() != "150000" {
		t.Fatalf("exposure %s, want the face 150000", got)
	}
	if got := exposure(t, e, w, w.Lender2); !got.IsZero() {
		t.Fatalf("the losing lender's exposure %s", got)
	}
	// The competing offer was superseded with it.
	if _, err := e.Acceptance.AcceptOffer(e.Ctx, as(w.Supplier), q.Offers[1].ID); !errors.Is(err, offer.ErrNotOpen) {
		t.Fatalf("the sibling offer: %v", err)
	}
	if _, err := e.Acceptance.AcceptOffer(e.Ctx, as(w.Supplier), best.ID); !errors.Is(err, offer.ErrNotOpen) {
		t.Fatalf("accepting twice: %v", err)
	}
	// The platform's event and the lender's, buyer's and supplier's copies, in the same transaction.
	if n := e.Count("SELECT count(*) FROM outbox WHERE payload->>'type' = $1 AND payload->'data'->>'offer_id' = $2", event.FinancingAccepted, best.ID.String()); n != 4 {
		t.Fatalf("%d financing.accepted rows, want 4", n)
	}
	if n := e.Events(event.ForLender(w.Lender.ID.String(), event.FinancingAccepted), "offer_id", best.ID.String()); n != 1 {
		t.Fatal("the lender's copy is missing")
	}
	if _, err := e.Quoting.Quote(e.Ctx, as(w.Supplier), ids[:1]); !errors.Is(err, offer.ErrInvoiceTaken) {
		t.Fatalf("quoting a financed invoice: %v", err)
	}
}

func acceptOnlyOwnOpen(t *testing.T, e *apptest.Env) {
	w := e.World()
	e.Quotable(w)
	o := e.Quote(w.Supplier, e.Invoices(w, w.Supplier, "1000.00")...).Offers[0]
	if _, err := e.Acceptance.AcceptOffer(e.Ctx, as(w.Supplier2), o.ID); !errors.Is(err, offer.ErrNotFound) {
		t.Fatalf("another supplier accepts: %v", err)
	}
	e.SetNow(o.ExpiresAt)
	if _, err := e.Acceptance.AcceptOffer(e.Ctx, as(w.Supplier), o.ID); !errors.Is(err, offer.ErrExpired) {
		t.Fatalf("at expiry: %v", err)
	}
	e.SetNow(o.ExpiresAt.Add(-time.Nanosecond))
	e.Accept(w.Supplier, o.ID)
}

func invoiceChanged(t *testing.T, e *apptest.Env) {
	w := e.World()
	e.Quotable(w)
	cancelled, netted := e.Draft(w.Supplier, "1000.00", 60), e.Draft(w.Supplier, "1000.00", 60)
	ids := e.Publish(w, cancelled, netted)
	oc := e.Quote(w.Supplier, ids[0]).Offers[0]
	on := e.Quote(w.Supplier, ids[1]).Offers[0]
	if _, err := e.Invoicing.CancelInvoice(e.Ctx, as(w.Buyer), ids[0]); err != nil {
		t.Fatal(err)
	}
	cn := e.Draft(w.Supplier, "100.00", 60)
	cn.Kind, cn.DueDate, cn.CreditNoteFor = string(invoice.KindCreditNote), "", netted.DocumentNumber
	e.Publish(w, cn)
	for name, o := range map[string]offer.Offer{"cancelled": oc, "netted": on} {
		if _, err := e.Acceptance.AcceptOffer(e.Ctx, as(w.Supplier), o.ID); !errors.Is(err, offer.ErrInvoiceTaken) {
			t.Fatalf("%s since the quote: %v", name, err)
		}
	}
	if got := exposure(t, e, w, w.Lender); !got.IsZero() {
		t.Fatalf("exposure %s after refusals", got)
	}
	// Quoted again, the netted invoice is financed at its new payable amount.
	if fs := e.Accept(w.Supplier, e.Quote(w.Supplier, ids[1]).Offers[0].ID); fs[0].Face.String() != "900" {
		t.Fatalf("financed face %s, want 900", fs[0].Face)
	}
}

func limitExceeded(t *testing.T, e *apptest.Env) {
	w := e.WorldWith(program.Draft{}, "150000.00")
	e.Quotable(w)
	ids := e.Invoices(w, w.Supplier, "100000.00", "100000.00")
	first, second := e.Quote(w.Supplier, ids[0]).Offers[0], e.Quote(w.Supplier, ids[1]).Offers[0]
	if first.LenderID != second.LenderID {
		t.Fatal("the quotes went to different lenders")
	}
	e.Accept(w.Supplier, first.ID)
	if _, err := e.Acceptance.AcceptOffer(e.Ctx, as(w.Supplier), second.ID); !errors.Is(err, offer.ErrLimitExceeded) {
		t.Fatalf("beyond the limit: %v", err)
	}
	if got := exposure(t, e, w, w.Lender); got.String() != "100000" {
		t.Fatalf("exposure %s after a refused acceptance, want 100000", got)
	}
	if status(t, e, ids[1]) != invoice.Published {
		t.Fatalf("the refused invoice is %s", status(t, e, ids[1]))
	}
	if n := e.Count("SELECT count(*) FROM financings WHERE invoice_id = $1", ids[1]); n != 0 {
		t.Fatalf("%d financings of the refused acceptance", n)
	}
	// The other lender's line is its own: it can still take the invoice.
	for _, o := range e.Quote(w.Supplier, ids[1]).Offers {
		if o.LenderID == w.Lender2.ID {
			e.Accept(w.Supplier, o.ID)
			return
		}
	}
	t.Fatal("the other lender did not quote")
}

// Rounds of two invoices quoted twice (in both orders), so four offers of
// two lenders share both invoices; four goroutines accept them at once.
// Exactly one acceptance wins each round; the others are refused as taken
// or no longer open, never with a deadlock or a duplicate financing.
func concurrentAcceptances(t *testing.T, e *apptest.Env) {
	w := e.World()
	e.Quotable(w)
	for round := range 8 {
		ids := e.Invoices(w, w.Supplier, "1000.00", "2000.00")
		offers := append(e.Quote(w.Supplier, ids[0], ids[1]).Offers, e.Quote(w.Supplier, ids[1], ids[0]).Offers...)
		errs := make([]error, len(offers))
		var wg sync.WaitGroup
		for i, o := range offers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = e.Acceptance.AcceptOffer(e.Ctx, as(w.Supplier), o.ID)
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case !errors.Is(err, offer.ErrNotOpen) && !errors.Is(err, offer.ErrInvoiceTaken):
				t.Fatalf("round %d: %v", round, err)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d acceptances won", round, won)
		}
		if n := e.Count("SELECT count(*) FROM financings WHERE invoice_id = ANY($1)", ids); n != 2 {
			t.Fatalf("round %d: %d financings for two invoices", round, n)
		}
	}
	total := exposure(t, e, w, w.Lender).Add(exposure(t, e, w, w.Lender2))
	if total.String() != "24000" {
		t.Fatalf("exposure %s, want 8 × 3000", total)
	}
}

// TestRepricedAfterCorrection moves today's fixing, so it has a database
// of its own: an offer priced on the old rate is refused, a new quote is not.
func TestRepricedAfterCorrection(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	w := e.World()
	e.Quotable(w)
	ids := e.Invoices(w, w.Supplier, "1000.00")
	o := e.Quote(w.Supplier, ids...).Offers[0]
	e.PublishFixing(w.Program.ReferenceIndex, "7.30")
	if _, err := e.Acceptance.AcceptOffer(e.Ctx, as(w.Supplier), o.ID); !errors.Is(err, offer.ErrRepriced) {
		t.Fatalf("after a correction: %v", err)
	}
	if status(t, e, ids[0]) != invoice.Published {
		t.Fatal("a repriced acceptance moved the invoice")
	}
	again := e.Quote(w.Supplier, ids...).Offers[0]
	if again.ReferenceRate.String() != "7.3" {
		t.Fatalf("the new quote is on %s", again.ReferenceRate)
	}
	e.Accept(w.Supplier, again.ID)
}
