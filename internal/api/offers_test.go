package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/api/apitest"
	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/invoicing"
	"github.com/cadena-finance/cadena/internal/app/usecases"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/invoice"
)

func init() {
	eventProducers = append(eventProducers, produceOfferEvents)
}

// clock is a settable time for App.Now, shared by the handlers' goroutines.
type clock struct{ ns atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) Set(t time.Time)         { c.ns.Store(t.UnixNano()) }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

// friday10 is Friday 20 November 2026, 10:00 in Mexico City: a business day
// before the 13:00 funding cut-off, so the value date is that day.
var friday10 = time.Date(2026, 11, 20, 16, 0, 0, 0, time.UTC)

type offerFixture struct {
	env                       *apitest.Env
	w                         apitest.World
	clk                       *clock
	op, supplier, buyer       string
	lender, lender2, outsider string
	prog                      string
}

// newOfferFixture seeds the world at friday10 with a TIIE fixing, and
// standing offers: lender 400/350/300 bp by tenor, lender2 250 bp flat.
func newOfferFixture(t *testing.T) *offerFixture {
	t.Helper()
	env := apitest.New(t)
	clk := &clock{}
	clk.Set(friday10)
	env.App.Now = clk.Now
	f := &offerFixture{env: env, w: env.Seed(), clk: clk}
	f.op = env.Token(f.w.Operator.ID, auth.RoleOperator)
	f.supplier = env.Token(f.w.Supplier.ID, auth.RoleSupplier)
	f.buyer = env.Token(f.w.Buyer.ID, auth.RoleBuyer)
	f.lender = env.Token(f.w.Lender.ID, auth.RoleLender)
	f.lender2 = env.Token(f.w.Lender2.ID, auth.RoleLender)
	f.outsider = env.Token(f.w.OtherLender.ID, auth.RoleLender)
	f.prog = "/v1/programs/" + f.w.Program.ID.String()
	if _, _, err := env.App.Quoting.PutReferenceRate(context.Background(), app.Actor{Subject: "test", PartyID: f.w.Operator.ID, Role: auth.RoleOperator},
		"TIIE_FONDEO", "2026-11-19", "7.12"); err != nil {
		t.Fatal(err)
	}
	f.standing(t, f.lender, []map[string]int{{"max_days": 30, "spread_bps": 400}, {"max_days": 90, "spread_bps": 350}, {"max_days": 180, "spread_bps": 300}})
	f.standing(t, f.lender2, []map[string]int{{"max_days": 180, "spread_bps": 250}})
	return f
}

func (f *offerFixture) standing(t *testing.T, tok string, buckets []map[string]int) {
	t.Helper()
	if r := f.env.Do(apitest.Req{Method: "PUT", Path: f.prog + "/standing-offer", Token: tok, Body: map[string]any{"buckets": buckets}}); r.Status != 200 {
		t.Fatalf("standing offer: %d %s", r.Status, r.Body)
	}
}

// invoices publishes n invoices of the supplier of amount each, due 2027-01-22, and returns their ids.
func (f *offerFixture) invoices(t *testing.T, n int, amount string) []string {
	t.Helper()
	drafts := make([]invoice.Draft, n)
	for i := range drafts {
		drafts[i] = invoice.Draft{Supplier: f.w.Supplier.ID.String(), DocumentNumber: "F-" + uuid.NewString()[:13], EInvoiceID: cfdi(),
			IssueDate: "2026-11-15", DueDate: "2027-01-22", Amount: amount}
	}
	b, err := f.env.App.Invoicing.PublishBatch(context.Background(), app.Actor{Subject: "test", PartyID: f.w.Buyer.ID, Role: auth.RoleBuyer},
		invoicing.BatchInput{ProgramID: f.w.Program.ID, Atomic: true, Format: "json", Drafts: drafts})
	if err != nil || b.Published != n {
		t.Fatalf("publish: %+v %v", b, err)
	}
	rows, err := f.env.Pool.Query(context.Background(), "SELECT id::text FROM invoices WHERE batch_id = $1 ORDER BY batch_row", b.ID)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for rows.Next() {
		var id string
		_ = rows.Scan(&id)
		ids = append(ids, id)
	}
	return ids
}

type offerOut struct {
	ID          string    `json:"id"`
	LenderID    string    `json:"lender_id"`
	SpreadBps   int       `json:"spread_bps"`
	Face        string    `json:"face"`
	Discount    string    `json:"discount"`
	NetProceeds string    `json:"net_proceeds"`
	Status      string    `json:"status"`
	ExpiresAt   time.Time `json:"expires_at"`
	Lines       []struct {
		InvoiceID string `json:"invoice_id"`
		Days      int    `json:"days"`
	} `json:"lines"`
}

type quoteOut struct {
	Offers      []offerOut `json:"offers"`
	Unavailable []struct {
		LenderID string `json:"lender_id"`
		Reason   string `json:"reason"`
	} `json:"unavailable_lenders"`
}

func (f *offerFixture) quote(t *testing.T, ids ...string) quoteOut {
	t.Helper()
	r := f.env.Do(apitest.Req{Method: "POST", Path: "/v1/quotes", Token: f.supplier, Body: map[string]any{"invoice_ids": ids}})
	if r.Status != 201 {
		t.Fatalf("quote: %d %s", r.Status, r.Body)
	}
	var q quoteOut
	r.JSON(t, &q)
	return q
}

func (f *offerFixture) accept(offerID, key string) *apitest.Resp {
	return f.env.Do(apitest.Req{Method: "POST", Path: "/v1/offers/" + offerID + "/accept", Token: f.supplier, Header: map[string]string{"Idempotency-Key": key}})
}

