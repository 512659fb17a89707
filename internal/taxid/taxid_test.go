package taxid

import (
	"errors"
	"testing"
)

func TestValidateRFC(t *testing.T) {
	cases := []struct {
		name, in string
		want     string
		kind     Kind
		warn     bool
		err      error
	}{
		// Check digits below were recomputed with SAT's table, not copied.
		{"fisica SAT sample", "GODE561231GR8", "GODE561231GR8", KindRFCFisica, false, nil},
		{"fisica CFDI test taxpayer", "CACX7605101P8", "CACX7605101P8", KindRFCFisica, false, nil},
		{"fisica check digit A", "GOAJ7101257MA", "GOAJ7101257MA", KindRFCFisica, false, nil},
		{"moral CFE", "CFE370814QI0", "CFE370814QI0", KindRFCMoral, false, nil},
		{"moral SAT", "SAT970701NN3", "SAT970701NN3", KindRFCMoral, false, nil},
		{"moral CFDI test taxpayer", "EKU9003173C9", "EKU9003173C9", KindRFCMoral, false, nil},
		{"moral with ampersands", "&&&030828PX7", "&&&030828PX7", KindRFCMoral, false, nil},
		{"moral with Ñ", "MUÑ110218LJ6", "MUÑ110218LJ6", KindRFCMoral, false, nil},
		{"29 February 2000", "EDI000229CA3", "EDI000229CA3", KindRFCMoral, false, nil},
		{"lower case, ñ, separators", "  muñ-110218 lj6 \n", "MUÑ110218LJ6", KindRFCMoral, false, nil},
		{"lower case fisica", "gode 561231 gr8", "GODE561231GR8", KindRFCFisica, false, nil},

		// In use but failing the algorithm: accepted with a warning.
		{"fisica bad check digit", "VACE460910SX6", "VACE460910SX6", KindRFCFisica, true, nil},
		{"moral bad check digit", "SIN9311169P8", "SIN9311169P8", KindRFCMoral, true, nil},
		{"CFDI 3.3 test rfc", "AAA010101AAA", "AAA010101AAA", KindRFCMoral, true, nil},

		{"generic domestic", "XAXX010101000", "", "", false, ErrRFCGeneric},
		{"generic foreign", "xexx-010101-000", "", "", false, ErrRFCGeneric},

		{"empty", "", "", "", false, ErrRFCFormat},
		{"too short", "GODE561231G", "", "", false, ErrRFCFormat},
		{"too long", "GODE561231GR8X", "", "", false, ErrRFCFormat},
		{"no homoclave", "GODE561231", "", "", false, ErrRFCFormat},
		{"digit in name", "G0DE561231GR8", "", "", false, ErrRFCFormat},
		{"letter in date", "GODE5612A1GR8", "", "", false, ErrRFCFormat},
		{"symbol in homoclave", "GODE561231G#8", "", "", false, ErrRFCFormat},
		{"Ñ in homoclave", "AABN8211038Ñ2", "", "", false, ErrRFCFormat},
		{"check char not 0-9A", "GODE561231GRB", "", "", false, ErrRFCFormat},
		{"foreign letter", "GÖDE561231GR8", "", "", false, ErrRFCFormat},
		{"long s must not fold to S", "ſAT970701NN3", "", "", false, ErrRFCFormat},
		{"month 13", "ABC991301AB1", "", "", false, ErrRFCDate},
		{"month 00", "ABC990001AB1", "", "", false, ErrRFCDate},
		{"day 00", "ABC990100AB1", "", "", false, ErrRFCDate},
		{"31 April", "ABCD990431AB1", "", "", false, ErrRFCDate},
		{"29 February 1999", "ABC990229AB1", "", "", false, ErrRFCDate},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Validate(CountryMX, c.in)
			if !errors.Is(err, c.err) {
				t.Fatalf("err %v, want %v", err, c.err)
			}
			if err != nil {
				return
			}
			if got.Normalized != c.want || got.Kind != c.kind {
				t.Fatalf("got %q %s, want %q %s", got.Normalized, got.Kind, c.want, c.kind)
			}
			if warned := got.WarningCode == WarnRFCCheckDigit && got.Warning != ""; warned != c.warn {
				t.Fatalf("warning %q (%s), want warning=%v", got.Warning, got.WarningCode, c.warn)
			}
		})
	}
}

