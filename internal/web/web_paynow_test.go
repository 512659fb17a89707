package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/financing"
)

var (
	keyRe    = regexp.MustCompile(`name="key" value="([^"]+)"`)
	acceptRe = regexp.MustCompile(`action="(/offers/[0-9a-f-]+/accept)"`)
	// untranslated catches a catalog key shown as itself.
	hrefs        = regexp.MustCompile(`(href|action)="[^"]*"`)
	untranslated = regexp.MustCompile(`\b(paynow|quotes|receipt|fin|fund|financings?|statement|why|account|side|entry|payfile|recon|audit|notice|dashboard|portfolio|auctions)\.[a-z_.]+\b`)
)

// Get paid now over plain HTTP: CSRF, the one-time key (a double submit
// accepts once and lands on the same receipt), the funding amount rule, role
// guards, and every new page in both languages.
func TestPayNowAcceptOnceAndFund(t *testing.T) {
	t.Parallel()
	e := start(t)
	e.seedQuoting()
	sup := e.Demo.Suppliers[0].Party.TaxID
	a := e.publish(sup, "H-1", "1234567.89", 60)
	b := e.publish(sup, "H-2", "1000.00", 20) // within the dashboard's 30 days
	c := e.client()
	c.login(e.Demo.Suppliers[0].Email)
	form := url.Values{"invoice": {a.ID.String(), b.ID.String()}}
	if r := c.post("/paynow", form); r.Status != http.StatusForbidden {
		t.Fatalf("quote without CSRF: %d", r.Status)
	}
	tok := c.csrf("/invoices")
	if r := c.post("/paynow", url.Values{"csrf": {tok}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "Marque al menos una factura") {
		t.Fatalf("empty selection: %d", r.Status)
	}
	form.Set("csrf", tok)
	// In English first: every word of the offers page is translated.
	c.post("/lang", url.Values{"csrf": {tok}, "lang": {"en"}, "next": {"/"}})
	if r := c.post("/paynow", form); r.Status != http.StatusOK || !strings.Contains(r.Body, "You receive") ||
		!strings.Contains(r.Body, "Effective annual rate") || untranslated.MatchString(hrefs.ReplaceAllString(r.Body, "")) {
		t.Fatalf("English offers: %d %s", r.Status, r.Body)
	}
	c.post("/lang", url.Values{"csrf": {tok}, "lang": {"es"}, "next": {"/"}})
	r := c.post("/paynow", form)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "1,235,567.89 MXN") {
		t.Fatalf("quotes: %d %s", r.Status, r.Body)
	}
	key, action := keyRe.FindStringSubmatch(r.Body)[1], acceptRe.FindStringSubmatch(r.Body)[1]
	var receipts []string
	for i := 0; i < 2; i++ {
		r := c.post(action, url.Values{"csrf": {tok}, "key": {key}})
		if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.Location, "/receipts/") {
			t.Fatalf("accept %d: %d %s", i, r.Status, r.Body)
		}
		receipts = append(receipts, r.Location)
	}
	if receipts[0] != receipts[1] {
		t.Fatalf("a double submit gave two receipts: %v", receipts)
	}
	// The same key on another offer's button (two buttons clicked) replays the first acceptance.
	if r := c.post("/offers/"+uuid.NewString()+"/accept", url.Values{"csrf": {tok}, "key": {key}}); r.Status != http.StatusSeeOther || r.Location != receipts[0] {
		t.Fatalf("replay on another offer: %d %s", r.Status, r.Location)
	}
	fs, err := e.S.App.Settling.ListFinancings(context.Background(), e.supplier(), uuid.Nil, uuid.Nil, 10)
	if err != nil || len(fs.Items) != 2 {
		t.Fatalf("financings: %d %v", len(fs.Items), err)
	}
	// A new key on the accepted offer is refused in words, not with a 500.
	if r := c.post(action, url.Values{"csrf": {tok}, "key": {"another"}}); r.Status != http.StatusConflict || !strings.Contains(r.Body, "ya no está disponible") {
		t.Fatalf("accept again: %d", r.Status)
	}
	f := fs.Items[0]
	if r := c.post("/financings/"+f.ID.String()+"/fund", url.Values{"csrf": {tok}, "amount": {"1"}, "bank_reference": {"X"}, "date": {"2026-01-01"}}); r.Status != http.StatusForbidden {
		t.Fatalf("supplier funding: %d", r.Status)
	}

	l := e.client()
	l.login(e.Demo.Lenders[0].Email)
	ltok := l.csrf("/financings/" + f.ID.String())
	wrong := f.Net.Add(decimal.New(1, -2)).StringFixed(2) // one cent more than the net proceeds
	vd := f.ValueDate.Format(time.DateOnly)
	paid := dateRe.FindStringSubmatch(l.get("/financings/" + f.ID.String()).Body)[1] // the form's default: the value date, or today before it
	if r := l.post("/financings/"+f.ID.String()+"/fund", url.Values{"csrf": {ltok}, "amount": {wrong}, "bank_reference": {"SPEI-1"}, "date": {paid}}); r.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.Body, "exactamente el neto") {
		t.Fatalf("wrong amount %s (net %s): %d %s", wrong, f.Net, r.Status, r.Body)
	}
	if got, _ := e.S.App.Settling.GetFinancing(context.Background(), e.supplier(), f.ID); got.Status != financing.Accepted {
		t.Fatalf("a wrong amount moved the financing to %s", got.Status)
	}
	// The payment file instructs the day's disbursements.
	pf := l.post("/payment-files", url.Values{"csrf": {ltok}, "date": {vd}})
	if pf.Status != http.StatusOK || !strings.Contains(pf.Header.Get("Content-Type"), "xml") || !strings.Contains(pf.Body, "pain.001") {
		t.Fatalf("payment file: %d %s", pf.Status, pf.Body)
	}
	if got, _ := e.S.App.Settling.GetFinancing(context.Background(), e.supplier(), f.ID); got.Status != financing.FundingInstructed {
		t.Fatalf("after the payment file: %s", got.Status)
	}
	if r := l.post("/financings/"+f.ID.String()+"/fund", url.Values{"csrf": {ltok}, "amount": {f.Net.StringFixed(2)}, "bank_reference": {"SPEI-1"}, "date": {paid}}); r.Status != http.StatusSeeOther {
		t.Fatalf("fund: %d %s", r.Status, r.Body)
	}
	if got, _ := e.S.App.Settling.GetFinancing(context.Background(), e.supplier(), f.ID); got.Status != financing.Funded {
		t.Fatalf("after funding: %s", got.Status)
	}

	csv := c.get("/statement.csv?currency=MXN")
	if csv.Status != http.StatusOK || !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") || !strings.Contains(csv.Body, "supplier_cash") {
		t.Fatalf("statement csv: %d %s", csv.Status, csv.Body)
	}

	pages := map[string][]string{
		e.Demo.Suppliers[0].Email: {receipts[0], "/financings", "/financings/" + f.ID.String(), "/statement", "/statement?currency=MXN&from=2026-01-01&to=2030-01-01"},
		e.Demo.Lenders[0].Email:   {"/portfolio", "/auctions", "/financings", "/financings/" + fs.Items[1].ID.String(), "/payment-files", "/statement"},
		e.Demo.Buyer.Email:        {"/financings", "/financings/" + f.ID.String(), "/financings/" + f.ID.String() + "/notice", "/statement", "/dashboard"},
		e.Demo.Operator.Email:     {"/financings", "/financings/" + f.ID.String(), "/reconciliation", "/audit"},
	}
	e.everyPageInBothLanguages(t, pages, func(email, p, lang string, r resp) {
		if m := untranslated.FindString(hrefs.ReplaceAllString(r.Body, "")); m != "" {
			t.Errorf("%s %s (%s): untranslated %q", email, p, lang, m)
		}
	})
	// The buyer's dashboard shows what it pays the lender within 30 days.
	bc := e.client()
	bc.login(e.Demo.Buyer.Email)
	if r := bc.get("/dashboard"); !strings.Contains(r.Body, `id="by-lender"`) || !strings.Contains(r.Body, e.Demo.Lenders[0].Party.LegalName) ||
		!strings.Contains(r.Body, "1,000.00 MXN") {
		t.Errorf("buyer dashboard per lender: %s", r.Body)
	}
	// The lender's portfolio lists the financing maturing within 30 days.
	if r := l.get("/portfolio"); !strings.Contains(r.Body, `id="portfolio-lines"`) || !strings.Contains(r.Body, "H-2") {
		t.Errorf("lender portfolio: %s", r.Body)
	}
	// Role guards: a buyer cannot confirm funding nor accept, a supplier sees no payment files.
	if r := c.get("/payment-files"); r.Status != http.StatusForbidden {
		t.Errorf("supplier payment files: %d", r.Status)
	}
	if r := c.get("/reconciliation"); r.Status != http.StatusForbidden {
		t.Errorf("supplier reconciliation: %d", r.Status)
	}
	// Another supplier cannot read the receipt or the financing.
	o := e.client()
	o.login(e.Demo.Suppliers[1].Email)
	for _, p := range []string{receipts[0], "/financings/" + f.ID.String()} {
		if r := o.get(p); r.Status != http.StatusNotFound {
			t.Errorf("other supplier %s: %d", p, r.Status)
		}
	}
}

