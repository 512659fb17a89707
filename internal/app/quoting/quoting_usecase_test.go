package quoting_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/apptest"
	"github.com/cadena-finance/cadena/internal/app/quoting"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/pricing"
	"github.com/cadena-finance/cadena/internal/program"
	"github.com/cadena-finance/cadena/internal/refrate"
	"github.com/cadena-finance/cadena/internal/validation"
)

var as = apptest.Actor

func TestQuoting(t *testing.T) {
	apptest.Shared(t, map[string]func(t *testing.T, e *apptest.Env){
		"reference rates are the operator's; a correction names the previous rate": referenceRate,
		"a quote prices every able standing offer, best net first":                 quoteOffers,
		"a quote says why a standing offer could not quote":                        quoteUnavailable,
		"no able standing offer is no quote":                                       noQuotes,
		"a stale or missing fixing stops quoting":                                  staleFixing,
		"standing offers: the cap, enrolment, pause and withdrawal":                standingOffers,
		"a preview in a program takes its terms and fixing":                        previewPrice,
		"early payment says why not today, by the quote's rules":                   earlyPayments,
	})
}

func referenceRate(t *testing.T, e *apptest.Env) {
	// An index and a day no other case quotes on: a correction reprices nobody.
	const index, day = "TIIE_91", "2024-03-04"
	for _, p := range []party.Party{e.Party(party.Buyer), e.Party(party.Lender)} {
		if _, _, err := e.Quoting.PutReferenceRate(e.Ctx, as(p), index, day, "11.00"); !errors.Is(err, app.ErrForbidden) {
			t.Fatalf("%s publishes a rate: %v", p.Kind, err)
		}
	}
	op := as(e.Party(party.Operator))
	r, created, err := e.Quoting.PutReferenceRate(e.Ctx, op, index, day, "11.05")
	if err != nil || !created || r.Percent.String() != "11.05" {
		t.Fatalf("publish: %+v %v %v", r, created, err)
	}
	if _, created, err = e.Quoting.PutReferenceRate(e.Ctx, op, index, day, "11.10"); err != nil || created {
		t.Fatalf("correction: created %v, %v", created, err)
	}
	if n := e.Count("SELECT count(*) FROM outbox WHERE subject = $1 AND payload->'data'->>'index' = $2 AND payload->'data'->>'date' = $3 AND payload->'data'->>'rate' = '11.1000' AND payload->'data'->>'previous_rate' = '11.0500'",
		event.ReferenceRatePublished, index, day); n != 1 {
		t.Fatalf("%d correction events naming the previous rate, want 1", n)
	}
	rates, err := e.Quoting.ReferenceRates(e.Ctx, "tiie_91", day, day, 10)
	if err != nil || len(rates) != 1 || !rates[0].Percent.Equal(decimal.RequireFromString("11.10")) {
		t.Fatalf("stored %+v %v, want the correction only", rates, err)
	}
	var ve validation.Errors
	if _, _, err := e.Quoting.PutReferenceRate(e.Ctx, op, index, "2024-02-30", "11.00"); !errors.As(err, &ve) {
		t.Fatalf("an impossible date: %v", err)
	}
}

