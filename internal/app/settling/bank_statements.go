package settling

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/financing/financingdb"
	"github.com/cadena-finance/cadena/internal/iso20022"
	"github.com/cadena-finance/cadena/internal/settlement"
	"github.com/cadena-finance/cadena/internal/settlement/settlementdb"
)

// StatementError is a camt.054 the reader refused, with where.
type StatementError struct{ Err error }

func (e *StatementError) Error() string { return e.Err.Error() }
func (e *StatementError) Unwrap() []error {
	return []error{settlement.ErrStatementInvalid, e.Err}
}

// UploadStatement reads a camt.054 notification and matches every item
// against the payment its end-to-end id names (settlement.Screen and
// settlement.Match): a match confirms its leg exactly as a manual
// confirmation would, in the same transaction as every other item, so a
// statement is applied whole or not at all. Duplicates are ignored;
// unmatched and mismatched items are kept for an operator and never
// applied. A message the same party uploaded before is recorded as its
// duplicate and judged no more: every item comes out duplicate. A lender's statement can only confirm the lender's own
// financings; anything else reads as unmatched, so nothing leaks.
func (a *App) UploadStatement(ctx context.Context, act app.Actor, r io.Reader) (settlement.Statement, error) {
	if !act.Is(auth.RoleOperator, auth.RoleLender) {
		return settlement.Statement{}, app.ErrForbidden
	}
	n, err := iso20022.ParseCamt054(r)
	if err != nil {
		return settlement.Statement{}, &StatementError{Err: err}
	}
	items := settlement.Items(n)
	st := settlement.Statement{ID: uuid.Must(uuid.NewV7()), MessageID: n.MessageID, UploadedByParty: act.PartyID,
		UploadedBySubject: act.Subject, UploaderRole: string(act.Role), CreatedAt: a.Clock()}
	err = a.InTx(ctx, func(tx pgx.Tx) error {
		var err error
		if st.DuplicateOf, err = settlementdb.PreviousUpload(ctx, tx, act.PartyID, n.MessageID); err != nil {
			return err
		}
		if st.DuplicateOf != nil {
			st.Entries = settlement.DuplicateEntries(items, *st.DuplicateOf)
			return a.saveStatement(ctx, tx, st)
		}
		st.Entries = make([]settlement.StatementEntry, len(items))
		book := partyBook{q: tx}
		for i, it := range items {
			if st.Entries[i], err = a.matchItem(ctx, tx, act, &book, st.ID, it); err != nil {
				return fmt.Errorf("statement line %d: %w", it.Line, err)
			}
		}
		return a.saveStatement(ctx, tx, st)
	})
	return st, err
}

// saveStatement stores a judged statement with its event.
func (a *App) saveStatement(ctx context.Context, tx pgx.Tx, st settlement.Statement) error {
	if err := settlementdb.InsertStatement(ctx, tx, st); err != nil {
		return err
	}
	return a.Emit(ctx, tx, event.BankStatementUploaded, statementEvent(st))
}

// StatementEvent is the payload of cadena.bank_statement.uploaded: the
// upload is an operator's or lender's action, audited even when it
// confirms nothing.
type StatementEvent struct {
	BankStatementID uuid.UUID      `json:"bank_statement_id"`
	MessageID       string         `json:"message_id"`
	UploadedBy      uuid.UUID      `json:"uploaded_by"`
	DuplicateOf     *uuid.UUID     `json:"duplicate_of"`
	Counts          map[string]int `json:"counts"`
}

func statementEvent(st settlement.Statement) StatementEvent {
	return StatementEvent{BankStatementID: st.ID, MessageID: st.MessageID, UploadedBy: st.UploadedByParty, DuplicateOf: st.DuplicateOf, Counts: st.Counts()}
}