func dec(t *testing.T, s string) decimal.Decimal {
	t.Helper()
	d, err := decimal.NewFromString(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestQuoteAndAccept(t *testing.T) {
	t.Parallel()
	f := newOfferFixture(t)
	ids := f.invoices(t, 2, "100000.00")
	q := f.quote(t, ids...)
	if len(q.Offers) != 2 || q.Offers[0].LenderID != f.w.Lender2.ID.String() || q.Offers[0].SpreadBps != 250 || q.Offers[1].SpreadBps != 350 {
		t.Fatalf("offers %+v", q.Offers)
	}
	best := q.Offers[0]
	// Value date Friday 20 Nov, maturity Friday 22 Jan: 63 days; 200,000 × (7.12% + 2.50%) × 63 / 360 = 3,367.00.
	if best.Face != "200000.00" || best.Discount != "3367.00" || best.NetProceeds != "196633.00" || len(best.Lines) != 2 || best.Lines[0].Days != 63 {
		t.Fatalf("best %+v", best)
	}
	if !dec(t, q.Offers[0].NetProceeds).GreaterThan(dec(t, q.Offers[1].NetProceeds)) {
		t.Fatal("offers not best net first")
	}
	if want := friday10.Add(10 * time.Minute); !best.ExpiresAt.Equal(want) {
		t.Fatalf("expiry %v", best.ExpiresAt)
	}
	// Tenants: the other lender cannot see lender2's offer; a stranger lender sees none.
	for _, tok := range []string{f.lender, f.outsider, f.env.Token(f.w.OtherSupplier.ID, auth.RoleSupplier), f.env.Token(f.w.OtherBuyer.ID, auth.RoleBuyer)} {
		if r := f.env.Do(apitest.Req{Method: "GET", Path: "/v1/offers/" + best.ID, Token: tok}); r.Status != 404 {
			t.Fatalf("foreign offer read: %d", r.Status)
		}
	}
	for _, tok := range []string{f.lender2, f.supplier, f.buyer, f.op} {
		if r := f.env.Do(apitest.Req{Method: "GET", Path: "/v1/offers/" + best.ID, Token: tok}); r.Status != 200 {
			t.Fatalf("own offer read: %d", r.Status)
		}
	}
	if r := f.env.Do(apitest.Req{Method: "POST", Path: "/v1/offers/" + best.ID + "/accept", Token: f.env.Token(f.w.Supplier2.ID, auth.RoleSupplier)}); r.Status != 404 {
		t.Fatalf("another supplier accepted: %d", r.Status)
	}

	r := f.accept(best.ID, "acc-1")
	if r.Status != 201 {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	var acc struct {
		Financings []struct {
			ID, InvoiceID, Status string
			NetProceeds           string `json:"net_proceeds"`
		} `json:"financings"`
	}
	r.JSON(t, &acc)
	if len(acc.Financings) != 2 || acc.Financings[0].Status != "accepted" {
		t.Fatalf("financings %s", r.Body)
	}
	if again := f.accept(best.ID, "acc-1"); again.Status != 201 || !bytes.Equal(again.Body, r.Body) {
		t.Fatalf("replay: %d %s", again.Status, again.Body)
	}
	if p := f.accept(q.Offers[1].ID, "acc-2"); p.Status != 409 || p.Problem(t).Code != "offer.not_open" {
		t.Fatalf("sibling offer: %d %s", p.Status, p.Body)
	}
	if p := f.accept(best.ID, "acc-3"); p.Status != 409 || p.Problem(t).Code != "offer.not_open" {
		t.Fatalf("second acceptance: %d %s", p.Status, p.Body)
	}
	if n := count(t, f.env, "SELECT count(*) FROM invoices WHERE id::text = ANY($1) AND status = 'financed'", ids); n != 2 {
		t.Fatalf("%d invoices financed", n)
	}
	var exposure decimal.Decimal
	_ = f.env.Pool.QueryRow(context.Background(), "SELECT exposure FROM program_lenders WHERE lender_id = $1", f.w.Lender2.ID).Scan(&exposure)
	if !exposure.Equal(dec(t, "200000")) {
		t.Fatalf("exposure %s", exposure)
	}
	if n := count(t, f.env, "SELECT count(*) FROM outbox WHERE payload->>'type' = 'cadena.financing.accepted'"); n != 4 {
		t.Fatalf("%d financing.accepted events, want platform + lender + buyer + supplier", n)
	}
	if n := count(t, f.env, "SELECT count(*) FROM outbox WHERE subject = $1", "cadena.lender."+f.w.Lender2.ID.String()+".financing.accepted"); n != 1 {
		t.Fatal("the lender's copy is missing")
	}
	fin := "/v1/financings/" + acc.Financings[0].ID
	for tok, want := range map[string]int{f.lender2: 200, f.buyer: 200, f.supplier: 200, f.op: 200, f.lender: 404, f.outsider: 404,
		f.env.Token(f.w.OtherBuyer.ID, auth.RoleBuyer): 404} {
		if r := f.env.Do(apitest.Req{Method: "GET", Path: fin, Token: tok}); r.Status != want {
			t.Errorf("GET financing: %d, want %d", r.Status, want)
		}
	}
	var page struct{ Items []map[string]any }
	f.env.Do(apitest.Req{Method: "GET", Path: "/v1/financings", Token: f.lender}).JSON(t, &page)
	if len(page.Items) != 0 {
		t.Fatal("a losing lender lists financings")
	}
	f.env.Do(apitest.Req{Method: "GET", Path: "/v1/offers?status=open", Token: f.supplier}).JSON(t, &page)
	if len(page.Items) != 0 {
		t.Fatalf("open offers left: %d", len(page.Items))
	}
	// Financed invoices cannot be quoted again.
	if r := f.env.Do(apitest.Req{Method: "POST", Path: "/v1/quotes", Token: f.supplier, Body: map[string]any{"invoice_ids": ids[:1]}}); r.Status != 409 ||
		r.Problem(t).Code != "offer.invoice_taken" {
		t.Fatalf("requote: %d %s", r.Status, r.Body)
	}
}

func TestStandingOfferRules(t *testing.T) {
	t.Parallel()
	f := newOfferFixture(t)
	so := f.prog + "/standing-offer"
	if r := f.env.Do(apitest.Req{Method: "PUT", Path: so, Token: f.lender, Body: map[string]any{"buckets": []map[string]int{{"max_days": 90, "spread_bps": 701}}}}); r.Status != 422 ||
		r.Problem(t).Code != "standing_offer.above_cap" {
		t.Fatalf("above cap: %d %s", r.Status, r.Body)
	}
	if r := f.env.Do(apitest.Req{Method: "PUT", Path: so, Token: f.lender, Body: map[string]any{"buckets": []map[string]int{{"max_days": 90, "spread_bps": 100}, {"max_days": 30, "spread_bps": 100}}}}); r.Status != 422 {
		t.Fatalf("unordered buckets: %d", r.Status)
	}
	if r := f.env.Do(apitest.Req{Method: "PUT", Path: so, Token: f.outsider, Body: map[string]any{"buckets": []map[string]int{{"max_days": 90, "spread_bps": 100}}}}); r.Status != 404 {
		t.Fatalf("not enrolled: %d", r.Status)
	}
	ids := f.invoices(t, 1, "5000.00")
	if r := f.env.Do(apitest.Req{Method: "POST", Path: so + "/pause", Token: f.lender2}); r.Status != 200 {
		t.Fatalf("pause: %d", r.Status)
	}
	if q := f.quote(t, ids...); len(q.Offers) != 1 || q.Offers[0].LenderID != f.w.Lender.ID.String() {
		t.Fatalf("paused lender quoted: %+v", q.Offers)
	}
	f.env.Do(apitest.Req{Method: "POST", Path: so + "/resume", Token: f.lender2})
	if q := f.quote(t, ids...); len(q.Offers) != 2 {
		t.Fatalf("resumed: %d offers", len(q.Offers))
	}
	if r := f.env.Do(apitest.Req{Method: "DELETE", Path: so, Token: f.lender2}); r.Status != 204 {
		t.Fatalf("withdraw: %d", r.Status)
	}
	if r := f.env.Do(apitest.Req{Method: "GET", Path: so, Token: f.lender2}); r.Status != 404 || r.Problem(t).Code != "standing_offer.not_found" {
		t.Fatalf("withdrawn: %d", r.Status)
	}
	// A lender whose available limit is below the basket is listed, not quoted.
	if _, err := f.env.Pool.Exec(context.Background(), "UPDATE program_lenders SET credit_limit = 1000 WHERE lender_id = $1", f.w.Lender.ID); err != nil {
		t.Fatal(err)
	}
	if r := f.env.Do(apitest.Req{Method: "POST", Path: "/v1/quotes", Token: f.supplier, Body: map[string]any{"invoice_ids": ids}}); r.Status != 422 || r.Problem(t).Code != "quote.no_lender" {
		t.Fatalf("no lender: %d %s", r.Status, r.Body)
	}
}

func TestAcceptanceRechecks(t *testing.T) {
	t.Parallel()
	f := newOfferFixture(t)
	ids := f.invoices(t, 4, "10000.00")
	ctx := context.Background()

	q := f.quote(t, ids[0])
	f.clk.Advance(10 * time.Minute)
	if r := f.accept(q.Offers[0].ID, "e1"); r.Status != 409 || r.Problem(t).Code != "offer.expired" {
		t.Fatalf("expired: %d %s", r.Status, r.Body)
	}

	q = f.quote(t, ids[1])
	if _, _, err := f.env.App.Quoting.PutReferenceRate(ctx, app.Actor{Subject: "test", PartyID: f.w.Operator.ID, Role: auth.RoleOperator}, "TIIE_FONDEO", "2026-11-20", "7.25"); err != nil {
		t.Fatal(err)
	}
	if r := f.accept(q.Offers[0].ID, "r1"); r.Status != 409 || r.Problem(t).Code != "offer.repriced" {
		t.Fatalf("repriced: %d %s", r.Status, r.Body)
	}
	if q2 := f.quote(t, ids[1]); f.accept(q2.Offers[0].ID, "r2").Status != 201 {
		t.Fatal("a fresh quote after the new fixing is accepted")
	}

	q = f.quote(t, ids[2])
	if r := f.env.Do(apitest.Req{Method: "POST", Path: "/v1/invoices/" + ids[2] + "/cancel", Token: f.buyer}); r.Status != 200 {
		t.Fatalf("cancel: %d", r.Status)
	}
	if r := f.accept(q.Offers[0].ID, "c1"); r.Status != 409 || r.Problem(t).Code != "offer.invoice_taken" {
		t.Fatalf("cancelled: %d %s", r.Status, r.Body)
	}

	q = f.quote(t, ids[3])
	if _, err := f.env.Pool.Exec(ctx, "UPDATE program_lenders SET credit_limit = exposure + 1 WHERE lender_id = $1", f.w.Lender2.ID); err != nil {
		t.Fatal(err)
	}
	if r := f.accept(q.Offers[0].ID, "l1"); r.Status != 409 || r.Problem(t).Code != "offer.limit_exceeded" {
		t.Fatalf("limit: %d %s", r.Status, r.Body)
	}
	if n := count(t, f.env, "SELECT count(*) FROM financings WHERE invoice_id::text = ANY($1)", []string{ids[0], ids[2], ids[3]}); n != 0 {
		t.Fatalf("a refused acceptance wrote %d financings", n)
	}
}

// rawClient sends many requests without the contract check's cost; a
// sample still goes through apitest.Env.Do.
func rawClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConns: 512, MaxIdleConnsPerHost: 512}, Timeout: time.Minute}
}

