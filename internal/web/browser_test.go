package web_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/app/demo"
	"github.com/cadena-finance/cadena/internal/app/invoicing"
	"github.com/cadena-finance/cadena/internal/platform/waittest"
)

// chromePath finds headless Chromium (Debian's package, or CHROME_PATH).
// Without it the browser tests skip, except in CI, where .ci/run installs it
// and a skip would hide a broken portal.
func chromePath(t *testing.T) string {
	t.Helper()
	path := os.Getenv("CHROME_PATH")
	if path == "" {
		path = "/usr/bin/chromium"
	}
	if _, err := os.Stat(path); err != nil {
		msg := "browser tests need Chromium at " + path + " (apt-get install chromium, or set CHROME_PATH)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI must install it (.ci/run does)")
		}
		t.Skip(msg)
	}
	return path
}

// browser starts a fresh headless Chromium for one test. It talks only to
// the test server on 127.0.0.1: background networking, updates, sync and
// QUIC are off, and the profile is a temporary directory.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromePath(t)),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// A Mexican office computer: Spanish first, as the portal's users ask for it.
		chromedp.Flag("lang", "es-MX"),
		chromedp.Flag("accept-lang", "es-MX,es"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // starts the browser now, so a launch failure is reported as such
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx
}

// into runs a to completion and keeps its value, so reads can sit in a sequence of steps.
func into[T any](a chromedp.Action[T], out *T) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		v, err := a(ctx, t)
		*out = v
		return err
	})
}

func run(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, waittest.Deadline+30*time.Second) // a stuck step fails alone, leaving time for the screenshot
	defer cancel()
	if err := chromedp.Do(step, steps...); err != nil {
		url, _ := chromedp.Run(ctx, chromedp.Location())
		screenshot(t, ctx, "failure")
		t.Fatalf("browser at %s: %v", url, err)
	}
}

// screenshot saves a full-page PNG under CADENA_SCREENSHOT_DIR, or the test's
// temporary directory.
func screenshot(t *testing.T, ctx context.Context, name string) string {
	t.Helper()
	dir := os.Getenv("CADENA_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return ""
	}
	path := filepath.Join(dir, t.Name()+"-"+name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
	return path
}

// waitPath waits until the browser shows a page whose path starts with prefix.
func waitPath(prefix string) chromedp.Action[chromedp.Void] {
	return poll(`location.pathname.startsWith(` + jsString(prefix) + `)`)
}

func jsString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// loginAs fills the login form as a person would.
func loginAs(base, email string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#f-email`)),
		chromedp.SendKeys(chromedp.CSS(`#f-email`), email),
		chromedp.SendKeys(chromedp.CSS(`#f-password`), demo.Password),
		chromedp.Click(chromedp.CSS(`main form button[type=submit]`)),
		poll(`location.pathname !== "/login"`),
	)
}

