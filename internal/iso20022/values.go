package iso20022

import (
	"fmt"
	"regexp"

	"github.com/cadena-finance/cadena/internal/bankaccount"
)

// Proprietary names Cadena writes. ISO 20022 has no external code for a
// CLABE, a Colombian account or the clearing systems that route them, so
// each bank's implementation guide has the final word; these are the
// defaults, and docs/iso20022.md lists them.
const (
	SchemeCLABE     = string(bankaccount.SchemeCLABE)     // Othr/SchmeNm/Prtry of a CLABE
	SchemeCOAccount = string(bankaccount.SchemeCOAccount) // Othr/SchmeNm/Prtry of a Colombian account

	ClearingBanxico = "BANXICO" // ClrSysId/Prtry for the CLABE's 3-digit bank code
	ClearingACHCO   = "ACH_CO"  // ClrSysId/Prtry for ACH Colombia's 4-digit entity code

	// TypeSavings and TypeChecking are ISO's ExternalCashAccountType1
	// codes, written in Tp/Cd: Colombian accounts need the type to be paid.
	TypeSavings  = "SVGS"
	TypeChecking = "CACC"

	orgTaxID    = "TXID"        // ExternalOrganisationIdentification1 code for a tax id
	notProvided = "NOTPROVIDED" // FinInstnId/Othr/Id of a bank known only by its account
)

// Party is a debtor, creditor or initiating party. Parties are written as
// organisations; a tax id (RFC, NIT) goes under Id/OrgId/Othr with the ISO
// code TXID.
type Party struct {
	Name    string // Nm, up to 140 characters
	TaxID   string // Id/OrgId/Othr/Id, up to 35
	Country string // PstlAdr/Ctry, ISO 3166 alpha-2; optional
}

func (p Party) check(path string, nameRequired bool) error {
	if err := checkText(at(path, "name"), p.Name, max140, nameRequired); err != nil {
		return err
	}
	if err := checkID(at(path, "tax_id"), p.TaxID, false); err != nil {
		return err
	}
	if p.Country != "" {
		return checkCode(at(path, "country"), p.Country, 2, ErrInvalidCode)
	}
	return nil
}

// Account is how a cash account is identified. A file carries one
// identifier: the IBAN when there is one, else exactly one of the others.
type Account struct {
	IBAN       string // <IBAN>
	CLABE      string // <Othr><Id> with SchmeNm/Prtry CLABE
	CONumber   string // <Othr><Id> with SchmeNm/Prtry CO_ACCOUNT
	COBankCode string // ACH Colombia entity code of CONumber's bank; written in the agent, not the account
	Type       string // <Tp><Cd>: TypeSavings or TypeChecking; required for Colombian accounts
	// OtherID and OtherScheme hold any other <Othr> a bank reports. Cadena
	// never pays to them: BuildPain001 refuses them.
	OtherID     string
	OtherScheme string
}

// AccountFrom converts a party's validated bank account. The IBAN, where
// the account has one, is what the file will carry.
func AccountFrom(b bankaccount.Account) Account {
	a := Account{IBAN: b.IBAN}
	switch b.Scheme {
	case bankaccount.SchemeCLABE:
		a.CLABE = b.Number
	case bankaccount.SchemeCOAccount:
		a.CONumber, a.COBankCode = b.Number, b.BankCode
		switch b.AccountType {
		case bankaccount.AccountTypeSavings:
			a.Type = TypeSavings
		case bankaccount.AccountTypeChecking:
			a.Type = TypeChecking
		}
	}
	return a
}

// payable checks an account Cadena sends money to or from, with
// bankaccount's rules (check digits included), and returns it normalised
// down to the one identifier the file will carry.
func (a Account) payable(path string) (Account, error) {
	bad := func(field string, err error) (Account, error) {
		return Account{}, fieldErr(at(path, field), fmt.Errorf("%w: %w", ErrInvalidAccount, err))
	}
	if a.Type != "" && a.Type != TypeSavings && a.Type != TypeChecking {
		return bad("type", fmt.Errorf("%w: %q", ErrInvalidCode, a.Type))
	}
	switch {
	case a.IBAN != "":
		n, err := bankaccount.NormalizeIBAN(a.IBAN)
		if err != nil {
			return bad("iban", err)
		}
		return Account{IBAN: n, Type: a.Type}, nil
	case a.OtherID != "":
		return bad("other_id", fmt.Errorf("scheme %q is not one Cadena pays to", a.OtherScheme))
	case a.CLABE != "" && a.CONumber != "":
		return Account{}, fieldErr(path, fmt.Errorf("%w: both a CLABE and a Colombian account", ErrInvalidAccount))
	case a.CLABE != "":
		v, err := bankaccount.Validate(bankaccount.Account{Scheme: bankaccount.SchemeCLABE, Number: a.CLABE})
		if err != nil {
			return bad("clabe", err)
		}
		return Account{CLABE: v.Number, Type: a.Type}, nil
	case a.CONumber != "":
		t := map[string]string{TypeSavings: bankaccount.AccountTypeSavings, TypeChecking: bankaccount.AccountTypeChecking}[a.Type]
		v, err := bankaccount.Validate(bankaccount.Account{Scheme: bankaccount.SchemeCOAccount, Number: a.CONumber, BankCode: a.COBankCode, AccountType: t})
		if err != nil {
			return bad("co_number", err)
		}
		return Account{CONumber: v.Number, COBankCode: v.BankCode, Type: a.Type}, nil
	}
	return Account{}, fieldErr(path, ErrRequired)
}

