package pricing

import (
	"fmt"
	"time"

	"github.com/cadena-finance/cadena/internal/calendar"
)

// Cutoff is the program's last moment to fund today, in its time zone.
type Cutoff struct{ Hour, Minute int }

func (c Cutoff) valid() bool { return c.Hour >= 0 && c.Hour < 24 && c.Minute >= 0 && c.Minute < 60 }

// ValueDate is the day a supplier accepting now would be paid: today, in the
// program's zone, when today is a business day and now is before the
// cut-off; otherwise the next business day. Exactly at the cut-off is late.
func ValueDate(now time.Time, tz *time.Location, cutoff Cutoff, cal *calendar.Calendar) (time.Time, error) {
	switch {
	case tz == nil:
		return time.Time{}, ErrNoTimeZone
	case cal == nil:
		return time.Time{}, ErrNoCalendar
	case !cutoff.valid():
		return time.Time{}, fmt.Errorf("%w: %02d:%02d", ErrInvalidCutoff, cutoff.Hour, cutoff.Minute)
	}
	local := now.In(tz)
	today := calendar.Day(local)
	open, err := cal.IsBusinessDay(today)
	if err != nil {
		return time.Time{}, err
	}
	if open && local.Hour()*60+local.Minute() < cutoff.Hour*60+cutoff.Minute {
		return today, nil
	}
	return cal.NextBusinessDay(today)
}

// Eligible returns nil when the actual days from valueDate to maturity are
// within the program's limits, else the reason. maxTenorDays <= 0 means no
// maximum.
func Eligible(valueDate, maturity time.Time, minDays, maxTenorDays int) error {
	days := calendar.DaysBetween(valueDate, maturity)
	switch {
	case days < max(minDays, 1):
		return fmt.Errorf("%w: %d days to maturity, minimum %d", ErrTenorTooShort, days, max(minDays, 1))
	case maxTenorDays > 0 && days > maxTenorDays:
		return fmt.Errorf("%w: %d days to maturity, maximum %d", ErrTenorTooLong, days, maxTenorDays)
	}
	return nil
}
