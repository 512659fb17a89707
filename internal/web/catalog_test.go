package web

import (
	"fmt"
	"io/fs"
	"net/http"
	"regexp"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/errcatalog"
	"github.com/cadena-finance/cadena/internal/money"
)

// Both languages carry the same keys, and every key a template names exists.
func TestCatalogComplete(t *testing.T) {
	t.Parallel()
	for key := range catalog["es"] {
		if _, ok := catalog["en"][key]; !ok {
			t.Errorf("%s: no English text", key)
		}
	}
	for key := range catalog["en"] {
		if _, ok := catalog["es"][key]; !ok {
			t.Errorf("%s: no Spanish text", key)
		}
	}
	used := regexp.MustCompile(`\.T "([a-z0-9_.]+)"`)
	err := fs.WalkDir(files, "templates", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, path)
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			if !hasKey(m[1]) {
				t.Errorf("%s uses %q, which the catalog lacks", path, m[1])
			}
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Keys built at run time: every status, role, kind and error page.
	for _, k := range []string{"status.published", "status.offered", "status.financed", "status.cancelled", "status.expired",
		"role.operator", "role.buyer", "role.supplier", "role.lender", "kind.invoice", "kind.credit_note", "history.status", "history.netted",
		"error.not_found.help", "error.forbidden.help", "error.csrf.help", "error.refused.help", "error.internal.help"} {
		if !hasKey(k) {
			t.Errorf("catalog lacks %q", k)
		}
	}
}

// Every error of the one catalog has a message in every portal language,
// and the portal answers it with its catalog status (a refusal's 422 as
// 409) and that message: no domain error can become a portal 500.
func TestEveryCatalogCodeHasAMessage(t *testing.T) {
	t.Parallel()
	p := &portal{}
	for _, e := range errcatalog.Entries() {
		err := fmt.Errorf("use case: %w", e.Err) // as a use case wraps it
		ep := classify(err)
		want := e.Status
		if want == http.StatusUnprocessableEntity {
			want = http.StatusConflict
		}
		if ep.Status != want || ep.Code != e.Code {
			t.Errorf("%s: portal answers %d %q, want %d", e.Code, ep.Status, ep.Code, want)
		}
		for lang := range catalog {
			msg, ok := catalog[lang]["code."+e.Code]
			if !ok || msg == "" {
				t.Errorf("%s: no %s message (key code.%s)", e.Code, lang, e.Code)
				continue
			}
			if ep.Key == "error.refused" {
				if got := p.detail(&page{Lang: lang}, err, ep); got != msg {
					t.Errorf("%s in %s: the page says %q, want %q", e.Code, lang, got, msg)
				}
			}
		}
	}
}

func TestFormatMoney(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		amount string
		cur    money.Currency
		want   string
	}{
		{"0", "MXN", "0.00 MXN"},
		{"999.5", "MXN", "999.50 MXN"},
		{"1000", "MXN", "1,000.00 MXN"},
		{"1234567.89", "MXN", "1,234,567.89 MXN"},
		{"-45000.10", "MXN", "-45,000.10 MXN"},
		{"123456789012345678.99", "MXN", "123,456,789,012,345,678.99 MXN"}, // beyond a binary floating point's exact range
		{"1500000", "COP", "1,500,000.00 COP"},
	} {
		if got := formatMoney(decimal.RequireFromString(c.amount), c.cur); got != c.want {
			t.Errorf("formatMoney(%s %s) = %q, want %q", c.amount, c.cur, got, c.want)
		}
	}
}

func TestDocumentsAndRates(t *testing.T) {
	t.Parallel()
	es, en := &page{Lang: "es"}, &page{Lang: "en"}
	for _, c := range []struct{ got, want string }{
		{es.Document("A-1043"), "Factura A-1043"},
		{en.Document("A-1043"), "Invoice A-1043"},
		{es.Documents([]string{"A-1", "A-2"}), "2 facturas: A-1, A-2"},
		{es.Documents([]string{"A-1", "A-2", "A-3"}), "3 facturas: A-1, A-2, …"},
		{en.Documents([]string{"A-1", "A-2", "A-3"}), "3 invoices: A-1, A-2, …"},
		{es.RateOver("TIIE_FONDEO", decimal.RequireFromString("7.12"), decimal.RequireFromString("3"), decimal.RequireFromString("3")), "TIIE de Fondeo 7.12 % + 3.00 %"},
		{en.RateOver("TIIE_28", decimal.RequireFromString("7.1234"), decimal.RequireFromString("2"), decimal.RequireFromString("2.5")), "28-day TIIE 7.1234 % + 2.00–2.50 %"},
		{formatPercent(decimal.RequireFromString("9.1200")), "9.12 %"},
		{es.FieldName("amount"), "Importe"},
		{en.FieldName("einvoice_id"), "E-invoice id"},
		{es.FieldName("unknown_field"), "unknown_field"},
		{es.DraftAmount("1234567.8", "MXN"), "1,234,567.80 MXN"},
		{es.DraftAmount("1.234.50", "MXN"), "1.234.50"},
		{es.DraftAmount("12.345", "MXN"), "12.345"}, // too many decimals: shown as typed, the row's error explains
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
