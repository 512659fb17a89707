package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/offer"
)

func (e *env) supplier() app.Actor {
	return app.Actor{Subject: "test", PartyID: e.Demo.Suppliers[0].Party.ID, Role: auth.RoleSupplier}
}

func (e *env) lender() app.Actor {
	return app.Actor{Subject: "test", PartyID: e.Demo.Lenders[0].Party.ID, Role: auth.RoleLender}
}

// seedQuoting publishes fresh TIIE fixings for the last week (weekend
// dates the catalog refuses are skipped) and a standing offer from the
// first demo lender, so the demo program quotes today.
func (e *env) seedQuoting() {
	e.t.Helper()
	e.seedFixings()
	e.seedStanding()
}

// seedFixings publishes the last week's TIIE fixings at 7.12 %.
func (e *env) seedFixings() {
	ctx := context.Background()
	op := app.Actor{Subject: "test", PartyID: e.Demo.Operator.Party.ID, Role: auth.RoleOperator}
	for i := 7; i >= 0; i-- {
		_, _, _ = e.S.App.Quoting.PutReferenceRate(ctx, op, e.Demo.Program.ReferenceIndex, e.day(-i), "7.12")
	}
}

// seedStanding sets the first demo lender's standing offer for a month.
func (e *env) seedStanding() {
	e.t.Helper()
	now := e.now()
	if _, err := e.S.App.Quoting.PutStandingOffer(context.Background(), e.lender(), e.Demo.Program.ID, []offer.Bucket{{MaxDays: 30, SpreadBps: 250}, {MaxDays: 180, SpreadBps: 200}},
		now.Add(-time.Hour), now.AddDate(0, 1, 0)); err != nil {
		e.t.Fatal(err)
	}
}

func logout() chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), waitPath("/login"))
}