func quoteOffers(t *testing.T, e *apptest.Env) {
	w, other := e.World(), e.World()
	e.Quotable(w)
	ids := e.Invoices(w, w.Supplier, "100000.00")
	for _, p := range []party.Party{w.Buyer, w.Lender, w.Operator} {
		if _, err := e.Quoting.Quote(e.Ctx, as(p), ids); !errors.Is(err, app.ErrForbidden) {
			t.Fatalf("%s quotes: %v", p.Kind, err)
		}
	}
	if _, err := e.Quoting.Quote(e.Ctx, as(w.Supplier2), ids); !errors.Is(err, invoice.ErrNotFound) {
		t.Fatalf("another supplier's invoice: %v", err)
	}
	if _, err := e.Quoting.Quote(e.Ctx, as(w.Supplier), append(ids, e.Invoices(other, other.Supplier, "1.00")...)); !errors.Is(err, invoice.ErrNotFound) {
		t.Fatalf("an invoice of another program's supplier: %v", err)
	}
	if _, err := e.Quoting.Quote(e.Ctx, as(w.Supplier), []uuid.UUID{ids[0], ids[0]}); err == nil {
		t.Fatal("a repeated invoice id was quoted")
	}
	q := e.Quote(w.Supplier, ids...)
	if len(q.Offers) != 2 || q.Offers[0].LenderID != w.Lender.ID || q.Offers[0].SpreadBps != apptest.Spreads[0] || q.Offers[1].SpreadBps != apptest.Spreads[1] {
		t.Fatalf("offers %+v", q.Offers)
	}
	if !q.Offers[0].Net.GreaterThan(q.Offers[1].Net) {
		t.Fatal("not best net first")
	}
	// Value today, due in 60 days on a Sunday: the maturity rolls to Monday.
	o, l := q.Offers[0], q.Offers[0].Lines[0]
	if !o.ValueDate.Equal(e.Today()) || l.Days != 61 || o.ReferenceRate.String() != apptest.Rate {
		t.Fatalf("value %s, %d days, fixing %s", o.ValueDate, l.Days, o.ReferenceRate)
	}
	// 100,000 × (7.25% + 2.50%) × 61 / 360 = 1,652.0833… → 1,652.08.
	if o.Discount.String() != "1652.08" || o.Net.String() != "98347.92" {
		t.Fatalf("discount %s, net %s", o.Discount, o.Net)
	}
	if want := e.Now().Add(offer.QuoteTTL); !o.ExpiresAt.Equal(want) {
		t.Fatalf("expires %s, want %s", o.ExpiresAt, want)
	}
	// Ten minutes before the 13:00 cut-off, a quote lapses at the cut-off.
	e.SetNow(time.Date(2026, 6, 10, 12, 55, 0, 0, apptest.MexicoCity))
	if q := e.Quote(w.Supplier, ids...); !q.Offers[0].ExpiresAt.Equal(time.Date(2026, 6, 10, 13, 0, 0, 0, apptest.MexicoCity)) {
		t.Fatalf("expiry before the cut-off %s", q.Offers[0].ExpiresAt)
	}
	if got, err := e.Quoting.GetOffer(e.Ctx, as(w.Lender2), o.ID); !errors.Is(err, offer.ErrNotFound) {
		t.Fatalf("a competing lender reads the offer: %+v %v", got.ID, err)
	}
	for _, p := range []party.Party{w.Lender, w.Buyer, w.Supplier} {
		if _, err := e.Quoting.GetOffer(e.Ctx, as(p), o.ID); err != nil {
			t.Fatalf("%s reads its offer: %v", p.Kind, err)
		}
	}
}

func quoteUnavailable(t *testing.T, e *apptest.Env) {
	w := e.World()
	e.PublishFixing(w.Program.ReferenceIndex, apptest.Rate)
	e.Standing(w, w.Lender, offer.Bucket{MaxDays: 30, SpreadBps: 200}, offer.Bucket{MaxDays: 90, SpreadBps: 300})
	e.Standing(w, w.Lender2, offer.Bucket{MaxDays: 45, SpreadBps: 100})
	small := e.Party(party.Lender)
	if _, err := e.Administration.EnrollLender(e.Ctx, as(w.Operator), w.Program.ID, small.ID, "50000.00"); err != nil {
		t.Fatal(err)
	}
	e.Standing(w, small, offer.Bucket{MaxDays: 180, SpreadBps: 50})
	q := e.Quote(w.Supplier, e.Invoices(w, w.Supplier, "60000.00")...) // 61 days
	if len(q.Offers) != 1 || q.Offers[0].LenderID != w.Lender.ID || q.Offers[0].SpreadBps != 300 {
		t.Fatalf("offers %+v, want Lender's 61-day bucket only", q.Offers)
	}
	why := map[uuid.UUID]string{}
	for _, u := range q.Unavailable {
		why[u.LenderID] = u.Reason
	}
	if why[w.Lender2.ID] != "no_bucket" || why[small.ID] != "limit_exceeded" || len(why) != 2 {
		t.Fatalf("unavailable %+v", q.Unavailable)
	}
}

func noQuotes(t *testing.T, e *apptest.Env) {
	w := e.World()
	e.PublishFixing(w.Program.ReferenceIndex, apptest.Rate)
	ids := e.Invoices(w, w.Supplier, "1000.00")
	if _, err := e.Quoting.Quote(e.Ctx, as(w.Supplier), ids); !errors.Is(err, offer.ErrNoQuotes) {
		t.Fatalf("no standing offer: %v", err)
	}
	e.Standing(w, w.Lender, offer.Bucket{MaxDays: 30, SpreadBps: 100})
	if _, err := e.Quoting.Quote(e.Ctx, as(w.Supplier), ids); !errors.Is(err, offer.ErrNoQuotes) {
		t.Fatalf("no bucket for 61 days: %v", err)
	}
	if n := e.Count("SELECT count(*) FROM offers WHERE supplier_id = $1", w.Supplier.ID); n != 0 {
		t.Fatalf("%d offers stored without a quote", n)
	}
}

