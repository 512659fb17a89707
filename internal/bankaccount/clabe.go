package bankaccount

// CLABE is a Mexican Clave Bancaria Estandarizada split into its parts.
type CLABE struct {
	BankCode   string // 3 digits, Banxico participant code
	Plaza      string // 3 digits
	Account    string // 11 digits
	CheckDigit byte   // '0'..'9'
}

// String is the 18-digit CLABE.
func (c CLABE) String() string {
	return c.BankCode + c.Plaza + c.Account + string(c.CheckDigit)
}

// ParseCLABE accepts 18 digits, optionally grouped with spaces or dashes. A
// wrong check digit is refused, unlike the RFC's: it means a typo, and money
// sent to a typo is hard to get back.
func ParseCLABE(s string) (CLABE, error) {
	n := compact(s)
	if len(n) != 18 || !allDigits(n) {
		return CLABE{}, ErrCLABEFormat
	}
	if clabeCheckDigit(n[:17]) != n[17] {
		return CLABE{}, ErrCLABECheckDigit
	}
	return CLABE{BankCode: n[:3], Plaza: n[3:6], Account: n[6:17], CheckDigit: n[17]}, nil
}

// ValidateCLABE reports whether s is a well-formed CLABE.
func ValidateCLABE(s string) error {
	_, err := ParseCLABE(s)
	return err
}

// clabeCheckDigit is Banxico's: weights 3,7,1 repeated, each product taken
// mod 10, check = (10 − sum mod 10) mod 10.
func clabeCheckDigit(body string) byte {
	weights := [3]int{3, 7, 1}
	sum := 0
	for i := 0; i < len(body); i++ {
		sum += int(body[i]-'0') * weights[i%3] % 10
	}
	return byte('0' + (10-sum%10)%10)
}
