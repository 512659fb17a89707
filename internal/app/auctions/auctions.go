package auctions

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/invoice/invoicedb"
	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/offer/offerdb"
	"github.com/cadena-finance/cadena/internal/program/programdb"
)

// AuctionEvent is the payload of cadena.auction.opened.
type AuctionEvent struct {
	AuctionID    uuid.UUID `json:"auction_id"`
	ProgramID    uuid.UUID `json:"program_id"`
	BuyerID      uuid.UUID `json:"buyer_id"`
	InvoiceCount int       `json:"invoice_count"`
	Face         string    `json:"face"`
	Currency     string    `json:"currency"`
	ValueDate    string    `json:"value_date"`
	MaxSpreadBps int       `json:"max_spread_bps"`
	ClosesAt     time.Time `json:"closes_at"`
	// The tenor of each invoice, so a lender prices by tenor from the event alone.
	Invoices []AuctionInvoice `json:"invoices"`
}

// AuctionInvoice is one invoice of an auction as the pricing sees it on the
// auction's value date.
type AuctionInvoice struct {
	InvoiceID uuid.UUID `json:"invoice_id"`
	Payable   string    `json:"payable"`
	DueDate   string    `json:"due_date"`
	Maturity  string    `json:"maturity"`
	Days      int       `json:"days"`
}

// BidEvent is the payload of cadena.auction.bid_placed (to the bidder only).
type BidEvent struct {
	AuctionID uuid.UUID `json:"auction_id"`
	LenderID  uuid.UUID `json:"lender_id"`
	SpreadBps int       `json:"spread_bps"`
	Revision  int       `json:"revision"`
	PlacedAt  time.Time `json:"placed_at"`
}

// ClosedEvent is the payload of cadena.auction.closed and .won.
type ClosedEvent struct {
	AuctionID     uuid.UUID  `json:"auction_id"`
	ProgramID     uuid.UUID  `json:"program_id"`
	Bids          int        `json:"bids"`
	WinningLender *uuid.UUID `json:"winning_lender_id"`
	WinningSpread *int       `json:"winning_spread_bps"`
	OfferID       *uuid.UUID `json:"offer_id"`
	Outcome       string     `json:"outcome"` // awarded, no_bids, not_priced
	ClosedAt      time.Time  `json:"closed_at"`
}

// LostEvent is the payload of cadena.auction.lost. A losing bank learns the
// winning spread, as the market discloses the winning rate, but neither the
// winner nor its offer: GET /v1/auctions/{id} shows a loser the same.
type LostEvent struct {
	AuctionID     uuid.UUID `json:"auction_id"`
	ProgramID     uuid.UUID `json:"program_id"`
	Bids          int       `json:"bids"`
	WinningSpread *int      `json:"winning_spread_bps"`
	Outcome       string    `json:"outcome"`
	ClosedAt      time.Time `json:"closed_at"`
}

