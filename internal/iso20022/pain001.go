package iso20022

import (
	"cmp"
	"encoding/xml"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/money"
)

// CreditTransferFile is one pain.001 message: the initiating party's
// instructions to its banks, in batches.
type CreditTransferFile struct {
	MessageID       string    // GrpHdr/MsgId, up to 35 characters, unique per initiating party
	CreatedAt       time.Time // GrpHdr/CreDtTm
	InitiatingParty Party     // GrpHdr/InitgPty; Name required
	Batches         []PaymentBatch
}

// PaymentBatch is one PmtInf: payments from one debtor account, in one
// currency, on one execution date.
type PaymentBatch struct {
	PaymentInfoID          string    // PmtInfId, unique in the file
	Debtor                 Party     // Dbtr; Name required
	DebtorAccount          Account   // DbtrAcct
	DebtorAgent            Agent     // DbtrAgt; zero derives it from DebtorAccount
	RequestedExecutionDate time.Time // ReqdExctnDt/Dt: the civil date in its own location
	Currency               money.Currency
	Payments               []Payment
}

// Payment is one CdtTrfTxInf.
type Payment struct {
	EndToEndID      string          // PmtId/EndToEndId, unique in the file; the bank echoes it back
	InstructionID   string          // PmtId/InstrId; optional
	Amount          decimal.Decimal // Amt/InstdAmt, in the batch currency
	Creditor        Party           // Cdtr; Name required
	CreditorAccount Account         // CdtrAcct
	CreditorAgent   Agent           // CdtrAgt; zero derives it from CreditorAccount
	RemittanceInfo  string          // RmtInf/Ustrd, up to 140 characters; optional
}

type xmlPain001 struct {
	XMLName xml.Name    `xml:"urn:iso:std:iso:20022:tech:xsd:pain.001.001.10 Document"`
	GrpHdr  xmlPainHdr  `xml:"CstmrCdtTrfInitn>GrpHdr"`
	PmtInf  []xmlPmtInf `xml:"CstmrCdtTrfInitn>PmtInf"`
}

type xmlPainHdr struct {
	MsgID    string    `xml:"MsgId"`
	CreDtTm  string    `xml:"CreDtTm"`
	NbOfTxs  string    `xml:"NbOfTxs"`
	CtrlSum  string    `xml:"CtrlSum"`
	InitgPty *xmlParty `xml:"InitgPty"`
}

type xmlPmtInf struct {
	PmtInfID    string          `xml:"PmtInfId"`
	PmtMtd      string          `xml:"PmtMtd"`
	NbOfTxs     string          `xml:"NbOfTxs"`
	CtrlSum     string          `xml:"CtrlSum"`
	ReqdExctnDt xmlDate         `xml:"ReqdExctnDt"`
	Dbtr        *xmlParty       `xml:"Dbtr"`
	DbtrAcct    *xmlCashAccount `xml:"DbtrAcct"`
	DbtrAgt     *xmlAgent       `xml:"DbtrAgt"`
	ChrgBr      string          `xml:"ChrgBr"`
	CdtTrfTxInf []xmlCdtTrfTx   `xml:"CdtTrfTxInf"`
}

type xmlCdtTrfTx struct {
	InstrID    string          `xml:"PmtId>InstrId,omitempty"`
	EndToEndID string          `xml:"PmtId>EndToEndId"`
	Amt        xmlAmount       `xml:"Amt>InstdAmt"`
	CdtrAgt    *xmlAgent       `xml:"CdtrAgt"`
	Cdtr       *xmlParty       `xml:"Cdtr"`
	CdtrAcct   *xmlCashAccount `xml:"CdtrAcct"`
	RmtInf     *xmlRemittance  `xml:"RmtInf"`
}

