package web

import (
	"context"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/program"
)

// programSummary is a program's dashboard: totals per status and what falls due soon.
type programSummary struct {
	Program  program.Program
	Currency money.Currency
	Totals   []StatusTotal // in status-machine order
	Upcoming []DueInvoice  // published, offered or financed, due within upcomingDays, soonest first
	Overdue  []DueInvoice  // financed and past due: the buyer owes the lender
	Scanned  int           // the program's invoices
	Partial  bool          // the lists hold their first summaryMaxInvoices only
}

// upcomingDays is the dashboard's look-ahead for payments falling due.
const upcomingDays = 30

// summaryMaxInvoices bounds the dashboard's lists; larger programs use the CSV export.
const summaryMaxInvoices = 20000

// summarize builds a program's dashboard: the program through administration.GetProgram
// (so the caller's scope applies), its figures in one store round trip
// scoped as the invoice list (operators every invoice, buyers their own).
func (p *portal) summarize(ctx context.Context, act app.Actor, programID uuid.UUID) (programSummary, error) {
	prog, err := p.app.Administration.GetProgram(ctx, act, programID)
	if err != nil {
		return programSummary{}, err
	}
	s := programSummary{Program: prog, Currency: prog.Currency}
	today := calendar.Day(p.app.Clock().In(prog.Location()))
	totals, due, err := p.store.Dashboard(ctx, dashViewer{PartyID: act.PartyID, Role: string(act.Role)}, prog.ID,
		today, today.AddDate(0, 0, upcomingDays), summaryMaxInvoices)
	if err != nil {
		return s, err
	}
	for _, st := range []invoice.Status{invoice.Published, invoice.Offered, invoice.Financed, invoice.Cancelled, invoice.Expired} {
		t := StatusTotal{Status: st, Payable: decimal.Zero}
		for _, got := range totals {
			if got.Status == st {
				t = got
			}
		}
		s.Scanned += t.Count
		s.Totals = append(s.Totals, t)
	}
	s.Partial = len(due) == summaryMaxInvoices
	for _, d := range due {
		if d.Overdue {
			s.Overdue = append(s.Overdue, d)
		} else {
			s.Upcoming = append(s.Upcoming, d)
		}
	}
	return s, nil
}
