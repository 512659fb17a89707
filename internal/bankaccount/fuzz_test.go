package bankaccount

import "testing"

func FuzzValidateCLABE(f *testing.F) {
	for _, s := range []string{"032180000118359719", "032180000118359718", "032 180 00011835971 9", "", "-", "0321800001183597１9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCLABE(s)
		if (err == nil) != (ValidateCLABE(s) == nil) {
			t.Fatalf("ParseCLABE and ValidateCLABE disagree on %q", s)
		}
		if err != nil {
			return
		}
		n := c.String()
		if len(n) != 18 || !allDigits(n) {
			t.Fatalf("bad normalised form %q", n)
		}
		again, err := ParseCLABE(n)
		if err != nil || again != c {
			t.Fatalf("round trip of %q: %+v, %v", n, again, err)
		}
		// Any single-digit change to a valid CLABE must be caught: every
		// weight is coprime with 10.
		for i := 0; i < 18; i++ {
			b := []byte(n)
			b[i] = '0' + (b[i]-'0'+1)%10
			if ValidateCLABE(string(b)) == nil {
				t.Fatalf("digit %d changed in %q still valid", i, n)
			}
		}
		acct, err := Validate(Account{Scheme: SchemeCLABE, Number: s})
		if err != nil || acct.Number != n || acct.BankCode != c.BankCode {
			t.Fatalf("Validate disagrees on %q: %+v, %v", s, acct, err)
		}
	})
}

func FuzzValidateIBAN(f *testing.F) {
	for _, s := range []string{
		"GB82WEST12345698765432", "GB82 WEST 1234 5698 7654 32", "de89370400440532013000",
		"GB82WEST12345698765431", "GB00WEST12345698765432", "MX89", "", "GB82WÉST1234569876543",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := NormalizeIBAN(s)
		if (err == nil) != (ValidateIBAN(s) == nil) {
			t.Fatalf("NormalizeIBAN and ValidateIBAN disagree on %q", s)
		}
		if err != nil {
			return
		}
		if ibanLengths[n[:2]] != len(n) || ibanMod97(n) != 1 {
			t.Fatalf("accepted %q breaks the rules", n)
		}
		again, err := NormalizeIBAN(n)
		if err != nil || again != n {
			t.Fatalf("round trip of %q: %q, %v", n, again, err)
		}
		acct, err := Validate(Account{Scheme: SchemeIBAN, IBAN: s})
		if err != nil {
			t.Fatalf("Validate refuses %q: %v", s, err)
		}
		if back, err := Validate(acct); err != nil || back != acct {
			t.Fatalf("account round trip: %+v, %v", back, err)
		}
	})
}