func rawAccept(c *http.Client, base, tok, offerID, key string) (int, string, error) {
	req, _ := http.NewRequest("POST", base+"/v1/offers/"+offerID+"/accept", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Idempotency-Key", key)
	res, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var p struct{ Code string }
	_ = json.Unmarshal(body, &p)
	return res.StatusCode, p.Code, nil
}

// 200 invoices, each with offers from two lenders (quoted twice: four open
// offers), and 50 concurrent acceptances per invoice with distinct keys:
// exactly one financing per invoice, every other attempt a 409.
func TestNoDoubleFunding(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("concurrency test")
	}
	f := newOfferFixture(t)
	ids := f.invoices(t, 200, "1000.00")
	offers := make([][]string, len(ids))
	for i, id := range ids {
		for range 2 {
			for _, o := range f.quote(t, id).Offers {
				offers[i] = append(offers[i], o.ID)
			}
		}
	}
	c := rawClient()
	var wins, conflicts, other atomic.Int64
	codes := sync.Map{}
	sem := make(chan struct{}, 4) // four invoices at a time, 50 attempts each
	var wg sync.WaitGroup
	for i := range ids {
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer func() { <-sem; wg.Done() }()
			var inner sync.WaitGroup
			for k := range 50 {
				inner.Add(1)
				go func(k int) {
					defer inner.Done()
					status, code, err := rawAccept(c, f.env.Server.URL, f.supplier, offers[i][k%len(offers[i])], fmt.Sprintf("k-%d-%d", i, k))
					switch {
					case err != nil:
						other.Add(1)
					case status == 201:
						wins.Add(1)
					case status == 409:
						conflicts.Add(1)
						codes.Store(code, true)
					default:
						other.Add(1)
						codes.Store(fmt.Sprint(status, code), true)
					}
				}(k)
			}
			inner.Wait()
		}(i)
	}
	wg.Wait()
	var seen []any
	codes.Range(func(k, _ any) bool { seen = append(seen, k); return true })
	if wins.Load() != 200 || conflicts.Load() != 200*49 || other.Load() != 0 {
		t.Fatalf("wins %d conflicts %d other %d codes %v", wins.Load(), conflicts.Load(), other.Load(), seen)
	}
	for _, code := range seen {
		if code != "offer.not_open" && code != "offer.invoice_taken" {
			t.Errorf("unexpected 409 code %v", code)
		}
	}
	if n := count(t, f.env, "SELECT count(*) FROM (SELECT invoice_id FROM financings GROUP BY invoice_id HAVING count(*) = 1) x"); n != 200 {
		t.Fatalf("%d invoices with exactly one financing", n)
	}
	if n := count(t, f.env, "SELECT count(*) FROM financings"); n != 200 {
		t.Fatalf("%d financings", n)
	}
	var exposure decimal.Decimal
	_ = f.env.Pool.QueryRow(context.Background(), "SELECT sum(exposure) FROM program_lenders WHERE program_id = $1", f.w.Program.ID).Scan(&exposure)
	if !exposure.Equal(dec(t, "200000")) {
		t.Fatalf("exposure %s", exposure)
	}
}

