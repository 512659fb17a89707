package web

import (
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/program"
)

type summaryRow struct {
	programSummary
	Upcoming []dueRow
	Overdue  []dueRow
	ByLender []lenderDue
}

// dueRow is a dashboard invoice with its supplier's name.
type dueRow struct {
	DueInvoice
	Supplier string
}

// lenderDue is what a buyer owes one lender within the dashboard's horizon:
// the financed invoices it pays to that lender instead of the supplier.
type lenderDue struct {
	LenderID uuid.UUID
	Lender   string
	Count    int
	Face     decimal.Decimal
	Next     time.Time
	Overdue  int
}

// dueHorizon is the dashboard's "next 30 days".
const dueHorizon = 30 * 24 * time.Hour

// maxDashFinancings bounds the financings read for the per-lender totals.
const maxDashFinancings = 20000

// byLender groups the buyer's live financings maturing within the horizon
// (or already past it unpaid) per program and lender.
func (p *portal) byLender(c echo.Context, pg *page, n *names) (map[uuid.UUID][]lenderDue, error) {
	ctx := c.Request().Context()
	out := map[uuid.UUID][]lenderDue{}
	if !pg.actor().Is(auth.RoleBuyer) {
		return out, nil
	}
	horizon := time.Now().Add(dueHorizon)
	idx := map[[2]uuid.UUID]int{}
	cursor := uuid.Nil
	for read := 0; read < maxDashFinancings; {
		page, err := p.app.Settling.ListFinancings(ctx, pg.actor(), uuid.Nil, cursor, 1000)
		if err != nil {
			return nil, err
		}
		for _, f := range page.Items {
			switch f.Status {
			case financing.Repaid, financing.FundingFailed:
				continue
			}
			if f.Maturity.After(horizon) {
				continue
			}
			k := [2]uuid.UUID{f.ProgramID, f.LenderID}
			i, ok := idx[k]
			if !ok {
				i = len(out[f.ProgramID])
				idx[k] = i
				out[f.ProgramID] = append(out[f.ProgramID], lenderDue{LenderID: f.LenderID, Lender: n.Of(ctx, f.LenderID), Face: decimal.Zero, Next: f.Maturity})
			}
			d := &out[f.ProgramID][i]
			d.Count++
			d.Face = d.Face.Add(f.Face)
			if f.Maturity.Before(d.Next) {
				d.Next = f.Maturity
			}
			if f.Status == financing.Overdue {
				d.Overdue++
			}
		}
		read += len(page.Items)
		if page.Next == "" {
			break
		}
		next, err := app.ParseCursor(page.Next)
		if err != nil {
			return nil, err
		}
		cursor = next
	}
	return out, nil
}

// dashboard: each program's totals per status and the payments falling due.
func (p *portal) dashboard(c echo.Context, pg *page) error {
	ctx := c.Request().Context()
	progs, err := p.app.Administration.ListPrograms(ctx, pg.actor(), uuid.Nil, 50)
	if err != nil {
		return err
	}
	n := newNames(ctx, p.app, pg.actor())
	rows := func(vs []DueInvoice) []dueRow {
		out := make([]dueRow, len(vs))
		for i, v := range vs {
			out[i] = dueRow{DueInvoice: v, Supplier: n.Of(ctx, v.SupplierID)}
		}
		return out
	}
	due, err := p.byLender(c, pg, n)
	if err != nil {
		return err
	}
	var data []summaryRow
	for _, prog := range progs.Items {
		s, err := p.summarize(ctx, pg.actor(), prog.ID)
		if err != nil {
			return err
		}
		data = append(data, summaryRow{programSummary: s, Upcoming: rows(s.Upcoming), Overdue: rows(s.Overdue), ByLender: due[prog.ID]})
	}
	pg.Data = data
	return p.render(c, http.StatusOK, "dashboard", pg)
}

type programRow struct {
	program.Program
	Buyer string
	Lines []program.LenderLimit
}

// listPrograms: operators see every program, buyers theirs, a lender those it
// is enrolled in with its own credit line (limit, exposure, available).
func (p *portal) listPrograms(c echo.Context, pg *page) error {
	ctx := c.Request().Context()
	cursor, _ := app.ParseCursor(c.QueryParam("after"))
	progs, err := p.app.Administration.ListPrograms(ctx, pg.actor(), cursor, 100)
	if err != nil {
		return err
	}
	n := newNames(ctx, p.app, pg.actor())
	var rows []programRow
	for _, prog := range progs.Items {
		r := programRow{Program: prog, Buyer: n.Of(ctx, prog.BuyerID)}
		if pg.actor().Is(auth.RoleLender) {
			if _, r.Lines, err = p.app.Administration.ProgramLenders(ctx, pg.actor(), prog.ID); err != nil {
				return err
			}
		}
		rows = append(rows, r)
	}
	pg.Data = struct {
		Rows []programRow
		Next string
	}{rows, nextCursor("/programs", progs.Next)}
	return p.render(c, http.StatusOK, "programs", pg)
}

func nextCursor(base, next string) string {
	if next == "" {
		return ""
	}
	return base + "?after=" + next
}

type programDetail struct {
	program.Program
	Buyer     string
	Suppliers []program.EnrolledSupplier
	Lenders   []lenderLine
}

type lenderLine struct {
	program.LenderLimit
	Name string
}

func (p *portal) showProgram(c echo.Context, pg *page) error {
	ctx := c.Request().Context()
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return program.ErrNotFound
	}
	act := pg.actor()
	prog, lines, err := p.app.Administration.ProgramLenders(ctx, act, id)
	if err != nil {
		return err
	}
	n := newNames(ctx, p.app, act)
	d := programDetail{Program: prog, Buyer: n.Of(ctx, prog.BuyerID)}
	for _, l := range lines {
		d.Lenders = append(d.Lenders, lenderLine{LenderLimit: l, Name: n.Of(ctx, l.LenderID)})
	}
	if act.Is(auth.RoleOperator, auth.RoleBuyer) {
		if d.Suppliers, err = p.app.Administration.ListProgramSuppliers(ctx, act, id); err != nil {
			return err
		}
	}
	pg.Data = d
	return p.render(c, http.StatusOK, "program", pg)
}
