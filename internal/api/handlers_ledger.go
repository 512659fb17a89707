package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/money"
)

type trialBalanceRowJSON struct {
	Currency string `json:"currency"`
	Debits   string `json:"debits"`
	Credits  string `json:"credits"`
	Balance  string `json:"balance"`
}

// trialBalance answers GET /v1/ledger/trial-balance: every currency must balance.
func (h *handlers) trialBalance(c echo.Context) error {
	rows, err := h.app.Settling.TrialBalance(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	out := struct {
		Balanced   bool                  `json:"balanced"`
		Currencies []trialBalanceRowJSON `json:"currencies"`
	}{Balanced: true, Currencies: []trialBalanceRowJSON{}}
	for _, r := range rows {
		out.Balanced = out.Balanced && r.Balance.IsZero()
		out.Currencies = append(out.Currencies, trialBalanceRowJSON{Currency: string(r.Currency), Debits: money.Format(r.Debits, r.Currency),
			Credits: money.Format(r.Credits, r.Currency), Balance: money.Format(r.Balance, r.Currency)})
	}
	return c.JSON(http.StatusOK, out)
}
