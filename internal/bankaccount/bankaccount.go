// Package bankaccount validates the bank accounts that Cadena pays into:
// Mexican CLABEs, Colombian domestic accounts and IBANs. It is pure: no I/O,
// no dependencies beyond the standard library.
package bankaccount

import (
	"errors"
	"fmt"
	"strings"
)

// Scheme says how an account is identified.
type Scheme string

const (
	SchemeCLABE     Scheme = "CLABE"
	SchemeCOAccount Scheme = "CO_ACCOUNT"
	SchemeIBAN      Scheme = "IBAN"
)

// Colombian account types, in the words banks and ACH files use.
const (
	AccountTypeSavings  = "ahorros"
	AccountTypeChecking = "corriente"
)

// Account is a payee account as entered and, after Validate, as stored.
type Account struct {
	Country     string // ISO 3166-1 alpha-2
	Scheme      Scheme
	BankCode    string // CLABE: 3-digit Banxico code; CO: 4-digit entity code
	Number      string // CLABE, Colombian account number or IBAN
	AccountType string // CO only: AccountTypeSavings or AccountTypeChecking
	IBAN        string // optional on any scheme; the identifier for SchemeIBAN
}

// Errors are sentinels so that internal/api can map each to a stable code
// and a field. Wrapped errors never echo the account number.
var (
	ErrUnsupportedScheme  = errors.New("bank account: unsupported scheme")
	ErrCountryMismatch    = errors.New("bank account: country does not match scheme")
	ErrFieldNotApplicable = errors.New("bank account: field does not apply to scheme")
	ErrBankCodeMismatch   = errors.New("bank account: bank code does not match account number")
	ErrCLABEFormat        = errors.New("clabe: must be 18 digits")
	ErrCLABECheckDigit    = errors.New("clabe: check digit does not match")
	ErrCOBankCode         = errors.New("co account: bank code must be 4 digits")
	ErrCOAccountFormat    = errors.New("co account: number must be 5 to 20 digits")
	ErrCOAccountType      = errors.New("co account: type must be ahorros or corriente")
	ErrIBANFormat         = errors.New("iban: malformed")
	ErrIBANCountry        = errors.New("iban: country does not issue ibans or is not supported")
	ErrIBANLength         = errors.New("iban: wrong length for its country")
	ErrIBANCheckDigits    = errors.New("iban: check digits do not match")
)

// Validate checks a against the rules of its scheme and returns it
// normalised: upper-case country and scheme, separators removed, derived
// fields filled in (the CLABE's bank code, the IBAN's country).
func Validate(a Account) (Account, error) {
	out := Account{
		Country: upperASCII(strings.TrimSpace(a.Country)),
		Scheme:  Scheme(upperASCII(strings.TrimSpace(string(a.Scheme)))),
	}
	bankCode := strings.TrimSpace(a.BankCode)
	accountType := strings.TrimSpace(a.AccountType)
	if iban := strings.TrimSpace(a.IBAN); iban != "" {
		n, err := NormalizeIBAN(iban)
		if err != nil {
			return Account{}, err
		}
		out.IBAN = n
	}

	switch out.Scheme {
	case SchemeCLABE:
		if err := defaultCountry(&out, "MX"); err != nil {
			return Account{}, err
		}
		c, err := ParseCLABE(a.Number)
		if err != nil {
			return Account{}, err
		}
		if bankCode != "" && bankCode != c.BankCode {
			return Account{}, ErrBankCodeMismatch
		}
		if accountType != "" {
			return Account{}, fmt.Errorf("%w: account type", ErrFieldNotApplicable)
		}
		out.BankCode, out.Number = c.BankCode, c.String()

	case SchemeCOAccount:
		if err := defaultCountry(&out, "CO"); err != nil {
			return Account{}, err
		}
		if len(bankCode) != 4 || !allDigits(bankCode) {
			return Account{}, ErrCOBankCode
		}
		n := compact(a.Number)
		if len(n) < 5 || len(n) > 20 || !allDigits(n) {
			return Account{}, ErrCOAccountFormat
		}
		t, err := parseCOAccountType(accountType)
		if err != nil {
			return Account{}, err
		}
		out.BankCode, out.Number, out.AccountType = bankCode, n, t

	case SchemeIBAN:
		// Number mirrors IBAN so every scheme has its identifier in Number;
		// either field may carry it, and if both do they must agree.
		if n := strings.TrimSpace(a.Number); n != "" {
			num, err := NormalizeIBAN(n)
			if err != nil {
				return Account{}, err
			}
			if out.IBAN != "" && out.IBAN != num {
				return Account{}, fmt.Errorf("%w: number and iban differ", ErrIBANFormat)
			}
			out.IBAN = num
		}
		if out.IBAN == "" {
			return Account{}, fmt.Errorf("%w: missing", ErrIBANFormat)
		}
		if err := defaultCountry(&out, out.IBAN[:2]); err != nil {
			return Account{}, err
		}
		// The bank's position inside the BBAN differs per country, so it is
		// not derived; a free-form code would be unchecked data.
		if bankCode != "" {
			return Account{}, fmt.Errorf("%w: bank code", ErrFieldNotApplicable)
		}
		if accountType != "" {
			return Account{}, fmt.Errorf("%w: account type", ErrFieldNotApplicable)
		}
		out.Number = out.IBAN

	default:
		return Account{}, fmt.Errorf("%w: %q", ErrUnsupportedScheme, string(out.Scheme))
	}
	return out, nil
}

func defaultCountry(a *Account, want string) error {
	if a.Country == "" {
		a.Country = want
	}
	if a.Country != want {
		return fmt.Errorf("%w: %s account in %q", ErrCountryMismatch, a.Scheme, a.Country)
	}
	return nil
}

// parseCOAccountType also takes the English words, which API clients send.
func parseCOAccountType(s string) (string, error) {
	switch strings.ToLower(s) {
	case AccountTypeSavings, "savings":
		return AccountTypeSavings, nil
	case AccountTypeChecking, "checking":
		return AccountTypeChecking, nil
	}
	return "", ErrCOAccountType
}

// compact drops the spaces and dashes people type to group digits.
func compact(s string) string {
	return strings.Map(func(c rune) rune {
		if c == ' ' || c == '-' {
			return -1
		}
		return c
	}, strings.TrimSpace(s))
}

// upperASCII leaves non-ASCII alone so that no Unicode letter can case-fold
// into a valid ASCII one.
func upperASCII(s string) string {
	return strings.Map(func(c rune) rune {
		if c >= 'a' && c <= 'z' {
			return c - 'a' + 'A'
		}
		return c
	}, s)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
