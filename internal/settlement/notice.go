package settlement

import (
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/money"
)

// NoticeParty is a party as the notice names it.
type NoticeParty struct {
	ID        uuid.UUID
	LegalName string
	TaxID     string
}

// NoticeAccount is the new payee's account the buyer must pay into.
type NoticeAccount struct {
	Scheme     string // CLABE, CO_ACCOUNT or IBAN
	Number     string
	IBAN       string
	BankCode   string
	HolderName string
}

// AssignmentNotice tells the buyer that an invoice's payee changed: from
// acceptance on, the lender, not the supplier, is to be paid the face on
// the maturity date, quoting the repayment's end-to-end id.
type AssignmentNotice struct {
	FinancingID    uuid.UUID
	InvoiceID      uuid.UUID
	DocumentNumber string
	EInvoiceID     string
	Buyer          NoticeParty
	Supplier       NoticeParty
	NewPayee       NoticeParty
	PayeeAccount   *NoticeAccount // nil until the lender registers an account in the currency
	Amount         decimal.Decimal
	Currency       money.Currency
	PayOn          time.Time
	Reference      string // the repayment's end-to-end id
	Status         financing.Status
	AssignedAt     time.Time
}

// NewAssignmentNotice builds the notice of f.
func NewAssignmentNotice(f financing.Financing, doc, einvoice string, buyer, supplier, lender NoticeParty, acct *NoticeAccount) AssignmentNotice {
	return AssignmentNotice{FinancingID: f.ID, InvoiceID: f.InvoiceID, DocumentNumber: doc, EInvoiceID: einvoice,
		Buyer: buyer, Supplier: supplier, NewPayee: lender, PayeeAccount: acct, Amount: f.Face, Currency: f.Currency,
		PayOn: f.Maturity, Reference: EndToEndID(f.ID, Repayment), Status: f.Status, AssignedAt: f.AcceptedAt}
}
