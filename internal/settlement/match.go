package settlement

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/iso20022"
	"github.com/cadena-finance/cadena/internal/money"
)

// Outcome is what matching made of one statement item.
type Outcome string

const (
	Matched    Outcome = "matched"    // confirmed its leg
	Duplicated Outcome = "duplicate"  // confirmed its leg before: ignored
	Unmatched  Outcome = "unmatched"  // no payment of Cadena's: for an operator
	Mismatched Outcome = "mismatched" // a payment of Cadena's, but not as expected: for an operator
)

// Item is one transaction of a camt.054 entry (or the entry itself when it
// has none), flattened with what matching needs.
type Item struct {
	Line           int
	EntryReference string
	BankReference  string // the transaction's AcctSvcrRef, else the entry's, else its NtryRef
	EndToEndID     string
	Amount         decimal.Decimal
	Currency       money.Currency
	CreditDebit    iso20022.CreditDebit
	Status         string
	Reversal       bool
	BookingDate    time.Time
	Account        iso20022.Account // the reported account
}

// Items flattens a notification in file order.
func Items(n iso20022.Notification) []Item {
	var out []Item
	for _, r := range n.Reports {
		for _, e := range r.Entries {
			base := Item{Line: e.Line, EntryReference: e.Reference, Amount: e.Amount, Currency: e.Currency, CreditDebit: e.CreditDebit,
				Status: e.Status, Reversal: e.Reversal, BookingDate: e.BookingDate, Account: r.Account,
				BankReference: firstOf(e.BankReference, e.Reference)}
			if base.BookingDate.IsZero() {
				base.BookingDate = e.ValueDate
			}
			if len(e.Transactions) == 0 {
				out = append(out, base)
				continue
			}
			for _, t := range e.Transactions {
				it := base
				it.EndToEndID, it.Amount, it.Currency, it.CreditDebit = t.EndToEndID, t.Amount, t.Currency, t.CreditDebit
				it.BankReference = firstOf(t.BankReference, e.BankReference, e.Reference)
				out = append(out, it)
			}
		}
	}
	return out
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// Screen is the part of matching that needs no lookup: only a booked,
// unreversed item with one of Cadena's end-to-end ids can confirm anything.
func Screen(it Item) (uuid.UUID, Leg, Outcome, string) {
	switch {
	case it.Status != iso20022.StatusBooked:
		return uuid.Nil, "", Unmatched, fmt.Sprintf("entry status %s: only booked entries confirm a payment", it.Status)
	case it.Reversal:
		return uuid.Nil, "", Unmatched, "a reversal confirms nothing"
	case it.EndToEndID == "":
		return uuid.Nil, "", Unmatched, "no end-to-end id"
	case it.BankReference == "":
		return uuid.Nil, "", Unmatched, "no bank reference to remember the payment by"
	}
	id, leg, ok := ParseEndToEndID(it.EndToEndID)
	if !ok {
		return uuid.Nil, "", Unmatched, "end-to-end id is not one of Cadena's"
	}
	return id, leg, "", ""
}

// Accounts are the bank accounts of a payment's two parties in its currency.
type Accounts struct {
	Debtor, Creditor []iso20022.Account
}

// Match judges a screened item against the payment it names (want), the
// leg as stored, the financing's status and the parties' accounts. The
// item must move money the right way on a party's own account: out of the
// debtor's (DBIT) or into the creditor's (CRDT). The amount, currency and
// direction must be exact; nothing is ever applied approximately.
func Match(it Item, want Payment, stored *Stored, status financing.Status, accts Accounts) (Outcome, string) {
	var dir iso20022.CreditDebit
	switch {
	case containsAccount(accts.Debtor, it.Account):
		dir = iso20022.Debit
	case containsAccount(accts.Creditor, it.Account):
		dir = iso20022.Credit
	default:
		return Mismatched, "the reported account is neither the payer's nor the payee's"
	}
	if it.CreditDebit != dir {
		return Mismatched, fmt.Sprintf("%s on the %s's account, expected %s", it.CreditDebit, map[iso20022.CreditDebit]string{iso20022.Debit: "payer", iso20022.Credit: "payee"}[dir], dir)
	}
	c := Confirmation{Source: SourceCamt054, BankReference: it.BankReference, Amount: it.Amount, Currency: it.Currency, Date: it.BookingDate}
	v, err := Judge(want, stored, c)
	switch {
	case err == ErrAmountMismatch:
		return Mismatched, fmt.Sprintf("amount %s %s, expected %s %s", money.Format(it.Amount, it.Currency), it.Currency, money.Format(want.Amount, want.Currency), want.Currency)
	case err == ErrAlreadyConfirmed:
		return Mismatched, "the " + string(want.Leg) + " is already confirmed with another bank reference"
	case v == Duplicate:
		return Duplicated, "already confirmed by this bank reference"
	}
	if _, err := Path(status, want.Leg); err != nil {
		return Mismatched, fmt.Sprintf("the financing is %s: a %s cannot be applied", status, want.Leg)
	}
	return Matched, ""
}

func containsAccount(list []iso20022.Account, a iso20022.Account) bool {
	for _, b := range list {
		if SameAccount(a, b) {
			return true
		}
	}
	return false
}

// SameAccount compares by the identifier a bank would report: the IBAN
// when both have one, else the CLABE or the Colombian number.
func SameAccount(a, b iso20022.Account) bool {
	switch {
	case a.IBAN != "" && b.IBAN != "":
		return a.IBAN == b.IBAN
	case a.CLABE != "":
		return a.CLABE == b.CLABE
	case a.CONumber != "":
		return a.CONumber == b.CONumber
	}
	return false
}

// Statement is an uploaded camt.054 with the outcome of each item.
type Statement struct {
	ID                uuid.UUID
	MessageID         string
	UploadedByParty   uuid.UUID
	UploadedBySubject string
	UploaderRole      string
	DuplicateOf       *uuid.UUID // an earlier upload of the same message by the same party
	CreatedAt         time.Time
	Entries           []StatementEntry
}

// StatementEntry is one item and what matching made of it.
type StatementEntry struct {
	Item
	Outcome     Outcome
	Reason      string
	FinancingID *uuid.UUID
	Leg         Leg
}

// DuplicateEntries are the items of a message uploaded before (as
// statement of): each comes out duplicate and none is judged again, so
// nothing is confirmed, or held for review, a second time.
func DuplicateEntries(items []Item, of uuid.UUID) []StatementEntry {
	out := make([]StatementEntry, len(items))
	for i, it := range items {
		out[i] = StatementEntry{Item: it, Outcome: Duplicated, Reason: "the message was uploaded before as statement " + of.String()}
	}
	return out
}

// Held reports whether an outcome is held for an operator's review.
func (o Outcome) Held() bool { return o == Unmatched || o == Mismatched }

// StatementSummary is a statement without its items, for lists.
type StatementSummary struct {
	Statement                // Entries is nil
	Outcomes  map[string]int // how many items came out of each outcome (every outcome present)
}

// Held reports whether any item is held for an operator's review.
func (s StatementSummary) Held() bool {
	return s.Outcomes[string(Unmatched)]+s.Outcomes[string(Mismatched)] > 0
}

// Counts is how many items came out of each outcome (every outcome present).
func (s Statement) Counts() map[string]int {
	out := map[string]int{string(Matched): 0, string(Duplicated): 0, string(Unmatched): 0, string(Mismatched): 0}
	for _, e := range s.Entries {
		out[string(e.Outcome)]++
	}
	return out
}