var ibanPattern = regexp.MustCompile(`^[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{1,30}$`)

// check applies only the schema's rules: a notification may name accounts
// of any bank in any scheme.
func (a Account) check(path string) error {
	ids := 0
	for _, s := range []string{a.IBAN, a.CLABE, a.CONumber, a.OtherID} {
		if s != "" {
			ids++
		}
	}
	if ids == 0 {
		return fieldErr(path, ErrRequired)
	}
	if ids > 1 {
		return fieldErr(path, fmt.Errorf("%w: more than one identifier", ErrInvalidAccount))
	}
	if a.IBAN != "" && !ibanPattern.MatchString(a.IBAN) {
		return fieldErr(at(path, "iban"), fmt.Errorf("%w: malformed IBAN", ErrInvalidAccount))
	}
	if err := checkText(at(path, "clabe"), a.CLABE, max34, false); err != nil {
		return err
	}
	if err := checkText(at(path, "co_number"), a.CONumber, max34, false); err != nil {
		return err
	}
	if err := checkText(at(path, "other_id"), a.OtherID, max34, false); err != nil {
		return err
	}
	if a.OtherScheme != "" && (a.OtherID == "" || a.OtherScheme == SchemeCLABE || a.OtherScheme == SchemeCOAccount) {
		return fieldErr(at(path, "other_scheme"), fmt.Errorf("%w: scheme without its own identifier", ErrInvalidAccount))
	}
	if err := checkText(at(path, "other_scheme"), a.OtherScheme, max35, false); err != nil {
		return err
	}
	return checkText(at(path, "type"), a.Type, max4, false)
}

// Agent identifies a bank. When a batch's or payment's agent is left zero,
// the builder derives it from the account: the CLABE's bank code under
// ClearingBanxico, the Colombian entity code under ClearingACHCO, and for an
// IBAN nothing (a debtor's bank is then written as NOTPROVIDED, which the
// schema accepts where an agent is mandatory).
type Agent struct {
	BIC            string // FinInstnId/BICFI
	ClearingSystem string // FinInstnId/ClrSysMmbId/ClrSysId/Prtry; optional
	MemberID       string // FinInstnId/ClrSysMmbId/MmbId
}

var bicPattern = regexp.MustCompile(`^[A-Z0-9]{4}[A-Z]{2}[A-Z0-9]{2}([A-Z0-9]{3})?$`)

func (g Agent) check(path string) error {
	if g.BIC != "" && !bicPattern.MatchString(g.BIC) {
		return fieldErr(at(path, "bic"), fmt.Errorf("%w: malformed BIC", ErrInvalidAgent))
	}
	if g.ClearingSystem != "" && g.MemberID == "" {
		return fieldErr(at(path, "member_id"), ErrRequired)
	}
	if err := checkID(at(path, "clearing_system"), g.ClearingSystem, false); err != nil {
		return err
	}
	return checkID(at(path, "member_id"), g.MemberID, false)
}

// bankOf is the agent an account implies, zero when it implies none.
func bankOf(a Account) Agent {
	switch {
	case a.IBAN != "":
		return Agent{}
	case a.CLABE != "":
		return Agent{ClearingSystem: ClearingBanxico, MemberID: a.CLABE[:3]}
	case a.CONumber != "":
		return Agent{ClearingSystem: ClearingACHCO, MemberID: a.COBankCode}
	}
	return Agent{}
}

// The elements both messages share. Field order is the schemas' sequence
// order; the same types serve writing and reading.

type xmlCodeOrPrtry struct {
	Cd    string `xml:"Cd,omitempty"`
	Prtry string `xml:"Prtry,omitempty"`
}

// value is the code, or the proprietary value when there is no code.
func (c *xmlCodeOrPrtry) value() string {
	if c == nil {
		return ""
	}
	if v := collapse(c.Cd); v != "" {
		return v
	}
	return collapse(c.Prtry)
}

type xmlGenericID struct {
	ID      string          `xml:"Id"`
	SchmeNm *xmlCodeOrPrtry `xml:"SchmeNm"`
}

type xmlParty struct {
	Nm      string       `xml:"Nm,omitempty"`
	PstlAdr *xmlPostal   `xml:"PstlAdr"`
	ID      *xmlPartyIDs `xml:"Id"`
}

type xmlPostal struct {
	Ctry string `xml:"Ctry"`
}

// xmlPartyIDs is the Party38Choice; persons are read, never written.
type xmlPartyIDs struct {
	OrgID  *xmlOthers `xml:"OrgId"`
	PrvtID *xmlOthers `xml:"PrvtId"`
}

type xmlOthers struct {
	Othr []xmlGenericID `xml:"Othr"`
}

