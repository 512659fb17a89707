package quoting

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
	"github.com/cadena-finance/cadena/internal/calendar/calendardb"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/invoice/invoicedb"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/pricing"
	"github.com/cadena-finance/cadena/internal/program"
	"github.com/cadena-finance/cadena/internal/program/programdb"
	"github.com/cadena-finance/cadena/internal/refrate"
	"github.com/cadena-finance/cadena/internal/refrate/refratedb"
	"github.com/cadena-finance/cadena/internal/validation"
)

// RateEvent is the payload of cadena.reference_rate.published.
type RateEvent struct {
	Index    string  `json:"index"`
	Date     string  `json:"date"`
	Rate     string  `json:"rate"`
	Previous *string `json:"previous_rate"`
}

// PutReferenceRate publishes or corrects a fixing (operators only).
func (a *App) PutReferenceRate(ctx context.Context, act app.Actor, index, date, rate string) (refrate.Rate, bool, error) {
	if !act.Is(auth.RoleOperator) {
		return refrate.Rate{}, false, app.ErrForbidden
	}
	r, err := refrate.New(index, date, rate, act.Subject, a.Clock())
	if err != nil {
		return r, false, err
	}
	var created bool
	err = a.InTx(ctx, func(tx pgx.Tx) error {
		var prev *refrate.Rate
		var err error
		if created, prev, err = refratedb.Put(ctx, tx, r); err != nil {
			return err
		}
		ev := RateEvent{Index: r.Index, Date: r.Date.Format(time.DateOnly), Rate: r.Percent.StringFixed(pricing.PercentDecimals)}
		if prev != nil {
			s := prev.Percent.StringFixed(pricing.PercentDecimals)
			ev.Previous = &s
		}
		return a.Emit(ctx, tx, event.ReferenceRatePublished, ev)
	})
	return r, created, err
}

// ReferenceRates lists an index's fixings between two dates (any role).
func (a *App) ReferenceRates(ctx context.Context, index, from, to string, limit int) ([]refrate.Rate, error) {
	index = strings.ToUpper(index)
	if !refrate.KnownIndex(index) {
		return nil, refrate.ErrUnknownIndex
	}
	var errs validation.Errors
	parse := func(field, s string, def time.Time) time.Time {
		if s == "" {
			return def
		}
		d, err := calendar.ParseDate(s)
		if err != nil {
			errs.Add(field, "invalid_date", "%s must be YYYY-MM-DD", field)
		}
		return d
	}
	f := parse("from", from, calendar.Date(1900, 1, 1))
	t := parse("to", to, calendar.Date(9999, 12, 31))
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return refratedb.List(ctx, a.Pool, index, f, t, limit)
}

// OverrideEvent is the payload of cadena.calendar.override_changed.
type OverrideEvent struct {
	Calendar string `json:"calendar"`
	Date     string `json:"date"`
	Name     string `json:"name"`
	Remove   bool   `json:"remove"`
	Deleted  bool   `json:"deleted"`
}

// PutCalendarOverride declares a day a bank holiday (or, with remove, a
// rule holiday a business day) in one calendar (operators only).
func (a *App) PutCalendarOverride(ctx context.Context, act app.Actor, name, date, holidayName string, remove bool) (calendar.Override, error) {
	name, day, err := a.overrideKey(act, name, date)
	if err != nil {
		return calendar.Override{}, err
	}
	o := calendar.Override{Date: day, Name: strings.TrimSpace(holidayName), Remove: remove}
	if len(o.Name) > 200 {
		return o, validation.Errors{{Field: "name", Code: "too_long", Message: "name has at most 200 characters"}}
	}
	if _, err := calendar.New(name, []calendar.Override{o}); err != nil {
		return o, validation.Errors{{Field: "date", Code: "out_of_range", Message: err.Error()}}
	}
	err = a.InTx(ctx, func(tx pgx.Tx) error {
		if err := calendardb.Put(ctx, tx, name, o, act.Subject); err != nil {
			return err
		}
		return a.Emit(ctx, tx, event.CalendarOverrideChanged, OverrideEvent{Calendar: name, Date: date, Name: o.Name, Remove: remove})
	})
	a.ForgetCalendar(name)
	return o, err
}

