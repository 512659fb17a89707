package web

import (
	"net/http"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/program"
)

type portfolioLine struct {
	program.LenderLimit
	Program  program.Program
	UsedPct  decimal.Decimal // exposure / limit, in percent, one decimal
	Financed int             // live financings
}

type portfolioData struct {
	Lines    []portfolioLine
	Upcoming []financingRow
	Overdue  []financingRow
	Partial  bool
}

// portfolio: the lender's exposure against each credit line, the
// maturities of the next 30 days and what is overdue.
func (p *portal) portfolio(c echo.Context, pg *page) error {
	ctx := c.Request().Context()
	act := pg.actor()
	progs, err := p.app.Administration.ListPrograms(ctx, act, uuid.Nil, 200)
	if err != nil {
		return err
	}
	var data portfolioData
	live := map[uuid.UUID]int{}
	n := newNames(ctx, p.app, act)
	horizon := time.Now().Add(dueHorizon)
	cursor := uuid.Nil
	for read := 0; ; {
		page, err := p.app.Settling.ListFinancings(ctx, act, uuid.Nil, cursor, 1000)
		if err != nil {
			return err
		}
		for _, f := range page.Items {
			switch f.Status {
			case financing.Repaid, financing.FundingFailed:
				continue
			}
			live[f.ProgramID]++
			switch {
			case f.Status == financing.Overdue:
				data.Overdue = append(data.Overdue, p.financingRow(c, pg, n, f))
			case !f.Maturity.After(horizon):
				data.Upcoming = append(data.Upcoming, p.financingRow(c, pg, n, f))
			}
		}
		read += len(page.Items)
		if page.Next == "" {
			break
		}
		if read >= maxDashFinancings {
			data.Partial = true
			break
		}
		if cursor, err = app.ParseCursor(page.Next); err != nil {
			return err
		}
	}
	sort.Slice(data.Upcoming, func(i, j int) bool { return data.Upcoming[i].Maturity.Before(data.Upcoming[j].Maturity) })
	sort.Slice(data.Overdue, func(i, j int) bool { return data.Overdue[i].Maturity.Before(data.Overdue[j].Maturity) })
	for _, prog := range progs.Items {
		_, lines, err := p.app.Administration.ProgramLenders(ctx, act, prog.ID)
		if err != nil {
			return err
		}
		for _, l := range lines {
			pl := portfolioLine{LenderLimit: l, Program: prog, Financed: live[prog.ID], UsedPct: decimal.Zero}
			if l.CreditLimit.IsPositive() {
				pl.UsedPct = l.Exposure.Mul(decimal.NewFromInt(100)).DivRound(l.CreditLimit, 1)
			}
			data.Lines = append(data.Lines, pl)
		}
	}
	pg.Data = data
	return p.render(c, http.StatusOK, "portfolio", pg)
}
