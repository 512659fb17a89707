package offerdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/offer/offerdb"
	"github.com/cadena-finance/cadena/internal/platform/db"
)

var t0 = time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

func amt(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func exec(t *testing.T, q db.Querier, sql string, args ...any) {
	t.Helper()
	if _, err := q.Exec(context.Background(), sql, args...); err != nil {
		t.Fatal(err)
	}
}

// world is one buyer's program with a supplier and a lender enrolled with
// a 10,000.00 line; each test makes its own, so tests share the database.
type world struct {
	pool                             *pgxpool.Pool
	buyer, supplier, lender, program uuid.UUID
}

func newParty(t *testing.T, q db.Querier, kind string) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	exec(t, q, `INSERT INTO parties (id, kind, legal_name, country, tax_id) VALUES ($1, $2, $3, 'MX', $4)`, id, kind, "Party "+id.String()[:8], id.String())
	return id
}

func newWorld(t *testing.T, pool *pgxpool.Pool) world {
	t.Helper()
	w := world{pool: pool, buyer: newParty(t, pool, "buyer"), supplier: newParty(t, pool, "supplier"), program: uuid.Must(uuid.NewV7())}
	exec(t, pool, `INSERT INTO programs (id, buyer_id, name, currency, reference_index, max_spread_bps, day_count, calendar,
		business_day_rule, time_zone, funding_cutoff, min_days, max_tenor_days) VALUES ($1, $2, 'P', 'MXN', 'TIIE_FONDEO', 800,
		'ACT/360', 'MX', 'modified_following', 'America/Mexico_City', '13:00', 7, 180)`, w.program, w.buyer)
	w.lender = w.newLender(t, "10000.00")
	return w
}

// newLender enrols another lender in the program with limit.
func (w world) newLender(t *testing.T, limit string) uuid.UUID {
	t.Helper()
	id := newParty(t, w.pool, "lender")
	exec(t, w.pool, `INSERT INTO program_lenders (program_id, lender_id, credit_limit) VALUES ($1, $2, $3)`, w.program, id, amt(limit))
	return id
}

// invoice stores a published invoice of the world's supplier.
func (w world) invoice(t *testing.T, face string) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	exec(t, w.pool, `INSERT INTO invoices (id, program_id, buyer_id, supplier_id, kind, document_number, einvoice_id, issue_date, due_date,
		currency, face_amount, status, published_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, 'invoice', $5, $5, '2026-11-01', '2027-01-22', 'MXN', $6, 'published', 'user:b', $7, $7)`,
		id, w.program, w.buyer, w.supplier, id.String(), amt(face), t0)
	return id
}

// quote is an open quote of the world's lender on new invoices, one line
// per face, each discounted by 1.25%.
func (w world) quote(t *testing.T, expires time.Time, faces ...string) offer.Offer {
	t.Helper()
	o := offer.Offer{ID: uuid.Must(uuid.NewV7()), Source: offer.SourceQuote, ProgramID: w.program, LenderID: w.lender, SupplierID: w.supplier,
		BuyerID: w.buyer, Currency: money.MXN, SpreadBps: 350, ReferenceIndex: "TIIE_FONDEO", ReferenceDate: day("2026-11-20"),
		ReferenceRate: amt("7.120000"), ValueDate: day("2026-11-24"), Status: offer.StatusOpen, ExpiresAt: expires, CreatedAt: t0}
	for _, f := range faces {
		face := amt(f)
		disc := face.Mul(amt("0.0125")).Round(2)
		o.Lines = append(o.Lines, offer.Line{InvoiceID: w.invoice(t, f), Face: face, Discount: disc, Net: face.Sub(disc), DueDate: day("2027-01-22"),
			Maturity: day("2027-01-22"), Days: 59, SpreadBps: 350, AllInRate: amt("0.106200"), EffectiveRate: amt("0.115386")})
		o.Face, o.Discount, o.Net = o.Face.Add(face), o.Discount.Add(disc), o.Net.Add(face.Sub(disc))
	}
	return o
}

func (w world) insert(t *testing.T, os ...offer.Offer) {
	t.Helper()
	if err := offerdb.InsertOffers(context.Background(), w.pool, os); err != nil {
		t.Fatal(err)
	}
}

// auction is an open auction of the world's supplier on new invoices.
func (w world) auction(t *testing.T, opens, closes time.Time, faces ...string) offer.Auction {
	t.Helper()
	a := offer.Auction{ID: uuid.Must(uuid.NewV7()), ProgramID: w.program, SupplierID: w.supplier, BuyerID: w.buyer, Currency: money.MXN,
		Status: offer.AuctionOpen, ValueDate: day("2026-11-24"), MaxSpreadBps: 800, OpensAt: opens, ClosesAt: closes}
	for _, f := range faces {
		a.Face = a.Face.Add(amt(f))
		a.InvoiceIDs = append(a.InvoiceIDs, w.invoice(t, f))
	}
	if err := offerdb.InsertAuction(context.Background(), w.pool, a); err != nil {
		t.Fatal(err)
	}
	return a
}

func (w world) as(role string) offerdb.Viewer {
	switch role {
	case "buyer":
		return offerdb.Viewer{PartyID: w.buyer, Role: role}
	case "supplier":
		return offerdb.Viewer{PartyID: w.supplier, Role: role}
	case "lender":
		return offerdb.Viewer{PartyID: w.lender, Role: role}
	}
	return offerdb.Viewer{Role: role}
}