// DeleteCalendarOverride returns a day to its rule (operators only).
func (a *App) DeleteCalendarOverride(ctx context.Context, act app.Actor, name, date string) error {
	name, day, err := a.overrideKey(act, name, date)
	if err != nil {
		return err
	}
	err = a.InTx(ctx, func(tx pgx.Tx) error {
		found, err := calendardb.Delete(ctx, tx, name, day)
		if err != nil {
			return err
		}
		if !found {
			return ErrNoOverride
		}
		return a.Emit(ctx, tx, event.CalendarOverrideChanged, OverrideEvent{Calendar: name, Date: date, Deleted: true})
	})
	a.ForgetCalendar(name)
	return err
}

// ErrNoOverride: the day has no override to delete.
var ErrNoOverride = errors.New("no override on that day")

func (a *App) overrideKey(act app.Actor, name, date string) (string, time.Time, error) {
	if !act.Is(auth.RoleOperator) {
		return "", time.Time{}, app.ErrForbidden
	}
	name = strings.ToUpper(name)
	if _, err := calendar.New(name, nil); err != nil {
		return "", time.Time{}, calendar.ErrUnknownCalendar
	}
	day, err := calendar.ParseDate(date)
	if err != nil {
		return "", time.Time{}, validation.Errors{{Field: "date", Code: "invalid_date", Message: "date must be YYYY-MM-DD"}}
	}
	return name, day, nil
}

// YearHolidays is a calendar's holidays of one year with the overrides behind them.
type YearHolidays struct {
	Calendar  string
	Year      int
	Holidays  []calendar.Holiday
	Overrides []calendar.Override
}

// Holidays lists a calendar's holidays for a year, overrides applied (any role).
func (a *App) Holidays(ctx context.Context, name string, year int) (YearHolidays, error) {
	cal, err := a.Calendar(ctx, name)
	if err != nil {
		return YearHolidays{}, err
	}
	hs, err := cal.Holidays(year)
	if err != nil {
		return YearHolidays{}, err
	}
	all, err := calendardb.Overrides(ctx, a.Pool, cal.Name())
	if err != nil {
		return YearHolidays{}, err
	}
	out := YearHolidays{Calendar: cal.Name(), Year: year, Holidays: hs}
	for _, o := range all {
		if o.Date.Year() == year {
			out.Overrides = append(out.Overrides, o)
		}
	}
	return out, nil
}

// PreviewRequest prices a hypothetical invoice. With ProgramID the program
// fixes every term and the reference rate comes from the published fixings;
// without it the caller names the terms as the CLI does, and the reference
// rate is either given or fixed from ReferenceIndex.
type PreviewRequest struct {
	ProgramID      string
	ReferenceIndex string
	// InvoiceID prices a real invoice the caller may see: its payable
	// amount, due date and program replace face, due_date and program_id.
	InvoiceID string
	pricing.Request
}

// Preview is a priced invoice with where its reference rate came from.
type Preview struct {
	Quote            pricing.Quote
	Program          *program.Program
	Fixing           *refrate.Rate
	Calendar         string
	Convention       calendar.Convention
	Rounding         pricing.Rounding
	Eligible         bool
	IneligibleReason string
}

// PreviewPrice prices without committing anything (any role).
func (a *App) PreviewPrice(ctx context.Context, act app.Actor, r PreviewRequest) (Preview, error) {
	if r.InvoiceID != "" {
		if err := a.fromInvoice(ctx, act, &r); err != nil {
			return Preview{}, err
		}
	}
	if r.ProgramID != "" {
		return a.previewInProgram(ctx, act, r)
	}
	useIndex := r.ReferenceRate == "" && r.ReferenceIndex != ""
	if useIndex {
		r.ReferenceRate = "0" // replaced by the fixing below
	}
	in, err := pricing.ParseRequest(r.Request)
	if err != nil {
		return Preview{}, err
	}
	if in.Program.Calendar, err = a.Calendar(ctx, in.Program.Calendar.Name()); err != nil {
		return Preview{}, err
	}
	out := Preview{Calendar: in.Program.Calendar.Name(), Convention: in.Program.Convention, Rounding: in.Program.Rounding, Eligible: true}
	if useIndex {
		fix, err := a.Fixing(ctx, strings.ToUpper(r.ReferenceIndex), in.ValueDate, in.Program.Calendar)
		if err != nil {
			return Preview{}, err
		}
		in.ReferenceRate, out.Fixing = fix.Fraction(), &fix
	}
	out.Quote, err = pricing.Price(in)
	return out, err
}

