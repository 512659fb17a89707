package settling

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/financing/financingdb"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/invoice/invoicedb"
	"github.com/cadena-finance/cadena/internal/ledger"
	"github.com/cadena-finance/cadena/internal/ledger/ledgerdb"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/settlement"
	"github.com/cadena-finance/cadena/internal/settlement/settlementdb"
	"github.com/cadena-finance/cadena/internal/validation"
)

// FinancingEvent is the payload of every cadena.financing.* event after
// acceptance: the financing, the status it left and the one it reached,
// and for a confirmed payment, what confirmed it.
type FinancingEvent struct {
	FinancingID   uuid.UUID `json:"financing_id"`
	InvoiceID     uuid.UUID `json:"invoice_id"`
	ProgramID     uuid.UUID `json:"program_id"`
	LenderID      uuid.UUID `json:"lender_id"`
	SupplierID    uuid.UUID `json:"supplier_id"`
	BuyerID       uuid.UUID `json:"buyer_id"`
	Currency      string    `json:"currency"`
	Face          string    `json:"face"`
	Net           string    `json:"net"`
	ValueDate     string    `json:"value_date"`
	Maturity      string    `json:"maturity"`
	From          string    `json:"from"`
	Status        string    `json:"status"`
	EndToEndID    string    `json:"end_to_end_id,omitempty"`
	Source        string    `json:"source,omitempty"`
	BankReference string    `json:"bank_reference,omitempty"`
	Amount        string    `json:"amount,omitempty"`
}

// statusEvents names the event of each settlement status.
var statusEvents = map[financing.Status]string{
	financing.FundingInstructed: event.FinancingFundingInstructed,
	financing.Funded:            event.FinancingFunded,
	financing.FundingFailed:     event.FinancingFundingFailed,
	financing.Due:               event.FinancingDue,
	financing.Repaid:            event.FinancingRepaid,
	financing.Overdue:           event.FinancingOverdue,
}

func financingEvent(f financing.Financing, from financing.Status) FinancingEvent {
	return FinancingEvent{FinancingID: f.ID, InvoiceID: f.InvoiceID, ProgramID: f.ProgramID, LenderID: f.LenderID, SupplierID: f.SupplierID,
		BuyerID: f.BuyerID, Currency: string(f.Currency), Face: app.FormatAmount(f.Face, f.Currency), Net: app.FormatAmount(f.Net, f.Currency),
		ValueDate: app.Civil(f.ValueDate), Maturity: app.Civil(f.Maturity), From: string(from), Status: string(f.Status)}
}

// emitFinancing writes ev on its type's subject and a copy on each party's
// own subject (financingParties).
func (a *App) emitFinancing(ctx context.Context, tx pgx.Tx, typ string, ev FinancingEvent) error {
	return a.Emit(ctx, tx, typ, ev, app.FinancingParties(typ, ev.LenderID, ev.BuyerID, ev.SupplierID)...)
}

// moveFinancing is the one way a financing changes status after
// acceptance. In tx, with f locked, it checks the machine, writes the
// status, and does what the transition carries: the ledger entry of a
// funding or a repayment (ids derived from the financing, so a retry is a
// no-op), the release of the lender's exposure, the invoice made available
// again after a failed funding, and the event. paid carries the
// confirmation of a funded or repaid transition.
func (a *App) moveFinancing(ctx context.Context, tx pgx.Tx, f *financing.Financing, to financing.Status, paid *settlement.Confirmation, at time.Time) error {
	from := f.Status
	if err := from.To(to); err != nil {
		return err
	}
	if err := financingdb.SetStatus(ctx, tx, *f, to, at); err != nil {
		return err
	}
	f.Status, f.UpdatedAt = to, at
	lf := settlement.LedgerFinancing(*f)
	var entries []ledger.Entry
	switch to {
	case financing.Funded:
		e, err := ledger.Funding(settlement.FundingEntryID(f.ID), lf, f.Face, f.Net, at)
		if err != nil {
			return err
		}
		entries = append(entries, e)
	case financing.Repaid:
		e, err := ledger.Repayment(settlement.RepaymentEntryID(f.ID), lf, f.Face, at)
		if err != nil {
			return err
		}
		entries = append(entries, e)
		if f.Discount.IsPositive() {
			d, err := ledger.DiscountEarned(settlement.DiscountEntryID(f.ID), lf, f.Discount, at)
			if err != nil {
				return err
			}
			entries = append(entries, d)
		}
	case financing.FundingFailed:
		inv, err := invoicedb.GetForUpdate(ctx, tx, invoicedb.Viewer{Role: string(auth.RoleOperator)}, f.InvoiceID)
		if err != nil {
			return err
		}
		if err := app.SetInvoiceStatus(ctx, tx, &inv, invoice.Published, event.ActorFrom(ctx).Subject, at); err != nil {
			return err
		}
	}
	for _, e := range entries {
		if err := ledgerdb.Post(ctx, tx, e); err != nil {
			return err
		}
	}
	if d := from.ExposureDelta(to, f.Face); d.IsNegative() {
		if err := financingdb.Release(ctx, tx, f.ProgramID, f.LenderID, d.Neg()); err != nil {
			return err
		}
	}
	ev := financingEvent(*f, from)
	if paid != nil {
		leg := settlement.Disbursement
		if to == financing.Repaid {
			leg = settlement.Repayment
		}
		ev.EndToEndID, ev.Source, ev.BankReference, ev.Amount = settlement.EndToEndID(f.ID, leg), paid.Source, paid.BankReference, app.FormatAmount(paid.Amount, f.Currency)
	}
	return a.emitFinancing(ctx, tx, statusEvents[to], ev)
}

