package apptest

import (
	"testing"

	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/taxid"
)

// The pinned clock is what the date-sensitive tests assume: a business day
// of the MX calendar, before the programs' default 13:00 cut-off.
func TestMorningIsABusinessMorning(t *testing.T) {
	cal, err := calendar.New("MX", nil)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := cal.IsBusinessDay(calendar.Day(Morning)); err != nil || !ok {
		t.Fatalf("%s is not an MX business day (%v)", Morning, err)
	}
	if Morning.Hour() >= 13 {
		t.Fatalf("%s is past the cut-off", Morning)
	}
}

// RFC never repeats and always passes the platform's RFC rule.
func TestRFCsAreValidAndDistinct(t *testing.T) {
	seen := map[string]bool{}
	for range 20000 {
		r := RFC()
		if _, err := taxid.Validate(taxid.Country("MX"), r); err != nil {
			t.Fatalf("%s: %v", r, err)
		}
		if seen[r] {
			t.Fatalf("%s twice", r)
		}
		seen[r] = true
	}
}
