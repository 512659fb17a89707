// Package settlementdb is the only place with SQL for payment legs and
// bank statements.
package settlementdb

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/iso20022"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/settlement"
)

const legCols = `financing_id, leg, end_to_end_id, debtor_id, creditor_id, amount, currency, execution_date, status, instructed_at,
	source, bank_reference, paid_amount, paid_on, confirmed_by, confirmed_at`

func scanLeg(r pgx.Row) (settlement.Stored, error) {
	var s settlement.Stored
	var leg, cur string
	var instructed, confirmedAt *time.Time
	var source, ref, by *string
	var paid *decimal.Decimal
	var paidOn *time.Time
	err := r.Scan(&s.FinancingID, &leg, &s.EndToEndID, &s.Debtor, &s.Creditor, &s.Amount, &cur, &s.ExecutionDate, &s.Status, &instructed,
		&source, &ref, &paid, &paidOn, &by, &confirmedAt)
	s.Leg, s.Currency = settlement.Leg(leg), money.Currency(cur)
	if instructed != nil {
		s.InstructedAt = *instructed
	}
	if s.Status == settlement.StatusConfirmed && source != nil && ref != nil && paid != nil {
		c := &settlement.Confirmation{Source: *source, BankReference: *ref, Amount: *paid, Currency: s.Currency}
		if paidOn != nil {
			c.Date = *paidOn
		}
		s.Confirmation = c
	}
	if by != nil {
		s.ConfirmedBy = *by
	}
	if confirmedAt != nil {
		s.ConfirmedAt = *confirmedAt
	}
	return s, err
}

// Leg loads one leg; nil when it was never instructed or confirmed.
func Leg(ctx context.Context, q db.Querier, financingID uuid.UUID, l settlement.Leg) (*settlement.Stored, error) {
	s, err := scanLeg(q.QueryRow(ctx, "SELECT "+legCols+" FROM payment_legs WHERE financing_id = $1 AND leg = $2", financingID, string(l)))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// LegsOf loads the legs of the given financings, keyed by financing.
func LegsOf(ctx context.Context, q db.Querier, ids []uuid.UUID) (map[uuid.UUID][]settlement.Stored, error) {
	rows, err := q.Query(ctx, "SELECT "+legCols+" FROM payment_legs WHERE financing_id = ANY($1) ORDER BY financing_id, leg", ids)
	if err != nil {
		return nil, err
	}
	legs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (settlement.Stored, error) { return scanLeg(r) })
	out := map[uuid.UUID][]settlement.Stored{}
	for _, l := range legs {
		out[l.FinancingID] = append(out[l.FinancingID], l)
	}
	return out, err
}

// Instruct records that p went out in a payment file; a leg already
// recorded keeps its row.
func Instruct(ctx context.Context, q db.Querier, p settlement.Payment, at time.Time) error {
	_, err := q.Exec(ctx, `INSERT INTO payment_legs (financing_id, leg, end_to_end_id, debtor_id, creditor_id, amount, currency, execution_date, status, instructed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'instructed', $9) ON CONFLICT (financing_id, leg) DO NOTHING`,
		p.FinancingID, string(p.Leg), p.EndToEndID, p.Debtor, p.Creditor, p.Amount, string(p.Currency), p.ExecutionDate, at)
	return err
}

// Confirm records c on leg p (instructed or not yet recorded). The caller
// holds the financing's lock and has judged c with settlement.Judge, so a
// confirmed leg is never overwritten: the guard makes that an error.
func Confirm(ctx context.Context, q db.Querier, p settlement.Payment, c settlement.Confirmation, statementID *uuid.UUID, by string, at time.Time) error {
	var paidOn *time.Time
	if !c.Date.IsZero() {
		paidOn = &c.Date
	}
	tag, err := q.Exec(ctx, `INSERT INTO payment_legs (financing_id, leg, end_to_end_id, debtor_id, creditor_id, amount, currency, execution_date,
			status, source, bank_reference, paid_amount, paid_on, statement_id, confirmed_by, confirmed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'confirmed', $9, $10, $11, $12, $13, $14, $15)
		ON CONFLICT (financing_id, leg) DO UPDATE SET status = 'confirmed', source = $9, bank_reference = $10, paid_amount = $11,
			paid_on = $12, statement_id = $13, confirmed_by = $14, confirmed_at = $15
		WHERE payment_legs.status = 'instructed'`,
		p.FinancingID, string(p.Leg), p.EndToEndID, p.Debtor, p.Creditor, p.Amount, string(p.Currency), p.ExecutionDate,
		c.Source, c.BankReference, c.Amount, paidOn, statementID, by, at)
	if err == nil && tag.RowsAffected() != 1 {
		return settlement.ErrAlreadyConfirmed
	}
	return err
}

