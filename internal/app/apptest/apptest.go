// Package apptest is the fixture of the use-case tests: a fresh database, a
// usecases.Set over it with a pinned clock, and helpers that build parties,
// a program with its enrolments, today's fixing, standing offers and
// invoices through the use cases themselves. Only tests import it.
package apptest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/administration"
	"github.com/cadena-finance/cadena/internal/app/quoting"
	"github.com/cadena-finance/cadena/internal/app/usecases"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
	"github.com/cadena-finance/cadena/internal/program"
)

// MexicoCity is the zone of the programs the fixture opens (MX defaults).
var MexicoCity = mustZone("America/Mexico_City")

// Morning is the pinned clock: Wednesday 10 June 2026, 10:00 in Mexico
// City, a business day of the MX calendar before the 13:00 funding cut-off,
// so a quote made now is for value today.
var Morning = time.Date(2026, time.June, 10, 10, 0, 0, 0, MexicoCity)

// Rate is the TIIE de fondeo fixing every test on a shared database
// publishes for today: the same value, so parallel tests never reprice each other.
const Rate = "7.25"

// Limit is each fixture lender's credit limit in the program.
const Limit = "1000000.00"

// Spreads are the fixture lenders' standing spreads (one bucket to 180 days).
var Spreads = [2]int{250, 300}

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// DB is a fresh database and the token issuer of the sets built over it.
// Tests that sweep the whole platform (expiry, schedule, auctions' close,
// audit) or move a fixing take a DB of their own; the others may share one,
// each with its own Env and its own parties.
type DB struct {
	Pool   *pgxpool.Pool
	Issuer *auth.Issuer
}

// NewDB clones a migrated database for t, dropped when t ends.
func NewDB(t testing.TB) *DB {
	t.Helper()
	pool, _ := pgtest.NewPool(t)
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := auth.NewKeyRing(priv)
	if err != nil {
		t.Fatal(err)
	}
	issuer, err := auth.NewIssuer(ring, auth.Config{Issuer: "cadena-test", Audience: "cadena-api"})
	if err != nil {
		t.Fatal(err)
	}
	return &DB{Pool: pool, Issuer: issuer}
}

// Env is one test's use cases over a DB, with its own clock and caches.
type Env struct {
	*usecases.Set
	T   testing.TB
	Ctx context.Context
	db  *DB
	now atomic.Int64
}

// Env builds a Set over db whose clock is pinned at Morning.
func (db *DB) Env(t testing.TB) *Env {
	e := &Env{T: t, Ctx: context.Background(), db: db}
	e.now.Store(Morning.UnixNano())
	e.Set = usecases.New(&app.Base{Pool: db.Pool, Issuer: db.Issuer, PlatformMaxBps: 700, Now: e.Now})
	return e
}

// New is an Env on a database of its own.
func New(t testing.TB) *Env { return NewDB(t).Env(t) }

// Now is the pinned clock.
func (e *Env) Now() time.Time { return time.Unix(0, e.now.Load()).In(MexicoCity) }

// SetNow moves the pinned clock.
func (e *Env) SetNow(t time.Time) { e.now.Store(t.UnixNano()) }

// Today is the clock's civil date in Mexico City (the programs' zone), as
// calendar.Day gives dates.
func (e *Env) Today() time.Time { return calendar.Day(e.Now().In(MexicoCity)) }

// BusinessDay is the n-th business day after Today on the MX calendar.
func (e *Env) BusinessDay(n int) time.Time {
	e.T.Helper()
	cal, err := e.Calendar(e.Ctx, "MX")
	if err != nil {
		e.T.Fatal(err)
	}
	d, err := cal.AddBusinessDays(e.Today(), n)
	if err != nil {
		e.T.Fatal(err)
	}
	return d
}

// Actor is p acting in the role of its kind.
func Actor(p party.Party) app.Actor {
	return app.Actor{Subject: "apptest:" + string(p.Kind), PartyID: p.ID, Role: auth.Role(p.Kind)}
}

var seq atomic.Int64

// Seq is a number no other call in this process returns.
func Seq() int64 { return seq.Add(1) }

