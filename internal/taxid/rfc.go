package taxid

import (
	"fmt"
	"strings"
	"time"
)

// Generic RFCs stand for "público en general" and foreign customers on
// CFDI; they name nobody, so they cannot be a party's tax id.
const (
	rfcGenericDomestic = "XAXX010101000"
	rfcGenericForeign  = "XEXX010101000"
)

func validateRFC(raw string) (Result, error) {
	s := normalizeRFC(raw)
	r := []rune(s)

	var kind Kind
	switch len(r) {
	case 12:
		kind = KindRFCMoral
	case 13:
		kind = KindRFCFisica
	default:
		return Result{}, fmt.Errorf("%w: want 12 or 13 characters, got %d", ErrRFCFormat, len(r))
	}

	// Layout follows SAT's CFDI pattern:
	// [A-Z&Ñ]{3,4} [0-9]{6} [A-Z0-9]{2} [0-9A].
	nLetters := len(r) - 9
	for _, c := range r[:nLetters] {
		if !isRFCLetter(c) {
			return Result{}, fmt.Errorf("%w: name part must be letters, Ñ or &", ErrRFCFormat)
		}
	}
	date := r[nLetters : nLetters+6]
	for _, c := range date {
		if !isDigit(c) {
			return Result{}, fmt.Errorf("%w: date part must be six digits", ErrRFCFormat)
		}
	}
	homoclave := r[nLetters+6:]
	if !isUpperAlnum(homoclave[0]) || !isUpperAlnum(homoclave[1]) {
		return Result{}, fmt.Errorf("%w: homoclave must be letters or digits", ErrRFCFormat)
	}
	// The algorithm can only yield 0-9 or A.
	if last := homoclave[2]; !isDigit(last) && last != 'A' {
		return Result{}, fmt.Errorf("%w: check digit must be 0-9 or A", ErrRFCFormat)
	}

	if s == rfcGenericDomestic || s == rfcGenericForeign {
		return Result{}, ErrRFCGeneric
	}
	if !validRFCDate(date) {
		return Result{}, ErrRFCDate
	}

	res := Result{Normalized: s, Kind: kind}
	if want := rfcCheckDigit(r[:len(r)-1]); want != r[len(r)-1] {
		res.WarningCode = WarnRFCCheckDigit
		res.Warning = "RFC check digit does not match the SAT algorithm; confirm the RFC with the party's constancia de situación fiscal"
	}
	return res, nil
}

// normalizeRFC trims, drops the spaces and dashes people type between the
// three parts, and upper-cases only ASCII letters and ñ, so no other Unicode
// letter can case-fold into a valid one.
func normalizeRFC(raw string) string {
	return strings.Map(func(c rune) rune {
		switch {
		case c == ' ' || c == '-':
			return -1
		case c >= 'a' && c <= 'z':
			return c - 'a' + 'A'
		case c == 'ñ':
			return 'Ñ'
		}
		return c
	}, strings.TrimSpace(raw))
}

// validRFCDate checks YYMMDD. The century is not encoded; reading it as 20YY
// gets leap years right for both centuries except 1900, and accepting 000229
// is the safe side of that doubt.
func validRFCDate(d []rune) bool {
	yy := int(d[0]-'0')*10 + int(d[1]-'0')
	mm := int(d[2]-'0')*10 + int(d[3]-'0')
	dd := int(d[4]-'0')*10 + int(d[5]-'0')
	if mm < 1 || mm > 12 || dd < 1 {
		return false
	}
	t := time.Date(2000+yy, time.Month(mm), dd, 0, 0, 0, 0, time.UTC)
	return t.Month() == time.Month(mm) && t.Day() == dd
}

// rfcCheckDigit computes SAT's check digit over the first 11 (moral) or 12
// (física) characters. Morales are left-padded with a space so both use the
// weights 13..2.
func rfcCheckDigit(body []rune) rune {
	if len(body) == 11 {
		body = append([]rune{' '}, body...)
	}
	sum := 0
	for i, c := range body {
		sum += rfcCharValue(c) * (13 - i)
	}
	switch d := 11 - sum%11; d {
	case 11:
		return '0'
	case 10:
		return 'A'
	default:
		return rune('0' + d)
	}
}

// rfcCharValue is SAT's character table: 0-9, A-N, &, O-Z, space, Ñ.
func rfcCharValue(c rune) int {
	switch {
	case isDigit(c):
		return int(c - '0')
	case c >= 'A' && c <= 'N':
		return int(c-'A') + 10
	case c == '&':
		return 24
	case c >= 'O' && c <= 'Z':
		return int(c-'O') + 25
	case c == ' ':
		return 37
	case c == 'Ñ':
		return 38
	}
	// Unreachable after the format check.
	return 0
}

func isDigit(c rune) bool      { return c >= '0' && c <= '9' }
func isUpperAlnum(c rune) bool { return isDigit(c) || (c >= 'A' && c <= 'Z') }
func isRFCLetter(c rune) bool  { return (c >= 'A' && c <= 'Z') || c == 'Ñ' || c == '&' }