// BuildPain001 checks f and writes it as a pain.001.001.10 document. Every
// limit of the schema is checked first, so an *Error comes back instead of a
// file the bank would refuse. NbOfTxs and CtrlSum, per batch and in the
// header, are exact: the CtrlSum is the plain sum of the amounts as written,
// with the currency's decimals (the header's with the most any batch has).
func BuildPain001(f CreditTransferFile) ([]byte, error) {
	if err := checkID("message_id", f.MessageID, true); err != nil {
		return nil, err
	}
	if err := checkTime("created_at", f.CreatedAt, true); err != nil {
		return nil, err
	}
	if err := f.InitiatingParty.check("initiating_party", true); err != nil {
		return nil, err
	}
	if len(f.Batches) == 0 {
		return nil, fieldErr("batches", ErrRequired)
	}
	doc := xmlPain001{
		GrpHdr: xmlPainHdr{
			MsgID:    f.MessageID,
			CreDtTm:  formatDateTime(f.CreatedAt),
			InitgPty: partyXML(f.InitiatingParty),
		},
		PmtInf: make([]xmlPmtInf, len(f.Batches)),
	}
	ids := uniqueIDs{}
	total, count, places := decimal.Zero, 0, int32(0)
	for i, b := range f.Batches {
		x, sum, err := b.xml(index("batches", i), ids)
		if err != nil {
			return nil, err
		}
		doc.PmtInf[i] = x
		total = total.Add(sum)
		count += len(b.Payments)
		places = max(places, b.Currency.MinorUnits())
	}
	var err error
	doc.GrpHdr.NbOfTxs = strconv.Itoa(count)
	if doc.GrpHdr.CtrlSum, err = sumText("ctrl_sum", total, places); err != nil {
		return nil, err
	}
	return marshal(doc)
}

// uniqueIDs remembers where each PmtInfId and EndToEndId was first used:
// the bank may refuse a repeat, and a repeated EndToEndId could not be
// matched back to one payment.
type uniqueIDs map[string]string

func (u uniqueIDs) claim(kind, id, path string) error {
	if first, ok := u[kind+"\x00"+id]; ok {
		return fieldErr(path, fmt.Errorf("%w: also at %s", ErrDuplicateID, first))
	}
	u[kind+"\x00"+id] = path
	return nil
}

func (b PaymentBatch) xml(path string, ids uniqueIDs) (xmlPmtInf, decimal.Decimal, error) {
	var zero xmlPmtInf
	if err := checkID(at(path, "payment_info_id"), b.PaymentInfoID, true); err != nil {
		return zero, decimal.Zero, err
	}
	if err := ids.claim("PmtInfId", b.PaymentInfoID, at(path, "payment_info_id")); err != nil {
		return zero, decimal.Zero, err
	}
	if err := b.Debtor.check(at(path, "debtor"), true); err != nil {
		return zero, decimal.Zero, err
	}
	acct, err := b.DebtorAccount.payable(at(path, "debtor_account"))
	if err != nil {
		return zero, decimal.Zero, err
	}
	if err := b.DebtorAgent.check(at(path, "debtor_agent")); err != nil {
		return zero, decimal.Zero, err
	}
	if err := checkTime(at(path, "requested_execution_date"), b.RequestedExecutionDate, true); err != nil {
		return zero, decimal.Zero, err
	}
	if err := checkCurrency(at(path, "currency"), b.Currency, true); err != nil {
		return zero, decimal.Zero, err
	}
	if len(b.Payments) == 0 {
		return zero, decimal.Zero, fieldErr(at(path, "payments"), ErrRequired)
	}
	x := xmlPmtInf{
		PmtInfID:    b.PaymentInfoID,
		PmtMtd:      "TRF",
		NbOfTxs:     strconv.Itoa(len(b.Payments)),
		ReqdExctnDt: xmlDate{Dt: formatDate(b.RequestedExecutionDate)},
		Dbtr:        partyXML(b.Debtor),
		DbtrAcct:    accountXML(acct),
		DbtrAgt:     agentXML(b.DebtorAgent, acct, true),
		ChrgBr:      "SLEV",
		CdtTrfTxInf: make([]xmlCdtTrfTx, len(b.Payments)),
	}
	sum := decimal.Zero
	for i, p := range b.Payments {
		tx, err := p.xml(index(at(path, "payments"), i), b.Currency, ids)
		if err != nil {
			return zero, decimal.Zero, err
		}
		x.CdtTrfTxInf[i] = tx
		sum = sum.Add(p.Amount)
	}
	if x.CtrlSum, err = sumText(at(path, "ctrl_sum"), sum, b.Currency.MinorUnits()); err != nil {
		return zero, decimal.Zero, err
	}
	return x, sum, nil
}

