package api_test

import (
	"testing"
	"time"

	"github.com/cadena-finance/cadena/internal/api/apitest"
	"github.com/cadena-finance/cadena/internal/auth"
)

type preview struct {
	ProgramID     *string `json:"program_id"`
	Face          string  `json:"face"`
	Discount      string  `json:"discount"`
	NetProceeds   string  `json:"net_proceeds"`
	ValueDate     string  `json:"value_date"`
	Maturity      string  `json:"maturity"`
	Days          int     `json:"days"`
	AllInRate     string  `json:"all_in_rate"`
	SimpleRate    string  `json:"simple_rate"`
	EffectiveRate string  `json:"effective_annual_rate"`
	DiscountRate  string  `json:"discount_rate"`
	Eligible      bool    `json:"eligible"`
	ReferenceRate struct {
		Index, Date, Rate string
	} `json:"reference_rate"`
}

// The worked example of docs/pricing.md, through the API.
func TestPreviewExplicitTerms(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.Seed()
	sup := env.Token(w.Supplier.ID, auth.RoleSupplier)
	body := map[string]any{"face": "100000.00", "currency": "MXN", "reference_rate": "7.12", "spread_bps": 500,
		"value_date": "2026-11-23", "due_date": "2027-01-22", "basis": "ACT/360", "calendar": "MX"}
	r := env.Do(apitest.Req{Method: "POST", Path: "/v1/pricing/preview", Token: sup, Body: body})
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	var p preview
	r.JSON(t, &p)
	if p.Discount != "2020.00" || p.NetProceeds != "97980.00" || p.Days != 60 || p.AllInRate != "12.1200" ||
		p.SimpleRate != "12.3699" || p.EffectiveRate != "13.2176" || p.ProgramID != nil {
		t.Fatalf("%+v", p)
	}

	body["spread_bps"] = 701
	r = env.Do(apitest.Req{Method: "POST", Path: "/v1/pricing/preview", Token: sup, Body: body})
	if r.Status != 422 || r.Problem(t).Code != "pricing.spread_above_cap" {
		t.Fatalf("above cap: %d %s", r.Status, r.Body)
	}
	r = env.Do(apitest.Req{Method: "POST", Path: "/v1/pricing/preview", Token: sup,
		Body: map[string]any{"face": "100.001", "currency": "MXN", "reference_rate": "abc", "spread_bps": 100, "value_date": "2026-11-23", "due_date": "2027-13-01"}})
	p2 := r.Problem(t)
	fields := map[string]string{}
	for _, e := range p2.Errors {
		fields[e.Field] = e.Code
	}
	if r.Status != 422 || fields["face"] != "too_many_decimals" || fields["reference_rate"] != "malformed_rate" || fields["due_date"] != "invalid_date" {
		t.Fatalf("field errors: %d %+v", r.Status, p2.Errors)
	}
	r = env.Do(apitest.Req{Method: "POST", Path: "/v1/pricing/preview", Token: sup, Body: `{"face":100000,"spread_bps":"5"}`})
	if r.Status != 422 {
		t.Fatalf("numbers for strings: %d", r.Status)
	}
}

