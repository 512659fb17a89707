package settling

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/ledger"
	"github.com/cadena-finance/cadena/internal/ledger/ledgerdb"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/validation"
)

// TrialBalanceRow is one currency's totals over the whole journal.
type TrialBalanceRow struct {
	Currency                 money.Currency
	Debits, Credits, Balance decimal.Decimal // Balance = Debits − Credits: zero unless the journal is broken
}

func trialBalance(ctx context.Context, q db.Querier) ([]TrialBalanceRow, error) {
	rows, err := ledgerdb.TrialBalance(ctx, q)
	out := make([]TrialBalanceRow, len(rows))
	for i, r := range rows {
		out[i] = TrialBalanceRow{Currency: r.Currency, Debits: r.Debits, Credits: r.Credits, Balance: r.Balance}
	}
	return out, err
}

// TrialBalance sums the whole journal per currency (operators only); every
// balance is zero unless the journal is broken.
func (a *App) TrialBalance(ctx context.Context, act app.Actor) ([]TrialBalanceRow, error) {
	if !act.Is(auth.RoleOperator) {
		return nil, app.ErrForbidden
	}
	return trialBalance(ctx, a.Pool)
}

// Balance is one of a party's accounts with its totals, debits positive.
type Balance struct {
	Account                  ledger.AccountKind
	Debits, Credits, Balance decimal.Decimal
}

// StatementLine is one movement of one of the party's accounts, with the
// account's balance after it.
type StatementLine struct {
	At          time.Time
	EntryID     uuid.UUID
	EntryKind   ledger.EntryKind
	FinancingID uuid.UUID // the entry's reference
	Account     ledger.AccountKind
	Side        ledger.Side
	Amount      decimal.Decimal
	Balance     decimal.Decimal
}

func balances(bs []ledgerdb.AccountBalance) []Balance {
	out := make([]Balance, len(bs))
	for i, b := range bs {
		out[i] = Balance{Account: b.Account.Kind, Debits: b.Debits, Credits: b.Credits, Balance: b.Balance}
	}
	return out
}

// statementCursor is "<at RFC3339Nano>_<seq>_<line>": the position after a line.
func statementCursor(l ledgerdb.StatementLine) string {
	return l.At.UTC().Format(time.RFC3339Nano) + "_" + strconv.FormatInt(l.Seq, 10) + "_" + strconv.Itoa(l.LineNo)
}

// ErrBadCursor: a statement cursor this API did not return.
var ErrBadCursor = errors.New("cursor is not one this API returned")

func parseStatementCursor(s string) (ledgerdb.Cursor, error) {
	if s == "" {
		return ledgerdb.Cursor{}, nil
	}
	parts := strings.Split(s, "_")
	if len(parts) != 3 {
		return ledgerdb.Cursor{}, ErrBadCursor
	}
	at, err1 := time.Parse(time.RFC3339Nano, parts[0])
	seq, err2 := strconv.ParseInt(parts[1], 10, 64)
	line, err3 := strconv.Atoi(parts[2])
	if err1 != nil || err2 != nil || err3 != nil {
		return ledgerdb.Cursor{}, ErrBadCursor
	}
	return ledgerdb.Cursor{At: at, Seq: seq, LineNo: line}, nil
}

// StatementQuery asks for a party's statement in one currency over [From, To].
type StatementQuery struct {
	Currency string
	From, To string // YYYY-MM-DD, inclusive; empty is open
	After    string // the Next of the previous page
	Limit    int
}

// PartyStatement is the caller's own movements with opening and closing balances.
type PartyStatement struct {
	Currency money.Currency
	From, To time.Time // zero when open; To is exclusive (the day after the asked-for date)
	Opening  []Balance
	Closing  []Balance
	Lines    []StatementLine
	Next     string // empty on the last page
}

// Statement returns the caller party's ledger statement: each party reads
// only its own accounts (operators the platform's, which they own).
func (a *App) Statement(ctx context.Context, act app.Actor, q StatementQuery) (PartyStatement, error) {
	var errs validation.Errors
	cur, err := money.ParseCurrency(q.Currency)
	if err != nil {
		errs.Add("currency", "unsupported_currency", "currency must be MXN, COP or USD")
	}
	day := func(field, s string, next bool) time.Time {
		if s == "" {
			return time.Time{}
		}
		d, err := calendar.ParseDate(s)
		if err != nil {
			errs.Add(field, "invalid_date", "%s is YYYY-MM-DD", field)
			return time.Time{}
		}
		if next {
			return d.AddDate(0, 0, 1)
		}
		return d
	}
	out := PartyStatement{Currency: cur, From: day("from", q.From, false), To: day("to", q.To, true)}
	if err := errs.Err(); err != nil {
		return out, err
	}
	limit := q.Limit
	if limit <= 0 || limit > 1000 {
		limit = 1000
	}
	after, err := parseStatementCursor(q.After)
	if err != nil {
		return out, err
	}
	if !out.From.IsZero() { // an open start has nothing before it
		opening, err := ledgerdb.Balances(ctx, a.Pool, act.PartyID, cur, out.From)
		if err != nil {
			return out, err
		}
		out.Opening = balances(opening)
	}
	closing, err := ledgerdb.Balances(ctx, a.Pool, act.PartyID, cur, out.To)
	if err != nil {
		return out, err
	}
	out.Closing = balances(closing)
	lines, err := ledgerdb.Statement(ctx, a.Pool, act.PartyID, cur, out.From, out.To, after, limit+1)
	if err != nil {
		return out, err
	}
	if len(lines) > limit {
		lines = lines[:limit]
		out.Next = statementCursor(lines[limit-1])
	}
	out.Lines = make([]StatementLine, len(lines))
	for i, l := range lines {
		out.Lines[i] = StatementLine{At: l.At, EntryID: l.EntryID, EntryKind: l.EntryKind, FinancingID: l.Reference, Account: l.Account,
			Side: l.Side, Amount: l.Amount, Balance: l.Balance}
	}
	return out, nil
}
