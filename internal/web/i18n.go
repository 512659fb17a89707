package web

import (
	"encoding/hex"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/pricing"
	"github.com/cadena-finance/cadena/internal/validation"
)

// language: the cookie set by the switch, else the first of Spanish or
// English in Accept-Language, else Spanish.
func language(c echo.Context) string {
	switch cookie(c, langCookie) {
	case "en":
		return "en"
	case "es":
		return "es"
	}
	for _, part := range strings.Split(c.Request().Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "es"):
			return "es"
		case strings.HasPrefix(tag, "en"):
			return "en"
		}
	}
	return "es"
}

// T translates a key; a missing key shows itself, so a gap is visible in review.
func (pg *page) T(key string, args ...any) string {
	s, ok := catalog[pg.Lang][key]
	if !ok {
		if s, ok = catalog["es"][key]; !ok {
			return key
		}
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

func hasKey(key string) bool { _, ok := catalog["es"][key]; return ok }

// FieldError translates a validation error by its code when the catalog
// knows it, else shows the domain's English message.
func (pg *page) FieldError(e validation.Error) string {
	if s, ok := catalog[pg.Lang]["code."+e.Code]; ok {
		return s
	}
	return e.Message
}

var monthsES = []string{"ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic"}

// Date renders a civil date: "22 nov 2026" or "Nov 22, 2026".
func (pg *page) Date(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	if pg.Lang == "en" {
		return t.Format("Jan 2, 2006")
	}
	return fmt.Sprintf("%d %s %d", t.Day(), monthsES[t.Month()-1], t.Year())
}

var weekdaysES = []string{"domingo", "lunes", "martes", "miércoles", "jueves", "viernes", "sábado"}

// When names a coming day as a person says it: "mañana, 7 dic" or
// "el lunes 14 dic" ("tomorrow, Dec 7", "on Monday, Dec 14"); the year only
// when it is not today's.
func (pg *page) When(day, today time.Time) string {
	var d string
	switch {
	case pg.Lang == "en" && day.Year() != today.Year():
		d = day.Format("Jan 2, 2006")
	case pg.Lang == "en":
		d = day.Format("Jan 2")
	case day.Year() != today.Year():
		d = fmt.Sprintf("%d %s %d", day.Day(), monthsES[day.Month()-1], day.Year())
	default:
		d = fmt.Sprintf("%d %s", day.Day(), monthsES[day.Month()-1])
	}
	if y, m, dd := today.AddDate(0, 0, 1).Date(); day.Year() == y && day.Month() == m && day.Day() == dd {
		return pg.T("when.tomorrow", d)
	}
	if pg.Lang == "en" {
		return "on " + day.Weekday().String() + ", " + d
	}
	return "el " + weekdaysES[day.Weekday()] + " " + d
}

// Index names a reference index as the market says it: "TIIE de Fondeo".
func (pg *page) Index(name string) string {
	if s, ok := catalog[pg.Lang]["index."+strings.ToLower(name)]; ok {
		return s
	}
	return name
}

// FieldName is a form or CSV field as the person reads it: "Importe", not "amount".
func (pg *page) FieldName(field string) string {
	if s, ok := catalog[pg.Lang]["field."+field]; ok {
		return s
	}
	return field
}

// Document names a financing by its invoice: "Factura A-1043".
func (pg *page) Document(doc string) string { return pg.Documents([]string{doc}) }

// Documents names what an offer pays for by its invoices: "Factura A-1043",
// or "3 facturas, …".
func (pg *page) Documents(docs []string) string {
	switch len(docs) {
	case 0:
		return "—"
	case 1:
		return pg.T("docs.one", docs[0])
	case 2:
		return pg.T("docs.many", len(docs), docs[0]+", "+docs[1])
	}
	return pg.T("docs.many", len(docs), docs[0]+", "+docs[1]+", …")
}

// RateOver is an all-in rate as its parts: "TIIE de Fondeo 7.12 % + 3.00 %",
// the reference and the spread both in percent; a basket whose lines sit in
// different tenor buckets shows its spreads as a range.
func (pg *page) RateOver(index string, refPercent, spreadMin, spreadMax decimal.Decimal) string {
	spread := shortPercent(spreadMin)
	if !spreadMax.Equal(spreadMin) {
		spread = shortPercent(spreadMin) + "–" + shortPercent(spreadMax)
	}
	return pg.Index(index) + " " + shortPercent(refPercent) + " % + " + spread + " %"
}

// shortPercent is a percentage with two decimals, more only when it has them: 7.12, 7.1234.
func shortPercent(d decimal.Decimal) string {
	s := d.StringFixed(pricing.PercentDecimals)
	for strings.HasSuffix(s, "0") && len(s)-strings.IndexByte(s, '.') > 3 {
		s = s[:len(s)-1]
	}
	return s
}

// DraftAmount is an uploaded row's amount formatted like every other amount
// when it is one, else as typed (the row's error says what is wrong).
func (pg *page) DraftAmount(amount, currency string) string {
	d, err := decimal.NewFromString(strings.TrimSpace(amount))
	if err != nil || currency == "" || money.CheckScale(d, money.Currency(currency)) != nil {
		return amount
	}
	return formatMoney(d, money.Currency(currency))
}

// DraftDate is an uploaded row's date as dates read elsewhere, else as typed.
func (pg *page) DraftDate(s string) string {
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return s
	}
	return pg.Date(d)
}

// DateTime renders an instant in Mexico City time, where the programs run.
func (pg *page) DateTime(t time.Time) string {
	loc, err := time.LoadLocation("America/Mexico_City")
	if err != nil {
		loc = time.UTC
	}
	t = t.In(loc)
	return pg.Date(t) + " " + t.Format("15:04")
}

// formatMoney renders an amount as es-MX writes it, "1,234,567.89 MXN":
// grouped from the decimal's own digits, never through a float.
func formatMoney(d decimal.Decimal, c money.Currency) string {
	s := money.Format(d, c)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := sign + b.String()
	if hasFrac {
		out += "." + frac
	}
	return out + " " + string(c)
}

// formatPercent renders a rate held in percent, "7.12 %" or "7.1234 %".
func formatPercent(d decimal.Decimal) string {
	return shortPercent(d) + " %"
}

var funcs = template.FuncMap{
	"money":   formatMoney,
	"percent": formatPercent,
	"short":   func(s string) string { return s[:min(8, len(s))] },
	"add":     func(a, b int) int { return a + b },
	"upper":   strings.ToUpper,
	"rate":    func(r decimal.Decimal) string { return formatPercent(pricing.RateToPercent(r)) }, // a fraction, as percent
	"hex":     hex.EncodeToString,
	"dict": func(kv ...any) map[string]any {
		m := make(map[string]any, len(kv)/2)
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
}
