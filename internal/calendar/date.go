package calendar

import (
	"fmt"
	"time"
)

// Date returns the civil date y-m-d as midnight UTC, the one representation
// of a date in Cadena: comparable with ==, usable as a map key, and free of
// daylight-saving surprises when days are added.
func Date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Day returns t's civil date, as seen in t's own location, at midnight UTC.
// Convert t to the program's zone first when "today" matters.
func Day(t time.Time) time.Time {
	y, m, d := t.Date()
	return Date(y, m, d)
}

// ParseDate reads a strict ISO 8601 calendar date, "YYYY-MM-DD".
func ParseDate(s string) (time.Time, error) {
	if len(s) != len("2006-01-02") {
		return time.Time{}, fmt.Errorf("%w: %q", ErrMalformedDate, s)
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%w: %q", ErrMalformedDate, s)
	}
	return t, nil
}

// DaysBetween counts actual calendar days from a to b (negative when b is
// before a). Both are taken as civil dates.
func DaysBetween(a, b time.Time) int {
	// Unix seconds rather than Sub: a Duration overflows after 292 years, and
	// midnight UTC days are exactly 86400 s apart (time.Time has no leap seconds).
	return int((Day(b).Unix() - Day(a).Unix()) / 86400)
}