func (a *App) previewInProgram(ctx context.Context, act app.Actor, r PreviewRequest) (Preview, error) {
	id, err := uuid.Parse(r.ProgramID)
	if err != nil {
		return Preview{}, program.ErrNotFound
	}
	p, err := programdb.Get(ctx, a.Pool, app.ProgramViewer(act), id)
	if err != nil {
		return Preview{}, err
	}
	var errs validation.Errors
	for field, v := range map[string]string{"currency": r.Currency, "reference_rate": r.ReferenceRate, "reference_index": r.ReferenceIndex,
		"basis": r.Basis, "calendar": r.Calendar, "convention": r.Convention, "rounding": r.Rounding,
		"max_spread_bps": r.MaxSpreadBps, "max_effective_rate": r.MaxEffectiveRate} {
		if v != "" {
			errs.Add(field, "set_by_program", "%s is fixed by the program; leave it out", field)
		}
	}
	if err := errs.Err(); err != nil {
		return Preview{}, err
	}
	terms, err := a.PricingTerms(ctx, p)
	if err != nil {
		return Preview{}, err
	}
	valueDate := r.ValueDate
	if valueDate == "" {
		vd, err := app.ValueDate(a.Clock(), p.Location(), terms)
		if err != nil {
			return Preview{}, err
		}
		valueDate = vd.Format(time.DateOnly)
	}
	// Parse the rest through the same parser as the explicit form, then put the program's terms back.
	req := r.Request
	req.Currency, req.ReferenceRate, req.ValueDate = string(p.Currency), "0", valueDate
	req.Basis, req.Calendar, req.Rounding = p.DayCount, p.Calendar, p.Rounding
	in, err := pricing.ParseRequest(req)
	if err != nil {
		return Preview{}, err
	}
	in.Program = terms.Program
	fix, err := a.Fixing(ctx, p.ReferenceIndex, in.ValueDate, terms.Calendar)
	if err != nil {
		return Preview{}, err
	}
	in.ReferenceRate = fix.Fraction()
	q, err := pricing.Price(in)
	if err != nil {
		return Preview{}, err
	}
	out := Preview{Quote: q, Program: &p, Fixing: &fix, Calendar: p.Calendar, Convention: terms.Convention, Rounding: terms.Rounding, Eligible: true}
	if err := pricing.Eligible(q.ValueDate, q.Maturity, p.MinDays, p.MaxTenorDays); err != nil {
		out.Eligible, out.IneligibleReason = false, err.Error()
	}
	return out, nil
}

// fromInvoice fills a preview from an invoice the caller may see.
func (a *App) fromInvoice(ctx context.Context, act app.Actor, r *PreviewRequest) error {
	id, err := uuid.Parse(r.InvoiceID)
	if err != nil {
		return invoice.ErrNotFound
	}
	var errs validation.Errors
	for field, v := range map[string]string{"program_id": r.ProgramID, "face": r.Face, "due_date": r.DueDate} {
		if v != "" {
			errs.Add(field, "set_by_invoice", "%s comes from the invoice; leave it out", field)
		}
	}
	if err := errs.Err(); err != nil {
		return err
	}
	l, err := invoicedb.Get(ctx, a.Pool, app.InvoiceViewer(act), id)
	if err != nil {
		return err
	}
	if l.Kind != invoice.KindInvoice {
		return invoice.ErrNotFound
	}
	r.ProgramID, r.Face, r.DueDate = l.ProgramID.String(), money.Format(l.Payable(), l.Currency), l.DueDate.Format(time.DateOnly)
	return nil
}