// OpenAuction is a supplier's early-payment request: its invoices move to
// offered and every lender enrolled in the program is told on its own subject.
// The auction closes after the program's auction window.
func (a *App) OpenAuction(ctx context.Context, act app.Actor, ids []uuid.UUID) (offer.Auction, error) {
	if !act.Is(auth.RoleSupplier) {
		return offer.Auction{}, app.ErrForbidden
	}
	// Check (and warm the calendar cache) before locking anything, so the
	// transaction never waits for a second pool connection.
	if _, err := a.LoadBasket(ctx, a.Pool, act, ids, false, invoice.Published); err != nil {
		return offer.Auction{}, err
	}
	var au offer.Auction
	err := a.InTx(ctx, func(tx pgx.Tx) error {
		b, err := a.LoadBasket(ctx, tx, act, ids, true, invoice.Published)
		if err != nil {
			return err
		}
		// The one place auction times are made: truncated as stored, so every route shows the same instant.
		now := offer.Instant(a.Clock())
		window := time.Duration(b.Program.AuctionWindowMinutes) * time.Minute
		au = offer.Auction{ID: uuid.Must(uuid.NewV7()), ProgramID: b.Program.ID, SupplierID: act.PartyID, BuyerID: b.Program.BuyerID,
			Currency: b.Program.Currency, Status: offer.AuctionOpen, Face: b.Face, ValueDate: b.Value, MaxSpreadBps: b.Program.MaxSpreadBps,
			OpensAt: now, ClosesAt: now.Add(window), InvoiceIDs: make([]uuid.UUID, len(b.Invoices))}
		for i := range b.Invoices {
			au.InvoiceIDs[i] = b.Invoices[i].ID
			if err := app.SetInvoiceStatus(ctx, tx, &b.Invoices[i], invoice.Offered, act.Subject, now); err != nil {
				return err
			}
		}
		if err := offerdb.InsertAuction(ctx, tx, au); err != nil {
			return err
		}
		ev := AuctionEvent{AuctionID: au.ID, ProgramID: au.ProgramID, BuyerID: au.BuyerID, InvoiceCount: len(au.InvoiceIDs),
			Face: app.FormatAmount(au.Face, au.Currency), Currency: string(au.Currency), ValueDate: app.Civil(au.ValueDate),
			MaxSpreadBps: au.MaxSpreadBps, ClosesAt: au.ClosesAt.UTC(), Invoices: make([]AuctionInvoice, len(b.Invoices))}
		for i, inv := range b.Invoices {
			ev.Invoices[i] = AuctionInvoice{InvoiceID: inv.ID, Payable: app.FormatAmount(inv.Payable(), au.Currency),
				DueDate: app.Civil(inv.DueDate), Maturity: app.Civil(b.Maturity[i]), Days: b.Days[i]}
		}
		lenders, err := programdb.ListLenders(ctx, tx, au.ProgramID, nil)
		if err != nil {
			return err
		}
		copies := make([]string, len(lenders))
		for i, l := range lenders {
			copies[i] = event.ForLender(l.LenderID.String(), event.AuctionOpened)
		}
		return a.Emit(ctx, tx, event.AuctionOpened, ev, copies...)
	})
	return au, err
}

// AuctionView is an auction with the bids the caller may see: all of them
// for its supplier and operators, only its own for a lender. WinningSpread
// is set once the auction is awarded, for every viewer; the winner's
// identity and offer are the caller's to see only if it may (see
// ShowsWinner), as in the cadena.auction.lost notice.
type AuctionView struct {
	offer.Auction
	Bids          []offer.Bid
	WinningSpread *int
}

// ShowsWinner reports whether act may learn who won and the winning offer:
// the supplier and operators, and the winning lender itself.
func (v AuctionView) ShowsWinner(act app.Actor) bool {
	return v.WinningLender != nil && (!act.Is(auth.RoleLender) || *v.WinningLender == act.PartyID)
}

// GetAuction loads an auction the caller may see.
func (a *App) GetAuction(ctx context.Context, act app.Actor, id uuid.UUID) (AuctionView, error) {
	if act.Is(auth.RoleBuyer) {
		return AuctionView{}, app.ErrForbidden
	}
	au, err := offerdb.GetAuction(ctx, a.Pool, app.OfferViewer(act), id, false)
	if err != nil {
		return AuctionView{}, err
	}
	bids, err := offerdb.Bids(ctx, a.Pool, id)
	if err != nil {
		return AuctionView{}, err
	}
	v := AuctionView{Auction: au, Bids: []offer.Bid{}}
	if best, ok := offer.Best(bids); ok && au.WinningLender != nil && best.LenderID == *au.WinningLender {
		v.WinningSpread = &best.SpreadBps
	}
	for _, b := range bids {
		if !act.Is(auth.RoleLender) || b.LenderID == act.PartyID {
			v.Bids = append(v.Bids, b)
		}
	}
	return v, nil
}