// ProgramToday is today's date in the program's time zone: the latest
// date a confirmation may carry (the portal's date fields stop there).
func (a *App) ProgramToday(ctx context.Context, programID uuid.UUID) (time.Time, error) {
	return a.programToday(ctx, programID)
}

// programToday is today's date in the program's time zone.
func (a *App) programToday(ctx context.Context, programID uuid.UUID) (time.Time, error) {
	p, err := a.ProgramOf(ctx, programID)
	if err != nil {
		return time.Time{}, err
	}
	return calendar.Day(a.Clock().In(p.Location())), nil
}

// ConfirmationInput is a payee's or payer's word that a leg was paid:
// Date is the day the money moved (the transfer's value date), never
// after today in the program's time zone.
type ConfirmationInput struct {
	BankReference string
	Amount        string
	Date          string
}

func (in ConfirmationInput) parse(c money.Currency) (settlement.Confirmation, error) {
	var errs validation.Errors
	ref := strings.TrimSpace(in.BankReference)
	if ref == "" || len([]rune(ref)) > 140 {
		errs.Add("bank_reference", "required", "the bank's reference of the payment, 1 to 140 characters")
	}
	amount, err := money.ParsePositiveAmount(in.Amount, c)
	if err != nil {
		errs.Add("amount", codeOfMoney(err), "%s", err.Error())
	}
	d, err := calendar.ParseDate(in.Date)
	if err != nil {
		errs.Add("date", "invalid_date", "date is YYYY-MM-DD")
	}
	return settlement.Confirmation{Source: settlement.SourceManual, BankReference: ref, Amount: amount, Currency: c, Date: d}, errs.Err()
}

func codeOfMoney(err error) string {
	switch {
	case errors.Is(err, money.ErrTooManyDecimals):
		return "too_many_decimals"
	case errors.Is(err, money.ErrNotPositive):
		return "not_positive"
	}
	return "invalid_amount"
}

// Confirmed is the outcome of a confirmation.
type Confirmed struct {
	Financing financing.Financing
	Duplicate bool // the same confirmation was recorded before; nothing changed
}

// ConfirmFunding records the lender's confirmation that it paid the
// supplier: the amount must equal the net proceeds exactly.
func (a *App) ConfirmFunding(ctx context.Context, act app.Actor, id uuid.UUID, in ConfirmationInput) (Confirmed, error) {
	return a.confirmManual(ctx, act, id, settlement.Disbursement, in)
}

// ConfirmRepayment records the lender's confirmation that the buyer paid
// it: the amount must equal the face exactly. The lender confirms because
// it is the payee: only the receiving account knows the money arrived.
func (a *App) ConfirmRepayment(ctx context.Context, act app.Actor, id uuid.UUID, in ConfirmationInput) (Confirmed, error) {
	return a.confirmManual(ctx, act, id, settlement.Repayment, in)
}

func (a *App) confirmManual(ctx context.Context, act app.Actor, id uuid.UUID, leg settlement.Leg, in ConfirmationInput) (Confirmed, error) {
	if !act.Is(auth.RoleLender) {
		return Confirmed{}, app.ErrForbidden
	}
	var out Confirmed
	err := a.InTx(ctx, func(tx pgx.Tx) error {
		f, err := financingdb.GetForUpdate(ctx, tx, app.FinancingViewer(act), id)
		if err != nil {
			return err
		}
		c, err := in.parse(f.Currency)
		if err != nil {
			return err
		}
		dup, err := a.confirm(ctx, tx, act.Subject, &f, leg, c, nil)
		out = Confirmed{Financing: f, Duplicate: dup}
		return err
	})
	return out, err
}

// confirm applies confirmation c of leg to the locked financing f: dated
// no later than today in the program's zone (settlement.CheckPaidOn), judged
// by settlement.Judge, recorded on the leg, and the financing moved along
// settlement.Path with its postings. A duplicate changes nothing.
func (a *App) confirm(ctx context.Context, tx pgx.Tx, by string, f *financing.Financing, leg settlement.Leg, c settlement.Confirmation, statementID *uuid.UUID) (bool, error) {
	today, err := a.programToday(ctx, f.ProgramID)
	if err != nil {
		return false, err
	}
	if err := settlement.CheckPaidOn(c.Date, today); err != nil {
		return false, err
	}
	want := settlement.Expected(*f, leg)
	stored, err := settlementdb.Leg(ctx, tx, f.ID, leg)
	if err != nil {
		return false, err
	}
	v, err := settlement.Judge(want, stored, c)
	if err != nil || v == settlement.Duplicate {
		return v == settlement.Duplicate && err == nil, err
	}
	path, err := settlement.Path(f.Status, leg)
	if err != nil {
		return false, err
	}
	now := a.Clock()
	if err := settlementdb.Confirm(ctx, tx, want, c, statementID, by, now); err != nil {
		return false, err
	}
	for _, to := range path {
		var paid *settlement.Confirmation
		if to == settlement.Target(leg) {
			paid = &c
		}
		if err := a.moveFinancing(ctx, tx, f, to, paid, now); err != nil {
			return false, err
		}
	}
	return false, nil
}
