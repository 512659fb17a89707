package calendar

import (
	"strings"
	"testing"
	"time"
)

type want struct{ date, name string }

// Sources for the tables below.
//
// MX: CNBV, "Disposiciones de carácter general que señalan los días del año
// <N> en que las entidades financieras sujetas a la supervisión de la
// Comisión Nacional Bancaria y de Valores deberán cerrar sus puertas y
// suspender operaciones", published in the DOF each December for the next
// year (2025: DOF December 2024; 2026: DOF December 2025). The 2027 list is
// due in the DOF in December 2026; the table is by rule and must be checked
// against it when it appears.
//
// CO: Ley 51 de 1983 art. 1, which amended art. 177 of the Código Sustantivo
// del Trabajo (Decreto 2663 de 1950): fixed feasts stay put, the others move
// to the following Monday. Dates cross-checked with the published 2025, 2026
// and 2027 calendars (2025 has 18 holidays on 17 days: Sagrado Corazón and
// San Pedro y San Pablo share Monday 30 June).
var holidayTables = []struct {
	cal  string
	year int
	want []want
}{
	{"MX", 2025, []want{
		{"2025-01-01", "Año Nuevo"},
		{"2025-02-03", "Día de la Constitución"},
		{"2025-03-17", "Natalicio de Benito Juárez"},
		{"2025-04-17", "Jueves Santo"},
		{"2025-04-18", "Viernes Santo"},
		{"2025-05-01", "Día del Trabajo"},
		{"2025-09-16", "Día de la Independencia"},
		{"2025-11-02", "Día de Muertos"}, // Sunday
		{"2025-11-17", "Día de la Revolución"},
		{"2025-12-12", "Día del Empleado Bancario"},
		{"2025-12-25", "Navidad"},
	}},
	{"MX", 2026, []want{
		{"2026-01-01", "Año Nuevo"},
		{"2026-02-02", "Día de la Constitución"},
		{"2026-03-16", "Natalicio de Benito Juárez"},
		{"2026-04-02", "Jueves Santo"},
		{"2026-04-03", "Viernes Santo"},
		{"2026-05-01", "Día del Trabajo"},
		{"2026-09-16", "Día de la Independencia"},
		{"2026-11-02", "Día de Muertos"},
		{"2026-11-16", "Día de la Revolución"},
		{"2026-12-12", "Día del Empleado Bancario"}, // Saturday
		{"2026-12-25", "Navidad"},
	}},
	{"MX", 2027, []want{
		{"2027-01-01", "Año Nuevo"},
		{"2027-02-01", "Día de la Constitución"},
		{"2027-03-15", "Natalicio de Benito Juárez"},
		{"2027-03-25", "Jueves Santo"},
		{"2027-03-26", "Viernes Santo"},
		{"2027-05-01", "Día del Trabajo"}, // Saturday
		{"2027-09-16", "Día de la Independencia"},
		{"2027-11-02", "Día de Muertos"},
		{"2027-11-15", "Día de la Revolución"},
		{"2027-12-12", "Día del Empleado Bancario"}, // Sunday
		{"2027-12-25", "Navidad"},                   // Saturday
	}},
	{"CO", 2025, []want{
		{"2025-01-01", "Año Nuevo"},
		{"2025-01-06", "Día de los Reyes Magos"},
		{"2025-03-24", "Día de San José"},
		{"2025-04-17", "Jueves Santo"},
		{"2025-04-18", "Viernes Santo"},
		{"2025-05-01", "Día del Trabajo"},
		{"2025-06-02", "Ascensión del Señor"},
		{"2025-06-23", "Corpus Christi"},
		{"2025-06-30", "Sagrado Corazón de Jesús / San Pedro y San Pablo"},
		{"2025-07-20", "Día de la Independencia"}, // Sunday
		{"2025-08-07", "Batalla de Boyacá"},
		{"2025-08-18", "Asunción de la Virgen"},
		{"2025-10-13", "Día de la Raza"},
		{"2025-11-03", "Todos los Santos"},
		{"2025-11-17", "Independencia de Cartagena"},
		{"2025-12-08", "Inmaculada Concepción"},
		{"2025-12-25", "Navidad"},
	}},
	{"CO", 2026, []want{
		{"2026-01-01", "Año Nuevo"},
		{"2026-01-12", "Día de los Reyes Magos"},
		{"2026-03-23", "Día de San José"},
		{"2026-04-02", "Jueves Santo"},
		{"2026-04-03", "Viernes Santo"},
		{"2026-05-01", "Día del Trabajo"},
		{"2026-05-18", "Ascensión del Señor"},
		{"2026-06-08", "Corpus Christi"},
		{"2026-06-15", "Sagrado Corazón de Jesús"},
		{"2026-06-29", "San Pedro y San Pablo"},
		{"2026-07-20", "Día de la Independencia"},
		{"2026-08-07", "Batalla de Boyacá"},
		{"2026-08-17", "Asunción de la Virgen"},
		{"2026-10-12", "Día de la Raza"},
		{"2026-11-02", "Todos los Santos"},
		{"2026-11-16", "Independencia de Cartagena"},
		{"2026-12-08", "Inmaculada Concepción"},
		{"2026-12-25", "Navidad"},
	}},
	{"CO", 2027, []want{
		{"2027-01-01", "Año Nuevo"},
		{"2027-01-11", "Día de los Reyes Magos"},
		{"2027-03-22", "Día de San José"},
		{"2027-03-25", "Jueves Santo"},
		{"2027-03-26", "Viernes Santo"},
		{"2027-05-01", "Día del Trabajo"}, // Saturday
		{"2027-05-10", "Ascensión del Señor"},
		{"2027-05-31", "Corpus Christi"},
		{"2027-06-07", "Sagrado Corazón de Jesús"},
		{"2027-07-05", "San Pedro y San Pablo"},
		{"2027-07-20", "Día de la Independencia"},
		{"2027-08-07", "Batalla de Boyacá"}, // Saturday
		{"2027-08-16", "Asunción de la Virgen"},
		{"2027-10-18", "Día de la Raza"},
		{"2027-11-01", "Todos los Santos"},
		{"2027-11-15", "Independencia de Cartagena"},
		{"2027-12-08", "Inmaculada Concepción"},
		{"2027-12-25", "Navidad"}, // Saturday
	}},
}