// A lender with a limit of 1,000,000 and 100 concurrent acceptances of
// 50,000: exactly 20 succeed and exposure is their sum.
func TestNoOverLimit(t *testing.T) {
	t.Parallel()
	f := newOfferFixture(t)
	ctx := context.Background()
	if r := f.env.Do(apitest.Req{Method: "DELETE", Path: f.prog + "/standing-offer", Token: f.lender2}); r.Status != 204 {
		t.Fatal("withdraw")
	}
	ids := f.invoices(t, 100, "50000.00")
	offers := make([]string, len(ids))
	for i, id := range ids {
		offers[i] = f.quote(t, id).Offers[0].ID
	}
	c := rawClient()
	var ok, limited, other atomic.Int64
	var wg sync.WaitGroup
	for i := range offers {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			status, code, err := rawAccept(c, f.env.Server.URL, f.supplier, offers[i], fmt.Sprint("ol-", i))
			switch {
			case err == nil && status == 201:
				ok.Add(1)
			case err == nil && status == 409 && code == "offer.limit_exceeded":
				limited.Add(1)
			default:
				other.Add(1)
			}
		}(i)
	}
	wg.Wait()
	if ok.Load() != 20 || limited.Load() != 80 || other.Load() != 0 {
		t.Fatalf("ok %d limited %d other %d", ok.Load(), limited.Load(), other.Load())
	}
	var exposure, sum decimal.Decimal
	_ = f.env.Pool.QueryRow(ctx, "SELECT exposure FROM program_lenders WHERE lender_id = $1 AND program_id = $2", f.w.Lender.ID, f.w.Program.ID).Scan(&exposure)
	_ = f.env.Pool.QueryRow(ctx, "SELECT coalesce(sum(face), 0) FROM financings WHERE lender_id = $1", f.w.Lender.ID).Scan(&sum)
	if !exposure.Equal(sum) || !exposure.Equal(dec(t, "1000000")) {
		t.Fatalf("exposure %s, financed %s", exposure, sum)
	}
}

type auctionOut struct {
	ID              string  `json:"id"`
	Status          string  `json:"status"`
	OfferID         *string `json:"offer_id"`
	WinningLenderID *string `json:"winning_lender_id"`
	Bids            []struct {
		LenderID  string `json:"lender_id"`
		SpreadBps int    `json:"spread_bps"`
	} `json:"bids"`
}

func (f *offerFixture) bid(tok, auctionID string, spread int) *apitest.Resp {
	return f.env.Do(apitest.Req{Method: "POST", Path: "/v1/auctions/" + auctionID + "/bids", Token: tok, Body: map[string]int{"spread_bps": spread}})
}