// PlaceBid places or improves lenderID's bid. The lender comes from the
// caller's token (HTTP) or from the NATS subject the bid arrived on, never
// from a payload. Refusals: offer.ErrAuctionClosed, ErrBidAboveCap,
// ErrBidOverLimit, ErrBidNotEnrolled, ErrBidNotImprovement.
func (a *App) PlaceBid(ctx context.Context, lenderID, auctionID uuid.UUID, spreadBps int) (offer.Bid, error) {
	var bid offer.Bid
	err := a.InTx(ctx, func(tx pgx.Tx) error {
		au, err := offerdb.GetAuction(ctx, tx, offerdb.Viewer{Role: "operator"}, auctionID, true)
		if err != nil {
			return err
		}
		lines, err := programdb.ListLenders(ctx, tx, au.ProgramID, &lenderID)
		if err != nil {
			return err
		}
		if len(lines) == 0 {
			return offer.ErrBidNotEnrolled
		}
		prev, err := offerdb.GetBid(ctx, tx, auctionID, lenderID)
		if err != nil {
			return err
		}
		now := offer.Instant(a.Clock())
		if err := au.CheckBid(spreadBps, lines[0].Available(), prev, now); err != nil {
			return err
		}
		if bid, err = offerdb.PutBid(ctx, tx, offer.Bid{AuctionID: auctionID, LenderID: lenderID, SpreadBps: spreadBps, PlacedAt: now}); err != nil {
			return err
		}
		return a.EmitOnlyTo(ctx, tx, event.AuctionBidPlaced, BidEvent{AuctionID: auctionID, LenderID: lenderID,
			SpreadBps: spreadBps, Revision: bid.Revisions, PlacedAt: now.UTC()}, event.ForLender(lenderID.String(), event.AuctionBidPlaced))
	})
	return bid, err
}

// BidAs places a bid for the caller (a lender) over HTTP. An auction of a
// program the lender is not enrolled in is not found, as for any other
// tenant's object.
func (a *App) BidAs(ctx context.Context, act app.Actor, auctionID uuid.UUID, spreadBps int) (offer.Bid, error) {
	if !act.Is(auth.RoleLender) {
		return offer.Bid{}, app.ErrForbidden
	}
	b, err := a.PlaceBid(ctx, act.PartyID, auctionID, spreadBps)
	if errors.Is(err, offer.ErrBidNotEnrolled) {
		return b, offer.ErrAuctionNotFound
	}
	return b, err
}

// CloseDueAuctions closes up to limit auctions whose window has ended and
// reports how many. Each is claimed with SKIP LOCKED and closed in its own
// transaction with its events, so several replicas (or a restarted one) close
// each auction exactly once. The best bid becomes an offer to the supplier,
// priced at the winning spread on the value date of the close; without a
// bid (or if pricing is refused, e.g. a stale fixing) the invoices return to
// published.
func (a *App) CloseDueAuctions(ctx context.Context, limit int) (int, error) {
	n := 0
	for n < limit {
		closed := false
		err := a.InTx(ctx, func(tx pgx.Tx) error {
			due, err := offerdb.ClaimDue(ctx, tx, a.Clock(), 1)
			if err != nil || len(due) == 0 {
				return err
			}
			closed = true
			return a.closeAuction(ctx, tx, due[0])
		})
		if err != nil || !closed {
			return n, err
		}
		n++
	}
	return n, nil
}

func (a *App) closeAuction(ctx context.Context, tx pgx.Tx, au offer.Auction) error {
	now := a.Clock()
	bids, err := offerdb.Bids(ctx, tx, au.ID)
	if err != nil {
		return err
	}
	ev := ClosedEvent{AuctionID: au.ID, ProgramID: au.ProgramID, Bids: len(bids), Outcome: "no_bids", ClosedAt: now.UTC()}
	sys := app.Actor{Subject: "system:auction", PartyID: au.SupplierID, Role: auth.RoleSupplier}
	invs, err := invoicedb.ByIDs(ctx, tx, app.InvoiceViewer(sys), au.InvoiceIDs, true)
	if err != nil {
		return err
	}
	if best, ok := offer.Best(bids); ok {
		o, err := a.auctionOffer(ctx, tx, sys, au, invs, best, now)
		if err == nil {
			if err := offerdb.InsertOffers(ctx, tx, []offer.Offer{o}); err != nil {
				return err
			}
			au.WinningLender, au.WinningOffer = &best.LenderID, &o.ID
			ev.WinningLender, ev.WinningSpread, ev.OfferID, ev.Outcome = &best.LenderID, &best.SpreadBps, &o.ID, "awarded"
		} else {
			ev.Outcome = "not_priced"
		}
	}
	if au.WinningOffer == nil {
		for i := range invs {
			if invs[i].Status == invoice.Offered {
				if err := app.SetInvoiceStatus(ctx, tx, &invs[i], invoice.Published, "system:auction", now); err != nil {
					return err
				}
			}
		}
	}
	if err := offerdb.CloseAuction(ctx, tx, au, now); err != nil {
		return err
	}
	if err := a.Emit(ctx, tx, event.AuctionClosed, ev); err != nil {
		return err
	}
	lost := LostEvent{AuctionID: ev.AuctionID, ProgramID: ev.ProgramID, Bids: ev.Bids, WinningSpread: ev.WinningSpread, Outcome: ev.Outcome, ClosedAt: ev.ClosedAt}
	var won, losers []string
	for _, b := range bids {
		if au.WinningLender != nil && *au.WinningLender == b.LenderID {
			won = append(won, event.ForLender(b.LenderID.String(), event.AuctionWon))
		} else {
			losers = append(losers, event.ForLender(b.LenderID.String(), event.AuctionLost))
		}
	}
	if err := a.EmitOnlyTo(ctx, tx, event.AuctionWon, ev, won...); err != nil {
		return err
	}
	return a.EmitOnlyTo(ctx, tx, event.AuctionLost, lost, losers...)
}

