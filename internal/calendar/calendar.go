// Package calendar answers which civil dates are business days for a named
// holiday calendar ("MX", "CO"), computed by rule for any supported year and
// adjusted by operator overrides. It imports only the standard library.
package calendar

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

var (
	ErrUnknownCalendar     = errors.New("unknown calendar")
	ErrYearOutOfRange      = errors.New("year outside the calendar's supported range")
	ErrMalformedDate       = errors.New("malformed date, want YYYY-MM-DD")
	ErrConflictingOverride = errors.New("more than one override for the same date")
	ErrUnknownConvention   = errors.New("unknown business-day convention")
)

// Holiday is a closed day and why.
type Holiday struct {
	Date time.Time
	Name string
}

// Override is an operator's correction to a rule-based calendar, such as a
// one-off closure decreed by the regulator or a reopened day. Overrides are
// data: whoever stores them hands them to New.
type Override struct {
	Date time.Time
	// Name labels an added holiday; empty becomes "Cierre (operador)".
	Name string
	// Remove reopens a rule holiday. Weekends stay closed whatever it says.
	Remove bool
}

// Calendar is immutable after New and safe for concurrent use. A date
// argument stands for its civil date in its own location.
type Calendar struct {
	rules     *ruleSet
	overrides map[int][]Override // by year
	years     []yearSlot         // index year - rules.first
}

// yearSlot computes one year's table at most once, on first use.
type yearSlot struct {
	once  sync.Once
	table *yearTable
}

// yearTable is one year with overrides applied. idx is by YearDay and holds
// 1 + the index into names, 0 meaning open, so a lookup is one array read.
type yearTable struct {
	idx   [367]uint8
	names []string
	list  []Holiday
}

// defaults are shared: a calendar without overrides never changes, so
// New(name, nil) hands out one instance and its cache warms once.
var defaults = func() map[string]*Calendar {
	m := make(map[string]*Calendar, len(ruleSets))
	for name, rs := range ruleSets {
		m[name] = newCalendar(rs, nil)
	}
	return m
}()

