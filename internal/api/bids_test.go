package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/cadena-finance/cadena/contracts"
	"github.com/cadena-finance/cadena/internal/api"
	"github.com/cadena-finance/cadena/internal/api/apitest"
	"github.com/cadena-finance/cadena/internal/validation"
)

// rpcSchema compiles contracts/rpc/<name>.json.
func rpcSchema(t *testing.T, name string) *jsonschema.Schema {
	t.Helper()
	raw, err := fs.ReadFile(contracts.RPC, "rpc/"+name+".json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	url := "https://cadena.dev/rpc/" + name + ".json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// natsBid sends body to the NATS bid service's handler as lender, and
// checks the reply against contracts/rpc/cadena-rpc.bid.reply.json.
func natsBid(t *testing.T, f *offerFixture, lender uuid.UUID, body string) api.BidReply {
	t.Helper()
	r, err := api.AnswerBid(context.Background(), f.env.App, lender, []byte(body))
	if err != nil {
		t.Fatalf("nats bid %s: %v", body, err)
	}
	raw, _ := json.Marshal(r)
	doc, _ := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err := rpcSchema(t, "cadena-rpc.bid.reply").Validate(doc); err != nil {
		t.Fatalf("reply %s breaks the contract: %v", raw, err)
	}
	return r
}

func (f *offerFixture) openAuction(t *testing.T, ids []string) auctionOut {
	t.Helper()
	r := f.env.Do(apitest.Req{Method: "POST", Path: "/v1/early-payment-requests", Token: f.supplier, Body: map[string]any{"invoice_ids": ids}})
	if r.Status != 201 {
		t.Fatalf("open: %d %s", r.Status, r.Body)
	}
	var au auctionOut
	r.JSON(t, &au)
	return au
}

// A bid over NATS is decoded and validated as over HTTP: a missing or null
// spread is never a 0 bp bid, a negative one is a validation error (not
// bid.above_cap), and both surfaces give the same code and field errors.
func TestBidSameAnswerOverHTTPAndNATS(t *testing.T) {
	t.Parallel()
	f := newOfferFixture(t)
	au := f.openAuction(t, f.invoices(t, 1, "30000.00"))
	for _, c := range []struct {
		body  string // without auction_id
		code  string
		field string
	}{
		{`{}`, "validation.failed", "spread_bps"},
		{`{"spread_bps":null}`, "validation.failed", "spread_bps"},
		{`{"spread_bps":-1}`, "validation.failed", "spread_bps"},
		{`{"spread_bps":"300"}`, "validation.failed", "spread_bps"},
		{`{"spread_bps":2.5}`, "validation.failed", "spread_bps"},
		{`{"spread_bps":300,"price":1}`, "validation.failed", "price"},
		{`{"spread_bps":701}`, "bid.above_cap", ""},
		{`{"spread_bps":300}{}`, "request.malformed_json", ""},
	} {
		r := f.env.Do(apitest.Req{Method: "POST", Path: "/v1/auctions/" + au.ID + "/bids", Token: f.lender, Body: c.body})
		p := r.Problem(t)
		natsBody := `{"auction_id":"` + au.ID + `",` + strings.TrimPrefix(c.body, "{")
		if c.body == `{}` {
			natsBody = `{"auction_id":"` + au.ID + `"}`
		}
		rep := natsBid(t, f, f.w.Lender2.ID, natsBody)
		if p.Code != c.code || rep.Accepted || rep.Code != c.code {
			t.Errorf("%s: HTTP %d %s, NATS %+v; want %s on both", c.body, r.Status, p.Code, rep, c.code)
		}
		if !reflect.DeepEqual([]validation.Error(p.Errors), rep.Errors) {
			t.Errorf("%s: field errors differ: HTTP %+v, NATS %+v", c.body, p.Errors, rep.Errors)
		}
		if c.field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != c.field) {
			t.Errorf("%s: errors %+v, want one on %s", c.body, p.Errors, c.field)
		}
	}
	if n := count(t, f.env, "SELECT count(*) FROM bids WHERE auction_id = $1", uuid.MustParse(au.ID)); n != 0 {
		t.Fatalf("%d bids stored from refused requests", n)
	}
	// Over NATS the body names the auction; over HTTP the path does.
	if rep := natsBid(t, f, f.w.Lender2.ID, `{"spread_bps":300}`); rep.Code != "validation.failed" || rep.Errors[0].Field != "auction_id" {
		t.Errorf("no auction_id: %+v", rep)
	}
	if rep := natsBid(t, f, f.w.Lender2.ID, `{"auction_id":"x","spread_bps":300}`); rep.Code != "auction.not_found" {
		t.Errorf("malformed auction_id: %+v", rep)
	}
	if r := f.env.Do(apitest.Req{Method: "POST", Path: "/v1/auctions/" + au.ID + "/bids", Token: f.lender,
		Body: `{"auction_id":"` + au.ID + `","spread_bps":300}`}); r.Problem(t).Errors[0].Field != "auction_id" {
		t.Errorf("auction_id over HTTP: %s", r.Body)
	}

	// An accepted bid: the reply carries the bid, spread_bps included even at 0.
	rep := natsBid(t, f, f.w.Lender2.ID, fmt.Sprintf(`{"auction_id":%q,"spread_bps":0}`, au.ID))
	if !rep.Accepted || rep.SpreadBps == nil || *rep.SpreadBps != 0 || rep.Revisions != 1 || rep.AuctionID != au.ID || rep.PlacedAt == nil {
		t.Fatalf("accepted reply %+v", rep)
	}
	raw, _ := json.Marshal(rep)
	if !strings.Contains(string(raw), `"spread_bps":0`) {
		t.Fatalf("reply %s hides a 0 bp spread", raw)
	}
	// The request schema says what the service takes.
	req := rpcSchema(t, "cadena-rpc.bid.request")
	for body, ok := range map[string]bool{`{"auction_id":"` + au.ID + `","spread_bps":0}`: true, `{"auction_id":"` + au.ID + `"}`: false,
		`{"auction_id":"` + au.ID + `","spread_bps":null}`: false, `{"auction_id":"` + au.ID + `","spread_bps":-1}`: false} {
		doc, _ := jsonschema.UnmarshalJSON(strings.NewReader(body))
		if err := req.Validate(doc); (err == nil) != ok {
			t.Errorf("request schema on %s: %v, want valid=%v", body, err, ok)
		}
	}
}

// opens_at, closes_at and placed_at read the same from POST and GET, even
// when the clock has nanoseconds PostgreSQL cannot keep.
func TestAuctionTimesSameOnEveryRoute(t *testing.T) {
	t.Parallel()
	f := newOfferFixture(t)
	f.clk.Set(friday10.Add(123456789 * time.Nanosecond))
	r := f.env.Do(apitest.Req{Method: "POST", Path: "/v1/early-payment-requests", Token: f.supplier, Body: map[string]any{"invoice_ids": f.invoices(t, 1, "30000.00")}})
	if r.Status != 201 {
		t.Fatalf("open: %d %s", r.Status, r.Body)
	}
	type times struct {
		ID       string `json:"id"`
		OpensAt  string `json:"opens_at"`
		ClosesAt string `json:"closes_at"`
		Bids     []struct {
			PlacedAt string `json:"placed_at"`
		} `json:"bids"`
	}
	var posted, got times
	r.JSON(t, &posted)
	f.clk.Advance(987654321 * time.Nanosecond)
	b := f.bid(f.lender, posted.ID, 300)
	var bid struct {
		PlacedAt string `json:"placed_at"`
	}
	b.JSON(t, &bid)
	f.env.Do(apitest.Req{Method: "GET", Path: "/v1/auctions/" + posted.ID, Token: f.supplier}).JSON(t, &got)
	if posted.OpensAt != got.OpensAt || posted.ClosesAt != got.ClosesAt || len(got.Bids) != 1 || got.Bids[0].PlacedAt != bid.PlacedAt {
		t.Fatalf("POST %+v (bid %s), GET %+v", posted, bid.PlacedAt, got)
	}
	if !strings.Contains(posted.OpensAt, ".123456Z") {
		t.Fatalf("opens_at %s: want the microseconds kept", posted.OpensAt)
	}
}

// A losing bank learns the winning spread and nothing else about the
// winner, in the cadena.auction.lost notice and from GET alike.
func TestLosersLearnOnlyTheWinningSpread(t *testing.T) {
	t.Parallel()
	f := newOfferFixture(t)
	ids := f.invoices(t, 1, "30000.00")
	au := f.openAuction(t, ids)
	// An invoice at auction cannot go to a second one (documented 409).
	if r := f.env.Do(apitest.Req{Method: "POST", Path: "/v1/early-payment-requests", Token: f.supplier, Body: map[string]any{"invoice_ids": ids}}); r.Status != 409 || r.Problem(t).Code != "offer.invoice_taken" {
		t.Fatalf("second auction: %d %s", r.Status, r.Body)
	}
	if r := f.bid(f.lender, au.ID, 280); r.Status != 201 {
		t.Fatalf("bid: %d %s", r.Status, r.Body)
	}
	if r := f.bid(f.lender2, au.ID, 310); r.Status != 201 {
		t.Fatalf("bid: %d %s", r.Status, r.Body)
	}
	f.clk.Advance(31 * time.Minute)
	if n, err := f.env.App.Auctions.CloseDueAuctions(context.Background(), 10); err != nil || n != 1 {
		t.Fatalf("close: %d %v", n, err)
	}
	var lost, won map[string]any
	for subject, v := range map[string]*map[string]any{
		"cadena.lender." + f.w.Lender2.ID.String() + ".auction.lost": &lost,
		"cadena.lender." + f.w.Lender.ID.String() + ".auction.won":   &won,
	} {
		var raw []byte
		if err := f.env.Pool.QueryRow(context.Background(), "SELECT payload->'data' FROM outbox WHERE subject = $1", subject).Scan(&raw); err != nil {
			t.Fatalf("%s: %v", subject, err)
		}
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber() // spreads are integers: compared as written, never as floats
		if err := d.Decode(v); err != nil {
			t.Fatalf("%s: %v", subject, err)
		}
	}
	if _, ok := lost["winning_lender_id"]; ok {
		t.Errorf("lost notice names the winner: %v", lost)
	}
	if _, ok := lost["offer_id"]; ok {
		t.Errorf("lost notice names the offer: %v", lost)
	}
	if lost["winning_spread_bps"] != json.Number("280") || won["winning_lender_id"] != f.w.Lender.ID.String() || won["offer_id"] == nil {
		t.Errorf("lost %v, won %v", lost, won)
	}

	type view struct {
		WinningLenderID *string `json:"winning_lender_id"`
		OfferID         *string `json:"offer_id"`
		WinningSpread   *int    `json:"winning_spread_bps"`
	}
	for tok, sees := range map[string]bool{f.lender: true, f.supplier: true, f.op: true, f.lender2: false} {
		var v view
		f.env.Do(apitest.Req{Method: "GET", Path: "/v1/auctions/" + au.ID, Token: tok}).JSON(t, &v)
		if v.WinningSpread == nil || *v.WinningSpread != 280 || (v.WinningLenderID != nil) != sees || (v.OfferID != nil) != sees {
			t.Errorf("sees winner %v: %+v", sees, v)
		}
	}
}