func TestHolidayTables(t *testing.T) {
	for _, tc := range holidayTables {
		cal := mustNew(t, tc.cal, nil)
		got, err := cal.Holidays(tc.year)
		if err != nil {
			t.Fatal(err)
		}
		var gotS, wantS []string
		for _, h := range got {
			gotS = append(gotS, h.Date.Format(time.DateOnly)+" "+h.Name)
		}
		for _, w := range tc.want {
			wantS = append(wantS, w.date+" "+w.name)
		}
		if g, w := strings.Join(gotS, "\n"), strings.Join(wantS, "\n"); g != w {
			t.Errorf("%s %d:\ngot\n%s\nwant\n%s", tc.cal, tc.year, g, w)
		}
		// Every listed weekday is closed; the days around it follow the weekday rule.
		for _, w := range tc.want {
			d := mustDate(t, w.date)
			if name, ok, _ := cal.IsHoliday(d); !ok || name != w.name {
				t.Errorf("%s IsHoliday(%s) = %q, %v", tc.cal, w.date, name, ok)
			}
			if ok, _ := cal.IsBusinessDay(d); ok {
				t.Errorf("%s %s is a business day", tc.cal, w.date)
			}
		}
	}
}

func TestMexicoInauguration(t *testing.T) {
	mx := mustNew(t, "MX", nil)
	for d, want := range map[string]bool{"2012-12-01": true, "2018-12-01": true, "2024-12-01": false, "2013-12-01": false} {
		if _, ok, _ := mx.IsHoliday(mustDate(t, d)); ok != want {
			t.Errorf("%s holiday = %v, want %v", d, ok, want)
		}
	}
	for y := 2024; y <= 2042; y++ {
		_, ok, err := mx.IsHoliday(Date(y, time.October, 1))
		if err != nil {
			t.Fatal(err)
		}
		if want := y%6 == 2024%6; ok != want {
			t.Errorf("%d-10-01 holiday = %v, want %v", y, ok, want)
		}
	}
}

func TestEaster(t *testing.T) {
	// Published Easter Sundays, including the extremes 22 March and 25 April.
	for _, s := range []string{
		"1818-03-22", "1943-04-25", "1984-04-22", "2000-04-23", "2008-03-23",
		"2011-04-24", "2019-04-21", "2024-03-31", "2025-04-20", "2026-04-05",
		"2027-03-28", "2038-04-25", "2285-03-22",
	} {
		d := mustDate(t, s)
		if got := Easter(d.Year()); !got.Equal(d) {
			t.Errorf("Easter(%d) = %s, want %s", d.Year(), got.Format(time.DateOnly), s)
		}
	}
}

func TestEasterAlwaysSunday(t *testing.T) {
	for y := 1583; y <= 3000; y++ {
		e := Easter(y)
		if e.Weekday() != time.Sunday || e.Before(Date(y, time.March, 22)) || e.After(Date(y, time.April, 25)) {
			t.Fatalf("Easter(%d) = %s", y, e.Format(time.DateOnly))
		}
	}
}

// Ley 51 moves every movable feast to a Monday, for every supported year.
func TestColombiaMovedFeastsAreMondays(t *testing.T) {
	fixed := map[string]bool{
		"Año Nuevo": true, "Jueves Santo": true, "Viernes Santo": true, "Día del Trabajo": true,
		"Día de la Independencia": true, "Batalla de Boyacá": true, "Inmaculada Concepción": true, "Navidad": true,
	}
	for y := 1984; y <= 2200; y++ {
		for _, h := range colombia(y) {
			if !fixed[h.Name] && h.Date.Weekday() != time.Monday {
				t.Fatalf("%d %s on %s", y, h.Name, h.Date.Weekday())
			}
			if h.Date.Year() != y {
				t.Fatalf("%d %s falls in %d", y, h.Name, h.Date.Year())
			}
		}
	}
}