// Names lists the calendars New accepts.
func Names() []string {
	names := make([]string, 0, len(ruleSets))
	for name := range ruleSets {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// New returns the named calendar with the operator's overrides applied.
func New(name string, overrides []Override) (*Calendar, error) {
	name = strings.ToUpper(strings.TrimSpace(name))
	rs, ok := ruleSets[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q (known: %s)", ErrUnknownCalendar, name, strings.Join(Names(), ", "))
	}
	if len(overrides) == 0 {
		return defaults[name], nil
	}
	byYear := make(map[int][]Override)
	seen := make(map[time.Time]bool, len(overrides))
	for _, o := range overrides {
		o.Date = Day(o.Date)
		if y := o.Date.Year(); y < rs.first || y > rs.last {
			return nil, rs.rangeError(y)
		}
		if seen[o.Date] {
			return nil, fmt.Errorf("%w: %s", ErrConflictingOverride, o.Date.Format(time.DateOnly))
		}
		seen[o.Date] = true
		if o.Name == "" {
			o.Name = "Cierre (operador)"
		}
		byYear[o.Date.Year()] = append(byYear[o.Date.Year()], o)
	}
	return newCalendar(rs, byYear), nil
}

func newCalendar(rs *ruleSet, overrides map[int][]Override) *Calendar {
	return &Calendar{rules: rs, overrides: overrides, years: make([]yearSlot, rs.last-rs.first+1)}
}

// Name is the calendar's code, e.g. "MX".
func (c *Calendar) Name() string { return c.rules.name }

// Years is the inclusive range of years the rules are defined for.
func (c *Calendar) Years() (first, last int) { return c.rules.first, c.rules.last }

func (c *Calendar) table(year int) (*yearTable, error) {
	if year < c.rules.first || year > c.rules.last {
		return nil, c.rules.rangeError(year)
	}
	s := &c.years[year-c.rules.first]
	s.once.Do(func() { s.table = c.build(year) })
	return s.table, nil
}

func (c *Calendar) build(year int) *yearTable {
	t := &yearTable{}
	add := func(d time.Time, name string) {
		if i := t.idx[d.YearDay()]; i != 0 {
			// Two feasts can share a Monday (CO 2025-06-30); keep both names.
			t.names[i-1] += " / " + name
			return
		}
		t.names = append(t.names, name)
		t.idx[d.YearDay()] = uint8(len(t.names))
	}
	for _, h := range c.rules.holidays(year) {
		add(h.Date, h.Name)
	}
	for _, o := range c.overrides[year] {
		if o.Remove {
			t.idx[o.Date.YearDay()] = 0
		} else {
			add(o.Date, o.Name)
		}
	}
	jan1 := Date(year, time.January, 1)
	for yd, i := range t.idx {
		if i != 0 {
			t.list = append(t.list, Holiday{Date: jan1.AddDate(0, 0, yd-1), Name: t.names[i-1]})
		}
	}
	return t
}

// Holidays lists the year's holidays in date order, weekend ones included.
func (c *Calendar) Holidays(year int) ([]Holiday, error) {
	t, err := c.table(year)
	if err != nil {
		return nil, err
	}
	return append([]Holiday(nil), t.list...), nil
}

// IsHoliday reports whether d is a holiday and its name. Weekends are not
// holidays unless a holiday falls on them.
func (c *Calendar) IsHoliday(d time.Time) (name string, ok bool, err error) {
	t, err := c.table(d.Year())
	if err != nil {
		return "", false, err
	}
	if i := t.idx[d.YearDay()]; i != 0 {
		return t.names[i-1], true, nil
	}
	return "", false, nil
}

// IsBusinessDay reports whether d is neither a weekend nor a holiday.
func (c *Calendar) IsBusinessDay(d time.Time) (bool, error) {
	t, err := c.table(d.Year())
	if err != nil {
		return false, err
	}
	if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false, nil
	}
	return t.idx[d.YearDay()] == 0, nil
}

// NextBusinessDay is the first business day strictly after d.
func (c *Calendar) NextBusinessDay(d time.Time) (time.Time, error) {
	return c.step(Day(d), 1)
}

// PreviousBusinessDay is the last business day strictly before d.
func (c *Calendar) PreviousBusinessDay(d time.Time) (time.Time, error) {
	return c.step(Day(d), -1)
}

// step walks one day at a time; it ends at the range edge at the latest.
func (c *Calendar) step(d time.Time, dir int) (time.Time, error) {
	for {
		d = d.AddDate(0, 0, dir)
		ok, err := c.IsBusinessDay(d)
		if err != nil {
			return time.Time{}, err
		}
		if ok {
			return d, nil
		}
	}
}

// AddBusinessDays moves n business days from d: forward for n > 0, back for
// n < 0. n == 0 returns d itself, business day or not.
func (c *Calendar) AddBusinessDays(d time.Time, n int) (time.Time, error) {
	d = Day(d)
	dir := 1
	if n < 0 {
		dir, n = -1, -n
	}
	for ; n > 0; n-- {
		var err error
		if d, err = c.step(d, dir); err != nil {
			return time.Time{}, err
		}
	}
	return d, nil
}

// BusinessDaysBetween counts business days in (from, to], so that
// AddBusinessDays(from, n) == to implies n == BusinessDaysBetween(from, to)
// when to is a business day. It is negative when to is before from.
func (c *Calendar) BusinessDaysBetween(from, to time.Time) (int, error) {
	from, to = Day(from), Day(to)
	sign := 1
	if to.Before(from) {
		from, to, sign = to, from, -1
	}
	n := 0
	for d := from.AddDate(0, 0, 1); !d.After(to); d = d.AddDate(0, 0, 1) {
		ok, err := c.IsBusinessDay(d)
		if err != nil {
			return 0, err
		}
		if ok {
			n++
		}
	}
	return sign * n, nil
}
