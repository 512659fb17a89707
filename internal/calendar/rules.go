package calendar

import (
	"fmt"
	"time"
)

// ruleSet computes a country's holidays for one year from its legal rules.
type ruleSet struct {
	name        string
	first, last int
	holidays    func(year int) []Holiday
}

func (rs *ruleSet) rangeError(year int) error {
	return fmt.Errorf("%w: %d, %s supports %d to %d", ErrYearOutOfRange, year, rs.name, rs.first, rs.last)
}

var ruleSets = map[string]*ruleSet{
	// From 2007: the Monday rules come from the January 2006 reform of the
	// Ley Federal del Trabajo art. 74, and older CNBV lists were not checked.
	"MX": {name: "MX", first: 2007, last: 2200, holidays: mexico},
	// From 1984: Ley 51 de 1983 (Ley Emiliani) took effect on 1 January 1984.
	"CO": {name: "CO", first: 1984, last: 2200, holidays: colombia},
}

// mexico is the list of days banks close, as the CNBV publishes it in the
// DOF each December: the LFT art. 74 rest days plus 2 November and
// 12 December (Día del Empleado Bancario). Holy Week is the CNBV's addition.
func mexico(y int) []Holiday {
	easter := Easter(y)
	hs := []Holiday{
		{Date(y, time.January, 1), "Año Nuevo"},
		{nthWeekday(y, time.February, time.Monday, 1), "Día de la Constitución"},
		{nthWeekday(y, time.March, time.Monday, 3), "Natalicio de Benito Juárez"},
		{easter.AddDate(0, 0, -3), "Jueves Santo"},
		{easter.AddDate(0, 0, -2), "Viernes Santo"},
		{Date(y, time.May, 1), "Día del Trabajo"},
		{Date(y, time.September, 16), "Día de la Independencia"},
		{Date(y, time.November, 2), "Día de Muertos"},
		{nthWeekday(y, time.November, time.Monday, 3), "Día de la Revolución"},
		{Date(y, time.December, 12), "Día del Empleado Bancario"},
		{Date(y, time.December, 25), "Navidad"},
	}
	// The presidency changes hands every six years: 1 December until 2018,
	// 1 October from 2024 (Constitution art. 83 as reformed in 2014; the CNBV
	// closed banks on 2024-10-01). LFT art. 74 VIII.
	switch {
	case y >= 2024 && (y-2024)%6 == 0:
		hs = append(hs, Holiday{Date(y, time.October, 1), "Transmisión del Poder Ejecutivo Federal"})
	case y < 2024 && (y-2018)%6 == 0:
		hs = append(hs, Holiday{Date(y, time.December, 1), "Transmisión del Poder Ejecutivo Federal"})
	}
	return hs
}

// colombia follows Ley 51 de 1983, which amended Decreto 2663 de 1950
// (Código Sustantivo del Trabajo) art. 177: some feasts stay on their date,
// the others move to the following Monday.
func colombia(y int) []Holiday {
	easter := Easter(y)
	return []Holiday{
		{Date(y, time.January, 1), "Año Nuevo"},
		{nextMonday(Date(y, time.January, 6)), "Día de los Reyes Magos"},
		{nextMonday(Date(y, time.March, 19)), "Día de San José"},
		{easter.AddDate(0, 0, -3), "Jueves Santo"},
		{easter.AddDate(0, 0, -2), "Viernes Santo"},
		{Date(y, time.May, 1), "Día del Trabajo"},
		{nextMonday(easter.AddDate(0, 0, 39)), "Ascensión del Señor"},
		{nextMonday(easter.AddDate(0, 0, 60)), "Corpus Christi"},
		{nextMonday(easter.AddDate(0, 0, 68)), "Sagrado Corazón de Jesús"},
		{nextMonday(Date(y, time.June, 29)), "San Pedro y San Pablo"},
		{Date(y, time.July, 20), "Día de la Independencia"},
		{Date(y, time.August, 7), "Batalla de Boyacá"},
		{nextMonday(Date(y, time.August, 15)), "Asunción de la Virgen"},
		{nextMonday(Date(y, time.October, 12)), "Día de la Raza"},
		{nextMonday(Date(y, time.November, 1)), "Todos los Santos"},
		{nextMonday(Date(y, time.November, 11)), "Independencia de Cartagena"},
		{Date(y, time.December, 8), "Inmaculada Concepción"},
		{Date(y, time.December, 25), "Navidad"},
	}
}

// Easter returns Easter Sunday of the Gregorian year y by the anonymous
// algorithm (Meeus, Astronomical Algorithms; Jones 1876; Butcher 1876).
func Easter(y int) time.Time {
	a := y % 19
	b, c := y/100, y%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	n := h + l - 7*m + 114
	return Date(y, time.Month(n/31), n%31+1)
}

// nthWeekday is the n-th given weekday of a month, n counting from 1.
func nthWeekday(y int, m time.Month, wd time.Weekday, n int) time.Time {
	first := Date(y, m, 1)
	offset := (int(wd) - int(first.Weekday()) + 7) % 7
	return first.AddDate(0, 0, offset+7*(n-1))
}

// nextMonday is d when d is a Monday, else the Monday after it (Ley 51).
func nextMonday(d time.Time) time.Time {
	return d.AddDate(0, 0, (int(time.Monday)-int(d.Weekday())+7)%7)
}
