package auctions_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/apptest"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/program"
)

var as = apptest.Actor

func status(t *testing.T, e *apptest.Env, id uuid.UUID) invoice.Status {
	t.Helper()
	d, err := e.Invoicing.GetInvoice(e.Ctx, app.System, id)
	if err != nil {
		t.Fatal(err)
	}
	return d.Status
}

// auction opens an auction of one new invoice of w's supplier for amount.
func auction(t *testing.T, e *apptest.Env, w apptest.World, amount string) (offer.Auction, uuid.UUID) {
	t.Helper()
	id := e.Invoices(w, w.Supplier, amount)[0]
	au, err := e.Auctions.OpenAuction(e.Ctx, as(w.Supplier), []uuid.UUID{id})
	if err != nil {
		t.Fatal(err)
	}
	return au, id
}

func TestAuctions(t *testing.T) {
	apptest.Shared(t, map[string]func(t *testing.T, e *apptest.Env){
		"opening an auction offers the invoices and tells the enrolled lenders": openAuction,
		"a bid must be enrolled, within the cap and the limit, and improve":     placeBid,
		"a lender sees its own bid only; a buyer sees no auction":               auctionViews,
		"open auctions for a lender are its programs' only":                     openForLender,
	})
}

func openAuction(t *testing.T, e *apptest.Env) {
	w := e.World()
	e.PublishFixing(w.Program.ReferenceIndex, apptest.Rate)
	id := e.Invoices(w, w.Supplier, "50000.00")[0]
	for _, p := range []party.Party{w.Buyer, w.Lender} {
		if _, err := e.Auctions.OpenAuction(e.Ctx, as(p), []uuid.UUID{id}); !errors.Is(err, app.ErrForbidden) {
			t.Fatalf("%s opens an auction: %v", p.Kind, err)
		}
	}
	if _, err := e.Auctions.OpenAuction(e.Ctx, as(w.Supplier2), []uuid.UUID{id}); !errors.Is(err, invoice.ErrNotFound) {
		t.Fatalf("another supplier's invoice: %v", err)
	}
	au, err := e.Auctions.OpenAuction(e.Ctx, as(w.Supplier), []uuid.UUID{id})
	if err != nil || au.Status != offer.AuctionOpen || !au.ClosesAt.Equal(e.Now().Add(30*time.Minute)) || au.Face.String() != "50000" {
		t.Fatalf("auction %+v %v", au, err)
	}
	if status(t, e, id) != invoice.Offered {
		t.Fatalf("the invoice is %s", status(t, e, id))
	}
	if _, err := e.Auctions.OpenAuction(e.Ctx, as(w.Supplier), []uuid.UUID{id}); !errors.Is(err, offer.ErrInvoiceTaken) {
		t.Fatalf("a second auction of the invoice: %v", err)
	}
	if _, err := e.Invoicing.CancelInvoice(e.Ctx, as(w.Buyer), id); !errors.Is(err, invoice.ErrNotCancellable) {
		t.Fatalf("cancelling an invoice in auction: %v", err)
	}
	if n := e.Events(event.AuctionOpened, "auction_id", au.ID.String()); n != 1 {
		t.Fatalf("%d auction.opened events, want 1", n)
	}
	for _, l := range []party.Party{w.Lender, w.Lender2} {
		if n := e.Events(event.ForLender(l.ID.String(), event.AuctionOpened), "auction_id", au.ID.String()); n != 1 {
			t.Fatalf("lender %s told %d times", l.ID, n)
		}
	}
}

func placeBid(t *testing.T, e *apptest.Env) {
	w, other := e.WorldWith(program.Draft{}, "80000.00"), e.World()
	e.PublishFixing(w.Program.ReferenceIndex, apptest.Rate)
	au, _ := auction(t, e, w, "50000.00")
	if _, err := e.Auctions.PlaceBid(e.Ctx, other.Lender.ID, au.ID, 200); !errors.Is(err, offer.ErrBidNotEnrolled) {
		t.Fatalf("a lender not enrolled: %v", err)
	}
	if _, err := e.Auctions.BidAs(e.Ctx, as(other.Lender), au.ID, 200); !errors.Is(err, offer.ErrAuctionNotFound) {
		t.Fatalf("a lender not enrolled, over HTTP: %v", err)
	}
	if _, err := e.Auctions.BidAs(e.Ctx, as(w.Supplier), au.ID, 200); !errors.Is(err, app.ErrForbidden) {
		t.Fatalf("a supplier bids: %v", err)
	}
	if _, err := e.Auctions.PlaceBid(e.Ctx, w.Lender.ID, au.ID, w.Program.MaxSpreadBps+1); !errors.Is(err, offer.ErrBidAboveCap) {
		t.Fatalf("above the cap: %v", err)
	}
	b, err := e.Auctions.BidAs(e.Ctx, as(w.Lender), au.ID, 300)
	if err != nil || b.Revisions != 1 {
		t.Fatalf("bid %+v %v", b, err)
	}
	for _, s := range []int{300, 301} {
		if _, err := e.Auctions.PlaceBid(e.Ctx, w.Lender.ID, au.ID, s); !errors.Is(err, offer.ErrBidNotImprovement) {
			t.Fatalf("a bid of %d after 300: %v", s, err)
		}
	}
	if b, err = e.Auctions.PlaceBid(e.Ctx, w.Lender.ID, au.ID, 299); err != nil || b.Revisions != 2 || b.SpreadBps != 299 {
		t.Fatalf("improved bid %+v %v", b, err)
	}
	// The bid is news to the bidder only.
	if n := e.Events(event.ForLender(w.Lender.ID.String(), event.AuctionBidPlaced), "auction_id", au.ID.String()); n != 2 {
		t.Fatalf("%d bid events to the bidder, want 2", n)
	}
	if n := e.Events(event.AuctionBidPlaced, "auction_id", au.ID.String()); n != 0 {
		t.Fatalf("%d bid events on the shared subject", n)
	}
	// A face beyond the lender's 80,000 line takes no bid of it.
	big, _ := auction(t, e, w, "90000.00")
	if _, err := e.Auctions.PlaceBid(e.Ctx, w.Lender2.ID, big.ID, 200); !errors.Is(err, offer.ErrBidOverLimit) {
		t.Fatalf("an auction beyond the limit: %v", err)
	}
	e.SetNow(au.ClosesAt)
	if _, err := e.Auctions.PlaceBid(e.Ctx, w.Lender2.ID, au.ID, 100); !errors.Is(err, offer.ErrAuctionClosed) {
		t.Fatalf("a bid at the close: %v", err)
	}
}

