package app

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/pricing"
	"github.com/cadena-finance/cadena/internal/program"
	"github.com/cadena-finance/cadena/internal/program/programdb"
	"github.com/cadena-finance/cadena/internal/refrate"
	"github.com/cadena-finance/cadena/internal/refrate/refratedb"
	"github.com/cadena-finance/cadena/internal/validation"
)

// Terms are a program's pricing terms with its cut-off.
type Terms struct {
	pricing.Program
	Cutoff pricing.Cutoff
}

// PricingTerms turns a program into the pricing engine's terms, with the
// calendar's overrides applied.
func (a *Base) PricingTerms(ctx context.Context, p program.Program) (Terms, error) {
	cal, err := a.Calendar(ctx, p.Calendar)
	if err != nil {
		return Terms{}, err
	}
	basis, err := pricing.ParseBasis(p.DayCount)
	if err != nil {
		return Terms{}, err
	}
	conv, err := calendar.ParseConvention(p.BusinessDayRule)
	if err != nil {
		return Terms{}, err
	}
	rounding, err := pricing.ParseRounding(p.Rounding)
	if err != nil {
		return Terms{}, err
	}
	cut, err := time.Parse("15:04", p.FundingCutoff)
	if err != nil {
		return Terms{}, err
	}
	t := Terms{Program: pricing.Program{Currency: p.Currency, Basis: basis, Calendar: cal, Convention: conv, Rounding: rounding,
		MaxSpreadBps: p.MaxSpreadBps}, Cutoff: pricing.Cutoff{Hour: cut.Hour(), Minute: cut.Minute()}}
	if p.MaxEffectiveRate != nil {
		t.RateCeiling = decimal.NewNullDecimal(pricing.PercentToRate(*p.MaxEffectiveRate))
	}
	return t, nil
}

// Fixing is the latest published rate on or before the value date, refused when stale.
func (a *Base) Fixing(ctx context.Context, index string, valueDate time.Time, cal *calendar.Calendar) (refrate.Rate, error) {
	return a.FixingOn(ctx, a.Pool, index, valueDate, cal)
}

// FixingOn is Fixing read through q: inside a transaction, pass the
// transaction, so it never waits for a second pool connection while holding one.
func (a *Base) FixingOn(ctx context.Context, q db.Querier, index string, valueDate time.Time, cal *calendar.Calendar) (refrate.Rate, error) {
	if !refrate.KnownIndex(index) {
		return refrate.Rate{}, validation.Errors{{Field: "reference_index", Code: "unknown_index", Message: "reference index must be one of " + strings.Join(refrate.Indices, ", ")}}
	}
	fix, err := refratedb.LatestOnOrBefore(ctx, q, index, valueDate)
	if err != nil {
		return fix, err
	}
	return fix, refrate.CheckFresh(fix, valueDate, cal, a.MaxRateAge())
}

// MaxRateAge is how many business days old a fixing may be before quoting
// stops (RateMaxAgeDays, default 3).
func (a *Base) MaxRateAge() int {
	if a.RateMaxAgeDays > 0 {
		return a.RateMaxAgeDays
	}
	return 3
}

// ValueDate is the value date of a financing asked for at now under terms t:
// today before the cut-off on a business day, else the next business day.
func ValueDate(now time.Time, loc *time.Location, t Terms) (time.Time, error) {
	return pricing.ValueDate(now, loc, t.Cutoff, t.Calendar)
}

// ProgramOf returns a program by id, cached: a program's terms never change
// after creation (there is no update), so acceptance need not read it again.
// The caller has already checked the caller may see what refers to it.
func (a *Base) ProgramOf(ctx context.Context, id uuid.UUID) (program.Program, error) {
	if p, ok := a.programs.Load(id); ok {
		return p.(program.Program), nil
	}
	p, err := programdb.Get(ctx, a.Pool, programdb.Viewer{Role: string(auth.RoleOperator)}, id)
	if err == nil {
		a.programs.Store(id, p)
	}
	return p, err
}
