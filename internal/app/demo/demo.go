// Package demo seeds and refreshes the demo that `make run` offers, through
// the same use cases an operator, a buyer and a lender would call. It is
// tooling over the use cases, not one of them, so it may use several.
package demo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/administration"
	"github.com/cadena-finance/cadena/internal/app/invoicing"
	"github.com/cadena-finance/cadena/internal/app/usecases"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/pricing"
	"github.com/cadena-finance/cadena/internal/program"
	"github.com/cadena-finance/cadena/internal/refrate"
)

// Password is the password of every demo user; the demo is for local use only.
const Password = "cadena-demo-2026"

// Party is one seeded party with its login.
type Party struct {
	Party party.Party
	Email string
}

// Demo is the demo's parties and program.
type Demo struct {
	Operator, Buyer    Party
	Suppliers, Lenders []Party
	Program            program.Program
}

type demoSpec struct {
	kind         party.Kind
	name, rfc    string
	email, clabe string
}

var demoParties = []demoSpec{
	{party.Operator, "Cadena Operaciones SAPI de CV", "CAD250101GGA", "operador@cadena.demo", ""},
	{party.Buyer, "Abarrotes del Bajío SA de CV", "ABA010203BB4", "tesoreria@abarrotes.demo", "012180001234567899"},
	{party.Supplier, "Tostadora del Sur SA de CV", "TSE150505CC4", "cobranza@tostadora.demo", "002180002345678903"},
	{party.Supplier, "Empaques y Papel SA de CV", "MPA180808DD4", "cobranza@empaques.demo", "014180003456789011"},
	{party.Lender, "Banco del Norte SA", "BNO900101EEA", "factoraje@banconorte.demo", "072180004567890128"},
	{party.Lender, "Financiera Mexicana SA de CV SOFOM", "FMX950615FF7", "fondeo@finmex.demo", "021180005678901231"},
}

const demoProgramName = "Cadena Abarrotes MXN"

// Seed loads the demo's parties, logins and program through the same
// use cases an operator would call, skipping whatever exists already, and
// returns the demo. created is false when nothing was missing.
func Seed(ctx context.Context, a *usecases.Set) (d Demo, created bool, err error) {
	for _, s := range demoParties {
		p, err := a.Administration.ResolveParty(ctx, s.rfc, s.kind)
		switch {
		case errors.Is(err, party.ErrNotFound):
			if p, err = seedParty(ctx, a, s); err != nil {
				return d, false, err
			}
			created = true
		case err != nil:
			return d, false, err
		}
		dp := Party{Party: p, Email: s.email}
		switch s.kind {
		case party.Operator:
			d.Operator = dp
		case party.Buyer:
			d.Buyer = dp
		case party.Supplier:
			d.Suppliers = append(d.Suppliers, dp)
		case party.Lender:
			d.Lenders = append(d.Lenders, dp)
		}
	}
	buyer := app.Actor{Subject: app.System.Subject, PartyID: d.Buyer.Party.ID, Role: auth.RoleBuyer}
	progs, err := a.Administration.ListPrograms(ctx, buyer, uuid.Nil, 100)
	if err != nil {
		return d, false, err
	}
	for _, p := range progs.Items {
		if p.Name == demoProgramName {
			d.Program = p
			return d, created, nil
		}
	}
	if d.Program, err = a.Administration.CreateProgram(ctx, app.System, d.Buyer.Party.ID, program.Draft{Name: demoProgramName, MaxInvoiceAmount: "5000000.00"}); err != nil {
		return d, false, err
	}
	for _, s := range d.Suppliers {
		if _, err := a.Administration.EnrollSupplier(ctx, app.System, d.Program.ID, administration.SupplierInvite{TaxID: s.Party.TaxID}); err != nil {
			return d, false, err
		}
	}
	for i, l := range d.Lenders {
		limit := []string{"50000000.00", "25000000.00"}[i]
		if _, err := a.Administration.EnrollLender(ctx, app.System, d.Program.ID, l.Party.ID, limit); err != nil {
			return d, false, err
		}
	}
	return d, true, nil
}

func seedParty(ctx context.Context, a *usecases.Set, s demoSpec) (party.Party, error) {
	var p party.Party
	var err error
	if s.kind == party.Operator {
		p, _, err = a.Administration.Bootstrap(ctx, party.Draft{LegalName: s.name, Country: "MX", TaxID: s.rfc})
	} else {
		p, err = a.Administration.CreateParty(ctx, app.System, party.Draft{Kind: string(s.kind), LegalName: s.name, Country: "MX", TaxID: s.rfc})
	}
	if err != nil {
		return p, err
	}
	if s.clabe != "" {
		if _, err := a.Administration.AddBankAccount(ctx, app.System, p.ID, party.AccountDraft{Currency: "MXN", Scheme: "CLABE", Number: s.clabe}); err != nil {
			return p, err
		}
	}
	_, err = a.Administration.CreateUser(ctx, app.System, p.ID, s.email, Password)
	return p, err
}

// Refreshed is what Refresh changed; zero values mean it was in order.
type Refreshed struct {
	Fixing         *refrate.Rate // published because none was fresh
	StandingOffers int           // lenders whose standing offer was set
	Invoices       int           // invoices published
}

