package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/pricing"
)

// runQuote prices one invoice from flags: the same parsing and arithmetic as
// the API's preview, with every figure shown so a treasurer can check it.
func runQuote(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := newFlags("quote", stdout)
	var r pricing.Request
	fs.StringVar(&r.Face, "face", "", "face amount of the invoice, e.g. 100000.00")
	fs.StringVar(&r.Currency, "currency", "", "ISO currency code: MXN, COP or USD")
	fs.StringVar(&r.ReferenceRate, "reference-rate", "", "annual reference rate in percent, e.g. 7.12 for TIIE 7.12%")
	fs.StringVar(&r.SpreadBps, "spread-bps", "", "lender's spread over the reference rate, in basis points")
	fs.StringVar(&r.ValueDate, "value-date", "", "funding date, YYYY-MM-DD (a business day)")
	fs.StringVar(&r.DueDate, "due-date", "", "invoice due date, YYYY-MM-DD")
	fs.StringVar(&r.Basis, "basis", "", "day count ACT/360 or ACT/365 (default ACT/365 for COP, else ACT/360)")
	fs.StringVar(&r.Calendar, "calendar", "", "holiday calendar MX or CO (default by currency)")
	fs.StringVar(&r.Convention, "convention", "", "following or modified_following (default following)")
	fs.StringVar(&r.Rounding, "rounding", "", "discount rounding: half_up, half_even or down (default half_up)")
	fs.StringVar(&r.MaxSpreadBps, "max-spread-bps", "", fmt.Sprintf("program's maximum spread in bp (default %d, the platform maximum)", pricing.PlatformMaxSpreadBps))
	fs.StringVar(&r.MaxEffectiveRate, "max-effective-rate", "", "ceiling on the effective annual rate in percent, e.g. a usury rate (default none)")
	asJSON := fs.Bool("json", false, "print JSON, amounts and rates (in percent) as strings")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("quote: unexpected argument %q", fs.Arg(0))
	}
	in, err := pricing.ParseRequest(r)
	if err != nil {
		return flagErrors(err)
	}
	q, err := pricing.Price(in)
	if err != nil {
		return fmt.Errorf("quote refused: %w", err)
	}
	v := newQuoteView(in, q)
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	}
	return v.table(stdout)
}

// flagErrors renames request fields to the flags that set them.
func flagErrors(err error) error {
	var fe pricing.FieldErrors
	if !errors.As(err, &fe) {
		return err
	}
	renamed := make(pricing.FieldErrors, len(fe))
	for i, e := range fe {
		renamed[i] = &pricing.FieldError{Field: "--" + strings.ReplaceAll(e.Field, "_", "-"), Err: e.Err}
	}
	return fmt.Errorf("quote: %w", renamed)
}

// quoteView is a quote as text: amounts in minor units, rates in percent
// with pricing.PercentDecimals decimals.
type quoteView struct {
	Currency      string `json:"currency"`
	Face          string `json:"face"`
	Discount      string `json:"discount"`
	Net           string `json:"net"`
	ValueDate     string `json:"value_date"`
	DueDate       string `json:"due_date"`
	Maturity      string `json:"maturity"`
	Days          int    `json:"days"`
	Basis         string `json:"basis"`
	Calendar      string `json:"calendar"`
	Convention    string `json:"convention"`
	Rounding      string `json:"rounding"`
	ReferenceRate string `json:"reference_rate"`
	SpreadBps     int    `json:"spread_bps"`
	AllInRate     string `json:"all_in_rate"`
	DiscountRate  string `json:"discount_rate"`
	SimpleRate    string `json:"simple_rate"`
	EffectiveRate string `json:"effective_rate"`
}

func newQuoteView(in pricing.Input, q pricing.Quote) quoteView {
	return quoteView{
		Currency:      string(q.Currency),
		Face:          money.Format(q.Face, q.Currency),
		Discount:      money.Format(q.Discount, q.Currency),
		Net:           money.Format(q.Net, q.Currency),
		ValueDate:     q.ValueDate.Format(time.DateOnly),
		DueDate:       q.DueDate.Format(time.DateOnly),
		Maturity:      q.Maturity.Format(time.DateOnly),
		Days:          q.Days,
		Basis:         q.Basis.String(),
		Calendar:      in.Program.Calendar.Name(),
		Convention:    in.Program.Convention.String(),
		Rounding:      in.Program.Rounding.String(),
		ReferenceRate: pricing.FormatPercent(q.ReferenceRate),
		SpreadBps:     q.SpreadBps,
		AllInRate:     pricing.FormatPercent(q.AllInRate),
		DiscountRate:  pricing.FormatPercent(q.DiscountRate),
		SimpleRate:    pricing.FormatPercent(q.SimpleRate),
		EffectiveRate: pricing.FormatPercent(q.EffectiveRate),
	}
}

func (v quoteView) table(w io.Writer) error {
	rows := [][3]string{
		{"Face amount", grouped(v.Face), v.Currency},
		{"Reference rate", v.ReferenceRate, "% a year"},
		{"Spread", fmt.Sprint(v.SpreadBps), "bp"},
		{"All-in rate", v.AllInRate, "% a year"},
		{"Value date", v.ValueDate, ""},
		{"Due date", v.DueDate, ""},
		{"Maturity", v.Maturity, v.Convention + ", calendar " + v.Calendar},
		{"Days", fmt.Sprint(v.Days), "actual, " + v.Basis},
		{"Discount", grouped(v.Discount), v.Currency + ", rounded " + v.Rounding},
		{"Net proceeds", grouped(v.Net), v.Currency},
		{"Discount rate", v.DiscountRate, "% a year, on face"},
		{"Simple rate", v.SimpleRate, "% a year, on net proceeds"},
		{"Effective annual rate", v.EffectiveRate, "% compounded"},
	}
	width := 0
	for _, r := range rows {
		width = max(width, len(r[1]))
	}
	var b strings.Builder
	for _, r := range rows {
		line := fmt.Sprintf("%-22s %*s  %s", r[0], width, r[1], r[2])
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// grouped puts thousands separators into a plain decimal string for reading:
// "1234567.89" becomes "1,234,567.89".
func grouped(s string) string {
	intPart, frac, _ := strings.Cut(s, ".")
	sign := ""
	if strings.HasPrefix(intPart, "-") {
		sign, intPart = "-", intPart[1:]
	}
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if frac != "" {
		return sign + b.String() + "." + frac
	}
	return sign + b.String()
}
