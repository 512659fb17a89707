package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/settlement"
)

// reconciliation answers GET /v1/reconciliation: every financing's state,
// ledger and confirmations checked against each other.
func (h *handlers) reconciliation(c echo.Context) error {
	r, err := h.app.Settling.Reconcile(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	type diff struct {
		FinancingID *string `json:"financing_id"`
		What        string  `json:"what"`
		Expected    string  `json:"expected"`
		Actual      string  `json:"actual"`
	}
	out := struct {
		OK          bool   `json:"ok"`
		Checked     int    `json:"checked"`
		Differences []diff `json:"differences"`
	}{OK: r.OK(), Checked: r.Checked, Differences: []diff{}}
	for _, d := range r.Differences {
		out.Differences = append(out.Differences, diff{FinancingID: optID(d), What: d.What, Expected: d.Expected, Actual: d.Actual})
	}
	return c.JSON(http.StatusOK, out)
}

func optID(d settlement.Difference) *string {
	if d.FinancingID == [16]byte{} {
		return nil
	}
	s := d.FinancingID.String()
	return &s
}
