package bankaccount

import (
	"errors"
	"testing"
)

func TestParseCLABE(t *testing.T) {
	cases := []struct {
		in, want string
		err      error
	}{
		// Check digits recomputed with the 3,7,1 weights.
		{"032180000118359719", "032180000118359719", nil},
		{"002010077777777771", "002010077777777771", nil},
		{"012180001234567899", "012180001234567899", nil},
		{"072180000000000000", "072180000000000000", nil}, // sum ≡ 0 gives 0, not 10
		{" 032 180 00011835971 9 ", "032180000118359719", nil},
		{"032-180-00011835971-9", "032180000118359719", nil},

		{"032180000118359718", "", ErrCLABECheckDigit},
		{"032180000118359710", "", ErrCLABECheckDigit},
		{"", "", ErrCLABEFormat},
		{"03218000011835971", "", ErrCLABEFormat},
		{"0321800001183597190", "", ErrCLABEFormat},
		{"03218000011835971A", "", ErrCLABEFormat},
		{"０32180000118359719", "", ErrCLABEFormat}, // full-width zero
	}
	for _, c := range cases {
		got, err := ParseCLABE(c.in)
		if !errors.Is(err, c.err) {
			t.Fatalf("%q: err %v, want %v", c.in, err, c.err)
		}
		if err == nil && got.String() != c.want {
			t.Fatalf("%q: got %q want %q", c.in, got, c.want)
		}
		if (err == nil) != (ValidateCLABE(c.in) == nil) {
			t.Fatalf("%q: ValidateCLABE disagrees with ParseCLABE", c.in)
		}
	}
	c, _ := ParseCLABE("032180000118359719")
	if c.BankCode != "032" || c.Plaza != "180" || c.Account != "00011835971" || c.CheckDigit != '9' {
		t.Fatalf("parts: %+v", c)
	}
}

func TestNormalizeIBAN(t *testing.T) {
	cases := []struct {
		in, want string
		err      error
	}{
		// ISO 13616 and SWIFT registry examples; mod 97 recomputed.
		{"GB82WEST12345698765432", "GB82WEST12345698765432", nil},
		{"DE89370400440532013000", "DE89370400440532013000", nil},
		{"GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432", nil},
		{"de89 3704 0044 0532 0130 00", "DE89370400440532013000", nil},
		{"FR1420041010050500013M02606", "FR1420041010050500013M02606", nil},
		{"NL91ABNA0417164300", "NL91ABNA0417164300", nil},
		{"ES9121000418450200051332", "ES9121000418450200051332", nil},
		{"BE68539007547034", "BE68539007547034", nil},
		{"CH9300762011623852957", "CH9300762011623852957", nil},
		{"IT60X0542811101000000123456", "IT60X0542811101000000123456", nil},
		{"NO9386011117947", "NO9386011117947", nil},
		{"CR05015202001026284066", "CR05015202001026284066", nil},

		{"GB82WEST12345698765431", "", ErrIBANCheckDigits},
		{"GB28WEST12345698765432", "", ErrIBANCheckDigits}, // swapped check digits
		{"DE89370400440532013001", "", ErrIBANCheckDigits},
		{"GB82WEST1234569876543", "", ErrIBANLength},
		{"DE893704004405320130000", "", ErrIBANLength},
		{"MX89370400440532013000", "", ErrIBANCountry},
		{"US64SVBKUS6S3300958879", "", ErrIBANCountry},
		{"", "", ErrIBANFormat},
		{"GB82", "", ErrIBANFormat},
		{"1282WEST12345698765432", "", ErrIBANFormat},
		{"GBX2WEST12345698765432", "", ErrIBANFormat},
		{"GB82WEST1234569876543_", "", ErrIBANFormat},
		{"GB82WÉST12345698765432", "", ErrIBANFormat},
	}
	for _, c := range cases {
		got, err := NormalizeIBAN(c.in)
		if !errors.Is(err, c.err) {
			t.Fatalf("%q: err %v, want %v", c.in, err, c.err)
		}
		if got != c.want {
			t.Fatalf("%q: got %q want %q", c.in, got, c.want)
		}
		if (err == nil) != (ValidateIBAN(c.in) == nil) {
			t.Fatalf("%q: ValidateIBAN disagrees with NormalizeIBAN", c.in)
		}
	}
}

