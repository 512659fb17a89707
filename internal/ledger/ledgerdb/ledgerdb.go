// Package ledgerdb is the only place with SQL for the ledger: accounts,
// journal entries and lines, trial balances and statements. Posting belongs
// in the transaction of the state change that causes it.
package ledgerdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/ledger"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/platform/db"
)

// IsUnbalanced reports the database's own refusal of an unbalanced entry,
// raised at commit by the journal_entry_balanced constraint trigger.
func IsUnbalanced(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23514" && pgErr.ConstraintName == "journal_entry_balanced"
}

// Post writes e in q's transaction. Posting an id already stored is a no-op
// when the stored entry is the same, ErrEntryConflict otherwise (or
// ErrAlreadyReversed for a second, different reversal of one entry). A
// reversal must mirror a stored entry exactly.
func Post(ctx context.Context, q db.Querier, e ledger.Entry) error {
	if err := e.Validate(); err != nil {
		return err
	}
	if e.Kind == ledger.EntryReversal {
		orig, err := Get(ctx, q, e.Reverses)
		if err != nil {
			return fmt.Errorf("reversed entry %s: %w", e.Reverses, err)
		}
		if !ledger.IsReversalOf(e, orig) {
			return ledger.ErrBadReversal
		}
	}
	var reverses *uuid.UUID
	if e.Reverses != uuid.Nil {
		reverses = &e.Reverses
	}
	var inserted bool
	err := q.QueryRow(ctx, `INSERT INTO journal_entries (id, kind, reference, reverses, at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO NOTHING RETURNING true`,
		e.ID, string(e.Kind), e.Reference, reverses, e.At.UTC().Truncate(time.Microsecond)).Scan(&inserted)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return samePosted(ctx, q, e)
	case db.IsUniqueViolation(err, "journal_entries_reverses_key"):
		return ledger.ErrAlreadyReversed
	case err != nil:
		return err
	}

	return insertLines(ctx, q, e)
}

func insertLines(ctx context.Context, q db.Querier, e ledger.Entry) error {
	accounts := make([]ledger.Account, 0, len(e.Lines))
	seen := map[ledger.Account]bool{}
	for _, l := range e.Lines {
		if !seen[l.Account] {
			seen[l.Account] = true
			accounts = append(accounts, l.Account)
		}
	}
	// One order for everyone, so two posts creating the same accounts cannot deadlock.
	ledger.SortAccounts(accounts)
	aParty := make([]uuid.UUID, len(accounts))
	aCurrency, aKind := make([]string, len(accounts)), make([]string, len(accounts))
	for i, a := range accounts {
		aParty[i], aCurrency[i], aKind[i] = a.Party, string(a.Currency), string(a.Kind)
	}
	n := len(e.Lines)
	lineNo, lParty := make([]int16, n), make([]uuid.UUID, n)
	lCurrency, lKind, lSide := make([]string, n), make([]string, n), make([]string, n)
	lAmount := make([]decimal.Decimal, n)
	for i, l := range e.Lines {
		lineNo[i] = int16(i + 1)
		lParty[i], lCurrency[i], lKind[i] = l.Account.Party, string(l.Account.Currency), string(l.Account.Kind)
		lSide[i], lAmount[i] = string(l.Side), l.Amount
	}

	var b pgx.Batch
	b.Queue(`INSERT INTO ledger_accounts (party_id, currency, kind)
		SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING`, aParty, aCurrency, aKind)
	b.Queue(`INSERT INTO journal_lines (entry_id, line_no, account_id, currency, side, amount)
		SELECT $1, x.line_no, a.id, x.currency, x.side, x.amount
		FROM unnest($2::smallint[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::numeric[])
		     AS x(line_no, party_id, currency, kind, side, amount)
		JOIN ledger_accounts a ON a.party_id = x.party_id AND a.currency = x.currency AND a.kind = x.kind`,
		e.ID, lineNo, lParty, lCurrency, lKind, lSide, lAmount)
	br := q.SendBatch(ctx, &b)
	_, err := br.Exec()
	var tag pgconn.CommandTag
	if err == nil {
		tag, err = br.Exec()
	}
	if err := errors.Join(err, br.Close()); err != nil {
		if isOwnerViolation(err) {
			return fmt.Errorf("%w: %w", ledger.ErrAccountOwner, err)
		}
		return err
	}
	if tag.RowsAffected() != int64(n) {
		return fmt.Errorf("ledger: entry %s: %d of %d lines stored", e.ID, tag.RowsAffected(), n)
	}
	return nil
}