func TestRFCCheckDigit(t *testing.T) {
	cases := map[string]rune{
		"GODE561231GR": '8',
		"CFE370814QI":  '0', // sum mod 11 = 0 gives '0'
		"GOAJ7101257M": 'A', // 11 − r = 10 gives 'A'
		"XAXX01010100": '4', // the generic RFC does not pass its own check
		"XEXX01010100": '0',
	}
	for body, want := range cases {
		if got := rfcCheckDigit([]rune(body)); got != want {
			t.Errorf("%s: got %c want %c", body, got, want)
		}
	}
}

// The issue says "NIT 800185449 has check digit 9". The DIAN algorithm
// gives DV 9 for base 800185449 and DV 5 for base 80018544, so 800185449 is
// the base and the full NIT is 800185449-9.
func TestNITFromIssue(t *testing.T) {
	if got := nitCheckDigit("800185449"); got != '9' {
		t.Fatalf("DV of 800185449 = %c, want 9", got)
	}
	if got := nitCheckDigit("80018544"); got != '5' {
		t.Fatalf("DV of 80018544 = %c, want 5", got)
	}
	for _, in := range []string{"800185449-9", "8001854499", "800.185.449-9"} {
		got, err := Validate(CountryCO, in)
		if err != nil || got.Normalized != "800185449-9" {
			t.Fatalf("%q: got %q, %v", in, got.Normalized, err)
		}
	}
	for _, in := range []string{"80018544-9", "800185449"} {
		if _, err := Validate(CountryCO, in); !errors.Is(err, ErrNITCheckDigit) {
			t.Fatalf("%q: err %v, want ErrNITCheckDigit", in, err)
		}
	}
}

func TestValidateNIT(t *testing.T) {
	cases := []struct {
		name, in, want string
		err            error
	}{
		{"Bancolombia", "890903938-8", "890903938-8", nil},
		{"Ecopetrol", "899999068-1", "899999068-1", nil},
		{"Ecopetrol no dash", "8999990681", "899999068-1", nil},
		{"dotted", "860.001.986-1", "860001986-1", nil},
		{"spaces", " 860 001 986 - 1 ", "860001986-1", nil},
		{"commas", "900,206,480-2", "900206480-2", nil},
		{"dv 0", "830054539-0", "830054539-0", nil},
		{"leading zeros dropped", "00890903938-8", "890903938-8", nil},
		{"short cedula", "6.386.949-2", "6386949-2", nil},

		{"Bancolombia wrong dv", "890903938-7", "", ErrNITCheckDigit},
		{"Ecopetrol wrong dv", "899999068-2", "", ErrNITCheckDigit},
		{"empty", "", "", ErrNITFormat},
		{"dash only", "-", "", ErrNITFormat},
		{"no dv after dash", "890903938-", "", ErrNITFormat},
		{"two-digit dv", "890903938-88", "", ErrNITFormat},
		{"two dashes", "890-903938-8", "", ErrNITFormat},
		{"letter", "89090393A-8", "", ErrNITFormat},
		{"letter dv", "890903938-K", "", ErrNITFormat},
		{"base too short", "1234-1", "", ErrNITFormat},
		{"all zeros", "00000000-0", "", ErrNITFormat},
		{"base too long", "1234567890123456-1", "", ErrNITFormat},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Validate(CountryCO, c.in)
			if !errors.Is(err, c.err) {
				t.Fatalf("err %v, want %v", err, c.err)
			}
			if err == nil && (got.Normalized != c.want || got.Kind != KindNIT || got.Warning != "") {
				t.Fatalf("got %+v, want %q", got, c.want)
			}
		})
	}
}

func TestValidateUnsupportedCountry(t *testing.T) {
	for _, c := range []Country{"", "mx", "US", "BR"} {
		if _, err := Validate(c, "GODE561231GR8"); !errors.Is(err, ErrUnsupportedCountry) {
			t.Errorf("%q: err %v", c, err)
		}
	}
}