func auctionViews(t *testing.T, e *apptest.Env) {
	w := e.World()
	e.PublishFixing(w.Program.ReferenceIndex, apptest.Rate)
	au, _ := auction(t, e, w, "1000.00")
	for l, s := range map[uuid.UUID]int{w.Lender.ID: 250, w.Lender2.ID: 240} {
		if _, err := e.Auctions.PlaceBid(e.Ctx, l, au.ID, s); err != nil {
			t.Fatal(err)
		}
	}
	v, err := e.Auctions.GetAuction(e.Ctx, as(w.Lender), au.ID)
	if err != nil || len(v.Bids) != 1 || v.Bids[0].LenderID != w.Lender.ID || v.WinningSpread != nil {
		t.Fatalf("the lender sees %+v %v", v.Bids, err)
	}
	if v, err = e.Auctions.GetAuction(e.Ctx, as(w.Supplier), au.ID); err != nil || len(v.Bids) != 2 {
		t.Fatalf("the supplier sees %d bids (%v)", len(v.Bids), err)
	}
	if _, err := e.Auctions.GetAuction(e.Ctx, as(w.Buyer), au.ID); !errors.Is(err, app.ErrForbidden) {
		t.Fatalf("the buyer: %v", err)
	}
	if _, err := e.Auctions.GetAuction(e.Ctx, as(w.Supplier2), au.ID); !errors.Is(err, offer.ErrAuctionNotFound) {
		t.Fatalf("another supplier: %v", err)
	}
}

func openForLender(t *testing.T, e *apptest.Env) {
	w, other := e.World(), e.World()
	e.PublishFixing(w.Program.ReferenceIndex, apptest.Rate)
	first, _ := auction(t, e, w, "1000.00")
	e.SetNow(e.Now().Add(time.Minute))
	second, _ := auction(t, e, w, "2000.00")
	if _, err := e.Auctions.PlaceBid(e.Ctx, w.Lender2.ID, second.ID, 200); err != nil {
		t.Fatal(err)
	}
	got, err := e.Auctions.OpenAuctionsForLender(e.Ctx, as(w.Lender), 10)
	if err != nil || len(got) != 2 || got[0].ID != first.ID || got[1].ID != second.ID || len(got[1].Bids) != 0 {
		t.Fatalf("lender sees %+v %v, want both, soonest to close first, without the other's bid", got, err)
	}
	if got, err = e.Auctions.OpenAuctionsForLender(e.Ctx, as(w.Lender2), 10); err != nil || len(got) != 2 || len(got[1].Bids) != 1 {
		t.Fatalf("lender2 sees %+v %v, with its bid", got, err)
	}
	if got, err = e.Auctions.OpenAuctionsForLender(e.Ctx, as(other.Lender), 10); err != nil || len(got) != 0 {
		t.Fatalf("a lender of another program sees %d auctions (%v)", len(got), err)
	}
	e.SetNow(first.ClosesAt)
	if got, err = e.Auctions.OpenAuctionsForLender(e.Ctx, as(w.Lender), 10); err != nil || len(got) != 1 || got[0].ID != second.ID {
		t.Fatalf("after the first one's window: %+v %v", got, err)
	}
	if _, err := e.Auctions.OpenAuctionsForLender(e.Ctx, as(w.Supplier), 10); !errors.Is(err, app.ErrForbidden) {
		t.Fatalf("a supplier: %v", err)
	}
}

