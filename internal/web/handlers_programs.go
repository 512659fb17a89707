package web

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/program"
)

type summaryRow struct {
	app.ProgramSummary
	Upcoming []invoiceRow
	Overdue  []invoiceRow
}

// dashboard: each program's totals per status and the payments falling due.
func (p *portal) dashboard(c echo.Context, pg *page) error {
	ctx := c.Request().Context()
	progs, err := p.app.ListPrograms(ctx, pg.actor(), uuid.Nil, 50)
	if err != nil {
		return err
	}
	n := newNames(ctx, p.app, pg.actor())
	rows := func(vs []app.InvoiceView) []invoiceRow {
		out := make([]invoiceRow, len(vs))
		for i, v := range vs {
			out[i] = invoiceRow{InvoiceView: v, Supplier: n.Of(ctx, v.SupplierID)}
		}
		return out
	}
	var data []summaryRow
	for _, prog := range progs.Items {
		s, err := p.app.SummarizeProgram(ctx, pg.actor(), prog.ID)
		if err != nil {
			return err
		}
		data = append(data, summaryRow{ProgramSummary: s, Upcoming: rows(s.Upcoming), Overdue: rows(s.Overdue)})
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
	progs, err := p.app.ListPrograms(ctx, pg.actor(), cursor, 100)
	if err != nil {
		return err
	}
	n := newNames(ctx, p.app, pg.actor())
	var rows []programRow
	for _, prog := range progs.Items {
		r := programRow{Program: prog, Buyer: n.Of(ctx, prog.BuyerID)}
		if pg.actor().Is(auth.RoleLender) {
			if _, r.Lines, err = p.app.ProgramLenders(ctx, pg.actor(), prog.ID); err != nil {
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
	prog, lines, err := p.app.ProgramLenders(ctx, act, id)
	if err != nil {
		return err
	}
	n := newNames(ctx, p.app, act)
	d := programDetail{Program: prog, Buyer: n.Of(ctx, prog.BuyerID)}
	for _, l := range lines {
		d.Lenders = append(d.Lenders, lenderLine{LenderLimit: l, Name: n.Of(ctx, l.LenderID)})
	}
	if act.Is(auth.RoleOperator, auth.RoleBuyer) {
		if d.Suppliers, err = p.app.ListProgramSuppliers(ctx, act, id); err != nil {
			return err
		}
	}
	pg.Data = d
	return p.render(c, http.StatusOK, "program", pg)
}