func staleFixing(t *testing.T, e *apptest.Env) {
	// An index of this case alone, so its fixings move no other case's quotes.
	w := e.WorldWith(program.Draft{ReferenceIndex: "TIIE_28"}, apptest.Limit)
	e.Standing(w, w.Lender, offer.Bucket{MaxDays: 180, SpreadBps: 200})
	ids := e.Invoices(w, w.Supplier, "1000.00")
	if _, err := e.Quoting.Quote(e.Ctx, as(w.Supplier), ids); !errors.Is(err, refrate.ErrNone) {
		t.Fatalf("no fixing ever: %v", err)
	}
	put := func(businessDaysAgo int) {
		t.Helper()
		if _, _, err := e.Quoting.PutReferenceRate(e.Ctx, app.System, "TIIE_28", e.BusinessDay(-businessDaysAgo).Format(time.DateOnly), "7.40"); err != nil {
			t.Fatal(err)
		}
	}
	put(4)
	if _, err := e.Quoting.Quote(e.Ctx, as(w.Supplier), ids); !errors.Is(err, refrate.ErrStale) {
		t.Fatalf("a fixing four business days old: %v", err)
	}
	put(3) // the oldest a quote takes (RateMaxAgeDays defaults to 3)
	if q := e.Quote(w.Supplier, ids...); !q.Fixing.Date.Equal(e.BusinessDay(-3)) {
		t.Fatalf("quoted on the fixing of %s", q.Fixing.Date)
	}
}