func (p Payment) xml(path string, c money.Currency, ids uniqueIDs) (xmlCdtTrfTx, error) {
	var zero xmlCdtTrfTx
	if err := checkID(at(path, "end_to_end_id"), p.EndToEndID, true); err != nil {
		return zero, err
	}
	if err := ids.claim("EndToEndId", p.EndToEndID, at(path, "end_to_end_id")); err != nil {
		return zero, err
	}
	if err := checkID(at(path, "instruction_id"), p.InstructionID, false); err != nil {
		return zero, err
	}
	if err := checkAmount(at(path, "amount"), p.Amount, c, true); err != nil {
		return zero, err
	}
	if err := p.Creditor.check(at(path, "creditor"), true); err != nil {
		return zero, err
	}
	acct, err := p.CreditorAccount.payable(at(path, "creditor_account"))
	if err != nil {
		return zero, err
	}
	if err := p.CreditorAgent.check(at(path, "creditor_agent")); err != nil {
		return zero, err
	}
	if err := checkText(at(path, "remittance_info"), p.RemittanceInfo, max140, false); err != nil {
		return zero, err
	}
	return xmlCdtTrfTx{
		InstrID:    p.InstructionID,
		EndToEndID: p.EndToEndID,
		Amt:        xmlAmount{Ccy: string(c), Value: amountText(p.Amount, c)},
		CdtrAgt:    agentXML(p.CreditorAgent, acct, false),
		Cdtr:       partyXML(p.Creditor),
		CdtrAcct:   accountXML(acct),
		RmtInf:     remittanceXML(p.RemittanceInfo),
	}, nil
}

// sumText writes a control sum with a fixed number of decimals; the sum of
// amounts that each fit the schema may itself not (DecimalNumber: 18 digits).
func sumText(path string, d decimal.Decimal, places int32) (string, error) {
	if total, _ := digits(d); total > maxTotalDigits {
		return "", fieldErr(path, fmt.Errorf("%w: control sum above %d digits", ErrInvalidAmount, maxTotalDigits))
	}
	return d.StringFixed(places), nil
}

func marshal(doc any) ([]byte, error) {
	out, err := xml.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("iso20022: %w", err)
	}
	return append([]byte(xml.Header), append(out, '\n')...), nil
}

// Transfer is one payment together with the debtor side that decides its
// batch, the flat form settlement produces.
type Transfer struct {
	Debtor        Party
	DebtorAccount Account
	DebtorAgent   Agent
	Currency      money.Currency
	ExecutionDate time.Time // civil date
	Payment
}

// GroupPayments batches transfers per debtor, debtor account and agent,
// currency and execution date. The result is the same whatever the input
// order: batches sorted by date, currency, debtor and account, payments
// within a batch by EndToEndID (ties keep their input order). Batch i gets
// PaymentInfoID "<messageID>-<i+1>", so keep message ids a few characters
// under 35. Nothing is checked here; BuildPain001 checks everything.
func GroupPayments(messageID string, transfers []Transfer) []PaymentBatch {
	type key struct {
		debtor   Party
		account  Account
		agent    Agent
		currency money.Currency
		date     string
	}
	byKey := map[key]*PaymentBatch{}
	var keys []key
	for _, t := range transfers {
		k := key{t.Debtor, t.DebtorAccount, t.DebtorAgent, t.Currency, formatDate(t.ExecutionDate)}
		b, ok := byKey[k]
		if !ok {
			y, m, d := t.ExecutionDate.Date()
			b = &PaymentBatch{
				Debtor:                 t.Debtor,
				DebtorAccount:          t.DebtorAccount,
				DebtorAgent:            t.DebtorAgent,
				RequestedExecutionDate: time.Date(y, m, d, 0, 0, 0, 0, time.UTC),
				Currency:               t.Currency,
			}
			byKey[k] = b
			keys = append(keys, k)
		}
		b.Payments = append(b.Payments, t.Payment)
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(
			cmp.Compare(a.date, b.date),
			cmp.Compare(a.currency, b.currency),
			cmp.Compare(a.debtor.TaxID, b.debtor.TaxID),
			cmp.Compare(a.debtor.Name, b.debtor.Name),
			cmp.Compare(a.debtor.Country, b.debtor.Country),
			cmp.Compare(fmt.Sprint(a.account), fmt.Sprint(b.account)),
			cmp.Compare(fmt.Sprint(a.agent), fmt.Sprint(b.agent)),
		)
	})
	out := make([]PaymentBatch, len(keys))
	for i, k := range keys {
		b := byKey[k]
		b.PaymentInfoID = messageID + "-" + strconv.Itoa(i+1)
		slices.SortStableFunc(b.Payments, func(x, y Payment) int { return cmp.Compare(x.EndToEndID, y.EndToEndID) })
		out[i] = *b
	}
	return out
}
