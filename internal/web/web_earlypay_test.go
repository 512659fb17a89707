package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// mexico is the demo program's time zone, where its 13:00 cut-off falls.
func mexico(t *testing.T, date string, hour int) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("America/Mexico_City")
	if err != nil {
		t.Fatal(err)
	}
	d, err := time.ParseInLocation(time.DateOnly, date, loc)
	if err != nil {
		t.Fatal(err)
	}
	return d.Add(time.Duration(hour) * time.Hour)
}

var tagRe = regexp.MustCompile(`<[^>]*>`)

// row is the invoice list's row for a document, as text with tags stripped.
func row(t *testing.T, body, doc string) string {
	t.Helper()
	for _, tr := range strings.Split(body, "<tr") {
		if strings.Contains(tr, ">"+doc+"<") {
			return strings.Join(strings.Fields(tagRe.ReplaceAllString(tr, " ")), " ")
		}
	}
	t.Fatalf("no row for %s in:\n%s", doc, body)
	return ""
}

// "¿Cobro anticipado hoy? Sí, hoy" is said only when a quote now pays
// today: a fresh fixing, a standing offer with limit, the cut-off ahead.
// Otherwise the column says why, and when the supplier can be paid.
func TestEarlyPaymentTodaySaysWhyAndWhen(t *testing.T) {
	t.Parallel()
	clk := &clock{now: mexico(t, "2026-12-08", 10)} // Tuesday, before the 13:00 cut-off
	e := start(t, clk)
	sup := e.Demo.Suppliers[0].Party.TaxID
	a := e.publish(sup, "A-1043", "150000.00", 60)
	e.publish(sup, "A-1044", "1500.50", 3) // inside the program's 7 minimum days
	var c *client
	login := func() { // moving the clock past the idle timeout ends a session
		c = e.client()
		c.login(e.Demo.Suppliers[0].Email)
	}
	login()
	checkbox := `id="sel-` + a.ID.String() + `"`

	// No fixing at all: not today, because the rate is missing.
	body := c.get("/invoices").Body
	mustContain(t, "no fixing", row(t, body, "A-1043"), "No hoy", "falta la tasa TIIE de Fondeo vigente")
	mustContain(t, "too short", row(t, body, "A-1044"), "No", "vence antes del plazo mínimo")
	if strings.Contains(body, "Sí, hoy") || strings.Contains(body, checkbox) {
		t.Errorf("without a fixing the list offers early payment:\n%s", row(t, body, "A-1043"))
	}
	// Pressing "Cobrar ahora" anyway (a stale tab) explains it on the list: no dead-end error page.
	r := c.post("/paynow", url.Values{"csrf": {c.csrf("/invoices")}, "invoice": {a.ID.String()}})
	if r.Status != http.StatusConflict {
		t.Errorf("POST /paynow without a fixing: %d", r.Status)
	}
	mustContain(t, "paynow without a fixing", r.Body, `id="error-summary"`, "falta la tasa de referencia vigente", "A-1043", `action="/paynow"`)
	if strings.Contains(r.Body, "Código") || strings.Contains(r.Body, "No se pudo completar") {
		t.Errorf("a stale fixing led to the error page:\n%s", r.Body)
	}

	// A fresh fixing, but no standing offer.
	e.seedFixings()
	mustContain(t, "no offer", row(t, c.get("/invoices").Body, "A-1043"), "No hoy", "ningún intermediario tiene hoy línea disponible")

	// Everything holds: yes, today, and the invoice can be ticked.
	e.seedStanding()
	body = c.get("/invoices").Body
	mustContain(t, "today", row(t, body, "A-1043"), "Sí, hoy")
	mustContain(t, "today", body, checkbox)
	if d := c.get("/invoices/" + a.ID.String()).Body; !strings.Contains(d, "Sí, hoy") {
		t.Errorf("the invoice page does not say Sí, hoy")
	}

	// After the cut-off: paid tomorrow, and a quote still works.
	clk.Set(mexico(t, "2026-12-08", 14))
	login()
	body = c.get("/invoices").Body
	mustContain(t, "after cut-off", row(t, body, "A-1043"), "No hoy", "ya pasó la hora de corte (13:00)", "mañana, 9 dic")
	mustContain(t, "after cut-off", body, checkbox)
	c.post("/lang", url.Values{"csrf": {c.csrf("/invoices")}, "lang": {"en"}, "next": {"/invoices"}})
	mustContain(t, "after cut-off, English", row(t, c.get("/invoices").Body, "A-1043"), "Not today", "cut-off (13:00) has passed", "tomorrow, Dec 9")

	// Friday after the cut-off: paid on Monday.
	clk.Set(mexico(t, "2026-12-11", 15))
	e.seedFixings() // Friday's fixing: Tuesday's would be 4 business days old on Monday
	login()
	c.post("/lang", url.Values{"csrf": {c.csrf("/invoices")}, "lang": {"en"}, "next": {"/invoices"}})
	mustContain(t, "Friday", row(t, c.get("/invoices").Body, "A-1043"), "Not today", "on Monday, Dec 14")

	// Ten days later the fixing is stale: no, and why.
	clk.Set(mexico(t, "2026-12-21", 10))
	login()
	body = c.get("/invoices").Body
	mustContain(t, "stale fixing", row(t, body, "A-1043"), "No hoy", "falta la tasa TIIE de Fondeo vigente")
	if strings.Contains(body, checkbox) {
		t.Errorf("a stale fixing still lets the invoice be ticked")
	}
}

// "Cobrar ahora" with nothing ticked answers on the list, beside the form.
func TestPayNowWithNothingTickedSaysSoInline(t *testing.T) {
	t.Parallel()
	e := start(t)
	e.seedQuoting()
	e.publish(e.Demo.Suppliers[0].Party.TaxID, "N-1", "1000.00", 60)
	c := e.client()
	c.login(e.Demo.Suppliers[0].Email)
	r := c.post("/paynow", url.Values{"csrf": {c.csrf("/invoices")}})
	if r.Status != http.StatusUnprocessableEntity {
		t.Errorf("POST /paynow with nothing ticked: %d", r.Status)
	}
	mustContain(t, "nothing ticked", r.Body, `id="error-summary"`, `href="#f-invoice"`, "Marque al menos una factura", "N-1", `action="/paynow"`)
	if strings.Contains(r.Body, "Código") {
		t.Errorf("nothing ticked led to the error page:\n%s", r.Body)
	}
}