func standingOffers(t *testing.T, e *apptest.Env) {
	w, other := e.World(), e.World()
	e.PublishFixing(w.Program.ReferenceIndex, apptest.Rate)
	if _, err := e.Quoting.PutStandingOffer(e.Ctx, as(w.Lender), w.Program.ID, []offer.Bucket{{MaxDays: 90, SpreadBps: w.Program.MaxSpreadBps + 1}}, time.Time{}, time.Time{}); !errors.Is(err, offer.ErrStandingAboveCap) {
		t.Fatalf("above the cap: %v", err)
	}
	if _, err := e.Quoting.PutStandingOffer(e.Ctx, as(other.Lender), w.Program.ID, []offer.Bucket{{MaxDays: 90, SpreadBps: 100}}, time.Time{}, time.Time{}); !errors.Is(err, program.ErrNotFound) {
		t.Fatalf("a lender not enrolled: %v", err)
	}
	if _, err := e.Quoting.PutStandingOffer(e.Ctx, as(w.Buyer), w.Program.ID, []offer.Bucket{{MaxDays: 90, SpreadBps: 100}}, time.Time{}, time.Time{}); !errors.Is(err, app.ErrForbidden) {
		t.Fatalf("a buyer's standing offer: %v", err)
	}
	var ve validation.Errors
	if _, err := e.Quoting.PutStandingOffer(e.Ctx, as(w.Lender), w.Program.ID, []offer.Bucket{{MaxDays: 90, SpreadBps: 100}, {MaxDays: 30, SpreadBps: 100}}, time.Time{}, time.Time{}); !errors.As(err, &ve) {
		t.Fatalf("buckets out of order: %v", err)
	}
	if _, err := e.Quoting.PutStandingOffer(e.Ctx, as(w.Lender), w.Program.ID, []offer.Bucket{{MaxDays: 90, SpreadBps: 100}}, time.Time{}, e.Now().Add(-time.Hour)); !errors.As(err, &ve) {
		t.Fatalf("valid until the past: %v", err)
	}
	e.Standing(w, w.Lender, offer.Bucket{MaxDays: 180, SpreadBps: 200})
	ids := e.Invoices(w, w.Supplier, "1000.00")
	e.Quote(w.Supplier, ids...)
	if _, err := e.Quoting.SetStandingOfferStatus(e.Ctx, as(w.Lender), w.Program.ID, false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Quoting.Quote(e.Ctx, as(w.Supplier), ids); !errors.Is(err, offer.ErrNoQuotes) {
		t.Fatalf("a paused standing offer quoted: %v", err)
	}
	if _, err := e.Quoting.SetStandingOfferStatus(e.Ctx, as(w.Lender), w.Program.ID, true); err != nil {
		t.Fatal(err)
	}
	e.Quote(w.Supplier, ids...)
	if err := e.Quoting.WithdrawStandingOffer(e.Ctx, as(w.Lender), w.Program.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Quoting.GetStandingOffer(e.Ctx, as(w.Lender), w.Program.ID); !errors.Is(err, offer.ErrNoStandingOffer) {
		t.Fatalf("after withdrawal: %v", err)
	}
	if n := e.Count("SELECT count(*) FROM outbox WHERE subject = $1 AND payload->'data'->>'lender_id' = $2", event.StandingOfferChanged, w.Lender.ID.String()); n != 4 {
		t.Fatalf("%d standing_changed events (put, pause, resume, withdraw), want 4", n)
	}
}

func previewPrice(t *testing.T, e *apptest.Env) {
	w, other := e.World(), e.World()
	e.Quotable(w)
	id := e.Invoices(w, w.Supplier, "100000.00")[0]
	pv, err := e.Quoting.PreviewPrice(e.Ctx, as(w.Supplier), quoting.PreviewRequest{InvoiceID: id.String(),
		Request: pricing.Request{SpreadBps: "250"}})
	if err != nil || !pv.Eligible || pv.Fixing == nil || pv.Quote.Discount.String() != "1652.08" {
		t.Fatalf("preview of the invoice: %+v %v", pv.Quote, err)
	}
	if _, err := e.Quoting.PreviewPrice(e.Ctx, as(other.Supplier), quoting.PreviewRequest{InvoiceID: id.String(),
		Request: pricing.Request{SpreadBps: "250"}}); !errors.Is(err, invoice.ErrNotFound) {
		t.Fatalf("another supplier previews the invoice: %v", err)
	}
	var ve validation.Errors
	if _, err := e.Quoting.PreviewPrice(e.Ctx, as(w.Supplier), quoting.PreviewRequest{ProgramID: w.Program.ID.String(),
		Request: pricing.Request{Face: "1000.00", DueDate: "2026-08-10", SpreadBps: "250", ReferenceRate: "9.00"}}); !errors.As(err, &ve) || ve[0].Code != "set_by_program" {
		t.Fatalf("a rate given with a program: %v", err)
	}
	if _, err := e.Quoting.PreviewPrice(e.Ctx, as(other.Buyer), quoting.PreviewRequest{ProgramID: w.Program.ID.String(),
		Request: pricing.Request{Face: "1000.00", DueDate: "2026-08-10", SpreadBps: "250"}}); !errors.Is(err, program.ErrNotFound) {
		t.Fatalf("another buyer's program: %v", err)
	}
	soon, err := e.Quoting.PreviewPrice(e.Ctx, as(w.Buyer), quoting.PreviewRequest{ProgramID: w.Program.ID.String(),
		Request: pricing.Request{Face: "1000.00", DueDate: e.Today().AddDate(0, 0, 3).Format(time.DateOnly), SpreadBps: "250"}})
	if err != nil || soon.Eligible || soon.IneligibleReason == "" {
		t.Fatalf("due in 3 days (minimum 7): eligible %v (%v)", soon.Eligible, err)
	}
}

func earlyPayments(t *testing.T, e *apptest.Env) {
	w := e.World()
	e.Quotable(w)
	get := func(id uuid.UUID) invoice.Invoice {
		d, err := e.Invoicing.GetInvoice(e.Ctx, as(w.Supplier), id)
		if err != nil {
			t.Fatal(err)
		}
		return d.Invoice
	}
	ids := e.Publish(w, e.Draft(w.Supplier, "1000.00", 60), e.Draft(w.Supplier, "1000.00", 3), e.Draft(w.Supplier, "1000.00", 250),
		e.Draft(w.Supplier, "2000000.00", 60), e.Draft(w.Supplier, "1000.00", 40))
	if _, err := e.Invoicing.CancelInvoice(e.Ctx, as(w.Buyer), ids[4]); err != nil {
		t.Fatal(err)
	}
	invs := make([]invoice.Invoice, len(ids))
	for i, id := range ids {
		invs[i] = get(id)
	}
	if _, err := e.Quoting.EarlyPayments(e.Ctx, as(w.Buyer), invs); !errors.Is(err, app.ErrForbidden) {
		t.Fatalf("a buyer asks: %v", err)
	}
	ep, err := e.Quoting.EarlyPayments(e.Ctx, as(w.Supplier), invs)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"", quoting.PayTenorShort, quoting.PayTenorLong, quoting.PayNoOffer, quoting.PayNotOpen}
	for i, id := range ids {
		if ep[id].Reason != want[i] {
			t.Errorf("invoice %d: reason %q, want %q", i, ep[id].Reason, want[i])
		}
	}
	if !ep[ids[0]].Today || !ep[ids[0]].Quotable {
		t.Fatalf("the quotable invoice: %+v", ep[ids[0]])
	}
	// Due in 250 days, maximum tenor 180: payable from the business day 70 days before maturity's cap.
	if next := ep[ids[2]].Next; next.IsZero() || next.Before(e.Today().AddDate(0, 0, 70)) {
		t.Fatalf("tenor_long from %s", next)
	}
	// After the cut-off the same invoice is quotable for tomorrow.
	e.SetNow(time.Date(2026, 6, 10, 13, 0, 0, 0, apptest.MexicoCity))
	ep, err = e.Quoting.EarlyPayments(e.Ctx, as(w.Supplier), invs[:1])
	if err != nil || ep[ids[0]].Today || !ep[ids[0]].Quotable || ep[ids[0]].Reason != quoting.PayCutoffPassed || !ep[ids[0]].Next.Equal(e.BusinessDay(1)) {
		t.Fatalf("at the cut-off: %+v %v", ep[ids[0]], err)
	}
}
