package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/pricing"
)

func quoteArgs(extra ...string) []string {
	return append([]string{"--face", "100000.00", "--currency", "MXN", "--reference-rate", "7.12",
		"--value-date", "2026-11-23", "--due-date", "2027-01-22", "--basis", "ACT/360", "--calendar", "MX"}, extra...)
}

func TestRunQuoteTable(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	if err := runQuote(context.Background(), quoteArgs("--spread-bps", "500"), &out, &errOut); err != nil {
		t.Fatal(err, errOut.String())
	}
	for _, want := range []string{"2,020.00", "97,980.00", "12.3699", "13.2176", "60  actual, ACT/360"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunQuoteJSON(t *testing.T) {
	t.Parallel()
	var out bytes.Buffer
	if err := runQuote(context.Background(), quoteArgs("--spread-bps", "500", "--json"), &out, &out); err != nil {
		t.Fatal(err)
	}
	var v quoteView
	dec := json.NewDecoder(&out)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	if v.Discount != "2020.00" || v.Net != "97980.00" || v.EffectiveRate != "13.2176" || v.Days != 60 || v.SpreadBps != 500 {
		t.Errorf("JSON %+v", v)
	}
}

func TestRunQuoteRefusals(t *testing.T) {
	t.Parallel()
	var out, errOut bytes.Buffer
	err := runQuote(context.Background(), quoteArgs("--spread-bps", "800"), &out, &errOut)
	if !errors.Is(err, pricing.ErrSpreadAboveCap) || !strings.Contains(err.Error(), "800 bp > 700 bp") {
		t.Errorf("cap: %v", err)
	}
	err = runQuote(context.Background(), quoteArgs("--spread-bps", "100", "--max-spread-bps", "50"), &out, &errOut)
	if !errors.Is(err, pricing.ErrSpreadAboveCap) {
		t.Errorf("program cap: %v", err)
	}
	err = runQuote(context.Background(), []string{"--face", "1.001", "--currency", "MXN"}, &out, &errOut)
	if !errors.Is(err, money.ErrTooManyDecimals) || !strings.Contains(err.Error(), "--face") || !strings.Contains(err.Error(), "--spread-bps: required") {
		t.Errorf("field errors: %v", err)
	}
	if err := runQuote(context.Background(), []string{"--nope"}, &out, &errOut); err == nil {
		t.Error("unknown flag accepted")
	}
	if out.Len() != 0 {
		t.Errorf("refusals printed a quote: %s", out.String())
	}
}

func TestGrouped(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"0.50": "0.50", "999.99": "999.99", "1000.00": "1,000.00",
		"1234567.89": "1,234,567.89", "-1234.5": "-1,234.5", "100000": "100,000"} {
		if got := grouped(in); got != want {
			t.Errorf("grouped(%s) = %s, want %s", in, got, want)
		}
	}
}

// The worked example in docs/pricing.md is this command's output, verbatim.
func TestDocExampleMatchesCLI(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile("../../docs/pricing.md")
	if err != nil {
		t.Fatal(err)
	}
	_, block, ok := strings.Cut(string(doc), "<!-- quote-output -->\n```\n")
	block, _, ok2 := strings.Cut(block, "```")
	if !ok || !ok2 {
		t.Fatal("docs/pricing.md lost its quote-output block")
	}
	var out bytes.Buffer
	if err := runQuote(context.Background(), quoteArgs("--spread-bps", "500"), &out, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != block {
		t.Errorf("docs/pricing.md shows\n%s\nthe command prints\n%s", block, out.String())
	}
}
