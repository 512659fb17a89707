package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/financing"
)

var dateRe = regexp.MustCompile(`name="date" type="date" value="([^"]*)"`)

// A funding confirmation is dated the day the money moved: the form
// defaults to the value date, or to today while the value date is ahead,
// offers no later day, and the server refuses one beside the field.
func TestFundingDateNeverInTheFuture(t *testing.T) {
	t.Parallel()
	clk := &clock{now: mexico(t, "2026-12-11", 15)} // Friday after the cut-off: the value date is Monday the 14th
	e := start(t, clk)
	e.seedQuoting()
	inv := e.publish(e.Demo.Suppliers[0].Party.TaxID, "D-1", "50000.00", 60)
	q, err := e.S.App.Quoting.Quote(context.Background(), e.supplier(), []uuid.UUID{inv.ID})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := e.S.App.Acceptance.AcceptOffer(context.Background(), e.supplier(), q.Offers[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	f := fs[0]
	if got := f.ValueDate.Format("2006-01-02"); got != "2026-12-14" {
		t.Fatalf("value date %s", got)
	}
	l := e.client()
	l.login(e.Demo.Lenders[0].Email)
	path := "/financings/" + f.ID.String()
	page := l.get(path).Body
	if m := dateRe.FindStringSubmatch(page); m == nil || m[1] != "2026-12-11" || !strings.Contains(page, `max="2026-12-11"`) {
		t.Errorf("the form's date is not today (before the value date) with today as its maximum:\n%s", page)
	}
	tok := l.csrf(path)
	form := url.Values{"csrf": {tok}, "amount": {f.Net.StringFixed(2)}, "bank_reference": {"SPEI-9"}, "date": {"2026-12-14"}}
	r := l.post(path+"/fund", form)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a future date: %d", r.Status)
	}
	mustContain(t, "future date", r.Body, `id="error-summary"`, `href="#f-date"`, "no puede ser posterior a hoy", `value="SPEI-9"`)
	if got, _ := e.S.App.Settling.GetFinancing(context.Background(), e.supplier(), f.ID); got.Status != financing.Accepted {
		t.Fatalf("a future date moved the financing to %s", got.Status)
	}
	// On the value date the form offers that day, and it is accepted.
	clk.Set(mexico(t, "2026-12-14", 11))
	l = e.client()
	l.login(e.Demo.Lenders[0].Email)
	page = l.get(path).Body
	if m := dateRe.FindStringSubmatch(page); m == nil || m[1] != "2026-12-14" {
		t.Errorf("on the value date the form does not default to it")
	}
	form.Set("csrf", l.csrf(path))
	if r := l.post(path+"/fund", form); r.Status != http.StatusSeeOther {
		t.Fatalf("fund on the value date: %d %s", r.Status, r.Body)
	}
}

// The site has a favicon, served as SVG and linked from every page.
func TestFavicon(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.client()
	for _, p := range []string{"/favicon.ico", "/static/favicon.svg"} {
		r := c.get(p)
		if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "image/svg+xml" || !strings.HasPrefix(r.Body, "<svg") {
			t.Errorf("GET %s: %d %q", p, r.Status, r.Header.Get("Content-Type"))
		}
	}
	const link = `<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">`
	for _, p := range []string{"/login", "/no-such-page"} {
		if r := c.get(p); !strings.Contains(r.Body, link) {
			t.Errorf("%s does not link the favicon", p)
		}
	}
	c.login(e.Demo.Buyer.Email)
	if r := c.get("/dashboard"); !strings.Contains(r.Body, link) {
		t.Errorf("a signed-in page does not link the favicon")
	}
}