func partyXML(p Party) *xmlParty {
	if p == (Party{}) {
		return nil
	}
	x := &xmlParty{Nm: p.Name}
	if p.Country != "" {
		x.PstlAdr = &xmlPostal{Ctry: p.Country}
	}
	if p.TaxID != "" {
		x.ID = &xmlPartyIDs{OrgID: &xmlOthers{Othr: []xmlGenericID{{ID: p.TaxID, SchmeNm: &xmlCodeOrPrtry{Cd: orgTaxID}}}}}
	}
	return x
}

func partyFromXML(x *xmlParty) Party {
	if x == nil {
		return Party{}
	}
	p := Party{Name: collapse(x.Nm)}
	if x.PstlAdr != nil {
		p.Country = collapse(x.PstlAdr.Ctry)
	}
	if x.ID != nil {
		for _, ids := range []*xmlOthers{x.ID.OrgID, x.ID.PrvtID} {
			if ids == nil || p.TaxID != "" {
				continue
			}
			for _, o := range ids.Othr {
				if o.SchmeNm != nil && collapse(o.SchmeNm.Cd) == orgTaxID {
					p.TaxID = collapse(o.ID)
					break
				}
			}
		}
	}
	return p
}

type xmlCashAccount struct {
	ID struct {
		IBAN string        `xml:"IBAN,omitempty"`
		Othr *xmlGenericID `xml:"Othr"`
	} `xml:"Id"`
	Tp *xmlCodeOrPrtry `xml:"Tp"`
}

func accountXML(a Account) *xmlCashAccount {
	if a == (Account{}) {
		return nil
	}
	x := &xmlCashAccount{}
	x.ID.IBAN = a.IBAN
	other := func(id, scheme string) {
		x.ID.Othr = &xmlGenericID{ID: id}
		if scheme != "" {
			x.ID.Othr.SchmeNm = &xmlCodeOrPrtry{Prtry: scheme}
		}
	}
	switch {
	case a.CLABE != "":
		other(a.CLABE, SchemeCLABE)
	case a.CONumber != "":
		other(a.CONumber, SchemeCOAccount)
	case a.OtherID != "":
		other(a.OtherID, a.OtherScheme)
	}
	if a.Type != "" {
		x.Tp = &xmlCodeOrPrtry{Cd: a.Type}
	}
	return x
}

func accountFromXML(x *xmlCashAccount) Account {
	if x == nil {
		return Account{}
	}
	a := Account{IBAN: collapse(x.ID.IBAN)}
	if x.Tp != nil {
		a.Type = collapse(x.Tp.Cd)
	}
	if o := x.ID.Othr; o != nil {
		id := collapse(o.ID)
		switch scheme := o.SchmeNm.value(); scheme {
		case SchemeCLABE:
			a.CLABE = id
		case SchemeCOAccount:
			a.CONumber = id
		default:
			a.OtherID, a.OtherScheme = id, scheme
		}
	}
	return a
}

type xmlAgent struct {
	FinInstnID struct {
		BICFI       string        `xml:"BICFI,omitempty"`
		ClrSysMmbID *xmlMember    `xml:"ClrSysMmbId"`
		Othr        *xmlGenericID `xml:"Othr"`
	} `xml:"FinInstnId"`
}

type xmlMember struct {
	ClrSysID *xmlCodeOrPrtry `xml:"ClrSysId"`
	MmbID    string          `xml:"MmbId"`
}

// agentXML writes g, or the agent acct implies when g is zero. With neither,
// a mandatory agent is NOTPROVIDED and an optional one is left out.
func agentXML(g Agent, acct Account, mandatory bool) *xmlAgent {
	if g == (Agent{}) {
		g = bankOf(acct)
	}
	x := &xmlAgent{}
	fi := &x.FinInstnID
	switch {
	case g == (Agent{}) && !mandatory:
		return nil
	case g == (Agent{}):
		fi.Othr = &xmlGenericID{ID: notProvided}
	}
	fi.BICFI = g.BIC
	if g.MemberID != "" {
		fi.ClrSysMmbID = &xmlMember{MmbID: g.MemberID}
		if g.ClearingSystem != "" {
			fi.ClrSysMmbID.ClrSysID = &xmlCodeOrPrtry{Prtry: g.ClearingSystem}
		}
	}
	return x
}

// xmlAmount is ActiveOrHistoricCurrencyAndAmount.
type xmlAmount struct {
	Ccy   string `xml:"Ccy,attr"`
	Value string `xml:",chardata"`
}

// xmlDate is DateAndDateTime2Choice.
type xmlDate struct {
	Dt   string `xml:"Dt,omitempty"`
	DtTm string `xml:"DtTm,omitempty"`
}

type xmlRemittance struct {
	Ustrd []string `xml:"Ustrd"`
}

func remittanceXML(lines ...string) *xmlRemittance {
	var x xmlRemittance
	for _, l := range lines {
		if l != "" {
			x.Ustrd = append(x.Ustrd, l)
		}
	}
	if len(x.Ustrd) == 0 {
		return nil
	}
	return &x
}
