package app

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/calendar/calendardb"
)

// calendarTTL bounds how long another replica's override change can go
// unseen here; this replica's own changes apply at once.
const calendarTTL = 30 * time.Second

type calendarCache struct {
	mu      sync.Mutex
	entries map[string]cachedCalendar
}

type cachedCalendar struct {
	cal *calendar.Calendar
	at  time.Time
}

// Calendar returns a holiday calendar with the operators' overrides applied.
func (a *Base) Calendar(ctx context.Context, name string) (*calendar.Calendar, error) {
	name = strings.ToUpper(strings.TrimSpace(name))
	a.calendars.mu.Lock()
	c, ok := a.calendars.entries[name]
	a.calendars.mu.Unlock()
	if ok && time.Since(c.at) < calendarTTL {
		return c.cal, nil
	}
	if _, err := calendar.New(name, nil); err != nil {
		return nil, err
	}
	overrides, err := calendardb.Overrides(ctx, a.Pool, name)
	if err != nil {
		return nil, err
	}
	cal, err := calendar.New(name, overrides)
	if err != nil {
		return nil, err
	}
	a.calendars.mu.Lock()
	if a.calendars.entries == nil {
		a.calendars.entries = map[string]cachedCalendar{}
	}
	a.calendars.entries[name] = cachedCalendar{cal: cal, at: time.Now()}
	a.calendars.mu.Unlock()
	return cal, nil
}

func (a *Base) ForgetCalendar(name string) {
	a.calendars.mu.Lock()
	delete(a.calendars.entries, name)
	a.calendars.mu.Unlock()
}
