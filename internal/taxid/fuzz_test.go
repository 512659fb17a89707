package taxid

import (
	"testing"
	"unicode/utf8"
)

func FuzzValidateTaxID(f *testing.F) {
	for _, s := range []struct{ country, raw string }{
		{"MX", "GODE561231GR8"},
		{"MX", "muñ-110218 lj6"},
		{"MX", "VACE460910SX6"},
		{"MX", "XAXX010101000"},
		{"MX", "ABC990229AB1"},
		{"CO", "890903938-8"},
		{"CO", "800.185.449-9"},
		{"CO", "8001854499"},
		{"CO", "-"},
		{"BR", "x"},
	} {
		f.Add(s.country, s.raw)
	}
	f.Fuzz(func(t *testing.T, country, raw string) {
		got, err := Validate(Country(country), raw)
		if err != nil {
			return
		}
		if !utf8.ValidString(got.Normalized) {
			t.Fatalf("invalid UTF-8 in %q", got.Normalized)
		}
		if (got.Warning == "") != (got.WarningCode == "") {
			t.Fatalf("warning and code disagree: %+v", got)
		}
		again, err := Validate(Country(country), got.Normalized)
		if err != nil {
			t.Fatalf("normalised %q no longer valid: %v", got.Normalized, err)
		}
		if again != got {
			t.Fatalf("not idempotent: %+v then %+v", got, again)
		}
	})
}
