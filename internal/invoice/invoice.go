// Package invoice holds the documents a buyer publishes as irrevocable
// promises to pay: invoices and the credit notes that net them, the rules a
// document must pass, and the one status machine.
package invoice

import (
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/validation"
)

// Sentinels mapped to HTTP by internal/api's catalog.
var (
	ErrNotFound       = errors.New("invoice not found")
	ErrBatchNotFound  = errors.New("invoice batch not found")
	ErrTransition     = errors.New("invoice status change not allowed")
	ErrNotCancellable = errors.New("only a published invoice not yet accepted by its supplier can be cancelled")
	ErrNoProgram      = errors.New("program_id is required: the buyer has several programs")
	ErrEmptyBatch     = errors.New("the batch has no documents")
	ErrTooManyRows    = errors.New("a batch holds at most 100,000 documents")
)

// MaxBatchRows is the largest batch the API accepts.
const MaxBatchRows = 100_000

// Kind tells an invoice from a credit note.
type Kind string

const (
	KindInvoice    Kind = "invoice"
	KindCreditNote Kind = "credit_note"
)

// Row-level refusal codes: a public contract, add, never rename.
const (
	CodeRequired           = "invoice.required"
	CodeInvalid            = "invoice.invalid"
	CodeTooLong            = "invoice.too_long"
	CodeSupplierNotEnroll  = "invoice.supplier_not_enrolled"
	CodeEInvoiceFormat     = "invoice.einvoice_id_format"
	CodeInvalidDate        = "invoice.invalid_date"
	CodeDueNotAfterIssue   = "invoice.due_not_after_issue"
	CodeDueInPast          = "invoice.due_in_past"
	CodeCurrencyMismatch   = "invoice.currency_mismatch"
	CodeInvalidAmount      = "invoice.invalid_amount"
	CodeTooManyDecimals    = "invoice.too_many_decimals"
	CodeAmountTooLarge     = "invoice.amount_too_large"
	CodeControlChar        = "invoice.control_character"
	CodeAboveProgramMax    = "invoice.above_program_max"
	CodeDuplicateDocument  = "invoice.duplicate_document"
	CodeEInvoiceLive       = "invoice.einvoice_live_elsewhere"
	CodeDuplicateInBatch   = "invoice.duplicate_in_batch"
	CodeCreditTargetAbsent = "invoice.credit_target_not_found"
	CodeAlreadyFinanced    = "invoice.already_financed"
	CodeNotNettable        = "invoice.not_nettable"
	CodeCreditExceeds      = "invoice.credit_exceeds_payable"
	CodeMalformedRow       = "invoice.malformed_row"
)

// Draft is a document as the buyer sends it, all text.
type Draft struct {
	Kind           string // "invoice" (default) or "credit_note"
	Supplier       string // party id or tax id
	DocumentNumber string
	EInvoiceID     string
	IssueDate      string
	DueDate        string // required for invoices
	Currency       string
	Amount         string
	CreditNoteFor  string // the credited invoice's document number (credit notes)
	Reference1     string
	Reference2     string
}

// Terms is what a draft is checked against: its program and the day.
type Terms struct {
	ProgramID  uuid.UUID
	BuyerID    uuid.UUID
	Country    string // MX: CFDI UUID, CO: CUFE
	Currency   money.Currency
	MaxAmount  *decimal.Decimal
	Today      time.Time // civil date in the program's time zone
	Suppliers  map[string]uuid.UUID
	CreatedAt  time.Time
	BatchID    *uuid.UUID
	BatchRowNo int
}

