package ledger

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/validation"
)

// EntryKind is the business event an entry records.
type EntryKind string

const (
	EntryFunding        EntryKind = "funding"         // lender pays the supplier and buys the receivable
	EntryRepayment      EntryKind = "repayment"       // buyer pays the lender at maturity
	EntryDiscountEarned EntryKind = "discount_earned" // unearned discount becomes income
	EntryPlatformFee    EntryKind = "platform_fee"    // lender pays the platform's fee
	EntryReversal       EntryKind = "reversal"        // the exact opposite of an earlier entry
	EntryAdjustment     EntryKind = "adjustment"      // an operator's correcting entry
)

var entryKinds = []EntryKind{EntryFunding, EntryRepayment, EntryDiscountEarned, EntryPlatformFee, EntryReversal, EntryAdjustment}

// Valid reports whether k is known.
func (k EntryKind) Valid() bool { return slices.Contains(entryKinds, k) }

// MaxLines bounds an entry; the standard entries use at most eight.
const MaxLines = 100

// maxAmountDigits keeps a line below NUMERIC(20,2)'s overflow.
const maxAmountDigits = 18

var maxAmount = decimal.New(1, maxAmountDigits)

// Errors of the store, defined here so the API can map them without
// importing SQL.
var (
	ErrEntryNotFound   = errors.New("journal entry not found")
	ErrEntryConflict   = errors.New("journal entry id already posted with different content")
	ErrAlreadyReversed = errors.New("journal entry already reversed")
	ErrBadReversal     = errors.New("reversal does not mirror the entry it reverses")
	ErrAccountOwner    = errors.New("account owner is not a party of the role its kind needs")
)

// Line is one debit or credit of a positive amount to an account.
type Line struct {
	Account Account
	Side    Side
	Amount  decimal.Decimal
}

// DebitLine builds a debit of amount to a.
func DebitLine(a Account, amount decimal.Decimal) Line {
	return Line{Account: a, Side: Debit, Amount: amount}
}

// CreditLine builds a credit of amount to a.
func CreditLine(a Account, amount decimal.Decimal) Line {
	return Line{Account: a, Side: Credit, Amount: amount}
}

// Signed is the line's effect on its account's balance, debits positive.
func (l Line) Signed() decimal.Decimal {
	if l.Side == Credit {
		return l.Amount.Neg()
	}
	return l.Amount
}

// Entry is one balanced journal entry. Entries are immutable once posted;
// a mistake is corrected by posting its Reverse and then the right entry.
type Entry struct {
	ID        uuid.UUID // the caller's idempotency handle: posting the same id twice is a no-op
	At        time.Time // when the movement happened (value time), microsecond precision
	Kind      EntryKind
	Reference uuid.UUID // what caused it, e.g. the financing id
	Reverses  uuid.UUID // the reversed entry, for reversals only
	Lines     []Line
}

// New builds and validates an entry. At is kept in UTC to the microsecond,
// the database's precision, so a stored entry compares equal to its source.
func New(id uuid.UUID, at time.Time, kind EntryKind, reference uuid.UUID, lines ...Line) (Entry, error) {
	e := Entry{ID: id, At: normalTime(at), Kind: kind, Reference: reference, Lines: slices.Clone(lines)}
	if err := e.Validate(); err != nil {
		return Entry{}, err
	}
	return e, nil
}

func normalTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// Validate refuses an entry with fewer than two lines, a line that is not a
// positive amount in its currency's minor units, or debits that differ from
// credits in any currency. Several currencies may share an entry only if
// each balances on its own. Field errors use the codes listed in docs/ledger.md.
func (e Entry) Validate() error {
	var errs validation.Errors
	if e.ID == uuid.Nil {
		errs.Add("id", "required", "an entry needs an id")
	}
	if e.At.IsZero() {
		errs.Add("at", "required", "an entry needs a time")
	}
	if !e.Kind.Valid() {
		errs.Add("kind", "invalid", "unknown entry kind %q", e.Kind)
	}
	if e.Reference == uuid.Nil {
		errs.Add("reference", "required", "an entry needs a reference")
	}
	if (e.Kind == EntryReversal) != (e.Reverses != uuid.Nil) {
		errs.Add("reverses", "invalid", "reverses is set on reversals and only on them")
	}
	switch {
	case len(e.Lines) < 2:
		errs.Add("lines", "too_few_lines", "an entry needs at least two lines")
	case len(e.Lines) > MaxLines:
		errs.Add("lines", "too_many_lines", "an entry has at most %d lines", MaxLines)
	}
	sums := map[money.Currency]decimal.Decimal{}
	for i, l := range e.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		if l.Account.Party == uuid.Nil {
			errs.Add(f+".account.party", "required", "an account needs an owner")
		}
		if !l.Account.Kind.Valid() {
			errs.Add(f+".account.kind", "invalid", "unknown account kind %q", l.Account.Kind)
		}
		if !l.Side.valid() {
			errs.Add(f+".side", "invalid", "side must be D or C")
		}
		if !l.Account.Currency.Valid() {
			errs.Add(f+".account.currency", "unknown_currency", "unknown currency %q", l.Account.Currency)
			continue
		}
		switch {
		case !l.Amount.IsPositive():
			errs.Add(f+".amount", "not_positive", "a line amount must be above zero")
		case money.CheckScale(l.Amount, l.Account.Currency) != nil:
			errs.Add(f+".amount", "too_many_decimals", "%s allows %d decimals", l.Account.Currency, l.Account.Currency.MinorUnits())
		case l.Amount.Cmp(maxAmount) >= 0:
			errs.Add(f+".amount", "too_large", "a line amount must be below 10^%d", maxAmountDigits)
		}
		sums[l.Account.Currency] = sums[l.Account.Currency].Add(l.Signed())
	}
	if len(errs) == 0 {
		for _, c := range sortedKeys(sums) {
			if !sums[c].IsZero() {
				errs.Add("lines", "unbalanced", "%s debits exceed credits by %s", c, money.Format(sums[c], c))
			}
		}
	}
	return errs.Err()
}

func sortedKeys[V any](m map[money.Currency]V) []money.Currency {
	out := make([]money.Currency, 0, len(m))
	for c := range m {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// Equal reports whether two entries record the same thing, line for line.
func (e Entry) Equal(o Entry) bool {
	if e.ID != o.ID || !normalTime(e.At).Equal(normalTime(o.At)) || e.Kind != o.Kind ||
		e.Reference != o.Reference || e.Reverses != o.Reverses || len(e.Lines) != len(o.Lines) {
		return false
	}
	for i, l := range e.Lines {
		m := o.Lines[i]
		if l.Account != m.Account || l.Side != m.Side || !l.Amount.Equal(m.Amount) {
			return false
		}
	}
	return true
}

// idNamespace scopes the name-based ids of IDFor.
var idNamespace = uuid.MustParse("5b0e3a4c-8f0d-4d55-9a43-6c1f2b7d9e10")

// IDFor derives a stable entry id from what causes the entry, so that a
// replayed cause (a retried message, a second click) posts nothing new:
// e.g. IDFor(EntryFunding, financingID).
func IDFor(kind EntryKind, cause uuid.UUID) uuid.UUID {
	return uuid.NewSHA1(idNamespace, []byte(string(kind)+"/"+cause.String()))
}

// Reverse builds the exact opposite of e, dated at: the same accounts and
// amounts on the other side. Its id is IDFor(EntryReversal, e.ID), so an
// entry can be reversed once; reversing the reversal restores e's effect.
func Reverse(e Entry, at time.Time) (Entry, error) {
	if err := e.Validate(); err != nil {
		return Entry{}, err
	}
	lines := make([]Line, len(e.Lines))
	for i, l := range e.Lines {
		lines[i] = Line{Account: l.Account, Side: l.Side.Opposite(), Amount: l.Amount}
	}
	r := Entry{ID: IDFor(EntryReversal, e.ID), At: normalTime(at), Kind: EntryReversal, Reference: e.Reference, Reverses: e.ID, Lines: lines}
	if err := r.Validate(); err != nil {
		return Entry{}, err
	}
	return r, nil
}

// IsReversalOf reports whether r is exactly the opposite of orig.
func IsReversalOf(r, orig Entry) bool {
	if r.Kind != EntryReversal || r.Reverses != orig.ID || r.Reference != orig.Reference || len(r.Lines) != len(orig.Lines) {
		return false
	}
	for i, l := range r.Lines {
		o := orig.Lines[i]
		if l.Account != o.Account || l.Side != o.Side.Opposite() || !l.Amount.Equal(o.Amount) {
			return false
		}
	}
	return true
}