// The demo's defaults: a fixing when none was ever published, each lender's
// spreads by tenor, and the invoices (supplier index, days to maturity,
// amount) published when few remain open.
var (
	demoRates     = map[string]string{"TIIE_FONDEO": "7.12", "TIIE_28": "7.35", "TIIE_91": "7.48", "IBR_ON": "9.25", "IBR_1M": "9.30", "IBR_3M": "9.40"}
	demoSpreads   = [][]offer.Bucket{{{MaxDays: 30, SpreadBps: 250}, {MaxDays: 60, SpreadBps: 275}, {MaxDays: 90, SpreadBps: 300}, {MaxDays: 180, SpreadBps: 325}}, {{MaxDays: 45, SpreadBps: 240}, {MaxDays: 90, SpreadBps: 290}, {MaxDays: 180, SpreadBps: 340}}}
	demoDays      = []int{18, 25, 32, 39, 46, 53, 60, 67, 74, 81, 88, 95, 102, 110, 118, 126, 135, 145, 158, 172}
	demoAmounts   = []string{"48250.00", "125000.00", "86430.50", "310000.00", "57800.00", "192450.75", "23900.00", "410000.00", "99999.99", "150320.40"}
	demoMinOpen   = 10 // fewer published invoices than this and a new set goes out
	demoSetPrefix = "DEMO-"
)

// Refresh makes the demo usable today, through the same use cases as
// everyone: a fresh reference-rate fixing for the program's index (dated the
// last business day, at the latest rate known), an active standing offer of
// each demo lender, and about twenty invoices over the demo suppliers with
// maturities from under a month to six months. Each step does nothing when
// it is already in order, so it runs at every start.
func Refresh(ctx context.Context, a *usecases.Set, d Demo) (Refreshed, error) {
	var r Refreshed
	var err error
	if r.Fixing, err = refreshFixing(ctx, a, d); err != nil {
		return r, fmt.Errorf("demo fixing: %w", err)
	}
	now := a.Clock()
	for i, l := range d.Lenders {
		act := app.Actor{Subject: app.System.Subject, PartyID: l.Party.ID, Role: auth.RoleLender}
		s, err := a.Quoting.GetStandingOffer(ctx, act, d.Program.ID)
		if err == nil && s.ValidUntil.After(now.AddDate(0, 1, 0)) {
			continue // in place, or paused by someone trying the portal
		}
		if err != nil && !errors.Is(err, offer.ErrNoStandingOffer) {
			return r, err
		}
		if _, err := a.Quoting.PutStandingOffer(ctx, act, d.Program.ID, demoSpreads[i%len(demoSpreads)], time.Time{}, time.Time{}); err != nil {
			return r, fmt.Errorf("demo standing offer: %w", err)
		}
		r.StandingOffers++
	}
	r.Invoices, err = refreshInvoices(ctx, a, d)
	return r, err
}

// refreshFixing publishes a fixing when the latest one would be refused
// as stale for the next value date; it is dated the last business day on or
// before today, as the index's administrator would have published it.
func refreshFixing(ctx context.Context, a *usecases.Set, d Demo) (*refrate.Rate, error) {
	p := d.Program
	cal, err := a.Calendar(ctx, p.Calendar)
	if err != nil {
		return nil, err
	}
	today := calendar.Day(a.Clock().In(p.Location()))
	next, err := cal.NextBusinessDay(today)
	if err != nil {
		return nil, err
	}
	latest, err := a.Fixing(ctx, p.ReferenceIndex, next, cal)
	if err == nil {
		return nil, nil
	}
	if !errors.Is(err, refrate.ErrStale) && !errors.Is(err, refrate.ErrNone) {
		return nil, err
	}
	date := today
	open, err := cal.IsBusinessDay(today)
	if err == nil && !open {
		date, err = cal.PreviousBusinessDay(today)
	}
	if err != nil {
		return nil, err
	}
	rate := demoRates[p.ReferenceIndex]
	if !latest.Percent.IsZero() { // carry the last known level forward
		rate = latest.Percent.StringFixed(pricing.PercentDecimals)
	}
	fix, _, err := a.Quoting.PutReferenceRate(ctx, app.System, p.ReferenceIndex, date.Format(time.DateOnly), rate)
	return &fix, err
}

// refreshInvoices publishes a new set when fewer than demoMinOpen demo
// invoices are still published (the rest financed, cancelled or expired).
func refreshInvoices(ctx context.Context, a *usecases.Set, d Demo) (int, error) {
	buyer := app.Actor{Subject: app.System.Subject, PartyID: d.Buyer.Party.ID, Role: auth.RoleBuyer}
	open, err := a.Invoicing.ListInvoices(ctx, buyer, invoicing.InvoiceFilter{Status: invoice.Published, ProgramID: d.Program.ID}, uuid.Nil, demoMinOpen)
	if err != nil || len(open.Items) >= demoMinOpen {
		return 0, err
	}
	now := a.Clock().In(d.Program.Location())
	set := demoSetPrefix + now.Format("060102-1504") + "-"
	drafts := make([]invoice.Draft, len(demoDays))
	for i, days := range demoDays {
		s := d.Suppliers[i%len(d.Suppliers)]
		drafts[i] = invoice.Draft{Supplier: s.Party.ID.String(), DocumentNumber: fmt.Sprintf("%s%02d", set, i+1),
			EInvoiceID: strings.ToUpper(uuid.NewString()), IssueDate: now.AddDate(0, 0, -(5 + i%20)).Format(time.DateOnly),
			DueDate: now.AddDate(0, 0, days).Format(time.DateOnly), Amount: demoAmounts[i%len(demoAmounts)],
			Reference1: "Pedido " + fmt.Sprint(4100+i)}
	}
	b, err := a.Invoicing.PublishBatch(ctx, buyer, invoicing.BatchInput{ProgramID: d.Program.ID, Format: "json", Drafts: drafts})
	return b.Published, err
}
