package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
)

// layoutFixture gives every page something to show: invoices with long
// names, an accepted offer (financings, a receipt, a notice), an open
// auction and an upload batch. It returns the pages each role can reach.
func layoutFixture(t *testing.T, e *env) map[string][]string {
	ctx := context.Background()
	e.seedQuoting()
	sup := e.Demo.Suppliers[0].Party.TaxID
	a := e.publish(sup, "FACTURA-CON-NUMERO-LARGO-2026-000123", "4999999.99", 60)
	b := e.publish(sup, "A-2", "1500.50", 90)
	c := e.publish(sup, "A-3", "250000.00", 45)
	e.publish(sup, "A-4", "98765.43", 30) // left for the supplier to quote
	q, err := e.S.App.Quoting.Quote(ctx, e.supplier(), []uuid.UUID{a.ID, b.ID})
	if err != nil {
		t.Fatal(err)
	}
	fs, err := e.S.App.Acceptance.AcceptOffer(ctx, e.supplier(), q.Offers[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.S.App.Auctions.OpenAuction(ctx, e.supplier(), []uuid.UUID{c.ID}); err != nil {
		t.Fatal(err)
	}
	closed := e.now().AddDate(0, 0, 10)
	for closed.Weekday() == time.Saturday || closed.Weekday() == time.Sunday {
		closed = closed.AddDate(0, 0, 1)
	}
	op := app.Actor{Subject: "test", PartyID: e.Demo.Operator.Party.ID, Role: auth.RoleOperator}
	if _, err := e.S.App.Quoting.PutCalendarOverride(ctx, op, "MX", closed.Format(time.DateOnly), "Cierre extraordinario por contingencia operativa del sistema de pagos", false); err != nil {
		t.Fatal(err)
	}
	holidays := "/holidays?calendar=MX&year=" + closed.Format("2006")
	fin := "/financings/" + fs[0].ID.String()
	prog := "/programs/" + e.Demo.Program.ID.String()
	inv := "/invoices/" + a.ID.String()
	return map[string][]string{
		e.Demo.Suppliers[0].Email: {"/invoices", inv, "/financings", fin, fin + "/notice", "/statement", "/receipts/" + q.Offers[0].ID.String()},
		e.Demo.Buyer.Email:        {"/dashboard", "/invoices", inv, "/upload", "/programs", prog, "/financings", fin, fin + "/notice", "/statement"},
		e.Demo.Lenders[0].Email: {"/programs", prog, "/invoices", inv, "/financings", fin, fin + "/notice", "/statement", "/portfolio",
			"/auctions", "/payment-files"},
		e.Demo.Operator.Email: {"/parties", "/parties/new", "/parties/" + e.Demo.Suppliers[0].Party.ID.String(), "/programs", prog,
			"/dashboard", "/invoices", inv, "/financings", fin, "/rates", holidays, "/reconciliation", "/audit", "/no-such-page"},
	}
}

// brokenWords lists the words of table headers and captions (sel) wider
// than their box, which the browser then breaks mid-word or letter by letter.
func brokenWords(sel string) string {
	return `(() => {
		const bad = [], ctx = document.createElement("canvas").getContext("2d");
		for (const el of document.querySelectorAll(` + jsString(sel) + `)) {
			if (el.closest(".sr-only") || el.getClientRects().length === 0) continue;
			const cs = getComputedStyle(el);
			ctx.font = cs.fontWeight + " " + cs.fontSize + " " + cs.fontFamily;
			const inner = el.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
			for (const w of el.textContent.split(/\s+/)) {
				if (w && ctx.measureText(w).width > inner + 1) bad.push(w + " in " + Math.round(inner) + " px");
			}
		}
		return bad.join("; ");
	})()`
}

// fits measures the page as it stands at 360 px, then at 1,280 px: the
// document must not be wider than the viewport, captions and headers keep
// their words whole. Every page is saved as a screenshot at both widths, so
// a reviewer can look.
func fits(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	var scroll, client int
	var captions, headers string
	run(t, ctx, chromedp.WaitVisible(chromedp.CSS(`main`)),
		into(chromedp.Evaluate[int](`document.documentElement.scrollWidth`), &scroll),
		into(chromedp.Evaluate[int](`document.documentElement.clientWidth`), &client),
		into(chromedp.Evaluate[string](brokenWords("caption")), &captions))
	path := screenshot(t, ctx, name+"-360")
	if scroll > client {
		var wide string
		// Name the widest elements, so the failure says where to look.
		run(t, ctx, into(chromedp.Evaluate[string](`[...document.querySelectorAll("main *")].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth).slice(-3).map(e => e.tagName + "." + e.className + " " + Math.round(e.getBoundingClientRect().right) + "px").join(", ")`), &wide))
		t.Errorf("%s scrolls sideways at 360 px: %d px of content in %d px (%s); screenshot %s", name, scroll, client, wide, path)
	}
	if captions != "" {
		t.Errorf("%s breaks caption words at 360 px: %s; screenshot %s", name, captions, path)
	}
	run(t, ctx, chromedp.EmulateViewport(1280, 900), chromedp.WaitVisible(chromedp.CSS(`main`)),
		into(chromedp.Evaluate[string](brokenWords("thead th, caption")), &headers))
	path = screenshot(t, ctx, name+"-1280")
	if headers != "" {
		t.Errorf("%s breaks table headers mid-word at 1,280 px: %s; screenshot %s", name, headers, path)
	}
	run(t, ctx, chromedp.EmulateViewport(360, 740))
}

// No page of any role scrolls sideways on a 360 px phone, and no table
// header or caption breaks a word, on the phone or at 1,280 px: every page
// each role reaches from the menu and the links, plus the pages a form
// answers (the upload preview, the offers).
func TestBrowserEveryPageFitsPhoneAndDesktop(t *testing.T) {
	t.Parallel()
	e := start(t)
	pages := layoutFixture(t, e)
	sup := e.Demo.Suppliers[0].Party.TaxID
	csv := "supplier,document_number,einvoice_id,issue_date,due_date,amount\n" +
		sup + ",FACTURA-CON-NUMERO-MUY-LARGO-2026-000999," + cfdi() + "," + e.day(-3) + "," + e.day(60) + ",125000.00\n" +
		sup + ",F-2," + cfdi() + "," + e.day(-3) + "," + e.day(75) + ",1.234.50\n" +
		"NO-EXISTE-RFC-MUY-LARGO-1234567890,F-3,not-a-uuid-at-all-but-a-very-long-string," + e.day(-3) + ",2026-13-45,abc\n"
	file := filepath.Join(t.TempDir(), "facturas.csv")
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, who := range []string{e.Demo.Suppliers[0].Email, e.Demo.Buyer.Email, e.Demo.Lenders[0].Email, e.Demo.Operator.Email} {
		role := strings.SplitN(who, "@", 2)[0]
		ctx := browser(t)
		run(t, ctx, chromedp.EmulateViewport(360, 740), chromedp.Navigate(e.Base+"/login"))
		fits(t, ctx, "anon-login")
		run(t, ctx, loginAs(e.Base, who))
		for _, path := range pages[who] {
			run(t, ctx, chromedp.Navigate(e.Base+path))
			fits(t, ctx, role+strings.NewReplacer("/", "_", "?", "_", "&", "_", "=", "-").Replace(path))
		}
		switch who {
		case e.Demo.Buyer.Email:
			run(t, ctx, chromedp.Navigate(e.Base+"/upload"), chromedp.WaitVisible(chromedp.CSS(`#f-file`)),
				chromedp.SetUploadFiles(chromedp.CSS(`#f-file`), []string{file}),
				chromedp.Click(chromedp.CSS(`main form button[type=submit]`)),
				chromedp.WaitVisible(chromedp.CSS(`#error-summary`)))
			fits(t, ctx, role+"_preview")
			run(t, ctx, chromedp.Click(chromedp.CSS(`#publish`)), waitPath("/batches/"))
			fits(t, ctx, role+"_batch")
		case e.Demo.Suppliers[0].Email:
			run(t, ctx, chromedp.Navigate(e.Base+"/invoices"), chromedp.WaitVisible(chromedp.CSS(`#paynow`)),
				chromedp.Click(chromedp.CSS(`#paynow-submit`)), chromedp.WaitVisible(chromedp.CSS(`#error-summary`)))
			fits(t, ctx, role+"_paynow-empty")
			run(t, ctx, chromedp.Click(chromedp.CSS(`input[name=invoice]`)), chromedp.Click(chromedp.CSS(`#paynow-submit`)),
				waitPath("/paynow"), chromedp.WaitVisible(chromedp.CSS(`.offer .net`)))
			fits(t, ctx, role+"_quotes")
		}
	}
}
