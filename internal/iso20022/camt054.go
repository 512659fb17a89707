package iso20022

import (
	"encoding/xml"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/money"
)

// Notification is a camt.054 BankToCustomerDebitCreditNotification: what a
// bank says moved on one or more accounts.
type Notification struct {
	MessageID string    // GrpHdr/MsgId
	CreatedAt time.Time // GrpHdr/CreDtTm
	Reports   []Report  // one per Ntfctn
}

// Report is one Ntfctn: the entries of one account.
type Report struct {
	ID        string    // Ntfctn/Id
	CreatedAt time.Time // Ntfctn/CreDtTm; zero when absent
	Account   Account   // Ntfctn/Acct/Id and Tp/Cd
	Entries   []Entry
}

// CreditDebit is CdtDbtInd, seen from the reported account.
type CreditDebit string

const (
	Credit CreditDebit = "CRDT"
	Debit  CreditDebit = "DBIT"
)

// Entry statuses (Sts/Cd). Only a booked entry means the money moved.
const (
	StatusBooked  = "BOOK"
	StatusPending = "PDNG"
	StatusInfo    = "INFO"
)

// Entry is one Ntry: one movement on the account, which may carry several
// transactions when the bank books a batch as one amount.
type Entry struct {
	Line          int             // line of <Ntry> in the file read; 0 when built
	Reference     string          // NtryRef
	Amount        decimal.Decimal // Amt, exactly as written
	Currency      money.Currency  // Amt/@Ccy; any ISO-shaped code, supported or not
	CreditDebit   CreditDebit     // CdtDbtInd
	Reversal      bool            // RvslInd
	Status        string          // Sts/Cd, or Sts/Prtry when the bank uses its own
	BookingDate   time.Time       // BookgDt: Dt as midnight UTC, or DtTm as written; zero when absent
	ValueDate     time.Time       // ValDt, likewise
	BankReference string          // AcctSvcrRef
	Transactions  []Transaction   // every NtryDtls/TxDtls, in file order
}

// Transaction is one TxDtls. Amount, Currency and CreditDebit are the
// entry's when the transaction is the entry's only one and omits them.
type Transaction struct {
	EndToEndID      string          // Refs/EndToEndId: what Cadena wrote in the pain.001
	InstructionID   string          // Refs/InstrId
	PaymentInfoID   string          // Refs/PmtInfId
	BankReference   string          // Refs/AcctSvcrRef
	Amount          decimal.Decimal // Amt
	Currency        money.Currency  // Amt/@Ccy
	CreditDebit     CreditDebit     // CdtDbtInd
	Debtor          Party           // RltdPties/Dbtr/Pty
	DebtorAccount   Account         // RltdPties/DbtrAcct
	Creditor        Party           // RltdPties/Cdtr/Pty
	CreditorAccount Account         // RltdPties/CdtrAcct
	RemittanceInfo  []string        // RmtInf/Ustrd lines
}

type xmlCamt054 struct {
	XMLName xml.Name    `xml:"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08 Document"`
	GrpHdr  xmlCamtHdr  `xml:"BkToCstmrDbtCdtNtfctn>GrpHdr"`
	Ntfctn  []xmlNtfctn `xml:"BkToCstmrDbtCdtNtfctn>Ntfctn"`
}

type xmlCamtHdr struct {
	MsgID   string `xml:"MsgId"`
	CreDtTm string `xml:"CreDtTm"`
}

type xmlNtfctn struct {
	ID      string          `xml:"Id"`
	CreDtTm string          `xml:"CreDtTm,omitempty"`
	Acct    *xmlCashAccount `xml:"Acct"`
	Ntry    []xmlEntry      `xml:"Ntry"`
}

type xmlEntry struct {
	NtryRef     string          `xml:"NtryRef,omitempty"`
	Amt         *xmlAmount      `xml:"Amt"`
	CdtDbtInd   string          `xml:"CdtDbtInd"`
	RvslInd     string          `xml:"RvslInd,omitempty"`
	Sts         *xmlCodeOrPrtry `xml:"Sts"`
	BookgDt     *xmlDate        `xml:"BookgDt"`
	ValDt       *xmlDate        `xml:"ValDt"`
	AcctSvcrRef string          `xml:"AcctSvcrRef,omitempty"`
	BkTxCd      *xmlBkTxCd      `xml:"BkTxCd"`
	NtryDtls    []xmlNtryDtls   `xml:"NtryDtls"`
}

type xmlNtryDtls struct {
	TxDtls []xmlTx `xml:"TxDtls"`
}

