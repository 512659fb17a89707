package offerdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/offer/offerdb"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
)

var t0 = pgtest.T0

// world is pgtest's program (its lender's line 10,000.00) with the offers'
// builders.
type world struct{ pgtest.World }

func newWorld(t *testing.T, pool *pgxpool.Pool) world { return world{pgtest.NewWorld(t, pool)} }

func (w world) as(role string) offerdb.Viewer { return offerdb.Viewer(w.As(role)) }

// invoice stores a published invoice of the world's supplier.
func (w world) invoice(t *testing.T, face string) uuid.UUID {
	return w.Invoice(t, "published", face, "2027-01-22")
}

// quote is an open quote of the world's lender on new invoices, one line
// per face, each discounted by 1.25%.
func (w world) quote(t *testing.T, expires time.Time, faces ...string) offer.Offer {
	t.Helper()
	o := offer.Offer{ID: uuid.Must(uuid.NewV7()), Source: offer.SourceQuote, ProgramID: w.Program, LenderID: w.Lender, SupplierID: w.Supplier,
		BuyerID: w.Buyer, Currency: money.MXN, SpreadBps: 350, ReferenceIndex: "TIIE_FONDEO", ReferenceDate: pgtest.Day("2026-11-20"),
		ReferenceRate: pgtest.Amount("7.120000"), ValueDate: pgtest.Day("2026-11-24"), Status: offer.StatusOpen, ExpiresAt: expires, CreatedAt: t0}
	for _, f := range faces {
		face := pgtest.Amount(f)
		disc := face.Mul(pgtest.Amount("0.0125")).Round(2)
		o.Lines = append(o.Lines, offer.Line{InvoiceID: w.invoice(t, f), Face: face, Discount: disc, Net: face.Sub(disc), DueDate: pgtest.Day("2027-01-22"),
			Maturity: pgtest.Day("2027-01-22"), Days: 59, SpreadBps: 350, AllInRate: pgtest.Amount("0.106200"), EffectiveRate: pgtest.Amount("0.115386")})
		o.Face, o.Discount, o.Net = o.Face.Add(face), o.Discount.Add(disc), o.Net.Add(face.Sub(disc))
	}
	return o
}

func (w world) insert(t *testing.T, os ...offer.Offer) {
	t.Helper()
	if err := offerdb.InsertOffers(context.Background(), w.Pool, os); err != nil {
		t.Fatal(err)
	}
}

// auction is an open auction of the world's supplier on new invoices.
func (w world) auction(t *testing.T, opens, closes time.Time, faces ...string) offer.Auction {
	t.Helper()
	a := offer.Auction{ID: uuid.Must(uuid.NewV7()), ProgramID: w.Program, SupplierID: w.Supplier, BuyerID: w.Buyer, Currency: money.MXN,
		Status: offer.AuctionOpen, ValueDate: pgtest.Day("2026-11-24"), MaxSpreadBps: 800, OpensAt: opens, ClosesAt: closes}
	for _, f := range faces {
		a.Face = a.Face.Add(pgtest.Amount(f))
		a.InvoiceIDs = append(a.InvoiceIDs, w.invoice(t, f))
	}
	if err := offerdb.InsertAuction(context.Background(), w.Pool, a); err != nil {
		t.Fatal(err)
	}
	return a
}