func TestAuctionBidsCloseOnceAcrossRestart(t *testing.T) {
	t.Parallel()
	f := newOfferFixture(t)
	ctx := context.Background()
	ids := f.invoices(t, 2, "30000.00")
	r := f.env.Do(apitest.Req{Method: "POST", Path: "/v1/early-payment-requests", Token: f.supplier, Body: map[string]any{"invoice_ids": ids},
		Header: map[string]string{"Idempotency-Key": "epr-1"}})
	if r.Status != 201 {
		t.Fatalf("open: %d %s", r.Status, r.Body)
	}
	var au auctionOut
	r.JSON(t, &au)
	if n := count(t, f.env, "SELECT count(*) FROM invoices WHERE id::text = ANY($1) AND status = 'offered'", ids); n != 2 {
		t.Fatal("invoices not offered")
	}
	if n := count(t, f.env, "SELECT count(*) FROM outbox WHERE payload->>'type' = 'cadena.auction.opened' AND subject LIKE 'cadena.lender.%'"); n != 2 {
		t.Fatalf("%d lender notices, want one per enrolled lender", n)
	}
	// Invoices in an auction cannot be quoted or auctioned again.
	if r := f.env.Do(apitest.Req{Method: "POST", Path: "/v1/early-payment-requests", Token: f.supplier, Body: map[string]any{"invoice_ids": ids}}); r.Status != 409 {
		t.Fatalf("second auction: %d", r.Status)
	}

	if r := f.bid(f.lender, au.ID, 300); r.Status != 201 {
		t.Fatalf("bid: %d %s", r.Status, r.Body)
	}
	f.clk.Advance(time.Minute)
	for _, c := range []struct {
		tok    string
		spread int
		status int
		code   string
	}{
		{f.lender2, 701, 422, "bid.above_cap"},
		{f.lender2, 320, 201, ""},
		{f.lender2, 330, 409, "bid.not_improved"},
		{f.lender2, 300, 201, ""},                   // ties lender's 300, placed later: loses the tie
		{f.outsider, 100, 404, "auction.not_found"}, // not enrolled: as any other tenant's object
	} {
		r := f.bid(c.tok, au.ID, c.spread)
		if r.Status != c.status || (c.code != "" && r.Problem(t).Code != c.code) {
			t.Fatalf("bid %d: %d %s", c.spread, r.Status, r.Body)
		}
	}
	var view auctionOut
	f.env.Do(apitest.Req{Method: "GET", Path: "/v1/auctions/" + au.ID, Token: f.lender}).JSON(t, &view)
	if len(view.Bids) != 1 || view.Bids[0].LenderID != f.w.Lender.ID.String() {
		t.Fatalf("a lender sees other bids: %+v", view.Bids)
	}
	f.env.Do(apitest.Req{Method: "GET", Path: "/v1/auctions/" + au.ID, Token: f.supplier}).JSON(t, &view)
	if len(view.Bids) != 2 {
		t.Fatalf("supplier sees %d bids", len(view.Bids))
	}
	for _, tok := range []string{f.outsider, f.env.Token(f.w.Supplier2.ID, auth.RoleSupplier)} {
		if r := f.env.Do(apitest.Req{Method: "GET", Path: "/v1/auctions/" + au.ID, Token: tok}); r.Status != 404 {
			t.Fatalf("foreign auction read: %d", r.Status)
		}
	}

	// Nothing closes before the window ends.
	if n, err := f.env.App.Auctions.CloseDueAuctions(ctx, 10); err != nil || n != 0 {
		t.Fatalf("closed early: %d %v", n, err)
	}
	// "Restart": the first process is gone; two fresh replicas over the same
	// database run the scheduler at once after the window, and again.
	f.clk.Advance(30 * time.Minute)
	if r := f.bid(f.lender, au.ID, 200); r.Status != 409 || r.Problem(t).Code != "auction.closed" {
		t.Fatalf("late bid: %d %s", r.Status, r.Body)
	}
	var closed atomic.Int64
	var wg sync.WaitGroup
	for range 2 {
		replica := usecases.New(&app.Base{Pool: f.env.Pool, Issuer: f.env.App.Issuer, PlatformMaxBps: 700, Now: f.clk.Now})
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				n, err := replica.Auctions.CloseDueAuctions(ctx, 10)
				if err != nil {
					t.Error(err)
				}
				closed.Add(int64(n))
			}
		}()
	}
	wg.Wait()
	if closed.Load() != 1 || count(t, f.env, "SELECT count(*) FROM outbox WHERE subject = 'cadena.auction.closed'") != 1 ||
		count(t, f.env, "SELECT count(*) FROM offers WHERE auction_id = $1", uuid.MustParse(au.ID)) != 1 {
		t.Fatalf("closed %d times", closed.Load())
	}
	if count(t, f.env, "SELECT count(*) FROM outbox WHERE subject = $1", "cadena.lender."+f.w.Lender.ID.String()+".auction.won") != 1 ||
		count(t, f.env, "SELECT count(*) FROM outbox WHERE subject = $1", "cadena.lender."+f.w.Lender2.ID.String()+".auction.lost") != 1 {
		t.Fatal("won/lost notices")
	}
	f.env.Do(apitest.Req{Method: "GET", Path: "/v1/auctions/" + au.ID, Token: f.supplier}).JSON(t, &view)
	if view.Status != "closed" || view.WinningLenderID == nil || *view.WinningLenderID != f.w.Lender.ID.String() || view.OfferID == nil {
		t.Fatalf("closed auction %+v", view)
	}
	f.env.Do(apitest.Req{Method: "GET", Path: "/v1/auctions/" + au.ID, Token: f.lender2}).JSON(t, &view)
	if view.WinningLenderID != nil {
		t.Fatal("a losing lender learns the winner's identity")
	}
	var o offerOut
	f.env.Do(apitest.Req{Method: "GET", Path: "/v1/auctions/" + au.ID, Token: f.supplier}).JSON(t, &view)
	f.env.Do(apitest.Req{Method: "GET", Path: "/v1/offers/" + *view.OfferID, Token: f.supplier}).JSON(t, &o)
	if o.SpreadBps != 300 || o.LenderID != f.w.Lender.ID.String() || o.Face != "60000.00" {
		t.Fatalf("auction offer %+v", o)
	}
	if r := f.accept(o.ID, "acc-auction"); r.Status != 201 {
		t.Fatalf("accept auction offer: %d %s", r.Status, r.Body)
	}
	if n := count(t, f.env, "SELECT count(*) FROM financings WHERE lender_id = $1", f.w.Lender.ID); n != 2 {
		t.Fatalf("%d financings", n)
	}
}