// A lender sees the open auctions of its programs and bids through the form;
// a bid that does not improve its own is refused beside the form.
func TestLenderBidsOnOpenAuction(t *testing.T) {
	t.Parallel()
	e := start(t)
	e.seedQuoting()
	inv := e.publish(e.Demo.Suppliers[0].Party.TaxID, "AU-1", "500000.00", 60)
	au, err := e.S.App.Auctions.OpenAuction(context.Background(), e.supplier(), []uuid.UUID{inv.ID})
	if err != nil {
		t.Fatal(err)
	}
	l := e.client()
	l.login(e.Demo.Lenders[0].Email)
	r := l.get("/auctions")
	if r.Status != http.StatusOK || !strings.Contains(r.Body, "500,000.00 MXN") || !strings.Contains(r.Body, "Tostadora") {
		t.Fatalf("auctions: %d %s", r.Status, r.Body)
	}
	tok := l.csrf("/auctions")
	path := "/auctions/" + au.ID.String() + "/bids"
	if r := l.post(path, url.Values{"csrf": {tok}, "spread_bps": {"150"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("bid: %d %s", r.Status, r.Body)
	}
	if r := l.get("/auctions?ok=bid_placed"); !strings.Contains(r.Body, "Postura registrada.") || !strings.Contains(r.Body, "150 puntos base") {
		t.Fatalf("after bid: %s", r.Body)
	}
	if r := l.post(path, url.Values{"csrf": {tok}, "spread_bps": {"160"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "debe bajar la sobretasa") {
		t.Fatalf("worse bid: %d %s", r.Status, r.Body)
	}
	if r := l.post(path, url.Values{"csrf": {tok}, "spread_bps": {"1,5"}}); r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "número entero") {
		t.Fatalf("bad bid: %d", r.Status)
	}
	v, err := e.S.App.Auctions.GetAuction(context.Background(), e.lender(), au.ID)
	if err != nil || len(v.Bids) != 1 || v.Bids[0].SpreadBps != 150 {
		t.Fatalf("bids: %+v %v", v.Bids, err)
	}
	s := e.client()
	s.login(e.Demo.Suppliers[0].Email)
	if r := s.get("/auctions"); r.Status != http.StatusForbidden {
		t.Errorf("supplier /auctions: %d", r.Status)
	}
}