// xmlBkTxCd is only written: the reader returns no bank transaction codes.
type xmlBkTxCd struct {
	Domn struct {
		Cd   string `xml:"Cd"`
		Fmly struct {
			Cd        string `xml:"Cd"`
			SubFmlyCd string `xml:"SubFmlyCd"`
		} `xml:"Fmly"`
	} `xml:"Domn"`
}

type xmlTx struct {
	Refs      *xmlRefs       `xml:"Refs"`
	Amt       *xmlAmount     `xml:"Amt"`
	CdtDbtInd string         `xml:"CdtDbtInd,omitempty"`
	RltdPties *xmlRltdPties  `xml:"RltdPties"`
	RmtInf    *xmlRemittance `xml:"RmtInf"`
}

type xmlRefs struct {
	AcctSvcrRef string `xml:"AcctSvcrRef,omitempty"`
	PmtInfID    string `xml:"PmtInfId,omitempty"`
	InstrID     string `xml:"InstrId,omitempty"`
	EndToEndID  string `xml:"EndToEndId,omitempty"`
}

type xmlRltdPties struct {
	Dbtr     *xmlPartyChoice `xml:"Dbtr"`
	DbtrAcct *xmlCashAccount `xml:"DbtrAcct"`
	Cdtr     *xmlPartyChoice `xml:"Cdtr"`
	CdtrAcct *xmlCashAccount `xml:"CdtrAcct"`
}

// xmlPartyChoice is Party40Choice; an agent in place of a party is ignored.
type xmlPartyChoice struct {
	Pty *xmlParty `xml:"Pty"`
}

// BuildCamt054 writes n as a camt.054.001.08 document, as a bank would: for
// tests and for simulating banks end to end. Every Transaction is written
// with its own amount, currency and indicator, and all of an entry's
// transactions in one NtryDtls. The bank transaction code, which the schema
// requires, is PMNT/RCDT/DMCT for credits and PMNT/ICDT/DMCT for debits.
func BuildCamt054(n Notification) ([]byte, error) {
	if err := n.check(); err != nil {
		return nil, err
	}
	doc := xmlCamt054{
		GrpHdr: xmlCamtHdr{MsgID: n.MessageID, CreDtTm: formatDateTime(n.CreatedAt)},
		Ntfctn: make([]xmlNtfctn, len(n.Reports)),
	}
	for i, r := range n.Reports {
		x := xmlNtfctn{ID: r.ID, Acct: accountXML(r.Account), Ntry: make([]xmlEntry, len(r.Entries))}
		if !r.CreatedAt.IsZero() {
			x.CreDtTm = formatDateTime(r.CreatedAt)
		}
		for j, e := range r.Entries {
			x.Ntry[j] = e.xml()
		}
		doc.Ntfctn[i] = x
	}
	return marshal(doc)
}

func (e Entry) xml() xmlEntry {
	x := xmlEntry{
		NtryRef:     e.Reference,
		Amt:         &xmlAmount{Ccy: string(e.Currency), Value: amountText(e.Amount, e.Currency)},
		CdtDbtInd:   string(e.CreditDebit),
		Sts:         &xmlCodeOrPrtry{Cd: e.Status},
		BookgDt:     dateXML(e.BookingDate),
		ValDt:       dateXML(e.ValueDate),
		AcctSvcrRef: e.BankReference,
		BkTxCd:      &xmlBkTxCd{},
	}
	if e.Reversal {
		x.RvslInd = "true"
	}
	if len(e.Status) > max4 { // ExternalEntryStatus1Code is at most 4 characters
		x.Sts = &xmlCodeOrPrtry{Prtry: e.Status}
	}
	x.BkTxCd.Domn.Cd = "PMNT"
	x.BkTxCd.Domn.Fmly.Cd = map[CreditDebit]string{Credit: "RCDT", Debit: "ICDT"}[e.CreditDebit]
	x.BkTxCd.Domn.Fmly.SubFmlyCd = "DMCT"
	if len(e.Transactions) > 0 {
		x.NtryDtls = make([]xmlNtryDtls, 1)
		for _, t := range e.Transactions {
			x.NtryDtls[0].TxDtls = append(x.NtryDtls[0].TxDtls, t.xml())
		}
	}
	return x
}