// cadena.auction.opened lists each invoice with its payable (net of a credit
// note) and its days to maturity as the pricing counts them, so a lender
// prices by tenor from the event alone; every lender's copy carries the same.
func TestAuctionOpenedEventListsInvoices(t *testing.T) {
	t.Parallel()
	f := newOfferFixture(t)
	ctx := context.Background()
	s := f.w.Supplier.ID.String()
	b, err := f.env.App.Invoicing.PublishBatch(ctx, app.Actor{Subject: "test", PartyID: f.w.Buyer.ID, Role: auth.RoleBuyer},
		invoicing.BatchInput{ProgramID: f.w.Program.ID, Atomic: true, Format: "json", Drafts: []invoice.Draft{
			{Supplier: s, DocumentNumber: "EV-1", EInvoiceID: cfdi(), IssueDate: "2026-11-15", DueDate: "2027-01-22", Amount: "30000.00"},
			// A Saturday: the maturity moves to a business day.
			{Supplier: s, DocumentNumber: "EV-2", EInvoiceID: cfdi(), IssueDate: "2026-11-15", DueDate: "2027-01-23", Amount: "20000.00"},
			{Kind: "credit_note", Supplier: s, DocumentNumber: "EV-NC", EInvoiceID: cfdi(), IssueDate: "2026-11-16", Amount: "5000.00", CreditNoteFor: "EV-1"},
		}})
	if err != nil || b.Published != 3 {
		t.Fatalf("publish: %+v %v", b, err)
	}
	ids := map[string]string{}
	rows, _ := f.env.Pool.Query(ctx, "SELECT document_number, id::text FROM invoices WHERE batch_id = $1 AND kind = 'invoice'", b.ID)
	for rows.Next() {
		var doc, id string
		_ = rows.Scan(&doc, &id)
		ids[doc] = id
	}
	r := f.env.Do(apitest.Req{Method: "POST", Path: "/v1/early-payment-requests", Token: f.supplier, Body: map[string]any{"invoice_ids": []string{ids["EV-2"], ids["EV-1"]}}})
	if r.Status != 201 {
		t.Fatalf("open: %d %s", r.Status, r.Body)
	}
	var data string
	if err := f.env.Pool.QueryRow(ctx, "SELECT payload->>'data' FROM outbox WHERE subject = 'cadena.auction.opened'").Scan(&data); err != nil {
		t.Fatal(err)
	}
	if n := count(t, f.env, "SELECT count(DISTINCT payload->'data') FROM outbox WHERE payload->>'type' = 'cadena.auction.opened'"); n != 1 {
		t.Fatalf("%d different payloads among the platform's and the lenders' copies", n)
	}
	type line struct {
		InvoiceID string `json:"invoice_id"`
		Payable   string `json:"payable"`
		DueDate   string `json:"due_date"`
		Maturity  string `json:"maturity"`
		Days      int    `json:"days"`
	}
	var ev struct {
		Face      string `json:"face"`
		ValueDate string `json:"value_date"`
		Count     int    `json:"invoice_count"`
		Invoices  []line `json:"invoices"`
	}
	if err := json.Unmarshal([]byte(data), &ev); err != nil {
		t.Fatal(err)
	}
	// Value date Friday 20 November 2026; the Saturday due date moves to Monday 25 January.
	want := map[string]line{
		ids["EV-1"]: {ids["EV-1"], "25000.00", "2027-01-22", "2027-01-22", 63},
		ids["EV-2"]: {ids["EV-2"], "20000.00", "2027-01-23", "2027-01-25", 66},
	}
	if ev.Face != "45000.00" || ev.ValueDate != "2026-11-20" || ev.Count != 2 || len(ev.Invoices) != 2 {
		t.Fatalf("event %s", data)
	}
	for _, l := range ev.Invoices {
		if l != want[l.InvoiceID] {
			t.Errorf("invoice %s: got %+v, want %+v", l.InvoiceID, l, want[l.InvoiceID])
		}
	}
}

func TestAuctionWithoutBidsReturnsInvoices(t *testing.T) {
	t.Parallel()
	f := newOfferFixture(t)
	ids := f.invoices(t, 1, "30000.00")
	r := f.env.Do(apitest.Req{Method: "POST", Path: "/v1/early-payment-requests", Token: f.supplier, Body: map[string]any{"invoice_ids": ids}})
	if r.Status != 201 {
		t.Fatalf("open: %d %s", r.Status, r.Body)
	}
	f.clk.Advance(31 * time.Minute)
	if n, err := f.env.App.Auctions.CloseDueAuctions(context.Background(), 10); n != 1 || err != nil {
		t.Fatalf("close: %d %v", n, err)
	}
	if n := count(t, f.env, "SELECT count(*) FROM invoices WHERE id::text = $1 AND status = 'published'", ids[0]); n != 1 {
		t.Fatal("invoice not returned to published")
	}
}