// poll waits up to waittest.Deadline for a JavaScript condition. It asks again and again
// instead of using chromedp.Poll, whose wait dies with the page when the
// condition is a navigation.
func poll(cond string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		deadline := time.Now().Add(waittest.Deadline)
		for {
			ok, err := chromedp.Evaluate[bool](cond)(ctx, t)
			if err == nil && ok {
				return nil
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("waited %v for %s (last error: %v)", waittest.Deadline, cond, err)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
}

func text(sel string, out *string) chromedp.Action[chromedp.Void] {
	return into(chromedp.Text(chromedp.CSS(sel)), out)
}

func mustContain(t *testing.T, where, got string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(got, w) {
			t.Errorf("%s: missing %q in:\n%s", where, w, got)
		}
	}
}

// A buyer uploads a CSV with one bad row, sees it flagged in the preview
// before anything is published, publishes the good rows and finds them listed.
func TestBrowserBuyerUploadFlagsBadRow(t *testing.T) {
	t.Parallel()
	e := start(t)
	ctx := browser(t)
	sup := e.Demo.Suppliers[0].Party.TaxID
	csv := "supplier,document_number,einvoice_id,issue_date,due_date,amount\n" +
		sup + ",F-2001," + cfdi() + "," + day(-3) + "," + day(60) + ",125000.00\n" +
		sup + ",F-2002," + cfdi() + "," + day(-3) + "," + day(75) + ",1.234.50\n" + // Spanish thousands separator: refused
		e.Demo.Suppliers[1].Party.TaxID + ",E-77," + cfdi() + "," + day(-3) + "," + day(90) + ",98765.43\n"
	file := filepath.Join(t.TempDir(), "facturas.csv")
	if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	var summary, row2, list string
	run(t, ctx, loginAs(e.Base, e.Demo.Buyer.Email), waitPath("/dashboard"),
		chromedp.Navigate(e.Base+"/upload"),
		chromedp.WaitVisible(chromedp.CSS(`#f-file`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#f-file`), []string{file}),
		chromedp.Click(chromedp.CSS(`main form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`#error-summary`)),
		text(`#error-summary`, &summary),
		text(`#f-row-2`, &row2),
	)
	mustContain(t, "error summary", summary, "Revise lo siguiente", "Importe inválido")
	mustContain(t, "row 2", row2, "F-2002", "Con errores", "Importe: Importe inválido")
	screenshot(t, ctx, "preview")
	if page, _ := e.S.App.Invoicing.ListInvoices(context.Background(), e.buyer(), invoicing.InvoiceFilter{}, uuid.Nil, 10); len(page.Items) != 0 {
		t.Fatalf("the preview published %d invoices", len(page.Items))
	}
	run(t, ctx,
		chromedp.Click(chromedp.CSS(`#publish`)),
		waitPath("/batches/"),
		chromedp.Click(chromedp.CSS(`a[href^="/invoices?batch="]`)),
		waitPath("/invoices"),
		chromedp.WaitVisible(chromedp.CSS(`table`)),
		text(`main`, &list),
	)
	mustContain(t, "invoice list", list, "F-2001", "125,000.00 MXN", "E-77", "98,765.43 MXN", "Empaques y Papel")
	if strings.Contains(list, "F-2002") {
		t.Errorf("the bad row was published:\n%s", list)
	}
	screenshot(t, ctx, "published")
	var dash string
	run(t, ctx, chromedp.Navigate(e.Base+"/dashboard"), chromedp.WaitVisible(chromedp.CSS(`table`)), text(`main`, &dash))
	mustContain(t, "dashboard", dash, "Cadena Abarrotes MXN", "223,765.43 MXN", "Pagos por vencer")
	screenshot(t, ctx, "dashboard")
}

// A supplier sees every invoice with its eligibility in Spanish, moves
// through the page with the keyboard, and switches to English.
func TestBrowserSupplierInvoicesSpanishThenEnglish(t *testing.T) {
	t.Parallel()
	e := start(t, &clock{now: mexico(t, "2026-12-08", 10)}) // a Tuesday before the cut-off: "Sí, hoy" is true
	e.seedQuoting()
	ctx := browser(t)
	sup := e.Demo.Suppliers[0].Party.TaxID
	e.publish(sup, "A-100", "250000.00", 60)
	e.publish(sup, "A-101", "1500.50", 3) // inside the program's 7 minimum days: not payable early
	var lang chromedp.AttributeResult
	var body, focused string
	run(t, ctx, loginAs(e.Base, e.Demo.Suppliers[0].Email), waitPath("/invoices"),
		chromedp.WaitVisible(chromedp.CSS(`table`)),
		into(chromedp.AttributeValue(chromedp.CSS(`html`), "lang"), &lang),
		text(`main`, &body),
		// Keyboard: the first Tab reaches the skip link.
		chromedp.KeyEvent(kb.Tab),
		into(chromedp.Evaluate[string](`document.activeElement.textContent`), &focused),
	)
	if lang.Value != "es" {
		t.Errorf("html lang = %q, want es", lang.Value)
	}
	mustContain(t, "Spanish list", body, "Facturas", "A-100", "250,000.00 MXN", "Sí, hoy", "A-101", "1,500.50 MXN", "vence antes del plazo mínimo",
		"Abarrotes del Bajío", "¿Cobro anticipado hoy?")
	if focused != "Saltar al contenido" {
		t.Errorf("first Tab focused %q, want the skip link", focused)
	}
	screenshot(t, ctx, "es")
	run(t, ctx,
		chromedp.Click(chromedp.CSS(`button[name=lang][value=en]`)),
		poll(`document.documentElement.lang === "en"`),
		text(`main`, &body),
	)
	mustContain(t, "English list", body, "Invoices", "Yes, today", "falls due before the program", "Early payment today?", "250,000.00 MXN")
	screenshot(t, ctx, "en")
}

// Editing the URL to another supplier's invoice shows the same not-found
// page as an invoice that does not exist.
func TestBrowserSupplierCannotSeeAnotherSuppliersInvoice(t *testing.T) {
	t.Parallel()
	e := start(t)
	ctx := browser(t)
	mine := e.publish(e.Demo.Suppliers[0].Party.TaxID, "MIO-1", "1000.00", 60)
	theirs := e.publish(e.Demo.Suppliers[1].Party.TaxID, "AJENA-1", "777777.77", 60)
	var own, other, absent string
	run(t, ctx, loginAs(e.Base, e.Demo.Suppliers[0].Email), waitPath("/invoices"),
		chromedp.Navigate(e.Base+"/invoices/"+mine.ID.String()), text(`main`, &own),
		chromedp.Navigate(e.Base+"/invoices/"+theirs.ID.String()), text(`main`, &other),
	)
	screenshot(t, ctx, "other-supplier")
	run(t, ctx, chromedp.Navigate(e.Base+"/invoices/"+uuid.NewString()), text(`main`, &absent))
	mustContain(t, "own invoice", own, "MIO-1", "1,000.00 MXN")
	mustContain(t, "other's invoice", other, "No encontramos esa página")
	if strings.Contains(other, "AJENA") || strings.Contains(other, "777,777.77") {
		t.Errorf("another supplier's invoice leaked:\n%s", other)
	}
	if other != absent {
		t.Errorf("another's invoice and a missing one differ:\n%s\n---\n%s", other, absent)
	}
	// Both answer 404, as the API does.
	c := e.client()
	c.login(e.Demo.Suppliers[0].Email)
	for _, id := range []string{theirs.ID.String(), uuid.NewString(), "not-a-uuid"} {
		if r := c.get("/invoices/" + id); r.Status != http.StatusNotFound {
			t.Errorf("GET /invoices/%s: %d", id, r.Status)
		}
	}
}

// An operator publishes a reference rate and closes a day through the forms.
func TestBrowserOperatorRateAndHoliday(t *testing.T) {
	t.Parallel()
	e := start(t)
	ctx := browser(t)
	var rates, holidays string
	holiday := time.Now().AddDate(0, 1, 0)
	for holiday.Weekday() == time.Saturday || holiday.Weekday() == time.Sunday {
		holiday = holiday.AddDate(0, 0, 1)
	}
	run(t, ctx, loginAs(e.Base, e.Demo.Operator.Email), waitPath("/parties"),
		chromedp.Navigate(e.Base+"/rates"),
		chromedp.WaitVisible(chromedp.CSS(`#f-rate`)),
		chromedp.SendKeys(chromedp.CSS(`#f-rate`), "7.1234"),
		chromedp.Click(chromedp.CSS(`#publish-rate button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
		text(`main`, &rates),
	)
	mustContain(t, "rates", rates, "Tasa publicada.", "7.1234 %", "Últimas tasas de TIIE de Fondeo")
	screenshot(t, ctx, "rates")
	run(t, ctx,
		chromedp.Navigate(e.Base+"/holidays?calendar=MX&year="+holiday.Format("2006")),
		chromedp.WaitVisible(chromedp.CSS(`#f-date`)),
		chromedp.SetValue(chromedp.CSS(`#f-date`), holiday.Format(time.DateOnly)),
		chromedp.SendKeys(chromedp.CSS(`#f-name`), "Cierre extraordinario CNBV"),
		chromedp.Click(chromedp.CSS(`#add-override button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
		text(`main`, &holidays),
	)
	mustContain(t, "holidays", holidays, "Día guardado en el calendario.", "Cierre extraordinario CNBV", "Quitar ajuste")
	screenshot(t, ctx, "holidays")
	y, err := e.S.App.Quoting.Holidays(context.Background(), "MX", holiday.Year())
	if err != nil || len(y.Overrides) != 1 || y.Overrides[0].Date.Format(time.DateOnly) != holiday.Format(time.DateOnly) {
		t.Fatalf("override not stored: %+v %v", y.Overrides, err)
	}
	rs, err := e.S.App.Quoting.ReferenceRates(context.Background(), "TIIE_FONDEO", "", "", 10)
	if err != nil || len(rs) != 1 || rs[0].Percent.String() != "7.1234" {
		t.Fatalf("rate not stored: %+v %v", rs, err)
	}
}

// On a 360 px phone the supplier's list fits the screen: no sideways scroll.
func TestBrowserPhoneViewport(t *testing.T) {
	t.Parallel()
	e := start(t)
	ctx := browser(t)
	sup := e.Demo.Suppliers[0].Party.TaxID
	e.publish(sup, "FACTURA-CON-NUMERO-LARGO-2026-000123", "4999999.99", 60)
	e.publish(sup, "A-2", "1500.50", 90)
	var width int
	run(t, ctx, chromedp.EmulateViewport(360, 740),
		loginAs(e.Base, e.Demo.Suppliers[0].Email), waitPath("/invoices"),
		chromedp.WaitVisible(chromedp.CSS(`table`)),
		into(chromedp.Evaluate[int](`Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)`), &width),
	)
	screenshot(t, ctx, "phone-360")
	if width > 360 {
		t.Fatalf("the page is %d px wide on a 360 px phone", width)
	}
}

// A lender sees its credit line per program and the program's invoices.
func TestBrowserLenderCreditLines(t *testing.T) {
	t.Parallel()
	e := start(t)
	ctx := browser(t)
	e.publish(e.Demo.Suppliers[0].Party.TaxID, "L-1", "320000.00", 45)
	var lines, invoices string
	run(t, ctx, loginAs(e.Base, e.Demo.Lenders[0].Email), waitPath("/programs"),
		chromedp.WaitVisible(chromedp.CSS(`table`)), text(`main`, &lines),
		chromedp.Navigate(e.Base+"/invoices"), chromedp.WaitVisible(chromedp.CSS(`table`)), text(`main`, &invoices),
	)
	mustContain(t, "credit lines", lines, "Mis líneas de crédito", "Cadena Abarrotes MXN", "50,000,000.00 MXN", "0.00 MXN")
	mustContain(t, "lender invoices", invoices, "L-1", "320,000.00 MXN", "Abarrotes del Bajío")
	run(t, ctx, chromedp.Navigate(e.Base+"/programs"), chromedp.WaitVisible(chromedp.CSS(`table`)))
	screenshot(t, ctx, "lines")
}
