package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// post sends a multipart form (the upload) and returns the answer.
func (c *client) upload(path string, fields map[string]string, file string) resp {
	c.t.Helper()
	body, ct := multipartBody(c.t, fields, file)
	req, _ := http.NewRequest(http.MethodPost, c.base+path, body)
	req.Header.Set("Content-Type", ct)
	return c.do(req)
}

var uuidRe = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

// Figures read as a person expects: amounts and dates in the buyer's
// preview as everywhere else, field names in words, rates as "TIIE de
// Fondeo 7.12 % + 2.00 %", financings named by their invoices.
func TestFiguresReadAsAPersonExpects(t *testing.T) {
	t.Parallel()
	e := start(t)
	e.seedQuoting()

	// The buyer's preview, in Spanish and English.
	b := e.client()
	b.login(e.Demo.Buyer.Email)
	sup := e.Demo.Suppliers[0].Party.TaxID
	csv := "supplier,document_number,einvoice_id,issue_date,due_date,amount\n" +
		sup + ",F-1," + cfdi() + "," + e.day(-1) + "," + e.day(60) + ",1234567.8\n" +
		sup + ",F-2," + cfdi() + "," + e.day(-1) + "," + e.day(60) + ",1.234.50\n"
	r := b.upload("/upload", map[string]string{"csrf": b.csrf("/upload")}, csv)
	mustContain(t, "preview", r.Body, "1,234,567.80 MXN", "Renglón 2 · Importe: Importe inválido", "Importe: Importe inválido", "1.234.50")
	table := r.Body[strings.Index(r.Body, "<table"):strings.Index(r.Body, "</table>")]
	if strings.Contains(table, "1234567.8<") || strings.Contains(r.Body, "amount:") || strings.Contains(table, e.day(60)) {
		t.Errorf("preview shows raw figures or field names:\n%s", r.Body)
	}
	b.post("/lang", url.Values{"csrf": {b.csrf("/upload")}, "lang": {"en"}, "next": {"/upload"}})
	r = b.upload("/upload", map[string]string{"csrf": b.csrf("/upload")}, csv)
	mustContain(t, "English preview", r.Body, "1,234,567.80 MXN", "Row 2 · Amount:")

	// The operator's rates page names the index.
	op := e.client()
	op.login(e.Demo.Operator.Email)
	r = op.get("/rates")
	mustContain(t, "rates", r.Body, ">TIIE de Fondeo</option>", "Últimas tasas de TIIE de Fondeo")
	if strings.Contains(tagRe.ReplaceAllString(r.Body, " "), "TIIE_FONDEO") {
		t.Errorf("rates page shows TIIE_FONDEO as words")
	}

	// The supplier's offers and receipt, and the financing page.
	s := e.client()
	s.login(e.Demo.Suppliers[0].Email)
	a := e.publish(sup, "A-1043", "150000.00", 60)
	c := e.publish(sup, "A-1044", "85000.50", 45)
	tok := s.csrf("/invoices")
	r = s.post("/paynow", url.Values{"csrf": {tok}, "invoice": {a.ID.String(), c.ID.String()}})
	mustContain(t, "offers", html.UnescapeString(r.Body), "TIIE de Fondeo 7.12 % + 2.00 %")
	key, action := keyRe.FindStringSubmatch(r.Body)[1], acceptRe.FindStringSubmatch(r.Body)[1]
	r = s.post(action, url.Values{"csrf": {tok}, "key": {key}})
	receipt := s.get(r.Location).Body
	mustContain(t, "receipt", receipt, "2 facturas: A-1043, A-1044", ">Factura A-1043</a>", ">Factura A-1044</a>")
	fs, err := e.S.App.Settling.ListFinancings(context.Background(), e.supplier(), uuid.Nil, uuid.Nil, 10)
	if err != nil || len(fs.Items) != 2 {
		t.Fatalf("financings: %d %v", len(fs.Items), err)
	}
	for _, f := range fs.Items {
		page := html.UnescapeString(s.get("/financings/" + f.ID.String()).Body)
		h1 := regexp.MustCompile(`<h1>([^<]*)</h1>`).FindStringSubmatch(page)[1]
		if !strings.HasPrefix(h1, "Financiamiento: Factura A-104") {
			t.Errorf("financing named %q", h1)
		}
		mustContain(t, "financing", page, "9.12 %", "TIIE de Fondeo 7.12 % + 2.00 %")
	}
	// The receipt names things by documents: a UUID shows only in links.
	if m := uuidRe.FindString(tagRe.ReplaceAllString(receipt, "")); m != "" {
		t.Errorf("receipt shows an id as a name: %s", m)
	}
}
