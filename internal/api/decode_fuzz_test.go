package api

import (
	"bytes"
	"errors"
	"testing"

	"github.com/cadena-finance/cadena/internal/validation"
)

// FuzzDecodeBody: any body decodes or fails with a 4xx problem, never a panic or a 5xx.
func FuzzDecodeBody(f *testing.F) {
	for _, s := range []string{`{}`, `{"kind":"buyer","legal_name":"X","country":"MX","tax_id":"ABA010203BB4"}`,
		`{"credit_limit":1.5}`, `{"a":1}`, `[1,2]`, `{"kind":"buyer"`, `null`, `{} {}`, "\xff\xfe", `{"max_spread_bps":"7"}`,
		`{"min_days":1e400}`, `{"name":"\u0000"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req struct {
			Kind         string `json:"kind"`
			LegalName    string `json:"legal_name"`
			CreditLimit  string `json:"credit_limit"`
			MaxSpreadBps *int   `json:"max_spread_bps"`
			MinDays      *int   `json:"min_days"`
			Name         string `json:"name"`
		}
		err := decodeBody(bytes.NewReader(body), &req)
		if err == nil {
			return
		}
		var ae *apiError
		var ve validation.Errors
		if !errors.As(err, &ae) && !errors.As(err, &ve) {
			t.Fatalf("untyped error %T: %v", err, err)
		}
		if p := toProblem(err); p.Status < 400 || p.Status >= 500 || p.Code == "" {
			t.Fatalf("problem %+v for %q", p, body)
		}
	})
}