// isOwnerViolation reports an account whose owner is missing or has another
// role (trigger ledger_account_owner_role, or the foreign key behind it).
func isOwnerViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "23503" || pgErr.ConstraintName == "ledger_account_owner_role")
}

// samePosted decides a repeated id: the same entry is a no-op.
func samePosted(ctx context.Context, q db.Querier, e ledger.Entry) error {
	stored, err := Get(ctx, q, e.ID)
	if err != nil {
		return err
	}
	switch {
	case stored.Equal(e):
		return nil
	case e.Kind == ledger.EntryReversal && stored.Kind == ledger.EntryReversal && stored.Reverses == e.Reverses:
		return ledger.ErrAlreadyReversed
	}
	return ledger.ErrEntryConflict
}

const entryCols = `e.id, e.kind, e.reference, e.reverses, e.at, a.party_id, a.currency, a.kind, l.side, l.amount`

const entryFrom = ` FROM journal_entries e
	JOIN journal_lines l ON l.entry_id = e.id
	JOIN ledger_accounts a ON a.id = l.account_id `

// collectEntries groups rows ordered by entry then line into entries.
func collectEntries(rows pgx.Rows) ([]ledger.Entry, error) {
	defer rows.Close()
	var out []ledger.Entry
	for rows.Next() {
		var (
			id, ref                uuid.UUID
			reverses               *uuid.UUID
			kind, cur, akind, side string
			at                     time.Time
			party                  uuid.UUID
			amount                 decimal.Decimal
		)
		if err := rows.Scan(&id, &kind, &ref, &reverses, &at, &party, &cur, &akind, &side, &amount); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].ID != id {
			e := ledger.Entry{ID: id, Kind: ledger.EntryKind(kind), Reference: ref, At: at.UTC()}
			if reverses != nil {
				e.Reverses = *reverses
			}
			out = append(out, e)
		}
		last := &out[len(out)-1]
		last.Lines = append(last.Lines, ledger.Line{
			Account: ledger.Account{Party: party, Currency: money.Currency(cur), Kind: ledger.AccountKind(akind)},
			Side:    ledger.Side(side), Amount: amount,
		})
	}
	return out, rows.Err()
}

// Get loads one entry.
func Get(ctx context.Context, q db.Querier, id uuid.UUID) (ledger.Entry, error) {
	rows, err := q.Query(ctx, "SELECT "+entryCols+entryFrom+"WHERE e.id = $1 ORDER BY l.line_no", id)
	if err != nil {
		return ledger.Entry{}, err
	}
	es, err := collectEntries(rows)
	if err != nil {
		return ledger.Entry{}, err
	}
	if len(es) == 0 {
		return ledger.Entry{}, ledger.ErrEntryNotFound
	}
	return es[0], nil
}

// EntriesFor loads every entry with the given reference (e.g. a financing),
// in time order.
func EntriesFor(ctx context.Context, q db.Querier, reference uuid.UUID) ([]ledger.Entry, error) {
	rows, err := q.Query(ctx, "SELECT "+entryCols+entryFrom+"WHERE e.reference = $1 ORDER BY e.at, e.seq, l.line_no", reference)
	if err != nil {
		return nil, err
	}
	return collectEntries(rows)
}

// TrialBalanceRow is one currency's totals over the whole journal.
type TrialBalanceRow struct {
	Currency money.Currency
	Debits   decimal.Decimal
	Credits  decimal.Decimal
	Balance  decimal.Decimal // Debits − Credits: zero unless the journal is broken
}

// TrialBalance sums every line per currency.
func TrialBalance(ctx context.Context, q db.Querier) ([]TrialBalanceRow, error) {
	rows, err := q.Query(ctx, `SELECT currency,
			coalesce(sum(amount) FILTER (WHERE side = 'D'), 0),
			coalesce(sum(amount) FILTER (WHERE side = 'C'), 0)
		FROM journal_lines GROUP BY currency ORDER BY currency`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (TrialBalanceRow, error) {
		var t TrialBalanceRow
		var cur string
		err := r.Scan(&cur, &t.Debits, &t.Credits)
		t.Currency = money.Currency(cur)
		t.Balance = t.Debits.Sub(t.Credits)
		return t, err
	})
}

// AccountBalance is one account's totals.
type AccountBalance struct {
	Account ledger.Account
	Debits  decimal.Decimal
	Credits decimal.Decimal
	Balance decimal.Decimal // Debits − Credits; ledger.AccountKind.Normal tells the usual sign
}

