package ledger

import (
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/money"
)

// LinesOf concatenates the lines of entries.
func LinesOf(entries ...Entry) []Line {
	var out []Line
	for _, e := range entries {
		out = append(out, e.Lines...)
	}
	return out
}

// TrialBalance sums lines per currency, debits positive. Over any set of
// balanced entries every figure is zero.
func TrialBalance(lines []Line) map[money.Currency]decimal.Decimal {
	out := map[money.Currency]decimal.Decimal{}
	for _, l := range lines {
		out[l.Account.Currency] = out[l.Account.Currency].Add(l.Signed())
	}
	return out
}

// Balances sums lines per account, debits positive; accounts that net to
// zero are kept, so a caller can tell "moved and returned" from "never used".
func Balances(lines []Line) map[Account]decimal.Decimal {
	out := map[Account]decimal.Decimal{}
	for _, l := range lines {
		out[l.Account] = out[l.Account].Add(l.Signed())
	}
	return out
}
