package settling

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/financing/financingdb"
	"github.com/cadena-finance/cadena/internal/program"
)

// DefaultReminderDays is CADENA_MATURITY_REMINDER_DAYS's default.
const DefaultReminderDays = 3

// SettleSchedule runs one sweep of the maturity scheduler at App.Now and
// reports how many financings it changed (reminders included):
//
//   - accepted or funding_instructed at or past the funding cut-off of the
//     value date in the program's zone → funding_failed;
//   - funded with maturity reached in the program's zone → due;
//   - funded within reminderDays business days (DefaultReminderDays when 0) of maturity → one
//     cadena.financing.repayment_reminder (remembered on the row);
//   - due past maturity plus the program's grace days, counted in business
//     days of its calendar (a payment due on a holiday-laden week is not
//     late sooner) → overdue.
//
// Each step claims up to limit rows FOR UPDATE SKIP LOCKED in its own
// transaction, so several replicas can sweep at once and a crash loses
// nothing: the next sweep finds what is still due.
func (a *App) SettleSchedule(ctx context.Context, limit, reminderDays int) (int, error) {
	if reminderDays <= 0 {
		reminderDays = DefaultReminderDays
	}
	ctx = event.WithActor(ctx, event.Actor{Subject: "system:settlement"})
	cals := map[string]*calendar.Calendar{}
	for _, name := range calendar.Names() {
		c, err := a.Calendar(ctx, name)
		if err != nil {
			return 0, err
		}
		cals[name] = c
	}
	total := 0
	for _, step := range a.scheduleSteps(ctx, a.Clock(), cals, reminderDays) {
		n, err := a.runStep(ctx, step, limit)
		total += n
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// scheduleStep claims the financings one query finds due and applies a
// move to each; apply reports false for a row that is not due after all.
type scheduleStep struct {
	claim  string
	window int
	now    time.Time
	apply  func(tx pgx.Tx, s *financingdb.Scheduled) (bool, error)
}

// scheduleSteps are the schedule's moves, in order: late fundings fail,
// maturities fall due, reminders go out, and overdue ones pass their grace.
func (a *App) scheduleSteps(ctx context.Context, now time.Time, cals map[string]*calendar.Calendar, reminderDays int) []scheduleStep {
	return []scheduleStep{
		{financingdb.ClaimFundingLate, 0, now, func(tx pgx.Tx, s *financingdb.Scheduled) (bool, error) {
			return true, a.moveFinancing(ctx, tx, &s.Financing, financing.FundingFailed, nil, now)
		}},
		{financingdb.ClaimMaturing, 0, now, func(tx pgx.Tx, s *financingdb.Scheduled) (bool, error) {
			return true, a.moveFinancing(ctx, tx, &s.Financing, financing.Due, nil, now)
		}},
		// Business days never outnumber calendar days; weekends and a
		// cluster of holidays fit in twice the count plus a week.
		{financingdb.ClaimReminders, 2*reminderDays + 7, now, func(tx pgx.Tx, s *financingdb.Scheduled) (bool, error) {
			left, err := cals[s.Calendar].BusinessDaysBetween(today(now, s.TimeZone), s.Maturity)
			if err != nil || left > reminderDays {
				return false, err
			}
			if err := financingdb.MarkReminded(ctx, tx, s.ID, now); err != nil {
				return false, err
			}
			return true, a.emitFinancing(ctx, tx, event.FinancingRepaymentReminder, financingEvent(s.Financing, s.Status))
		}},
		{financingdb.ClaimOverdue, 0, now, func(tx pgx.Tx, s *financingdb.Scheduled) (bool, error) {
			deadline, err := cals[s.Calendar].AddBusinessDays(s.Maturity, s.GraceDays)
			if err != nil || !today(now, s.TimeZone).After(deadline) {
				return false, err
			}
			return true, a.moveFinancing(ctx, tx, &s.Financing, financing.Overdue, nil, now)
		}},
	}
}

// runStep applies step in transactions of up to limit rows until no full
// batch is left, and returns how many financings it moved.
func (a *App) runStep(ctx context.Context, step scheduleStep, limit int) (int, error) {
	total := 0
	for {
		var claimed, moved int
		err := a.InTx(ctx, func(tx pgx.Tx) error {
			claimed, moved = 0, 0
			rows, err := financingdb.Claim(ctx, tx, step.claim, step.now, step.window, limit)
			if err != nil {
				return err
			}
			claimed = len(rows)
			for i := range rows {
				ok, err := step.apply(tx, &rows[i])
				if err != nil {
					return err
				}
				if ok {
					moved++
				}
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += moved
		// A full batch that moved everything may have more behind it;
		// rows left unmoved are not yet due, and later ones less so.
		if claimed < limit || moved < claimed {
			return total, nil
		}
	}
}

// today is now's date in the zone (UTC if the zone is unknown, as Program.Location).
func today(now time.Time, tz string) time.Time {
	return calendar.Day(now.In(program.Program{TimeZone: tz}.Location()))
}