// Statement and StatementEntry live in the domain; the store keeps them.
type (
	Statement      = settlement.Statement
	StatementEntry = settlement.StatementEntry
)

// PreviousUpload finds an earlier upload of the same message by the same
// party. It first locks (party, message) for the caller's transaction, so
// two uploads of one message at once are serialised and the second finds
// the first: a message is never judged twice.
func PreviousUpload(ctx context.Context, q db.Querier, party uuid.UUID, messageID string) (*uuid.UUID, error) {
	if _, err := q.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtextextended($1::text || '/' || $2, 0))", party, messageID); err != nil {
		return nil, err
	}
	var id uuid.UUID
	err := q.QueryRow(ctx, `SELECT id FROM bank_statements WHERE uploaded_by_party = $1 AND message_id = $2 AND duplicate_of IS NULL
		ORDER BY created_at LIMIT 1`, party, messageID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	return &id, err
}

// InsertStatement stores a statement and its entries.
func InsertStatement(ctx context.Context, q db.Querier, s Statement) error {
	if _, err := q.Exec(ctx, `INSERT INTO bank_statements (id, message_id, uploaded_by_party, uploaded_by_subject, uploader_role, duplicate_of, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, s.ID, s.MessageID, s.UploadedByParty, s.UploadedBySubject, s.UploaderRole, s.DuplicateOf, s.CreatedAt); err != nil {
		return err
	}
	rows := make([][]any, len(s.Entries))
	for i, e := range s.Entries {
		var leg *string
		if e.Leg != "" {
			l := string(e.Leg)
			leg = &l
		}
		var amount *decimal.Decimal
		if !e.Amount.IsZero() || e.Currency != "" {
			a := e.Amount
			amount = &a
		}
		rows[i] = []any{s.ID, i + 1, e.Line, e.EntryReference, e.BankReference, e.EndToEndID, amount, string(e.Currency), string(e.CreditDebit),
			e.Status, string(e.Outcome), e.Reason, e.FinancingID, leg}
	}
	_, err := q.CopyFrom(ctx, pgx.Identifier{"bank_statement_entries"}, []string{"statement_id", "n", "line", "entry_reference", "bank_reference",
		"end_to_end_id", "amount", "currency", "credit_debit", "status", "outcome", "reason", "financing_id", "leg"}, pgx.CopyFromRows(rows))
	return err
}

// ErrNotFound: no such statement, or not one the caller may see.
var ErrNotFound = settlement.ErrStatementNotFound

// GetStatement loads a statement; party scopes it to its uploader (uuid.Nil: any).
func GetStatement(ctx context.Context, q db.Querier, id, party uuid.UUID) (Statement, error) {
	var s Statement
	err := q.QueryRow(ctx, `SELECT id, message_id, uploaded_by_party, uploaded_by_subject, uploader_role, duplicate_of, created_at
		FROM bank_statements WHERE id = $1 AND ($2 = '00000000-0000-0000-0000-000000000000'::uuid OR uploaded_by_party = $2)`, id, party).
		Scan(&s.ID, &s.MessageID, &s.UploadedByParty, &s.UploadedBySubject, &s.UploaderRole, &s.DuplicateOf, &s.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, ErrNotFound
	}
	if err != nil {
		return s, err
	}
	rows, err := q.Query(ctx, `SELECT line, entry_reference, bank_reference, end_to_end_id, amount, currency, credit_debit, status, outcome, reason, financing_id, leg
		FROM bank_statement_entries WHERE statement_id = $1 ORDER BY n`, id)
	if err != nil {
		return s, err
	}
	s.Entries, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (StatementEntry, error) {
		var e StatementEntry
		var amount *decimal.Decimal
		var cur, cd, outcome string
		var leg *string
		err := r.Scan(&e.Line, &e.EntryReference, &e.BankReference, &e.EndToEndID, &amount, &cur, &cd, &e.Status, &outcome, &e.Reason, &e.FinancingID, &leg)
		if amount != nil {
			e.Amount = *amount
		}
		e.Currency, e.CreditDebit, e.Outcome = money.Currency(cur), iso20022.CreditDebit(cd), settlement.Outcome(outcome)
		if leg != nil {
			e.Leg = settlement.Leg(*leg)
		}
		return e, err
	})
	return s, err
}

// StatementFilter selects statements for a list.
type StatementFilter struct {
	Party    uuid.UUID          // the uploader; uuid.Nil: any
	Outcome  settlement.Outcome // "": any; else at least one item with this outcome
	Held     *bool              // nil: any; else whether some item is held for review
	From, To time.Time          // uploaded in [From, To); zero: open
	After    uuid.UUID          // keyset cursor: ids are time-ordered
	Limit    int
}

// ListStatements pages through statements in id (upload) order with how
// many items came out of each outcome.
func ListStatements(ctx context.Context, q db.Querier, f StatementFilter) ([]settlement.StatementSummary, error) {
	var from, to *time.Time
	if !f.From.IsZero() {
		from = &f.From
	}
	if !f.To.IsZero() {
		to = &f.To
	}
	rows, err := q.Query(ctx, `SELECT s.id, s.message_id, s.uploaded_by_party, s.uploaded_by_subject, s.uploader_role, s.duplicate_of, s.created_at,
			count(e.n) FILTER (WHERE e.outcome = 'matched'), count(e.n) FILTER (WHERE e.outcome = 'duplicate'),
			count(e.n) FILTER (WHERE e.outcome = 'unmatched'), count(e.n) FILTER (WHERE e.outcome = 'mismatched')
		FROM bank_statements s LEFT JOIN bank_statement_entries e ON e.statement_id = s.id
		WHERE ($1 = '00000000-0000-0000-0000-000000000000'::uuid OR s.uploaded_by_party = $1) AND s.id > $2
			AND ($3::timestamptz IS NULL OR s.created_at >= $3) AND ($4::timestamptz IS NULL OR s.created_at < $4)
		GROUP BY s.id
		HAVING ($5 = '' OR count(e.n) FILTER (WHERE e.outcome = $5) > 0)
			AND ($6::boolean IS NULL OR (count(e.n) FILTER (WHERE e.outcome IN ('unmatched', 'mismatched')) > 0) = $6)
		ORDER BY s.id LIMIT $7`, f.Party, f.After, from, to, string(f.Outcome), f.Held, f.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (settlement.StatementSummary, error) {
		var s settlement.StatementSummary
		var matched, dup, unmatched, mismatched int
		err := r.Scan(&s.ID, &s.MessageID, &s.UploadedByParty, &s.UploadedBySubject, &s.UploaderRole, &s.DuplicateOf, &s.CreatedAt,
			&matched, &dup, &unmatched, &mismatched)
		s.Outcomes = map[string]int{string(settlement.Matched): matched, string(settlement.Duplicated): dup,
			string(settlement.Unmatched): unmatched, string(settlement.Mismatched): mismatched}
		return s, err
	})
}

// File is a built payment file as kept.
type File struct {
	MessageID     string
	Leg           settlement.Leg
	ExecutionDate time.Time
	Initiator     uuid.UUID
	Payments      int
	Document      []byte
	CreatedAt     time.Time
}

// SaveFile keeps f unless a file with its message id is kept already, and
// returns the kept one: one message id is always one document.
func SaveFile(ctx context.Context, q db.Querier, f File) (File, error) {
	if _, err := q.Exec(ctx, `INSERT INTO payment_files (message_id, kind, execution_date, initiator_id, payments, document, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (message_id) DO NOTHING`,
		f.MessageID, string(f.Leg), f.ExecutionDate, f.Initiator, f.Payments, f.Document, f.CreatedAt); err != nil {
		return f, err
	}
	return GetFile(ctx, q, f.MessageID, uuid.Nil)
}

// GetFile loads a kept file; initiator scopes it to the party that built it
// (uuid.Nil: any).
func GetFile(ctx context.Context, q db.Querier, messageID string, initiator uuid.UUID) (File, error) {
	var f File
	var leg string
	err := q.QueryRow(ctx, `SELECT message_id, kind, execution_date, initiator_id, payments, document, created_at FROM payment_files
		WHERE message_id = $1 AND ($2 = '00000000-0000-0000-0000-000000000000'::uuid OR initiator_id = $2)`, messageID, initiator).
		Scan(&f.MessageID, &leg, &f.ExecutionDate, &f.Initiator, &f.Payments, &f.Document, &f.CreatedAt)
	f.Leg = settlement.Leg(leg)
	if errors.Is(err, pgx.ErrNoRows) {
		return f, settlement.ErrFileNotFound
	}
	return f, err
}