func TestReferenceRatesAndProgramPreview(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.Seed()
	op := env.Token(w.Operator.ID, auth.RoleOperator)
	sup := env.Token(w.Supplier.ID, auth.RoleSupplier)
	other := env.Token(w.OtherSupplier.ID, auth.RoleSupplier)
	put := func(date, rate string) *apitest.Resp {
		return env.Do(apitest.Req{Method: "PUT", Path: "/v1/reference-rates/TIIE_FONDEO/" + date, Token: op, Body: map[string]string{"rate": rate}})
	}
	// The program's value date is computed from the clock: pin it to a known moment.
	env.App.Now = func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.FixedZone("CST", -6*3600)) } // Monday, before the 13:00 cut-off
	prev := map[string]any{"program_id": w.Program.ID.String(), "face": "100000.00", "due_date": "2027-01-22", "spread_bps": 500}

	r := env.Do(apitest.Req{Method: "POST", Path: "/v1/pricing/preview", Token: sup, Body: prev})
	if r.Status != 422 || r.Problem(t).Code != "pricing.reference_rate_missing" {
		t.Fatalf("no rate yet: %d %s", r.Status, r.Body)
	}
	if r := put("2026-11-13", "7.1000"); r.Status != 201 {
		t.Fatalf("publish: %d %s", r.Status, r.Body)
	}
	// 13 Nov is Friday, 16 Nov a holiday: by the 23rd the fixing is 5 business days old (max 3).
	r = env.Do(apitest.Req{Method: "POST", Path: "/v1/pricing/preview", Token: sup, Body: prev})
	if r.Status != 422 || r.Problem(t).Code != "pricing.reference_rate_stale" {
		t.Fatalf("stale: %d %s", r.Status, r.Body)
	}
	if r := put("2026-11-20", "7.1"); r.Status != 201 {
		t.Fatalf("publish: %d", r.Status)
	}
	if r := put("2026-11-20", "7.12"); r.Status != 200 { // a correction
		t.Fatalf("correct: %d", r.Status)
	}
	if r := put("2026-11-27", "9.99"); r.Status != 201 { // after the value date: never used for it
		t.Fatalf("publish: %d", r.Status)
	}
	r = env.Do(apitest.Req{Method: "POST", Path: "/v1/pricing/preview", Token: sup, Body: prev})
	if r.Status != 200 {
		t.Fatalf("preview: %d %s", r.Status, r.Body)
	}
	var p preview
	r.JSON(t, &p)
	if p.ValueDate != "2026-11-23" || p.ReferenceRate.Date != "2026-11-20" || p.ReferenceRate.Rate != "7.1200" ||
		p.Discount != "2020.00" || !p.Eligible || p.ProgramID == nil {
		t.Fatalf("%+v", p)
	}
	// After the cut-off the value date moves to the next business day.
	env.App.Now = func() time.Time { return time.Date(2026, 11, 23, 13, 0, 0, 0, time.FixedZone("CST", -6*3600)) }
	r = env.Do(apitest.Req{Method: "POST", Path: "/v1/pricing/preview", Token: sup, Body: prev})
	r.JSON(t, &p)
	if p.ValueDate != "2026-11-24" || p.Days != 59 {
		t.Fatalf("after cut-off: %+v", p)
	}
	// The program's cap (700 bp) and its terms cannot be overridden.
	prev["spread_bps"] = 750
	if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/pricing/preview", Token: sup, Body: prev}); r.Status != 422 || r.Problem(t).Code != "pricing.spread_above_cap" {
		t.Fatalf("cap: %d", r.Status)
	}
	prev["spread_bps"], prev["basis"] = 500, "ACT/365"
	if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/pricing/preview", Token: sup, Body: prev}); r.Status != 422 || r.Problem(t).Errors[0].Code != "set_by_program" {
		t.Fatalf("term override: %d", r.Status)
	}
	delete(prev, "basis")
	// A tenor beyond the program's maximum is priced but flagged ineligible.
	prev["due_date"] = "2027-12-01"
	r = env.Do(apitest.Req{Method: "POST", Path: "/v1/pricing/preview", Token: sup, Body: prev})
	r.JSON(t, &p)
	if r.Status != 200 || p.Eligible {
		t.Fatalf("long tenor: %d %+v", r.Status, p)
	}
	// A supplier of another program cannot price in this one.
	if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/pricing/preview", Token: other, Body: prev}); r.Status != 404 {
		t.Fatalf("other tenant: %d", r.Status)
	}

	var list struct {
		Items []struct{ Date, Rate string } `json:"items"`
	}
	env.Do(apitest.Req{Method: "GET", Path: "/v1/reference-rates/TIIE_FONDEO?to=2026-11-26", Token: sup}).JSON(t, &list)
	if len(list.Items) != 2 || list.Items[0].Date != "2026-11-20" || list.Items[0].Rate != "7.1200" {
		t.Fatalf("list %+v", list)
	}
	for _, bad := range []struct {
		path, rate string
		status     int
	}{{"/v1/reference-rates/LIBOR/2026-11-20", "5", 422}, {"/v1/reference-rates/IBR_3M/2026-02-30", "5", 422}, {"/v1/reference-rates/IBR_3M/2026-11-20", "5.12345", 422}} {
		if r := env.Do(apitest.Req{Method: "PUT", Path: bad.path, Token: op, Body: map[string]string{"rate": bad.rate}}); r.Status != bad.status {
			t.Errorf("%s %s: %d", bad.path, bad.rate, r.Status)
		}
	}
	if r := env.Do(apitest.Req{Method: "GET", Path: "/v1/reference-rates/LIBOR", Token: sup}); r.Status != 404 {
		t.Fatalf("unknown index: %d", r.Status)
	}
}

