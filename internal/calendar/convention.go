package calendar

import (
	"fmt"
	"time"
)

// Convention says where a date that is not a business day moves. The zero
// value is Following.
type Convention uint8

const (
	// Following moves to the next business day.
	Following Convention = iota
	// ModifiedFollowing moves to the next business day unless that is in the
	// next month, then to the previous one, so a month-end maturity stays in
	// its month.
	ModifiedFollowing
)

var conventionNames = [...]string{Following: "following", ModifiedFollowing: "modified_following"}

func (c Convention) String() string {
	if int(c) < len(conventionNames) {
		return conventionNames[c]
	}
	return fmt.Sprintf("Convention(%d)", uint8(c))
}

// ParseConvention reads "following" or "modified_following".
func ParseConvention(s string) (Convention, error) {
	for c, name := range conventionNames {
		if s == name {
			return Convention(c), nil
		}
	}
	return 0, fmt.Errorf("%w: %q", ErrUnknownConvention, s)
}

// Adjust returns d when it is a business day, else the day conv picks.
func (c *Calendar) Adjust(d time.Time, conv Convention) (time.Time, error) {
	d = Day(d)
	ok, err := c.IsBusinessDay(d)
	if err != nil {
		return time.Time{}, err
	}
	if ok {
		return d, nil
	}
	next, err := c.NextBusinessDay(d)
	switch {
	case err != nil:
		return time.Time{}, err
	case conv == Following:
		return next, nil
	case conv == ModifiedFollowing:
		if next.Month() == d.Month() {
			return next, nil
		}
		return c.PreviousBusinessDay(d)
	}
	return time.Time{}, fmt.Errorf("%w: %v", ErrUnknownConvention, conv)
}