// RFC is a well-formed company RFC no other call in this process returns
// (its check digit may be off, which the platform keeps as a warning).
func RFC() string {
	n := Seq()
	const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	const alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	name := []byte{letters[n/676%26], letters[n/26%26], letters[n%26]}
	h := n / 17576
	return fmt.Sprintf("%s010101%c%c%d", name, alnum[h/36%36], alnum[h%36], n%10)
}

// Email is an address no other call in this process returns.
func Email() string { return fmt.Sprintf("user%d@apptest.mx", Seq()) }

// Party creates a Mexican party of kind as the platform (System).
func (e *Env) Party(kind party.Kind) party.Party {
	e.T.Helper()
	p, err := e.Administration.CreateParty(e.Ctx, app.System, party.Draft{Kind: string(kind), LegalName: fmt.Sprintf("%s %d SA de CV", kind, Seq()),
		Country: "MX", TaxID: RFC()})
	if err != nil {
		e.T.Fatalf("create %s: %v", kind, err)
	}
	return p
}

// World is an operator, a buyer's program with two suppliers and two
// lenders enrolled.
type World struct {
	Operator, Buyer     party.Party
	Supplier, Supplier2 party.Party
	Lender, Lender2     party.Party
	Program             program.Program
}

// World builds a World with the MX defaults and each lender's limit at Limit.
func (e *Env) World() World { return e.WorldWith(program.Draft{}, Limit) }

// WorldWith builds a World with the program d (named if unnamed) and each
// lender's credit limit.
func (e *Env) WorldWith(d program.Draft, limit string) World {
	e.T.Helper()
	w := World{Operator: e.Party(party.Operator), Buyer: e.Party(party.Buyer), Lender: e.Party(party.Lender), Lender2: e.Party(party.Lender)}
	if d.Name == "" {
		d.Name = fmt.Sprintf("Programa %d", Seq())
	}
	var err error
	if w.Program, err = e.Administration.CreateProgram(e.Ctx, Actor(w.Operator), w.Buyer.ID, d); err != nil {
		e.T.Fatalf("program: %v", err)
	}
	for _, s := range []*party.Party{&w.Supplier, &w.Supplier2} {
		en, err := e.Administration.EnrollSupplier(e.Ctx, Actor(w.Buyer), w.Program.ID,
			administration.SupplierInvite{TaxID: RFC(), LegalName: fmt.Sprintf("Proveedor %d", Seq())})
		if err != nil {
			e.T.Fatalf("enroll supplier: %v", err)
		}
		*s = en.Supplier
	}
	for _, l := range []party.Party{w.Lender, w.Lender2} {
		if _, err := e.Administration.EnrollLender(e.Ctx, Actor(w.Operator), w.Program.ID, l.ID, limit); err != nil {
			e.T.Fatalf("enroll lender: %v", err)
		}
	}
	return w
}

// PublishFixing publishes index's fixing for Today as the platform.
func (e *Env) PublishFixing(index, rate string) {
	e.T.Helper()
	if _, _, err := e.Quoting.PutReferenceRate(e.Ctx, app.System, index, e.Today().Format(time.DateOnly), rate); err != nil {
		e.T.Fatalf("fixing: %v", err)
	}
}

// Quotable makes w's program quotable now: today's fixing at Rate and a
// standing offer of each lender (Spreads, up to 180 days).
func (e *Env) Quotable(w World) {
	e.T.Helper()
	e.PublishFixing(w.Program.ReferenceIndex, Rate)
	e.Standing(w, w.Lender, offer.Bucket{MaxDays: 180, SpreadBps: Spreads[0]})
	e.Standing(w, w.Lender2, offer.Bucket{MaxDays: 180, SpreadBps: Spreads[1]})
}

// Standing puts lender's standing offer in w's program, valid from now for a year.
func (e *Env) Standing(w World, lender party.Party, buckets ...offer.Bucket) offer.Standing {
	e.T.Helper()
	s, err := e.Quoting.PutStandingOffer(e.Ctx, Actor(lender), w.Program.ID, buckets, time.Time{}, time.Time{})
	if err != nil {
		e.T.Fatalf("standing offer: %v", err)
	}
	return s
}