// Check digits 00 and 01 are congruent to 97 and 98, so mod 97 alone would
// accept them whenever the real digits are 97 or 98.
func TestIBANCheckDigitsOutOfRange(t *testing.T) {
	found := 0
	for acct := 0; acct < 2000 && found < 2; acct++ {
		body := "NWBK601613" + pad8(acct)
		for cd := 2; cd <= 98; cd++ {
			iban := "GB" + pad2(cd) + body
			if ibanMod97(iban) != 1 || cd < 97 {
				continue
			}
			found++
			if err := ValidateIBAN(iban); err != nil {
				t.Fatalf("%s: %v", iban, err)
			}
			alias := "GB" + pad2(cd-97) + body
			if ibanMod97(alias) != 1 {
				t.Fatalf("%s should pass raw mod 97", alias)
			}
			if err := ValidateIBAN(alias); !errors.Is(err, ErrIBANCheckDigits) {
				t.Fatalf("%s: err %v, want ErrIBANCheckDigits", alias, err)
			}
		}
	}
	if found == 0 {
		t.Fatal("no IBAN with check digits 97 or 98 found")
	}
}

func pad2(n int) string { return string([]byte{byte('0' + n/10), byte('0' + n%10)}) }
func pad8(n int) string {
	b := []byte("00000000")
	for i := 7; n > 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b)
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name string
		in   Account
		want Account
		err  error
	}{
		{
			"clabe derives country and bank",
			Account{Scheme: "clabe", Number: "032 180 00011835971 9"},
			Account{Country: "MX", Scheme: SchemeCLABE, BankCode: "032", Number: "032180000118359719"},
			nil,
		},
		{
			"clabe with matching bank code",
			Account{Country: "mx", Scheme: SchemeCLABE, BankCode: "032", Number: "032180000118359719"},
			Account{Country: "MX", Scheme: SchemeCLABE, BankCode: "032", Number: "032180000118359719"},
			nil,
		},
		{"clabe bad check digit", Account{Scheme: SchemeCLABE, Number: "032180000118359718"}, Account{}, ErrCLABECheckDigit},
		{"clabe missing", Account{Scheme: SchemeCLABE}, Account{}, ErrCLABEFormat},
		{"clabe wrong bank code", Account{Scheme: SchemeCLABE, BankCode: "072", Number: "032180000118359719"}, Account{}, ErrBankCodeMismatch},
		{"clabe in colombia", Account{Country: "CO", Scheme: SchemeCLABE, Number: "032180000118359719"}, Account{}, ErrCountryMismatch},
		{"clabe with account type", Account{Scheme: SchemeCLABE, Number: "032180000118359719", AccountType: "ahorros"}, Account{}, ErrFieldNotApplicable},
		{"clabe with bad iban", Account{Scheme: SchemeCLABE, Number: "032180000118359719", IBAN: "GB82WEST12345698765431"}, Account{}, ErrIBANCheckDigits},

		{
			"co savings",
			Account{Scheme: SchemeCOAccount, BankCode: "1007", Number: "123-456789-01", AccountType: " Ahorros "},
			Account{Country: "CO", Scheme: SchemeCOAccount, BankCode: "1007", Number: "12345678901", AccountType: AccountTypeSavings},
			nil,
		},
		{
			"co checking in english",
			Account{Country: "co", Scheme: "co_account", BankCode: "1051", Number: "00550012345", AccountType: "checking"},
			Account{Country: "CO", Scheme: SchemeCOAccount, BankCode: "1051", Number: "00550012345", AccountType: AccountTypeChecking},
			nil,
		},
		{"co bank code short", Account{Scheme: SchemeCOAccount, BankCode: "7", Number: "12345678901", AccountType: "ahorros"}, Account{}, ErrCOBankCode},
		{"co bank code letters", Account{Scheme: SchemeCOAccount, BankCode: "10A7", Number: "12345678901", AccountType: "ahorros"}, Account{}, ErrCOBankCode},
		{"co number short", Account{Scheme: SchemeCOAccount, BankCode: "1007", Number: "1234", AccountType: "ahorros"}, Account{}, ErrCOAccountFormat},
		{"co number long", Account{Scheme: SchemeCOAccount, BankCode: "1007", Number: "123456789012345678901", AccountType: "ahorros"}, Account{}, ErrCOAccountFormat},
		{"co number letters", Account{Scheme: SchemeCOAccount, BankCode: "1007", Number: "12345X", AccountType: "ahorros"}, Account{}, ErrCOAccountFormat},
		{"co type missing", Account{Scheme: SchemeCOAccount, BankCode: "1007", Number: "12345678901"}, Account{}, ErrCOAccountType},
		{"co type unknown", Account{Scheme: SchemeCOAccount, BankCode: "1007", Number: "12345678901", AccountType: "nómina"}, Account{}, ErrCOAccountType},
		{"co in mexico", Account{Country: "MX", Scheme: SchemeCOAccount, BankCode: "1007", Number: "12345678901", AccountType: "ahorros"}, Account{}, ErrCountryMismatch},

		{
			"iban in iban field",
			Account{Scheme: SchemeIBAN, IBAN: "gb82 west 1234 5698 7654 32"},
			Account{Country: "GB", Scheme: SchemeIBAN, Number: "GB82WEST12345698765432", IBAN: "GB82WEST12345698765432"},
			nil,
		},
		{
			"iban in number field",
			Account{Country: "DE", Scheme: SchemeIBAN, Number: "DE89 3704 0044 0532 0130 00"},
			Account{Country: "DE", Scheme: SchemeIBAN, Number: "DE89370400440532013000", IBAN: "DE89370400440532013000"},
			nil,
		},
		{"iban fields disagree", Account{Scheme: SchemeIBAN, Number: "DE89370400440532013000", IBAN: "GB82WEST12345698765432"}, Account{}, ErrIBANFormat},
		{"iban missing", Account{Scheme: SchemeIBAN}, Account{}, ErrIBANFormat},
		{"iban country differs", Account{Country: "FR", Scheme: SchemeIBAN, IBAN: "DE89370400440532013000"}, Account{}, ErrCountryMismatch},
		{"iban with bank code", Account{Scheme: SchemeIBAN, BankCode: "37040044", IBAN: "DE89370400440532013000"}, Account{}, ErrFieldNotApplicable},
		{"iban bad check", Account{Scheme: SchemeIBAN, IBAN: "DE89370400440532013001"}, Account{}, ErrIBANCheckDigits},

		{"no scheme", Account{Number: "032180000118359719"}, Account{}, ErrUnsupportedScheme},
		{"unknown scheme", Account{Scheme: "ACH", Number: "1"}, Account{}, ErrUnsupportedScheme},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Validate(c.in)
			if !errors.Is(err, c.err) {
				t.Fatalf("err %v, want %v", err, c.err)
			}
			if got != c.want {
				t.Fatalf("got %+v\nwant %+v", got, c.want)
			}
			if err == nil {
				again, err := Validate(got)
				if err != nil || again != got {
					t.Fatalf("not idempotent: %+v, %v", again, err)
				}
			}
		})
	}
}

func TestBankName(t *testing.T) {
	if n, ok := BankName("CO", "1007"); !ok || n != "Bancolombia" {
		t.Fatalf("1007: %q %v", n, ok)
	}
	c, _ := ParseCLABE("072180000000000000")
	if n, ok := BankName("MX", c.BankCode); !ok || n != "Banorte" {
		t.Fatalf("072: %q %v", n, ok)
	}
	if _, ok := BankName("MX", "999"); ok {
		t.Fatal("unknown code reported as known")
	}
}