// Invoice is a validated document.
type Invoice struct {
	ID             uuid.UUID
	ProgramID      uuid.UUID
	BuyerID        uuid.UUID
	SupplierID     uuid.UUID
	Kind           Kind
	DocumentNumber string
	EInvoiceID     string
	IssueDate      time.Time
	DueDate        time.Time // zero for credit notes
	Currency       money.Currency
	FaceAmount     decimal.Decimal
	NettedAmount   decimal.Decimal
	CreditNoteFor  string    // document number of the credited invoice, before resolution
	CreditsInvoice uuid.UUID // the credited invoice, once resolved
	Status         Status
	Reference1     string
	Reference2     string
	BatchID        *uuid.UUID
	BatchRow       int
	PublishedBy    string // token subject of the user or API client
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Payable is what the buyer owes on the due date after netting.
func (i Invoice) Payable() decimal.Decimal { return i.FaceAmount.Sub(i.NettedAmount) }

// EligibleOn reports whether the invoice can be financed on day with minDays
// the program's minimum days to maturity.
func (i Invoice) EligibleOn(day time.Time, minDays int) bool {
	return i.Kind == KindInvoice && i.Status == Published && i.Payable().IsPositive() &&
		calendar.DaysBetween(day, i.DueDate) >= minDays
}

// SupplierKey normalises a supplier reference for Terms.Suppliers lookups:
// ids in canonical form, tax ids upper case without separators.
func SupplierKey(ref string) string {
	ref = strings.TrimSpace(ref)
	if id, err := uuid.Parse(ref); err == nil {
		return id.String()
	}
	return strings.ToUpper(taxIDSeparators.Replace(ref))
}

var taxIDSeparators = strings.NewReplacer(" ", "", ".", "", "-", "")

const maxText = 64

// Check validates a draft against its terms. It returns every field error at
// once, each with a stable code, so a batch row reports all its problems.
func Check(d Draft, t Terms) (Invoice, validation.Errors) {
	var errs validation.Errors
	inv := Invoice{ProgramID: t.ProgramID, BuyerID: t.BuyerID, Status: Published, CreatedAt: t.CreatedAt, UpdatedAt: t.CreatedAt,
		BatchID: t.BatchID, BatchRow: t.BatchRowNo, NettedAmount: decimal.Zero}
	switch strings.ToLower(strings.TrimSpace(d.Kind)) {
	case "", "invoice":
		inv.Kind = KindInvoice
	case "credit_note":
		inv.Kind = KindCreditNote
	default:
		inv.Kind = KindInvoice // check the rest as an invoice
		errs.Add("kind", CodeInvalid, "kind must be invoice or credit_note")
	}
	text := func(field, v string, required bool) string {
		v = strings.TrimSpace(v)
		switch {
		case !utf8.ValidString(v):
			errs.Add(field, CodeInvalid, "%s is not valid UTF-8", field)
		case v == "" && required:
			errs.Add(field, CodeRequired, "%s is required", field)
		case len(v) > maxText:
			errs.Add(field, CodeTooLong, "%s has more than %d characters", field, maxText)
		case validation.HasControl(v): // CSV rows reach here without the API's decoder
			errs.Add(field, CodeControlChar, "%s must not contain control characters", field)
		}
		return v
	}
	if s := strings.TrimSpace(d.Supplier); s == "" {
		errs.Add("supplier", CodeRequired, "supplier (party id or tax id) is required")
	} else if id, ok := t.Suppliers[SupplierKey(s)]; ok {
		inv.SupplierID = id
	} else {
		errs.Add("supplier", CodeSupplierNotEnroll, "the supplier is not enrolled in this program")
	}
	inv.DocumentNumber = text("document_number", d.DocumentNumber, true)
	inv.Reference1 = text("reference1", d.Reference1, false)
	inv.Reference2 = text("reference2", d.Reference2, false)
	if e, err := NormalizeEInvoiceID(t.Country, d.EInvoiceID); err != nil {
		errs.Add("einvoice_id", CodeEInvoiceFormat, "%s", err.Error())
	} else {
		inv.EInvoiceID = e
	}
	date := func(field, s string) time.Time {
		s = strings.TrimSpace(s)
		if s == "" {
			errs.Add(field, CodeRequired, "%s is required (YYYY-MM-DD)", field)
			return time.Time{}
		}
		day, err := calendar.ParseDate(s)
		if err != nil {
			errs.Add(field, CodeInvalidDate, "%s must be a date YYYY-MM-DD", field)
		}
		return day
	}
	inv.IssueDate = date("issue_date", d.IssueDate)
	if inv.Kind == KindInvoice {
		inv.DueDate = date("due_date", d.DueDate)
		if !inv.IssueDate.IsZero() && !inv.DueDate.IsZero() {
			if !inv.DueDate.After(inv.IssueDate) {
				errs.Add("due_date", CodeDueNotAfterIssue, "due date must be after the issue date")
			}
			if !inv.DueDate.After(t.Today) {
				errs.Add("due_date", CodeDueInPast, "due date must be in the future (today is %s)", t.Today.Format(time.DateOnly))
			}
		}
	} else {
		inv.CreditNoteFor = text("credit_note_for", d.CreditNoteFor, true)
	}
	inv.Currency = t.Currency
	if c := strings.TrimSpace(d.Currency); c != "" && !strings.EqualFold(c, string(t.Currency)) {
		errs.Add("currency", CodeCurrencyMismatch, "currency must be the program's, %s", t.Currency)
	}
	inv.FaceAmount = amount(&errs, d.Amount, t)
	if errs != nil {
		return Invoice{}, errs
	}
	inv.ID = uuid.Must(uuid.NewV7()) // time-ordered: keyset pages follow publication order
	return inv, nil
}

func amount(errs *validation.Errors, s string, t Terms) decimal.Decimal {
	a, err := money.ParsePositiveAmount(s, t.Currency)
	switch {
	case strings.TrimSpace(s) == "":
		errs.Add("amount", CodeRequired, "amount is required")
	case errors.Is(err, money.ErrTooLarge):
		errs.Add("amount", CodeAmountTooLarge, "amount has more than %d integer digits", money.MaxIntegerDigits)
	case errors.Is(err, money.ErrTooManyDecimals):
		errs.Add("amount", CodeTooManyDecimals, "amount has more than %d decimals", t.Currency.MinorUnits())
	case err != nil:
		errs.Add("amount", CodeInvalidAmount, "amount must be a positive decimal such as \"1250.00\"")
	case t.MaxAmount != nil && a.GreaterThan(*t.MaxAmount):
		errs.Add("amount", CodeAboveProgramMax, "amount is above the program's maximum of %s", money.Format(*t.MaxAmount, t.Currency))
	}
	return a
}

// NormalizeEInvoiceID checks an electronic invoice id for the program's
// country: Mexico's CFDI UUID (8-4-4-4-12 hex, upper case) or Colombia's
// CUFE (96 hex characters, lower case).
func NormalizeEInvoiceID(country, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("einvoice_id is required")
	}
	switch country {
	case "CO":
		if len(s) != 96 || !isHex(s) {
			return "", errors.New("a CUFE has 96 hexadecimal characters")
		}
		return strings.ToLower(s), nil
	default:
		if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' ||
			!isHex(s[:8]+s[9:13]+s[14:18]+s[19:23]+s[24:]) {
			return "", errors.New("a CFDI folio fiscal is a UUID such as 6F9619FF-8B86-D011-B42D-00C04FC964FF")
		}
		return strings.ToUpper(s), nil
	}
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}
