package offerdb_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/offer/offerdb"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
)

func TestStore(t *testing.T) {
	pool, _ := pgtest.NewPool(t)
	// The expiry sweep and the auction scheduler scan every program, so
	// they run alone first.
	t.Run("ExpireDue", func(t *testing.T) { testExpireDue(t, pool) })
	t.Run("ClaimDueAuctions", func(t *testing.T) { testClaimDue(t, pool) })
	pgtest.Parallel(t, pool, map[string]func(*testing.T, *pgxpool.Pool){
		"StandingOffers":        testStanding,
		"QuotingLenders":        testQuotingLenders,
		"OfferRoundTrip":        testOfferRoundTrip,
		"OfferViewerScope":      testOfferViewerScope,
		"ListPagesByStatus":     testList,
		"AcceptSupersedes":      testAccept,
		"AuctionViewerAndClose": testAuction,
		"Bids":                  testBids,
		"ClaimEventsOnce":       testClaimEvents,
		"NotifyOncePerKind":     testNotify,
	})
}

func getOffer(t *testing.T, w world, v offerdb.Viewer, id uuid.UUID) offer.Offer {
	t.Helper()
	o, err := offerdb.Get(context.Background(), w.Pool, v, id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func testStanding(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w := newWorld(t, pool)
	if _, err := offerdb.GetStanding(ctx, pool, w.Program, w.Lender); !errors.Is(err, offer.ErrNoStandingOffer) {
		t.Fatalf("before any: %v, want ErrNoStandingOffer", err)
	}
	s := offer.Standing{ProgramID: w.Program, LenderID: w.Lender, Status: offer.Active, Buckets: []offer.Bucket{{MaxDays: 30, SpreadBps: 350}, {MaxDays: 90, SpreadBps: 420}},
		ValidFrom: t0, ValidUntil: t0.AddDate(1, 0, 0), UpdatedAt: t0}
	if err := offerdb.PutStanding(ctx, pool, s); err != nil {
		t.Fatal(err)
	}
	s.Buckets, s.UpdatedAt = []offer.Bucket{{MaxDays: 180, SpreadBps: 500}}, t0.Add(time.Hour)
	if err := offerdb.PutStanding(ctx, pool, s); err != nil {
		t.Fatalf("replacing: %v", err)
	}
	got, err := offerdb.GetStanding(ctx, pool, w.Program, w.Lender)
	if err != nil || !slices.Equal(got.Buckets, s.Buckets) || got.Status != offer.Active || !got.ValidFrom.Equal(t0) || !got.UpdatedAt.Equal(s.UpdatedAt) {
		t.Fatalf("after replace: %+v, %v", got, err)
	}
	paused, err := offerdb.SetStandingStatus(ctx, pool, w.Program, w.Lender, offer.Paused, t0.Add(2*time.Hour))
	if err != nil || paused.Status != offer.Paused || !paused.UpdatedAt.Equal(t0.Add(2*time.Hour)) || !slices.Equal(paused.Buckets, s.Buckets) {
		t.Fatalf("paused: %+v, %v", paused, err)
	}
	// Only an enrolled lender can stand in a program.
	s.LenderID = pgtest.NewParty(t, pool, "lender")
	if err := offerdb.PutStanding(ctx, pool, s); pgtest.Code(err) != "23503" {
		t.Fatalf("unenrolled lender: %v, want a foreign-key violation", err)
	}
	if _, err := offerdb.SetStandingStatus(ctx, pool, w.Program, s.LenderID, offer.Active, t0); !errors.Is(err, offer.ErrNoStandingOffer) {
		t.Fatalf("status of none: %v, want ErrNoStandingOffer", err)
	}
	if err := offerdb.DeleteStanding(ctx, pool, w.Program, w.Lender); err != nil {
		t.Fatal(err)
	}
	if err := offerdb.DeleteStanding(ctx, pool, w.Program, w.Lender); !errors.Is(err, offer.ErrNoStandingOffer) {
		t.Fatalf("second delete: %v, want ErrNoStandingOffer", err)
	}
}

func testQuotingLenders(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w := newWorld(t, pool)
	paused, ended, later := w.NewLender(t, "1.00"), w.NewLender(t, "1.00"), w.NewLender(t, "1.00")
	pgtest.Exec(t, pool, "UPDATE program_lenders SET exposure = 1249.99 WHERE program_id = $1 AND lender_id = $2", w.Program, w.Lender)
	put := func(lender uuid.UUID, status string, from, until time.Time) {
		t.Helper()
		if err := offerdb.PutStanding(ctx, pool, offer.Standing{ProgramID: w.Program, LenderID: lender, Status: status,
			Buckets: []offer.Bucket{{MaxDays: 90, SpreadBps: 350}}, ValidFrom: from, ValidUntil: until, UpdatedAt: t0}); err != nil {
			t.Fatal(err)
		}
	}
	put(w.Lender, offer.Active, t0.Add(-time.Hour), t0.Add(time.Hour))
	put(paused, offer.Paused, t0.Add(-time.Hour), t0.Add(time.Hour))
	put(ended, offer.Active, t0.Add(-time.Hour), t0) // valid_until is exclusive
	put(later, offer.Active, t0.Add(time.Second), t0.Add(time.Hour))
	got, err := offerdb.QuotingLenders(ctx, pool, w.Program, t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].LenderID != w.Lender || got[0].Available.StringFixed(2) != "8750.01" || got[0].Buckets[0].SpreadBps != 350 {
		t.Fatalf("quoting lenders %+v, want the active one with 8750.01 available", got)
	}
	if got, _ := offerdb.QuotingLenders(ctx, pool, w.Program, t0.Add(time.Second)); len(got) != 2 {
		t.Fatalf("a second later %d quote, want 2", len(got))
	}
}

func testOfferRoundTrip(t *testing.T, pool *pgxpool.Pool) {
	w := newWorld(t, pool)
	o := w.quote(t, t0.Add(10*time.Minute), "1250.00", "80.08")
	w.insert(t, o)
	got := getOffer(t, w, w.as("supplier"), o.ID)
	if got.Face.StringFixed(2) != "1330.08" || got.Discount.StringFixed(2) != "16.63" || got.Net.StringFixed(2) != "1313.45" ||
		got.ReferenceRate.StringFixed(6) != "7.120000" {
		t.Fatalf("offer money %s = %s + %s at %s", got.Face, got.Discount, got.Net, got.ReferenceRate)
	}
	if got.Source != offer.SourceQuote || got.AuctionID != nil || got.ProgramID != w.Program || got.LenderID != w.Lender || got.BuyerID != w.Buyer ||
		got.Currency != "MXN" || got.SpreadBps != 350 || !got.ValueDate.Equal(o.ValueDate) || got.Status != offer.StatusOpen ||
		!got.ExpiresAt.Equal(o.ExpiresAt) || !got.CreatedAt.Equal(t0) {
		t.Fatalf("offer %+v", got)
	}
	want := slices.Clone(o.Lines)
	slices.SortFunc(want, func(a, b offer.Line) int { return slices.Compare(a.InvoiceID[:], b.InvoiceID[:]) })
	if len(got.Lines) != 2 {
		t.Fatalf("%d lines", len(got.Lines))
	}
	for i, l := range got.Lines {
		x := want[i]
		if l.InvoiceID != x.InvoiceID || !l.Face.Equal(x.Face) || !l.Discount.Equal(x.Discount) || !l.Net.Equal(x.Net) || !l.DueDate.Equal(x.DueDate) ||
			!l.Maturity.Equal(x.Maturity) || l.Days != 59 || l.SpreadBps != 350 || l.AllInRate.StringFixed(6) != "0.106200" || l.EffectiveRate.StringFixed(6) != "0.115386" {
			t.Fatalf("line %d: %+v, want %+v", i, l, x)
		}
	}
	lines, err := offerdb.Lines(context.Background(), pool, o.ID)
	if err != nil || len(lines) != 2 || lines[0].InvoiceID != want[0].InvoiceID || lines[0].Net.StringFixed(2) != want[0].Net.StringFixed(2) {
		t.Fatalf("Lines %+v, %v", lines, err)
	}
}

func testOfferViewerScope(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w, other := newWorld(t, pool), newWorld(t, pool)
	o := w.quote(t, t0.Add(time.Hour), "100.00")
	w.insert(t, o)
	for _, c := range append(w.Sights(other.World, "buyer", "supplier", "lender"),
		pgtest.Blind("supplier as lender", w.Supplier, "lender"), pgtest.Blind("unknown role", w.Supplier, "auditor")) {
		v := offerdb.Viewer(c.Viewer)
		got, err := offerdb.Get(ctx, pool, v, o.ID)
		c.Check(t, "Get", err, offer.ErrNotFound)
		if c.Sees && err == nil && len(got.Lines) != 1 {
			t.Errorf("Get as %s: %d lines", c.Name, len(got.Lines))
		}
		list, err := offerdb.List(ctx, pool, v, "", uuid.Nil, 1000)
		if err != nil {
			t.Fatal(err)
		}
		c.CheckListed(t, "List", slices.ContainsFunc(list, func(x offer.Offer) bool { return x.ID == o.ID }))
	}
}

func testList(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w := newWorld(t, pool)
	var open []uuid.UUID
	for i := range 5 {
		o := w.quote(t, t0.AddDate(1, 0, 0), "100.00")
		w.insert(t, o)
		if i == 2 {
			if err := offerdb.Accept(ctx, pool, o.ID, nil, t0); err != nil {
				t.Fatal(err)
			}
			continue
		}
		open = append(open, o.ID)
	}
	var got []uuid.UUID
	var after uuid.UUID
	for {
		page, err := offerdb.List(ctx, pool, w.as("lender"), offer.StatusOpen, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range page {
			got, after = append(got, o.ID), o.ID
		}
		if len(page) < 2 {
			break
		}
	}
	if !slices.Equal(got, open) {
		t.Fatalf("open offers paged %v, want %v", got, open)
	}
	if all, err := offerdb.List(ctx, pool, w.as("lender"), "", uuid.Nil, 100); err != nil || len(all) != 5 {
		t.Fatalf("all offers: %d, %v", len(all), err)
	}
}

func testAccept(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w := newWorld(t, pool)
	keep, a, b, bystander := w.quote(t, t0.Add(time.Hour), "100.00"), w.quote(t, t0.Add(time.Hour), "100.00"),
		w.quote(t, t0.Add(time.Hour), "100.00"), w.quote(t, t0.Add(time.Hour), "100.00")
	w.insert(t, keep, a, b, bystander)
	if err := offerdb.Accept(ctx, pool, keep.ID, []uuid.UUID{a.ID, b.ID}, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[uuid.UUID]string{keep.ID: offer.StatusAccepted, a.ID: offer.StatusSuperseded, b.ID: offer.StatusSuperseded, bystander.ID: offer.StatusOpen} {
		if got := getOffer(t, w, w.as("operator"), id); got.Status != want {
			t.Errorf("offer %v is %s, want %s", id, got.Status, want)
		}
	}
}

func testExpireDue(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w := newWorld(t, pool)
	past, edge, future := w.quote(t, t0.Add(-time.Minute), "100.00"), w.quote(t, t0, "100.00"), w.quote(t, t0.Add(time.Second), "100.00")
	auc := w.auction(t, t0.Add(-time.Hour), t0.Add(-30*time.Minute), "250.00")
	fromAuction := w.quote(t, t0.Add(-2*time.Minute), "250.00")
	fromAuction.Source, fromAuction.AuctionID = offer.SourceAuction, &auc.ID
	accepted := w.quote(t, t0.Add(-time.Hour), "100.00")
	w.insert(t, past, edge, future, fromAuction, accepted)
	if err := offerdb.Accept(ctx, pool, accepted.ID, nil, t0.Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	sweep := func(limit int) (int, []offer.Offer) {
		t.Helper()
		var n int
		var auctions []offer.Offer
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			var err error
			n, auctions, err = offerdb.ExpireDue(ctx, tx, t0, limit)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return n, auctions
	}
	// Oldest expiry first: the limit takes the auction's offer and the past quote.
	n, auctions := sweep(2)
	if n != 2 || len(auctions) != 1 || auctions[0].ID != fromAuction.ID || len(auctions[0].Lines) != 1 || auctions[0].Lines[0].InvoiceID != fromAuction.Lines[0].InvoiceID {
		t.Fatalf("first sweep: %d expired, auction offers %+v", n, auctions)
	}
	if n, auctions := sweep(10); n != 1 || len(auctions) != 0 {
		t.Fatalf("second sweep: %d expired, %d auction offers; want the one expiring exactly now", n, len(auctions))
	}
	for id, want := range map[uuid.UUID]string{past.ID: offer.StatusExpired, edge.ID: offer.StatusExpired, fromAuction.ID: offer.StatusExpired,
		future.ID: offer.StatusOpen, accepted.ID: offer.StatusAccepted} {
		if got := getOffer(t, w, w.as("operator"), id); got.Status != want {
			t.Errorf("offer %v is %s, want %s", id, got.Status, want)
		}
	}
}

func testClaimDue(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w := newWorld(t, pool)
	// A year before the other cases' auctions, which stay open.
	base := t0.AddDate(-1, 0, 0)
	due := w.auction(t, base.Add(-time.Hour), base, "100.00", "200.00")
	w.auction(t, base.Add(-time.Hour), base.Add(time.Second), "100.00")
	tx1, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback(ctx) //nolint:errcheck
	got, err := offerdb.ClaimDue(ctx, tx1, base, 10)
	if err != nil || len(got) != 1 || got[0].ID != due.ID || len(got[0].InvoiceIDs) != 2 || got[0].Face.StringFixed(2) != "300.00" {
		t.Fatalf("due auctions %+v, %v", got, err)
	}
	tx2, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx2.Rollback(ctx) //nolint:errcheck
	if again, err := offerdb.ClaimDue(ctx, tx2, base, 10); err != nil || len(again) != 0 {
		t.Fatalf("second scheduler: %+v, %v; want the locked auction skipped", again, err)
	}
	if err := offerdb.CloseAuction(ctx, tx1, got[0], base); err != nil {
		t.Fatal(err)
	}
	if err := tx1.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if again, err := offerdb.ClaimDue(ctx, tx2, base.Add(time.Hour), 10); err != nil || len(again) != 1 || again[0].ID == due.ID {
		t.Fatalf("after the close: %+v, %v; want only the later auction", again, err)
	}
}

func testAuction(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w, other := newWorld(t, pool), newWorld(t, pool)
	a := w.auction(t, t0, t0.Add(30*time.Minute), "1250.00", "0.10")
	// The enrolled lender sees it; the buyer does not.
	for _, c := range w.Sights(other.World, "supplier", "lender") {
		got, err := offerdb.GetAuction(ctx, pool, offerdb.Viewer(c.Viewer), a.ID, false)
		c.Check(t, "GetAuction", err, offer.ErrAuctionNotFound)
		if c.Sees && err == nil && (len(got.InvoiceIDs) != 2 || got.Face.StringFixed(2) != "1250.10" || got.Status != offer.AuctionOpen) {
			t.Errorf("GetAuction as %s: %+v", c.Name, got)
		}
	}
	if s, err := offerdb.AuctionSupplier(ctx, pool, a.ID); err != nil || s != w.Supplier {
		t.Fatalf("AuctionSupplier %v, %v", s, err)
	}
	offerID := uuid.Must(uuid.NewV7())
	a.WinningLender, a.WinningOffer = &w.Lender, &offerID
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		locked, err := offerdb.GetAuction(ctx, tx, w.as("operator"), a.ID, true)
		if err != nil {
			return err
		}
		locked.WinningLender, locked.WinningOffer = a.WinningLender, a.WinningOffer
		return offerdb.CloseAuction(ctx, tx, locked, t0.Add(31*time.Minute))
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := offerdb.CloseAuction(ctx, pool, a, t0.Add(time.Hour)); !errors.Is(err, offer.ErrAuctionClosed) {
		t.Fatalf("second close: %v, want ErrAuctionClosed", err)
	}
	got, err := offerdb.GetAuction(ctx, pool, w.as("supplier"), a.ID, false)
	if err != nil || got.Status != offer.AuctionClosed || got.ClosedAt == nil || !got.ClosedAt.Equal(t0.Add(31*time.Minute)) ||
		got.WinningLender == nil || *got.WinningLender != w.Lender || got.WinningOffer == nil || *got.WinningOffer != offerID {
		t.Fatalf("closed auction %+v, %v", got, err)
	}
}

func testBids(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w := newWorld(t, pool)
	a := w.auction(t, t0, t0.Add(30*time.Minute), "100.00")
	l2, l3 := w.NewLender(t, "100.00"), w.NewLender(t, "100.00")
	if b, err := offerdb.GetBid(ctx, pool, a.ID, w.Lender); err != nil || b != nil {
		t.Fatalf("no bid yet: %+v, %v", b, err)
	}
	put := func(lender uuid.UUID, bps int, at time.Time) offer.Bid {
		t.Helper()
		b, err := offerdb.PutBid(ctx, pool, offer.Bid{AuctionID: a.ID, LenderID: lender, SpreadBps: bps, PlacedAt: at})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	if b := put(w.Lender, 400, t0.Add(time.Minute)); b.Revisions != 1 {
		t.Fatalf("first bid revision %d", b.Revisions)
	}
	put(l2, 350, t0.Add(2*time.Minute))
	put(l3, 350, t0.Add(3*time.Minute))
	// Improving to 350 puts the first lender's bid last among the 350s.
	if b := put(w.Lender, 350, t0.Add(4*time.Minute)); b.Revisions != 2 {
		t.Fatalf("improved bid revision %d, want 2", b.Revisions)
	}
	got, err := offerdb.GetBid(ctx, pool, a.ID, w.Lender)
	if err != nil || got == nil || got.SpreadBps != 350 || !got.PlacedAt.Equal(t0.Add(4*time.Minute)) || got.Revisions != 2 {
		t.Fatalf("improved bid %+v, %v", got, err)
	}
	bids, err := offerdb.Bids(ctx, pool, a.ID)
	if err != nil || len(bids) != 3 || bids[0].LenderID != l2 || bids[1].LenderID != l3 || bids[2].LenderID != w.Lender {
		t.Fatalf("bids %+v, %v; want l2, l3, then the improved one", bids, err)
	}
}

func testClaimEvents(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	consumer := "test-" + uuid.NewString()
	a, b, c := uuid.New(), uuid.New(), uuid.New()
	fresh, err := offerdb.ClaimEvents(ctx, pool, consumer, []uuid.UUID{a, b})
	if err != nil || len(fresh) != 2 || !fresh[a] || !fresh[b] {
		t.Fatalf("first claim %v, %v", fresh, err)
	}
	fresh, err = offerdb.ClaimEvents(ctx, pool, consumer, []uuid.UUID{b, c})
	if err != nil || len(fresh) != 1 || !fresh[c] {
		t.Fatalf("redelivery of b with new c: %v, %v; want only c", fresh, err)
	}
	// Another consumer processes the same events afresh.
	if fresh, err := offerdb.ClaimEvents(ctx, pool, consumer+"-2", []uuid.UUID{a}); err != nil || !fresh[a] {
		t.Fatalf("another consumer: %v, %v", fresh, err)
	}
}

func testNotify(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w := newWorld(t, pool)
	ev, subject := uuid.New(), uuid.New()
	notices := []offerdb.Notice{{PartyID: w.Supplier, EventID: ev, Kind: "offer.won", SubjectID: subject},
		{PartyID: w.Lender, EventID: ev, Kind: "offer.won", SubjectID: subject}, {PartyID: w.Lender, EventID: ev, Kind: "auction.closed", SubjectID: subject}}
	if err := offerdb.Notify(ctx, pool, notices, t0); err != nil {
		t.Fatal(err)
	}
	if err := offerdb.Notify(ctx, pool, nil, t0); err != nil {
		t.Fatalf("no notices: %v", err)
	}
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM notifications WHERE event_id = $1 AND subject_id = $2 AND created_at = $3", ev, subject, t0).Scan(&n); err != nil || n != 3 {
		t.Fatalf("%d notices stored, %v", n, err)
	}
	if err := offerdb.Notify(ctx, pool, notices[1:2], t0); pgtest.Code(err) != "23505" {
		t.Fatalf("same notice again: %v, want a unique violation", err)
	}
}
