package taxid

import (
	"fmt"
	"strings"
)

// DIAN's weights, applied from the rightmost digit of the base number.
var nitWeights = [...]int{3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71}

// NIT bases of individuals are their cédula, which can be short; the upper
// bound is the length of DIAN's weight table.
const (
	nitMinBase = 5
	nitMaxBase = len(nitWeights)
)

// validateNIT accepts "800185449-9", "800.185.449-9" or "8001854499". The
// check digit (DV) is required: without a dash the last digit is the DV, so
// a bare base number is read as a shorter base plus a DV and almost always
// fails the check rather than being silently completed.
func validateNIT(raw string) (Result, error) {
	s := strings.Map(func(c rune) rune {
		if c == '.' || c == ',' || c == ' ' {
			return -1
		}
		return c
	}, strings.TrimSpace(raw))

	var base, dv string
	if b, d, ok := strings.Cut(s, "-"); ok {
		base, dv = b, d
	} else if s != "" {
		base, dv = s[:len(s)-1], s[len(s)-1:]
	}
	if len(dv) != 1 || !allDigits(dv) {
		return Result{}, fmt.Errorf("%w: check digit must be one digit", ErrNITFormat)
	}
	if !allDigits(base) {
		return Result{}, fmt.Errorf("%w: base must be digits", ErrNITFormat)
	}
	// Leading zeros do not change the DV; dropping them keeps one spelling
	// per taxpayer.
	base = strings.TrimLeft(base, "0")
	if len(base) < nitMinBase || len(base) > nitMaxBase {
		return Result{}, fmt.Errorf("%w: base must have %d to %d digits", ErrNITFormat, nitMinBase, nitMaxBase)
	}
	if nitCheckDigit(base) != dv[0] {
		return Result{}, ErrNITCheckDigit
	}
	return Result{Normalized: base + "-" + dv, Kind: KindNIT}, nil
}

// nitCheckDigit is DIAN's modulo-11 DV: r = Σ digit×weight mod 11; DV is r
// when r is 0 or 1, else 11 − r.
func nitCheckDigit(base string) byte {
	sum := 0
	for i := 0; i < len(base); i++ {
		sum += int(base[len(base)-1-i]-'0') * nitWeights[i]
	}
	r := sum % 11
	if r > 1 {
		r = 11 - r
	}
	return byte('0' + r)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
