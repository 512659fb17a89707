package app

import (
	"context"
	"sort"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/program"
)

// StatusTotal is how many invoices of a program are in one status, and their payable sum.
type StatusTotal struct {
	Status  invoice.Status
	Count   int
	Payable decimal.Decimal
}

// ProgramSummary is a program's dashboard: totals per status and what falls due soon.
type ProgramSummary struct {
	Program  program.Program
	Currency money.Currency
	Totals   []StatusTotal // in status-machine order
	Upcoming []InvoiceView // published, offered or financed, due within UpcomingDays, soonest first
	Overdue  []InvoiceView // financed and past due: the buyer owes the lender
	Scanned  int
	Partial  bool // more than SummaryMaxInvoices: totals cover the first ones only
}

// UpcomingDays is the dashboard's look-ahead for payments falling due.
const UpcomingDays = 30

// SummaryMaxInvoices bounds the dashboard's scan; larger programs use the CSV export.
const SummaryMaxInvoices = 20000

// SummarizeProgram totals a program's invoices through ListInvoices, so the
// caller's scope applies exactly as on the list (operators any program,
// buyers their own, lenders those they are enrolled in).
func (a *App) SummarizeProgram(ctx context.Context, act Actor, programID uuid.UUID) (ProgramSummary, error) {
	p, err := a.GetProgram(ctx, act, programID)
	if err != nil {
		return ProgramSummary{}, err
	}
	s := ProgramSummary{Program: p, Currency: p.Currency}
	order := []invoice.Status{invoice.Published, invoice.Offered, invoice.Financed, invoice.Cancelled, invoice.Expired}
	totals := make(map[invoice.Status]*StatusTotal, len(order))
	for _, st := range order {
		totals[st] = &StatusTotal{Status: st, Payable: decimal.Zero}
	}
	today := calendar.Day(a.Clock().In(p.Location()))
	horizon := today.AddDate(0, 0, UpcomingDays)
	cursor := uuid.Nil
	for {
		page, err := a.ListInvoices(ctx, act, InvoiceFilter{ProgramID: p.ID, Kind: invoice.KindInvoice}, cursor, 500)
		if err != nil {
			return s, err
		}
		for _, v := range page.Items {
			s.Scanned++
			if t := totals[v.Status]; t != nil {
				t.Count++
				t.Payable = t.Payable.Add(v.Payable())
			}
			live := v.Status == invoice.Published || v.Status == invoice.Offered || v.Status == invoice.Financed
			switch {
			case live && !v.DueDate.Before(today) && !v.DueDate.After(horizon):
				s.Upcoming = append(s.Upcoming, v)
			case v.Status == invoice.Financed && v.DueDate.Before(today):
				s.Overdue = append(s.Overdue, v)
			}
		}
		if page.Next == "" {
			break
		}
		if s.Scanned >= SummaryMaxInvoices {
			s.Partial = true
			break
		}
		cursor = page.Items[len(page.Items)-1].ID
	}
	for _, st := range order {
		s.Totals = append(s.Totals, *totals[st])
	}
	byDue := func(l []InvoiceView) {
		sort.SliceStable(l, func(i, j int) bool { return l[i].DueDate.Before(l[j].DueDate) })
	}
	byDue(s.Upcoming)
	byDue(s.Overdue)
	return s, nil
}