// TestCloseDueAuctions closes every due auction on the platform, so it has
// a database of its own. The lowest spread wins and becomes an offer to the
// supplier; an auction without bids gives its invoices back; a winning
// offer that lapses gives them back too.
func TestCloseDueAuctions(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	w := e.World()
	e.PublishFixing(w.Program.ReferenceIndex, apptest.Rate)
	won, wonInv := auction(t, e, w, "100000.00")
	empty, emptyInv := auction(t, e, w, "1000.00")
	lapsed, lapsedInv := auction(t, e, w, "2000.00")
	for _, b := range []struct {
		lender party.Party
		au     offer.Auction
		spread int
	}{{w.Lender, won, 280}, {w.Lender2, won, 260}, {w.Lender, lapsed, 300}} {
		if _, err := e.Auctions.PlaceBid(e.Ctx, b.lender.ID, b.au.ID, b.spread); err != nil {
			t.Fatal(err)
		}
	}
	e.SetNow(won.ClosesAt.Add(-time.Second))
	if n, err := e.Auctions.CloseDueAuctions(e.Ctx, 10); err != nil || n != 0 {
		t.Fatalf("before the window ends: %d closed (%v)", n, err)
	}
	e.SetNow(won.ClosesAt)
	if n, err := e.Auctions.CloseDueAuctions(e.Ctx, 10); err != nil || n != 3 {
		t.Fatalf("at the close: %d closed (%v)", n, err)
	}
	if n, err := e.Auctions.CloseDueAuctions(e.Ctx, 10); err != nil || n != 0 {
		t.Fatalf("closed again: %d (%v)", n, err)
	}

	v, err := e.Auctions.GetAuction(e.Ctx, as(w.Supplier), won.ID)
	if err != nil || v.WinningLender == nil || *v.WinningLender != w.Lender2.ID || v.WinningOffer == nil || *v.WinningSpread != 260 {
		t.Fatalf("won auction %+v %v", v.Auction, err)
	}
	o, err := e.Quoting.GetOffer(e.Ctx, as(w.Supplier), *v.WinningOffer)
	if err != nil || o.Source != offer.SourceAuction || o.SpreadBps != 260 || o.LenderID != w.Lender2.ID || o.Face.String() != "100000" {
		t.Fatalf("winning offer %+v %v", o, err)
	}
	// The loser learns the winning spread, not the winner.
	if lv, err := e.Auctions.GetAuction(e.Ctx, as(w.Lender), won.ID); err != nil || lv.ShowsWinner(as(w.Lender)) || lv.WinningSpread == nil {
		t.Fatalf("the loser's view %+v %v", lv, err)
	}
	if n := e.Events(event.ForLender(w.Lender2.ID.String(), event.AuctionWon), "auction_id", won.ID.String()); n != 1 {
		t.Fatal("the winner was not told")
	}
	if n := e.Count("SELECT count(*) FROM outbox WHERE subject = $1 AND payload->'data'->>'auction_id' = $2 AND payload->'data' ? 'winning_lender_id'",
		event.ForLender(w.Lender.ID.String(), event.AuctionLost), won.ID.String()); n != 0 {
		t.Fatal("the loser was told who won")
	}
	if n := e.Events(event.ForLender(w.Lender.ID.String(), event.AuctionLost), "auction_id", won.ID.String()); n != 1 {
		t.Fatal("the loser was not told")
	}
	if n := e.Count("SELECT count(*) FROM outbox WHERE subject = $1 AND payload->'data'->>'auction_id' = $2 AND payload->'data'->>'outcome' = 'no_bids'",
		event.AuctionClosed, empty.ID.String()); n != 1 {
		t.Fatal("no auction.closed with no_bids for the empty auction")
	}
	if status(t, e, emptyInv) != invoice.Published || status(t, e, wonInv) != invoice.Offered {
		t.Fatalf("without bids %s, won %s", status(t, e, emptyInv), status(t, e, wonInv))
	}
	// The winning offer is accepted; the other lapses and frees its invoice.
	if fs := e.Accept(w.Supplier, o.ID); len(fs) != 1 || status(t, e, wonInv) != invoice.Financed {
		t.Fatalf("accepting the auction's offer: %d financings, invoice %s", len(fs), status(t, e, wonInv))
	}
	lv, err := e.Auctions.GetAuction(e.Ctx, as(w.Supplier), lapsed.ID)
	if err != nil || lv.WinningOffer == nil {
		t.Fatalf("lapsed auction %+v %v", lv.Auction, err)
	}
	lo, err := e.Quoting.GetOffer(e.Ctx, as(w.Supplier), *lv.WinningOffer)
	if err != nil {
		t.Fatal(err)
	}
	e.SetNow(lo.ExpiresAt)
	if n, err := e.Auctions.ExpireOffers(e.Ctx, 10); err != nil || n != 1 {
		t.Fatalf("expired %d offers (%v)", n, err)
	}
	if status(t, e, lapsedInv) != invoice.Published {
		t.Fatalf("the lapsed offer's invoice is %s", status(t, e, lapsedInv))
	}
	if n := e.Events(event.ForLender(w.Lender.ID.String(), event.OfferExpired), "offer_id", lo.ID.String()); n != 1 {
		t.Fatal("the lender was not told its offer lapsed")
	}
}