func (a *App) matchItem(ctx context.Context, tx pgx.Tx, act app.Actor, book *partyBook, statementID uuid.UUID, it settlement.Item) (settlement.StatementEntry, error) {
	e := settlement.StatementEntry{Item: it}
	id, leg, outcome, reason := settlement.Screen(it)
	if outcome != "" {
		e.Outcome, e.Reason = outcome, reason
		return e, nil
	}
	f, err := financingdb.GetForUpdate(ctx, tx, app.FinancingViewer(act), id)
	if errors.Is(err, financing.ErrNotFound) {
		e.Outcome, e.Reason = settlement.Unmatched, "no payment of Cadena's has this end-to-end id"
		return e, nil
	}
	if err != nil {
		return e, err
	}
	e.FinancingID, e.Leg = &f.ID, leg
	want := settlement.Expected(f, leg)
	stored, err := settlementdb.Leg(ctx, tx, f.ID, leg)
	if err != nil {
		return e, err
	}
	var accts settlement.Accounts
	if accts.Debtor, err = book.accountsIn(ctx, want.Debtor, want.Currency); err != nil {
		return e, err
	}
	if accts.Creditor, err = book.accountsIn(ctx, want.Creditor, want.Currency); err != nil {
		return e, err
	}
	e.Outcome, e.Reason = settlement.Match(it, want, stored, f.Status, accts)
	if e.Outcome != settlement.Matched {
		return e, nil
	}
	today, err := a.programToday(ctx, f.ProgramID)
	if err != nil {
		return e, err
	}
	if err := settlement.CheckPaidOn(it.BookingDate, today); err != nil {
		e.Outcome, e.Reason = settlement.Mismatched, "booked on a future date: "+err.Error()
		return e, nil
	}
	c := settlement.Confirmation{Source: settlement.SourceCamt054, BankReference: it.BankReference, Amount: it.Amount, Currency: it.Currency, Date: it.BookingDate}
	if _, err := a.confirm(ctx, tx, act.Subject, &f, leg, c, &statementID); err != nil {
		return e, err
	}
	return e, nil
}

// GetStatement shows an uploaded statement with each item's outcome:
// operators see every statement, a lender those it uploaded.
func (a *App) GetStatement(ctx context.Context, act app.Actor, id uuid.UUID) (settlement.Statement, error) {
	scope, err := statementScope(act)
	if err != nil {
		return settlement.Statement{}, err
	}
	return settlementdb.GetStatement(ctx, a.Pool, id, scope)
}

// statementScope is the uploader whose statements the caller sees
// (uuid.Nil: every statement, for operators), or ErrForbidden.
func statementScope(act app.Actor) (uuid.UUID, error) {
	switch {
	case act.Is(auth.RoleOperator):
		return uuid.Nil, nil
	case act.Is(auth.RoleLender):
		return act.PartyID, nil
	}
	return uuid.Nil, app.ErrForbidden
}

// StatementListQuery filters the statements list.
type StatementListQuery struct {
	Outcome  settlement.Outcome // "": any; else statements with an item of this outcome
	Held     *bool              // nil: any; else whether some item is held for review
	From, To time.Time          // upload days (UTC), inclusive; zero: open
	Cursor   uuid.UUID
	Limit    int
}

// ListStatements pages through the statements the caller may see (as
// GetStatement), oldest first, so an operator finds what is held for
// review without knowing a statement id.
func (a *App) ListStatements(ctx context.Context, act app.Actor, q StatementListQuery) (app.Page[settlement.StatementSummary], error) {
	scope, err := statementScope(act)
	if err != nil {
		return app.Page[settlement.StatementSummary]{}, err
	}
	f := settlementdb.StatementFilter{Party: scope, Outcome: q.Outcome, Held: q.Held, From: q.From, After: q.Cursor, Limit: q.Limit}
	if !q.To.IsZero() {
		f.To = q.To.AddDate(0, 0, 1)
	}
	items, err := settlementdb.ListStatements(ctx, a.Pool, f)
	return app.PageOf(items, q.Limit, func(s settlement.StatementSummary) uuid.UUID { return s.ID }), err
}