// A supplier logs in, gets paid early on two invoices and sees the
// financing funded after the lender confirms (issue 7).
func TestBrowserSupplierGetsPaidEarly(t *testing.T) {
	t.Parallel()
	e := start(t)
	e.seedQuoting()
	ctx := browser(t)
	sup := e.Demo.Suppliers[0].Party.TaxID
	a := e.publish(sup, "GP-100", "150000.00", 60)
	b := e.publish(sup, "GP-101", "85000.50", 45)
	lenderName := e.Demo.Lenders[0].Party.LegalName
	var quotes, receipt string
	run(t, ctx, loginAs(e.Base, e.Demo.Suppliers[0].Email), waitPath("/invoices"),
		chromedp.WaitVisible(chromedp.CSS(`#paynow`)),
		chromedp.Click(chromedp.CSS(`#sel-`+a.ID.String())),
		chromedp.Click(chromedp.CSS(`#sel-`+b.ID.String())),
	)
	screenshot(t, ctx, "1-selected")
	run(t, ctx,
		chromedp.Click(chromedp.CSS(`#paynow-submit`)),
		waitPath("/paynow"),
		chromedp.WaitVisible(chromedp.CSS(`.offer .net`)),
		text(`main`, &quotes),
	)
	screenshot(t, ctx, "2-offers")
	mustContain(t, "offers", quotes, "Ofertas para cobrar ahora", lenderName, "Usted recibe", "Descuento", "Tasa efectiva anual",
		"Fecha valor", "235,000.50 MXN", "GP-100", "GP-101", "Mejor oferta")
	run(t, ctx,
		chromedp.Click(chromedp.CSS(`#offer-card-0 button.accept`)),
		waitPath("/receipts/"),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
		text(`main`, &receipt),
	)
	screenshot(t, ctx, "3-receipt")
	mustContain(t, "receipt", receipt, "Comprobante de cobro anticipado", lenderName, "GP-100", "GP-101", "Qué sigue", "Aceptado, por fondear")

	fs, err := e.S.App.Settling.ListFinancings(context.Background(), e.supplier(), uuid.Nil, uuid.Nil, 10)
	if err != nil || len(fs.Items) != 2 {
		t.Fatalf("financings after acceptance: %d %v", len(fs.Items), err)
	}
	// Each financing is named by its invoice and linked by its id.
	mustContain(t, "receipt", receipt, "Factura GP-100", "Factura GP-101")
	for _, f := range fs.Items {
		var linked bool
		run(t, ctx, into(chromedp.Evaluate[bool](`document.querySelector('a[href="/financings/`+f.ID.String()+`"]') !== null`), &linked))
		if !linked {
			t.Errorf("receipt misses financing %s", f.ID)
		}
	}

	// The lender confirms each funding through its portal page.
	run(t, ctx, logout(), loginAs(e.Base, e.Demo.Lenders[0].Email), waitPath("/programs"))
	for i, f := range fs.Items {
		var done string
		run(t, ctx,
			chromedp.Navigate(e.Base+"/financings/"+f.ID.String()),
			chromedp.WaitVisible(chromedp.CSS(`#fund-form`)),
			chromedp.SendKeys(chromedp.CSS(`#f-bank_reference`), "SPEI-TEST-"+f.ID.String()[:8]),
		)
		if i == 0 {
			screenshot(t, ctx, "4-lender-fund-form")
		}
		run(t, ctx,
			chromedp.Click(chromedp.CSS(`#fund-form button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS(`.flash`)),
			text(`main`, &done),
		)
		mustContain(t, "funded", done, "Fondeo confirmado.", "Fondeado")
	}
	var folio string
	run(t, ctx, chromedp.Navigate(e.Base+"/portfolio"), chromedp.WaitVisible(chromedp.CSS(`#portfolio-lines`)), text(`main`, &folio))
	mustContain(t, "portfolio", folio, "Cartera", "235,000.50 MXN")
	screenshot(t, ctx, "4b-lender-portfolio")

	// The buyer finds the printable notice of assignment.
	var notice string
	run(t, ctx, logout(), loginAs(e.Base, e.Demo.Buyer.Email), waitPath("/dashboard"),
		chromedp.Navigate(e.Base+"/financings/"+fs.Items[0].ID.String()+"/notice"), chromedp.WaitVisible(chromedp.CSS(`.notice`)), text(`main`, &notice))
	mustContain(t, "notice", notice, "Notificación de cesión", lenderName, "Tostadora del Sur")
	screenshot(t, ctx, "4c-buyer-notice")

	// The supplier sees both financings funded.
	var list, detail string
	run(t, ctx, logout(), loginAs(e.Base, e.Demo.Suppliers[0].Email), waitPath("/invoices"),
		chromedp.Navigate(e.Base+"/financings"), chromedp.WaitVisible(chromedp.CSS(`table`)), text(`main`, &list))
	screenshot(t, ctx, "5-financings-funded")
	if strings.Count(list, "Fondeado") != 2 {
		t.Errorf("financings list should show two funded:\n%s", list)
	}
	run(t, ctx, chromedp.Navigate(e.Base+"/financings/"+fs.Items[0].ID.String()), chromedp.WaitVisible(chromedp.CSS(`#financing-status`)),
		text(`#financing-status`, &detail))
	mustContain(t, "financing detail", detail, "Fondeado")
	screenshot(t, ctx, "6-financing-funded")
	for _, f := range fs.Items {
		got, err := e.S.App.Settling.GetFinancing(context.Background(), e.supplier(), f.ID)
		if err != nil || got.Status != financing.Funded {
			t.Errorf("financing %s: %s %v", f.ID, got.Status, err)
		}
	}

	// The statement shows the money received.
	var st string
	run(t, ctx, chromedp.Navigate(e.Base+"/statement"), chromedp.WaitVisible(chromedp.CSS(`#statement-csv`)), text(`main`, &st))
	mustContain(t, "statement", st, "Estado de cuenta", "Efectivo recibido", "Descargar CSV")
	screenshot(t, ctx, "7-statement")

	// On a 360 px phone the offers page fits.
	c := e.publish(sup, "GP-102", "4999999.99", 90)
	var width int
	run(t, ctx, chromedp.EmulateViewport(360, 740),
		chromedp.Navigate(e.Base+"/invoices"), chromedp.WaitVisible(chromedp.CSS(`#paynow`)),
		chromedp.Click(chromedp.CSS(`#sel-`+c.ID.String())), chromedp.Click(chromedp.CSS(`#paynow-submit`)),
		waitPath("/paynow"), chromedp.WaitVisible(chromedp.CSS(`.offer .net`)),
		into(chromedp.Evaluate[int](`Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)`), &width),
	)
	screenshot(t, ctx, "8-offers-phone-360")
	if width > 360 {
		t.Errorf("the offers page is %d px wide on a 360 px phone", width)
	}
	for _, path := range []string{"/financings", "/financings/" + fs.Items[0].ID.String(), "/statement"} {
		run(t, ctx, chromedp.Navigate(e.Base+path), chromedp.WaitVisible(chromedp.CSS(`main h1`)),
			into(chromedp.Evaluate[int](`Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)`), &width))
		if width > 360 {
			t.Errorf("%s is %d px wide on a 360 px phone", path, width)
		}
	}
	screenshot(t, ctx, "9-statement-phone-360")
}