// Balances returns the party's accounts in currency with their totals over
// entries dated before before (every entry when before is zero): a
// statement's opening balances, or its closing ones.
func Balances(ctx context.Context, q db.Querier, partyID uuid.UUID, currency money.Currency, before time.Time) ([]AccountBalance, error) {
	rows, err := q.Query(ctx, `SELECT a.party_id, a.currency, a.kind,
			coalesce(sum(l.amount) FILTER (WHERE l.side = 'D'), 0),
			coalesce(sum(l.amount) FILTER (WHERE l.side = 'C'), 0)
		FROM ledger_accounts a
		LEFT JOIN (journal_lines l JOIN journal_entries e ON e.id = l.entry_id AND ($3::timestamptz IS NULL OR e.at < $3))
		       ON l.account_id = a.id
		WHERE a.party_id = $1 AND a.currency = $2
		GROUP BY a.id ORDER BY a.kind`, partyID, string(currency), optTime(before))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (AccountBalance, error) {
		var b AccountBalance
		var cur, kind string
		err := r.Scan(&b.Account.Party, &cur, &kind, &b.Debits, &b.Credits)
		b.Account.Currency, b.Account.Kind = money.Currency(cur), ledger.AccountKind(kind)
		b.Balance = b.Debits.Sub(b.Credits)
		return b, err
	})
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// Cursor is a position in a statement; the zero Cursor is its start.
type Cursor struct {
	At     time.Time
	Seq    int64
	LineNo int
}

// StatementLine is one movement of one of the party's accounts.
type StatementLine struct {
	EntryID   uuid.UUID
	EntryKind ledger.EntryKind
	Reference uuid.UUID
	At        time.Time
	Seq       int64 // the entry's posting order, the tie-break after At
	LineNo    int
	Account   ledger.AccountKind
	Side      ledger.Side
	Amount    decimal.Decimal
	Balance   decimal.Decimal // the account's balance after this line, debits positive, from its first movement
}

// Cursor is the position after l, to ask for the next page.
func (l StatementLine) Cursor() Cursor { return Cursor{At: l.At, Seq: l.Seq, LineNo: l.LineNo} }

// Statement lists the movements of the party's accounts in currency dated
// in [from, to) (a zero bound is open), after the cursor, ordered by entry
// time, posting order and line, with each account's running balance.
// limit is clamped to 1..1000. Entries dated into a page already read, or
// committed late with an earlier seq, appear on a re-read, not on the next
// page: statements of closed periods are stable.
func Statement(ctx context.Context, q db.Querier, partyID uuid.UUID, currency money.Currency, from, to time.Time, after Cursor, limit int) ([]StatementLine, error) {
	limit = max(1, min(limit, 1000))
	var afterAt *time.Time
	if !after.At.IsZero() {
		afterAt = &after.At
	}
	rows, err := q.Query(ctx, `WITH moves AS (
			SELECT e.id, e.kind AS entry_kind, e.reference, e.at, e.seq, l.line_no, a.kind AS account_kind, l.side, l.amount,
			       sum(CASE l.side WHEN 'D' THEN l.amount ELSE -l.amount END)
			           OVER (PARTITION BY l.account_id ORDER BY e.at, e.seq, l.line_no) AS balance
			FROM ledger_accounts a
			JOIN journal_lines l ON l.account_id = a.id
			JOIN journal_entries e ON e.id = l.entry_id
			WHERE a.party_id = $1 AND a.currency = $2 AND ($4::timestamptz IS NULL OR e.at < $4)
		)
		SELECT id, entry_kind, reference, at, seq, line_no, account_kind, side, amount, balance FROM moves
		WHERE ($3::timestamptz IS NULL OR at >= $3)
		  AND ($5::timestamptz IS NULL OR (at, seq, line_no) > ($5::timestamptz, $6::bigint, $7::smallint))
		ORDER BY at, seq, line_no
		LIMIT $8`,
		partyID, string(currency), optTime(from), optTime(to), afterAt, after.Seq, int16(after.LineNo), limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (StatementLine, error) {
		var s StatementLine
		var ekind, akind, side string
		var lineNo int16
		err := r.Scan(&s.EntryID, &ekind, &s.Reference, &s.At, &s.Seq, &lineNo, &akind, &side, &s.Amount, &s.Balance)
		s.EntryKind, s.Account, s.Side, s.LineNo, s.At = ledger.EntryKind(ekind), ledger.AccountKind(akind), ledger.Side(side), int(lineNo), s.At.UTC()
		return s, err
	})
}
