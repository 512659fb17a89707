// Package party holds the participants of the platform (operators, buyers,
// suppliers, lenders), their bank accounts and people, with their rules.
package party

import (
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/bankaccount"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/taxid"
	"github.com/cadena-finance/cadena/internal/validation"
)

// Kind is what a party does on the platform; a person's role equals it.
type Kind string

const (
	Operator Kind = "operator"
	Buyer    Kind = "buyer"
	Supplier Kind = "supplier"
	Lender   Kind = "lender"
)

func (k Kind) valid() bool {
	return k == Operator || k == Buyer || k == Supplier || k == Lender
}

var (
	ErrNotFound     = errors.New("party not found")
	ErrDuplicate    = errors.New("a party of that kind with that tax id exists")
	ErrEmailTaken   = errors.New("email already registered")
	ErrAccountTaken = errors.New("bank account already registered")
	// ErrSelfDeactivation: an operator may not lock its own party out.
	ErrSelfDeactivation = errors.New("a party cannot deactivate itself")
)

// Party is a legal entity on the platform.
type Party struct {
	ID           uuid.UUID
	Kind         Kind
	LegalName    string
	Country      string
	TaxID        string
	TaxIDWarning string
	CreatedAt    time.Time
	// DeactivatedAt is set when an operator deactivates the party: its
	// people and clients can no longer log in or use their tokens.
	DeactivatedAt *time.Time
}

// Active reports whether the party may still act on the platform.
func (p Party) Active() bool { return p.DeactivatedAt == nil }

// Status is "active" or "deactivated", as the API shows it.
func (p Party) Status() string {
	if p.Active() {
		return "active"
	}
	return "deactivated"
}

// Admits reports whether a credential in role may act for p: a person's or
// client's role is always its party's kind.
func (p Party) Admits(role string) bool { return string(p.Kind) == role }

// Draft is the unvalidated input for a new party.
type Draft struct {
	Kind      string
	LegalName string
	Country   string
	TaxID     string
}

// New validates d and returns the party to store. The tax id is normalised;
// a suspicious RFC check digit is kept as a warning, not refused.
func New(d Draft, now time.Time) (Party, error) {
	var errs validation.Errors
	p := Party{Kind: Kind(strings.TrimSpace(d.Kind)), LegalName: strings.TrimSpace(d.LegalName), Country: strings.ToUpper(strings.TrimSpace(d.Country)), CreatedAt: now}
	if !p.Kind.valid() {
		errs.Add("kind", "invalid", "kind must be one of operator, buyer, supplier, lender")
	}
	if p.LegalName == "" || len(p.LegalName) > 300 {
		errs.Add("legal_name", "required", "legal name is required (at most 300 characters)")
	}
	if p.Country != "MX" && p.Country != "CO" {
		errs.Add("country", "unsupported", "country must be MX or CO")
	} else {
		res, err := taxid.Validate(taxid.Country(p.Country), d.TaxID)
		if err != nil {
			errs.Add("tax_id", "tax_id_invalid", "%s", taxIDMessage(err))
		}
		p.TaxID, p.TaxIDWarning = res.Normalized, string(res.WarningCode)
	}
	if err := errs.Err(); err != nil {
		return Party{}, err
	}
	id, err := uuid.NewV7()
	p.ID = id
	return p, err
}

func taxIDMessage(err error) string {
	switch {
	case errors.Is(err, taxid.ErrRFCGeneric):
		return "a generic RFC (XAXX010101000, XEXX010101000) cannot identify a party"
	case errors.Is(err, taxid.ErrRFCDate):
		return "the RFC's date part is not a calendar date"
	case errors.Is(err, taxid.ErrRFCFormat):
		return "an RFC has 3 (company) or 4 (person) letters, a YYMMDD date and a 3-character homoclave"
	case errors.Is(err, taxid.ErrNITCheckDigit):
		return "the NIT's check digit (DV) does not match"
	case errors.Is(err, taxid.ErrNITFormat):
		return "a NIT is digits followed by its check digit, e.g. 890903938-8"
	}
	return "tax id is not valid"
}

// BankAccount is where a party receives or sends payments.
type BankAccount struct {
	ID          uuid.UUID
	PartyID     uuid.UUID
	Currency    money.Currency
	Scheme      string
	BankCode    string
	Number      string
	AccountType string
	IBAN        string
	HolderName  string
	CreatedAt   time.Time
}

// AccountDraft is the unvalidated input for a bank account.
type AccountDraft struct {
	Currency    string
	Scheme      string
	BankCode    string
	Number      string
	AccountType string
	IBAN        string
	HolderName  string
}

// NewBankAccount validates d for owner: a CLABE with a wrong check digit is
// refused outright, since a payment to it would bounce or go astray.
func NewBankAccount(owner Party, d AccountDraft, now time.Time) (BankAccount, error) {
	var errs validation.Errors
	cur, err := money.ParseCurrency(d.Currency)
	if err != nil {
		errs.Add("currency", "unsupported", "currency must be MXN, COP or USD")
	}
	holder := strings.TrimSpace(d.HolderName)
	if holder == "" {
		holder = owner.LegalName
	}
	acct, err := bankaccount.Validate(bankaccount.Account{
		Scheme: bankaccount.Scheme(d.Scheme), BankCode: d.BankCode,
		Number: d.Number, AccountType: d.AccountType, IBAN: d.IBAN,
	})
	if err != nil {
		errs.Add(accountField(err), "bank_account_invalid", "%s", err.Error())
	}
	if err := errs.Err(); err != nil {
		return BankAccount{}, err
	}
	id, err := uuid.NewV7()
	return BankAccount{ID: id, PartyID: owner.ID, Currency: cur, Scheme: string(acct.Scheme), BankCode: acct.BankCode,
		Number: acct.Number, AccountType: acct.AccountType, IBAN: acct.IBAN, HolderName: holder, CreatedAt: now}, err
}

func accountField(err error) string {
	switch {
	case errors.Is(err, bankaccount.ErrUnsupportedScheme):
		return "scheme"
	case errors.Is(err, bankaccount.ErrIBANFormat), errors.Is(err, bankaccount.ErrIBANCountry),
		errors.Is(err, bankaccount.ErrIBANLength), errors.Is(err, bankaccount.ErrIBANCheckDigits):
		return "iban"
	case errors.Is(err, bankaccount.ErrCOBankCode), errors.Is(err, bankaccount.ErrBankCodeMismatch):
		return "bank_code"
	case errors.Is(err, bankaccount.ErrCOAccountType):
		return "account_type"
	}
	return "number"
}

// User is a person who logs in on behalf of a party.
type User struct {
	ID           uuid.UUID
	PartyID      uuid.UUID
	Email        string
	PasswordHash string
	Role         Kind
	CreatedAt    time.Time
}

// NormalizeEmail lower-cases and checks the rough shape of an address.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	at := strings.LastIndexByte(s, '@')
	if at < 1 || at == len(s)-1 || len(s) > 254 || strings.ContainsAny(s, " \t\r\n") || !strings.Contains(s[at:], ".") {
		return "", validation.Errors{{Field: "email", Code: "invalid", Message: "email address is not valid"}}
	}
	return s, nil
}

// APIClient is a machine credential (a bank's or an ERP's) of a party.
type APIClient struct {
	ID         uuid.UUID
	ClientID   string
	SecretHash string
	PartyID    uuid.UUID
	Role       Kind
	Name       string
	CreatedAt  time.Time
	RevokedAt  *time.Time
}