// An operator's override moves maturities: a holiday declared on the due
// date pushes it to the next business day (following, and modified following within the month).
func TestCalendarOverridesMovePricing(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.Seed()
	op := env.Token(w.Operator.ID, auth.RoleOperator)
	sup := env.Token(w.Supplier.ID, auth.RoleSupplier)
	body := map[string]any{"face": "100000.00", "currency": "MXN", "reference_rate": "7.12", "spread_bps": 500,
		"value_date": "2026-11-23", "due_date": "2027-01-22", "calendar": "MX"}
	var p preview
	env.Do(apitest.Req{Method: "POST", Path: "/v1/pricing/preview", Token: sup, Body: body}).JSON(t, &p)
	if p.Maturity != "2027-01-22" {
		t.Fatalf("before: %s", p.Maturity)
	}
	if r := env.Do(apitest.Req{Method: "PUT", Path: "/v1/calendars/MX/overrides/2027-01-22", Token: op, Body: map[string]any{"name": "Cierre extraordinario"}}); r.Status != 200 {
		t.Fatalf("override: %d %s", r.Status, r.Body)
	}
	env.Do(apitest.Req{Method: "POST", Path: "/v1/pricing/preview", Token: sup, Body: body}).JSON(t, &p)
	if p.Maturity != "2027-01-25" || p.Days != 63 {
		t.Fatalf("after override: %+v", p)
	}
	var hol struct {
		Holidays  []struct{ Date, Name string } `json:"holidays"`
		Overrides []struct{ Date string }       `json:"overrides"`
	}
	env.Do(apitest.Req{Method: "GET", Path: "/v1/calendars/mx/holidays?year=2027", Token: sup}).JSON(t, &hol)
	found := false
	for _, h := range hol.Holidays {
		found = found || (h.Date == "2027-01-22" && h.Name == "Cierre extraordinario")
	}
	if !found || len(hol.Overrides) != 1 {
		t.Fatalf("holidays %+v", hol)
	}
	// Removing a rule holiday makes it a business day: 2026-12-25 open.
	if r := env.Do(apitest.Req{Method: "PUT", Path: "/v1/calendars/MX/overrides/2026-12-25", Token: op, Body: map[string]any{"remove": true}}); r.Status != 200 {
		t.Fatalf("remove: %d", r.Status)
	}
	if r := env.Do(apitest.Req{Method: "DELETE", Path: "/v1/calendars/MX/overrides/2027-01-22", Token: op}); r.Status != 204 {
		t.Fatalf("delete: %d", r.Status)
	}
	env.Do(apitest.Req{Method: "POST", Path: "/v1/pricing/preview", Token: sup, Body: body}).JSON(t, &p)
	if p.Maturity != "2027-01-22" {
		t.Fatalf("after delete: %s", p.Maturity)
	}
	for _, c := range []struct {
		method, path string
		status       int
	}{
		{"DELETE", "/v1/calendars/MX/overrides/2027-01-22", 404},
		{"PUT", "/v1/calendars/XX/overrides/2027-01-22", 404},
		{"PUT", "/v1/calendars/MX/overrides/2027-02-31", 422},
		{"PUT", "/v1/calendars/MX/overrides/1700-01-03", 422},
		{"GET", "/v1/calendars/MX/holidays?year=abc", 400},
	} {
		var b any
		if c.method == "PUT" {
			b = map[string]any{}
		}
		if r := env.Do(apitest.Req{Method: c.method, Path: c.path, Token: op, Body: b}); r.Status != c.status {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, r.Status, c.status)
		}
	}
}