// produceOfferEvents makes every event of this feature for the contract test.
func produceOfferEvents(t *testing.T, env *apitest.Env, w apitest.World) {
	clk := &clock{}
	clk.Set(friday10)
	env.App.Now = clk.Now
	defer func() { env.App.Now = nil }()
	f := &offerFixture{env: env, w: w, clk: clk, prog: "/v1/programs/" + w.Program.ID.String()}
	f.supplier = env.Token(w.Supplier.ID, auth.RoleSupplier)
	f.lender = env.Token(w.Lender.ID, auth.RoleLender)
	f.lender2 = env.Token(w.Lender2.ID, auth.RoleLender)
	if _, _, err := env.App.Quoting.PutReferenceRate(context.Background(), app.Actor{Subject: "test", PartyID: w.Operator.ID, Role: auth.RoleOperator},
		"TIIE_FONDEO", "2026-11-19", "7.12"); err != nil {
		t.Fatal(err)
	}
	f.standing(t, f.lender, []map[string]int{{"max_days": 180, "spread_bps": 300}})
	env.Do(apitest.Req{Method: "POST", Path: f.prog + "/standing-offer/pause", Token: f.lender})
	env.Do(apitest.Req{Method: "POST", Path: f.prog + "/standing-offer/resume", Token: f.lender})
	ids := f.invoices(t, 3, "1000.00")
	q := f.quote(t, ids[0])
	f.accept(q.Offers[0].ID, "ev-acc")
	var au auctionOut
	env.Do(apitest.Req{Method: "POST", Path: "/v1/early-payment-requests", Token: f.supplier, Body: map[string]any{"invoice_ids": ids[1:]}}).JSON(t, &au)
	f.bid(f.lender, au.ID, 300)
	f.bid(f.lender2, au.ID, 310)
	clk.Advance(31 * time.Minute)
	if n, err := env.App.Auctions.CloseDueAuctions(context.Background(), 10); n != 1 || err != nil {
		t.Fatalf("close: %d %v", n, err)
	}
	clk.Advance(11 * time.Minute) // the winning offer lapses
	if _, err := env.App.Auctions.ExpireOffers(context.Background(), 100); err != nil {
		t.Fatal(err)
	}
}

// An auction's winning offer that lapses returns its invoices to published.
func TestLapsedAuctionOfferReleasesInvoices(t *testing.T) {
	t.Parallel()
	f := newOfferFixture(t)
	ctx := context.Background()
	ids := f.invoices(t, 1, "30000.00")
	var au auctionOut
	f.env.Do(apitest.Req{Method: "POST", Path: "/v1/early-payment-requests", Token: f.supplier, Body: map[string]any{"invoice_ids": ids}}).JSON(t, &au)
	if r := f.bid(f.lender, au.ID, 300); r.Status != 201 {
		t.Fatal(r.Status)
	}
	f.clk.Advance(31 * time.Minute)
	if n, err := f.env.App.Auctions.CloseDueAuctions(ctx, 10); n != 1 || err != nil {
		t.Fatal(n, err)
	}
	f.env.Do(apitest.Req{Method: "GET", Path: "/v1/auctions/" + au.ID, Token: f.supplier}).JSON(t, &au)
	f.clk.Advance(9 * time.Minute)
	if n, err := f.env.App.Auctions.ExpireOffers(ctx, 100); n != 0 || err != nil {
		t.Fatalf("expired early: %d %v", n, err)
	}
	f.clk.Advance(time.Minute)
	if n, err := f.env.App.Auctions.ExpireOffers(ctx, 100); n != 1 || err != nil {
		t.Fatalf("expire: %d %v", n, err)
	}
	if n := count(t, f.env, "SELECT count(*) FROM invoices WHERE id::text = $1 AND status = 'published'", ids[0]); n != 1 {
		t.Fatal("invoice still held")
	}
	if r := f.accept(*au.OfferID, "late"); r.Status != 409 || r.Problem(t).Code != "offer.not_open" {
		t.Fatalf("lapsed offer accepted: %d %s", r.Status, r.Body)
	}
	if n := count(t, f.env, "SELECT count(*) FROM outbox WHERE subject = $1", "cadena.lender."+f.w.Lender.ID.String()+".offer.expired"); n != 1 {
		t.Fatal("the lender was not told")
	}
}

// The notifier consumer is idempotent: JetStream may redeliver an event (a
// lost ack, a Nak, a restart), and the second delivery changes nothing.
func TestNotifierIgnoresRedelivery(t *testing.T) {
	t.Parallel()
	f := newOfferFixture(t)
	ids := f.invoices(t, 1, "1000.00")
	if r := f.accept(f.quote(t, ids...).Offers[0].ID, "n1"); r.Status != 201 {
		t.Fatal(r.Status)
	}
	var payload []byte
	if err := f.env.Pool.QueryRow(context.Background(), "SELECT payload::text FROM outbox WHERE subject = 'cadena.financing.accepted'").Scan(&payload); err != nil {
		t.Fatal(err)
	}
	var env event.Envelope
	if err := json.Unmarshal(payload, &env); err != nil {
		t.Fatal(err)
	}
	for i, want := range []bool{true, false, false} {
		fresh, err := f.env.App.Notifying.HandleNotifierEvent(context.Background(), env)
		if err != nil || fresh != want {
			t.Fatalf("delivery %d: fresh %v err %v", i, fresh, err)
		}
	}
	if n := count(t, f.env, "SELECT count(*) FROM notifications"); n != 2 {
		t.Fatalf("%d notices, want one for the supplier and one for the buyer", n)
	}
}

