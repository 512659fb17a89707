package pricing

import (
	"errors"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/money"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func date(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := calendar.ParseDate(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func program(t testing.TB, cur money.Currency, cal string) Program {
	t.Helper()
	c, err := calendar.New(cal, nil)
	if err != nil {
		t.Fatal(err)
	}
	return Program{Currency: cur, Basis: DefaultBasis(cur), Calendar: c, MaxSpreadBps: PlatformMaxSpreadBps}
}

// quoted is a Quote's figures as the CLI prints them.
type quoted struct {
	maturity             string
	days                 int
	discount, net        string
	discRate, simpleRate string // percent, 4 decimals
	effRate              string
}

func figures(q Quote) quoted {
	return quoted{
		maturity: q.Maturity.Format(time.DateOnly), days: q.Days,
		discount: money.Format(q.Discount, q.Currency), net: money.Format(q.Net, q.Currency),
		discRate: FormatPercent(q.DiscountRate), simpleRate: FormatPercent(q.SimpleRate), effRate: FormatPercent(q.EffectiveRate),
	}
}

// Hand-checked examples. Expected rates were computed independently at 80
// significant digits and rounded half up.
func TestWorkedExamples(t *testing.T) {
	cases := []struct {
		name        string
		cur         money.Currency
		cal         string
		conv        calendar.Convention
		face, ref   string // ref is a fraction
		spread      int
		value, due  string
		want        quoted
		wantAllIn   string
		wantDiscStr string
	}{
		{
			// Textbook simple discount: 1,000 at 6% for 20 days, ACT/360:
			// 1000 × 0.06 × 20 / 360 = 3.3333 → 3.33.
			name: "textbook 20 days", cur: money.MXN, cal: "MX", face: "1000.00", ref: "0.06",
			value: "2026-11-24", due: "2026-12-14",
			want: quoted{"2026-12-14", 20, "3.33", "996.67", "5.9940", "6.0140", "6.2765"},
		},
		{
			// Bank discount yield: a 45-day bill of 1,000,000 priced at 987,000
			// has a discount rate of 13,000 / 1,000,000 × 360 / 45 = 10.40%.
			name: "bill 45 days", cur: money.MXN, cal: "MX", face: "1000000.00", ref: "0.104",
			value: "2026-11-23", due: "2027-01-07",
			want: quoted{"2027-01-07", 45, "13000.00", "987000.00", "10.4000", "10.5370", "11.1973"},
		},
		{
			// COP, ACT/365, IBR 9.25% + 300 bp; due Sunday 2027-02-21 → Monday.
			// 50,000,000 × 0.1225 × 91 / 365 = 1,527,054.7945 → 1,527,054.79.
			name: "COP ACT/365", cur: money.COP, cal: "CO", face: "50000000.00", ref: "0.0925", spread: 300,
			value: "2026-11-23", due: "2027-02-21",
			want: quoted{"2027-02-22", 91, "1527054.79", "48472945.21", "12.2500", "12.6359", "13.2480"},
		},
		{
			// Due Sunday 2027-01-31; Monday 1 Feb is Constitution Day, so
			// following lands on 2 Feb...
			name: "following into February", cur: money.MXN, cal: "MX", face: "250000.00", ref: "0.11",
			value: "2026-11-23", due: "2027-01-31",
			want: quoted{"2027-02-02", 71, "5423.61", "244576.39", "11.0000", "11.2439", "11.9358"},
		},
		{
			// ...and modified following stays in January: Friday the 29th.
			name: "modified following stays in January", cur: money.MXN, cal: "MX", conv: calendar.ModifiedFollowing,
			face: "250000.00", ref: "0.11", value: "2026-11-23", due: "2027-01-31",
			want: quoted{"2027-01-29", 67, "5118.06", "244881.94", "11.0000", "11.2299", "11.9280"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := program(t, c.cur, c.cal)
			p.Convention = c.conv
			q, err := Price(Input{Program: p, Face: dec(c.face), ReferenceRate: dec(c.ref), SpreadBps: c.spread,
				ValueDate: date(t, c.value), DueDate: date(t, c.due)})
			if err != nil {
				t.Fatal(err)
			}
			if got := figures(q); got != c.want {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}

// TestDocExample pins every figure of the worked example in docs/pricing.md.
// Change both together.
func TestDocExample(t *testing.T) {
	in, err := ParseRequest(Request{
		Face: "100000.00", Currency: "MXN", ReferenceRate: "7.12", SpreadBps: "500",
		ValueDate: "2026-11-23", DueDate: "2027-01-22", Basis: "ACT/360", Calendar: "MX",
	})
	if err != nil {
		t.Fatal(err)
	}
	q, err := Price(in)
	if err != nil {
		t.Fatal(err)
	}
	want := quoted{"2027-01-22", 60, "2020.00", "97980.00", "12.1200", "12.3699", "13.2176"}
	if got := figures(q); got != want {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	if got := FormatPercent(q.AllInRate); got != "12.1200" {
		t.Errorf("all-in %s", got)
	}
}

func TestRoundingRules(t *testing.T) {
	// 1000 × r × 6 / 360 lands exactly on a half cent: 3.335 and 3.345.
	cases := []struct {
		ref                     string
		halfUp, halfEven, trunc string
	}{
		{"0.2001", "3.34", "3.34", "3.33"},
		{"0.2007", "3.35", "3.34", "3.34"},
		{"0.2010", "3.35", "3.35", "3.35"}, // exact: no rounding at all
		{"0.2014", "3.36", "3.36", "3.35"}, // 3.35666…
	}
	for _, c := range cases {
		for rule, want := range map[Rounding]string{HalfUp: c.halfUp, HalfEven: c.halfEven, Down: c.trunc} {
			p := program(t, money.MXN, "MX")
			p.Rounding = rule
			q, err := Price(Input{Program: p, Face: dec("1000.00"), ReferenceRate: dec(c.ref),
				ValueDate: date(t, "2026-11-24"), DueDate: date(t, "2026-11-30")})
			if err != nil {
				t.Fatal(err)
			}
			if got := money.Format(q.Discount, money.MXN); got != want {
				t.Errorf("%s %v: got %s want %s", c.ref, rule, got, want)
			}
		}
	}
}

func TestRefusals(t *testing.T) {
	base := func(t *testing.T) Input {
		return Input{Program: program(t, money.MXN, "MX"), Face: dec("100000.00"), ReferenceRate: dec("0.0712"),
			SpreadBps: 500, ValueDate: date(t, "2026-11-23"), DueDate: date(t, "2027-01-22")}
	}
	cases := []struct {
		name string
		edit func(*Input)
		want error
	}{
		{"spread above program cap", func(in *Input) { in.Program.MaxSpreadBps = 400 }, ErrSpreadAboveCap},
		{"spread above platform", func(in *Input) { in.SpreadBps = 701 }, ErrSpreadAboveCap},
		{"program cap above platform", func(in *Input) { in.Program.MaxSpreadBps = 701 }, ErrMaxSpreadAbovePlatform},
		{"negative program cap", func(in *Input) { in.Program.MaxSpreadBps = -1 }, ErrNegativeSpread},
		{"negative spread", func(in *Input) { in.SpreadBps = -5 }, ErrNegativeSpread},
		{"negative rate", func(in *Input) { in.ReferenceRate = dec("-0.01") }, ErrRateOutOfRange},
		{"rate above 100%", func(in *Input) { in.ReferenceRate = dec("1.0001") }, ErrRateOutOfRange},
		{"zero face", func(in *Input) { in.Face = decimal.Zero }, money.ErrNotPositive},
		{"negative face", func(in *Input) { in.Face = dec("-5.00") }, money.ErrNotPositive},
		{"sub-cent face", func(in *Input) { in.Face = dec("100.001") }, money.ErrTooManyDecimals},
		{"unknown currency", func(in *Input) { in.Program.Currency = "XXX" }, money.ErrUnknownCurrency},
		{"unknown basis", func(in *Input) { in.Program.Basis = 0 }, ErrUnknownBasis},
		{"unknown rounding", func(in *Input) { in.Program.Rounding = 7 }, ErrUnknownRounding},
		{"unknown convention", func(in *Input) { in.Program.Convention = 7 }, calendar.ErrUnknownConvention},
		{"no calendar", func(in *Input) { in.Program.Calendar = nil }, ErrNoCalendar},
		{"zero ceiling", func(in *Input) { in.Program.RateCeiling = decimal.NewNullDecimal(decimal.Zero) }, ErrInvalidRateCeiling},
		{"above ceiling", func(in *Input) { in.Program.RateCeiling = decimal.NewNullDecimal(dec("0.132175")) }, ErrAboveRateCeiling},
		{"value date holiday", func(in *Input) { in.ValueDate = date(t, "2026-11-16") }, ErrValueDateNotBusinessDay},
		{"value date Saturday", func(in *Input) { in.ValueDate = date(t, "2026-11-21") }, ErrValueDateNotBusinessDay},
		{"due on value date", func(in *Input) { in.DueDate = in.ValueDate }, ErrNotAfterValueDate},
		{"due before value date", func(in *Input) { in.DueDate = date(t, "2026-11-01") }, ErrNotAfterValueDate},
		{"maturity adjusted back onto value date", func(in *Input) {
			in.Program.Convention = calendar.ModifiedFollowing
			in.ValueDate, in.DueDate = date(t, "2027-01-29"), date(t, "2027-01-31")
		}, ErrNotAfterValueDate},
		{"discount eats the face", func(in *Input) {
			in.ReferenceRate, in.SpreadBps = dec("1"), 700
			in.DueDate = date(t, "2027-10-29") // 340 days: 1.07 × 340 / 360 > 1
		}, ErrDiscountNotBelowFace},
		{"due beyond the calendar", func(in *Input) { in.DueDate = date(t, "2201-01-05") }, calendar.ErrYearOutOfRange},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := base(t)
			c.edit(&in)
			_, err := Price(in)
			if !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
	// At the ceiling exactly is allowed: the quoted rate is what is compared.
	in := base(t)
	in.Program.RateCeiling = decimal.NewNullDecimal(dec("0.132176"))
	if _, err := Price(in); err != nil {
		t.Fatalf("at the ceiling: %v", err)
	}
}

func TestZeroRate(t *testing.T) {
	q, err := Price(Input{Program: program(t, money.MXN, "MX"), Face: dec("100.00"), ReferenceRate: decimal.Zero,
		ValueDate: date(t, "2026-11-23"), DueDate: date(t, "2026-12-23")})
	if err != nil {
		t.Fatal(err)
	}
	if !q.Discount.IsZero() || !q.Net.Equal(q.Face) || !q.EffectiveRate.IsZero() {
		t.Errorf("zero rate: %+v", figures(q))
	}
}

func TestBasket(t *testing.T) {
	p := program(t, money.MXN, "MX")
	mk := func(face, due string) Input {
		return Input{Program: p, Face: dec(face), ReferenceRate: dec("0.0712"), SpreadBps: 500,
			ValueDate: date(t, "2026-11-23"), DueDate: date(t, due)}
	}
	b, err := PriceBasket([]Input{mk("100000.00", "2027-01-22"), mk("1000.00", "2026-12-14"), mk("333.33", "2026-12-31")})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range b.Lines {
		lines = append(lines, money.Format(l.Discount, money.MXN))
	}
	// 1000 × 0.1212 × 21 / 360 = 7.07; 333.33 × 0.1212 × 38 / 360 = 4.2644… → 4.26
	if got := lines[0] + " " + lines[1] + " " + lines[2]; got != "2020.00 7.07 4.26" {
		t.Errorf("lines %s", got)
	}
	if money.Format(b.Face, money.MXN) != "101333.33" || money.Format(b.Discount, money.MXN) != "2031.33" ||
		money.Format(b.Net, money.MXN) != "99302.00" {
		t.Errorf("totals %s %s %s", b.Face, b.Discount, b.Net)
	}

	_, err = PriceBasket([]Input{mk("1.00", "2027-01-22"), mk("0.00", "2027-01-22")})
	var le *LineError
	if !errors.As(err, &le) || le.Index != 1 || !errors.Is(err, money.ErrNotPositive) {
		t.Errorf("line error: %v", err)
	}
	cop := mk("1.00", "2027-01-22")
	cop.Program = program(t, money.COP, "CO")
	if _, err := PriceBasket([]Input{mk("1.00", "2027-01-22"), cop}); !errors.Is(err, ErrMixedCurrencies) {
		t.Errorf("mixed: %v", err)
	}
	if _, err := PriceBasket(nil); !errors.Is(err, ErrEmptyBasket) {
		t.Errorf("empty: %v", err)
	}
}

func TestPercentHelpers(t *testing.T) {
	r, err := ParsePercent("7.12")
	if err != nil || !r.Equal(dec("0.0712")) {
		t.Fatalf("ParsePercent: %s %v", r, err)
	}
	if !PercentToRate(dec("12.5")).Equal(dec("0.125")) || !RateToPercent(dec("0.125")).Equal(dec("12.5")) {
		t.Error("conversion")
	}
	if FormatPercent(dec("0.0712")) != "7.1200" {
		t.Error("format")
	}
	for _, s := range []string{"", "7.12345", "7e2", "+7", "7%", "1,5", " 7", "siete", "0x10"} {
		if _, err := ParsePercent(s); !errors.Is(err, ErrMalformedRate) {
			t.Errorf("%q: %v", s, err)
		}
	}
}

func TestEnumNames(t *testing.T) {
	for _, b := range []Basis{ACT360, ACT365} {
		if got, err := ParseBasis(b.String()); err != nil || got != b {
			t.Errorf("basis %v: %v", b, err)
		}
	}
	if b, _ := ParseBasis("act/365"); b != ACT365 {
		t.Error("basis is case-insensitive")
	}
	for _, r := range []Rounding{HalfUp, HalfEven, Down} {
		if got, err := ParseRounding(r.String()); err != nil || got != r {
			t.Errorf("rounding %v: %v", r, err)
		}
	}
	if _, err := ParseBasis("30/360"); !errors.Is(err, ErrUnknownBasis) {
		t.Error(err)
	}
	if _, err := ParseRounding("up"); !errors.Is(err, ErrUnknownRounding) {
		t.Error(err)
	}
}