// Draft is an invoice of supplier for amount, issued five days ago and due
// dueDays after Today.
func (e *Env) Draft(supplier party.Party, amount string, dueDays int) invoice.Draft {
	return invoice.Draft{Supplier: supplier.ID.String(), DocumentNumber: fmt.Sprintf("F-%d", Seq()), EInvoiceID: strings.ToUpper(uuid.NewString()),
		IssueDate: e.Today().AddDate(0, 0, -5).Format(time.DateOnly), DueDate: e.Today().AddDate(0, 0, dueDays).Format(time.DateOnly), Amount: amount}
}

// Publish publishes drafts one by one as w's buyer and returns their ids.
func (e *Env) Publish(w World, drafts ...invoice.Draft) []uuid.UUID {
	e.T.Helper()
	ids := make([]uuid.UUID, len(drafts))
	for i, d := range drafts {
		v, err := e.Invoicing.PublishInvoice(e.Ctx, Actor(w.Buyer), w.Program.ID, d)
		if err != nil {
			e.T.Fatalf("publish %+v: %v", d, err)
		}
		ids[i] = v.ID
	}
	return ids
}

// Invoices publishes one invoice of supplier per amount, due in 60 days.
func (e *Env) Invoices(w World, supplier party.Party, amounts ...string) []uuid.UUID {
	e.T.Helper()
	drafts := make([]invoice.Draft, len(amounts))
	for i, a := range amounts {
		drafts[i] = e.Draft(supplier, a, 60)
	}
	return e.Publish(w, drafts...)
}

// Quote asks for quotes on ids as supplier.
func (e *Env) Quote(supplier party.Party, ids ...uuid.UUID) quoting.QuoteResult {
	e.T.Helper()
	q, err := e.Quoting.Quote(e.Ctx, Actor(supplier), ids)
	if err != nil {
		e.T.Fatalf("quote: %v", err)
	}
	return q
}

// Accept accepts an offer as supplier.
func (e *Env) Accept(supplier party.Party, offerID uuid.UUID) []financing.Financing {
	e.T.Helper()
	fs, err := e.Acceptance.AcceptOffer(e.Ctx, Actor(supplier), offerID)
	if err != nil {
		e.T.Fatalf("accept: %v", err)
	}
	return fs
}

// Financed publishes an invoice of w's supplier for amount, due in 60 days,
// quotes it and accepts the best offer (Lender's, the cheaper): one accepted
// financing. w must be Quotable.
func (e *Env) Financed(w World, amount string) financing.Financing {
	e.T.Helper()
	ids := e.Invoices(w, w.Supplier, amount)
	q := e.Quote(w.Supplier, ids...)
	fs := e.Accept(w.Supplier, q.Offers[0].ID)
	if len(fs) != 1 {
		e.T.Fatalf("%d financings", len(fs))
	}
	return fs[0]
}

// Count runs a count query.
func (e *Env) Count(sql string, args ...any) int {
	e.T.Helper()
	var n int
	if err := e.Pool.QueryRow(e.Ctx, sql, args...).Scan(&n); err != nil {
		e.T.Fatalf("%s: %v", sql, err)
	}
	return n
}

// Events counts the outbox rows on subject whose payload's data has field
// equal to value (nothing deletes outbox rows without a relay, and these
// tests start none).
func (e *Env) Events(subject, field, value string) int {
	e.T.Helper()
	return e.Count("SELECT count(*) FROM outbox WHERE subject = $1 AND payload->'data'->>$2 = $3", subject, field, value)
}

// Shared runs each case as a parallel subtest of t over one database made
// for t, each case with an Env (clock, caches) and parties of its own. Cases
// that sweep the whole platform or move a fixing belong in tests of their own.
func Shared(t *testing.T, cases map[string]func(t *testing.T, e *Env)) {
	t.Helper()
	db := NewDB(t)
	for name, run := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			run(t, db.Env(t))
		})
	}
}