// The preview prices a real invoice from its id, with the same figures a quote gives.
func TestPreviewByInvoice(t *testing.T) {
	t.Parallel()
	f := newOfferFixture(t)
	ids := f.invoices(t, 1, "100000.00")
	r := f.env.Do(apitest.Req{Method: "POST", Path: "/v1/pricing/preview", Token: f.supplier, Body: map[string]any{"invoice_id": ids[0], "spread_bps": 250}})
	if r.Status != 200 {
		t.Fatalf("preview: %d %s", r.Status, r.Body)
	}
	var p struct {
		Face, Discount string
		Days           int
	}
	r.JSON(t, &p)
	if p.Face != "100000.00" || p.Discount != "1683.50" || p.Days != 63 {
		t.Fatalf("preview %+v", p)
	}
	for _, req := range []apitest.Req{
		{Method: "POST", Path: "/v1/pricing/preview", Token: f.env.Token(f.w.OtherSupplier.ID, auth.RoleSupplier), Body: map[string]any{"invoice_id": ids[0], "spread_bps": 250}},
		{Method: "POST", Path: "/v1/pricing/preview", Token: f.outsider, Body: map[string]any{"invoice_id": ids[0], "spread_bps": 250}},
	} {
		if r := f.env.Do(req); r.Status != 404 {
			t.Fatalf("foreign invoice preview: %d", r.Status)
		}
	}
	if r := f.env.Do(apitest.Req{Method: "POST", Path: "/v1/pricing/preview", Token: f.supplier, Body: map[string]any{"invoice_id": ids[0], "face": "1.00", "spread_bps": 250}}); r.Status != 422 {
		t.Fatalf("face with invoice: %d", r.Status)
	}
}

// Each offer line carries what priced it (its tenor bucket's spread, the
// all-in and effective annual rates), the same figures the pricing preview
// gives for that invoice, and each financing keeps its line's spread.
func TestOfferLinesCarryTheirRates(t *testing.T) {
	t.Parallel()
	f := newOfferFixture(t)
	drafts := []invoice.Draft{
		{Supplier: f.w.Supplier.ID.String(), DocumentNumber: "R-30", EInvoiceID: cfdi(), IssueDate: "2026-11-15", DueDate: "2026-12-11", Amount: "50000.00"},
		{Supplier: f.w.Supplier.ID.String(), DocumentNumber: "R-90", EInvoiceID: cfdi(), IssueDate: "2026-11-15", DueDate: "2027-01-22", Amount: "70000.00"},
	}
	b, err := f.env.App.Invoicing.PublishBatch(context.Background(), app.Actor{Subject: "test", PartyID: f.w.Buyer.ID, Role: auth.RoleBuyer},
		invoicing.BatchInput{ProgramID: f.w.Program.ID, Atomic: true, Format: "json", Drafts: drafts})
	if err != nil || b.Published != 2 {
		t.Fatalf("publish: %+v %v", b, err)
	}
	ids := map[string]string{} // invoice id → due date
	var all []string
	rows, _ := f.env.Pool.Query(context.Background(), "SELECT id::text, due_date::text FROM invoices WHERE batch_id = $1", b.ID)
	for rows.Next() {
		var id, due string
		_ = rows.Scan(&id, &due)
		ids[id], all = due, append(all, id)
	}
	rows.Close()

	type line struct {
		InvoiceID     string `json:"invoice_id"`
		Face          string `json:"face"`
		Discount      string `json:"discount"`
		SpreadBps     int    `json:"spread_bps"`
		AllInRate     string `json:"all_in_rate"`
		EffectiveRate string `json:"effective_annual_rate"`
	}
	var q struct {
		Offers []struct {
			ID       string `json:"id"`
			LenderID string `json:"lender_id"`
			Lines    []line `json:"lines"`
		} `json:"offers"`
	}
	r := f.env.Do(apitest.Req{Method: "POST", Path: "/v1/quotes", Token: f.supplier, Body: map[string]any{"invoice_ids": all}})
	if r.Status != 201 {
		t.Fatalf("quote: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &q)
	offerID := ""
	for _, o := range q.Offers {
		if o.LenderID == f.w.Lender.ID.String() {
			offerID = o.ID
		}
	}
	var o struct {
		Lines []line `json:"lines"`
	}
	f.env.Do(apitest.Req{Method: "GET", Path: "/v1/offers/" + offerID, Token: f.supplier}).JSON(t, &o)
	want := map[string]struct {
		spread int
		allIn  string
	}{"2026-12-11": {400, "11.1200"}, "2027-01-22": {350, "10.6200"}}
	spreadOf := map[string]int{}
	for _, l := range o.Lines {
		w := want[ids[l.InvoiceID]]
		var p struct {
			Discount      string `json:"discount"`
			AllInRate     string `json:"all_in_rate"`
			EffectiveRate string `json:"effective_annual_rate"`
		}
		f.env.Do(apitest.Req{Method: "POST", Path: "/v1/pricing/preview", Token: f.supplier, Body: map[string]any{"program_id": f.w.Program.ID.String(),
			"face": l.Face, "due_date": ids[l.InvoiceID], "spread_bps": l.SpreadBps}}).JSON(t, &p)
		if l.SpreadBps != w.spread || l.AllInRate != w.allIn || l.AllInRate != p.AllInRate || l.EffectiveRate != p.EffectiveRate || l.Discount != p.Discount {
			t.Errorf("line due %s: %+v, want spread %d all-in %s; preview %+v", ids[l.InvoiceID], l, w.spread, w.allIn, p)
		}
		spreadOf[l.InvoiceID] = l.SpreadBps
	}
	if len(spreadOf) != 2 {
		t.Fatalf("offer lines %+v", o.Lines)
	}
	r = f.accept(offerID, "lines")
	var acc struct {
		Financings []struct {
			InvoiceID string `json:"invoice_id"`
			SpreadBps int    `json:"spread_bps"`
		} `json:"financings"`
	}
	r.JSON(t, &acc)
	for _, fin := range acc.Financings {
		if fin.SpreadBps != spreadOf[fin.InvoiceID] {
			t.Errorf("financing of %s at %d bp, its line at %d", fin.InvoiceID, fin.SpreadBps, spreadOf[fin.InvoiceID])
		}
	}
}