// auctionOffer prices the auction's invoices at the winning spread.
func (a *App) auctionOffer(ctx context.Context, tx pgx.Tx, sys app.Actor, au offer.Auction, invs []invoice.Invoice, best offer.Bid, now time.Time) (offer.Offer, error) {
	p, err := programdb.Get(ctx, tx, app.ProgramViewer(app.Actor{Role: auth.RoleOperator}), au.ProgramID)
	if err != nil {
		return offer.Offer{}, err
	}
	b := app.Basket{Program: p, Invoices: invs, Face: decimal.Zero}
	if err := a.QuoteDay(ctx, &b, now); err != nil {
		return offer.Offer{}, err
	}
	if b.Fix, err = a.FixingOn(ctx, tx, p.ReferenceIndex, b.Value, b.Terms.Calendar); err != nil {
		return offer.Offer{}, err
	}
	spreads := make([]int, len(invs))
	for i := range spreads {
		spreads[i] = best.SpreadBps
	}
	o, err := b.Price(best.LenderID, spreads, offer.SourceAuction, &au.ID, offer.Expiry(now, offer.QuoteTTL, b.Cutoff), now)
	o.SupplierID, o.BuyerID = au.SupplierID, au.BuyerID
	return o, err
}

// OfferExpiredEvent is the payload of cadena.offer.expired (auction offers).
type OfferExpiredEvent struct {
	OfferID    uuid.UUID `json:"offer_id"`
	AuctionID  uuid.UUID `json:"auction_id"`
	LenderID   uuid.UUID `json:"lender_id"`
	SupplierID uuid.UUID `json:"supplier_id"`
	ExpiredAt  time.Time `json:"expired_at"`
}

// ExpireOffers marks up to limit lapsed open offers expired and reports how
// many. An auction's winning offer held its invoices in offered: they return
// to published, and the lender and the platform are told.
func (a *App) ExpireOffers(ctx context.Context, limit int) (int, error) {
	var n int
	err := a.InTx(ctx, func(tx pgx.Tx) error {
		now := a.Clock()
		count, auction, err := offerdb.ExpireDue(ctx, tx, now, limit)
		if err != nil {
			return err
		}
		n = count
		for _, o := range auction {
			ids := make([]uuid.UUID, len(o.Lines))
			for i, l := range o.Lines {
				ids[i] = l.InvoiceID
			}
			invs, err := invoicedb.ByIDs(ctx, tx, app.InvoiceViewer(app.Actor{Role: auth.RoleOperator}), ids, true)
			if err != nil {
				return err
			}
			for i := range invs {
				if invs[i].Status == invoice.Offered {
					if err := app.SetInvoiceStatus(ctx, tx, &invs[i], invoice.Published, "system:offer-expiry", now); err != nil {
						return err
					}
				}
			}
			ev := OfferExpiredEvent{OfferID: o.ID, AuctionID: *o.AuctionID, LenderID: o.LenderID, SupplierID: o.SupplierID, ExpiredAt: now.UTC()}
			if err := a.Emit(ctx, tx, event.OfferExpired, ev, event.ForLender(o.LenderID.String(), event.OfferExpired)); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}