func (t Transaction) xml() xmlTx {
	x := xmlTx{
		Amt:       &xmlAmount{Ccy: string(t.Currency), Value: amountText(t.Amount, t.Currency)},
		CdtDbtInd: string(t.CreditDebit),
		RmtInf:    remittanceXML(t.RemittanceInfo...),
	}
	if t.EndToEndID+t.InstructionID+t.PaymentInfoID+t.BankReference != "" {
		x.Refs = &xmlRefs{t.BankReference, t.PaymentInfoID, t.InstructionID, t.EndToEndID}
	}
	if t.Debtor != (Party{}) || t.Creditor != (Party{}) || t.DebtorAccount != (Account{}) || t.CreditorAccount != (Account{}) {
		x.RltdPties = &xmlRltdPties{partyChoiceXML(t.Debtor), accountXML(t.DebtorAccount), partyChoiceXML(t.Creditor), accountXML(t.CreditorAccount)}
	}
	return x
}

func partyChoiceXML(p Party) *xmlPartyChoice {
	if p == (Party{}) {
		return nil
	}
	return &xmlPartyChoice{Pty: partyXML(p)}
}

func dateXML(t time.Time) *xmlDate {
	switch {
	case t.IsZero():
		return nil
	case isDate(t):
		return &xmlDate{Dt: formatDate(t)}
	}
	return &xmlDate{DtTm: formatDateTime(t)}
}

// check is what both BuildCamt054 and ParseCamt054 require of the values,
// so that whatever the reader returns the builder can write back.
func (n Notification) check() error {
	if err := checkID("message_id", n.MessageID, true); err != nil {
		return err
	}
	if err := checkTime("created_at", n.CreatedAt, true); err != nil {
		return err
	}
	if len(n.Reports) == 0 {
		return fieldErr("reports", ErrRequired)
	}
	for i, r := range n.Reports {
		path := index("reports", i)
		if err := checkID(at(path, "id"), r.ID, true); err != nil {
			return err
		}
		if err := checkTime(at(path, "created_at"), r.CreatedAt, false); err != nil {
			return err
		}
		if err := r.Account.check(at(path, "account")); err != nil {
			return err
		}
		for j, e := range r.Entries {
			if err := e.check(index(at(path, "entries"), j)); err != nil {
				if fe, ok := err.(*Error); ok {
					fe.Line = e.Line
				}
				return err
			}
		}
	}
	return nil
}

func (e Entry) check(path string) error {
	if err := checkID(at(path, "reference"), e.Reference, false); err != nil {
		return err
	}
	if err := checkMovement(path, e.Amount, e.Currency, e.CreditDebit); err != nil {
		return err
	}
	if err := checkText(at(path, "status"), e.Status, max35, true); err != nil {
		return err
	}
	if err := checkTime(at(path, "booking_date"), e.BookingDate, false); err != nil {
		return err
	}
	if err := checkTime(at(path, "value_date"), e.ValueDate, false); err != nil {
		return err
	}
	if err := checkID(at(path, "bank_reference"), e.BankReference, false); err != nil {
		return err
	}
	for i, t := range e.Transactions {
		if err := t.check(index(at(path, "transactions"), i)); err != nil {
			return err
		}
	}
	return nil
}

func (t Transaction) check(path string) error {
	for _, f := range []struct{ name, v string }{
		{"end_to_end_id", t.EndToEndID}, {"instruction_id", t.InstructionID},
		{"payment_info_id", t.PaymentInfoID}, {"bank_reference", t.BankReference},
	} {
		if err := checkID(at(path, f.name), f.v, false); err != nil {
			return err
		}
	}
	if err := checkMovement(path, t.Amount, t.Currency, t.CreditDebit); err != nil {
		return err
	}
	for _, p := range []struct {
		name string
		v    Party
	}{{"debtor", t.Debtor}, {"creditor", t.Creditor}} {
		if err := p.v.check(at(path, p.name), false); err != nil {
			return err
		}
	}
	for _, a := range []struct {
		name string
		v    Account
	}{{"debtor_account", t.DebtorAccount}, {"creditor_account", t.CreditorAccount}} {
		if a.v == (Account{}) {
			continue
		}
		if err := a.v.check(at(path, a.name)); err != nil {
			return err
		}
	}
	for i, l := range t.RemittanceInfo {
		if err := checkText(index(at(path, "remittance_info"), i), l, max140, true); err != nil {
			return err
		}
	}
	return nil
}

func checkMovement(path string, d decimal.Decimal, c money.Currency, cd CreditDebit) error {
	if err := checkCurrency(at(path, "currency"), c, false); err != nil {
		return err
	}
	if err := checkAmount(at(path, "amount"), d, c, false); err != nil {
		return err
	}
	switch cd {
	case Credit, Debit:
		return nil
	case "":
		return fieldErr(at(path, "credit_debit"), ErrRequired)
	}
	return fieldErr(at(path, "credit_debit"), fmt.Errorf("%w: %q", ErrInvalidCode, truncate(string(cd), 40)))
}
