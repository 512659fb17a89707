package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/settlement"
)

// paymentFile answers GET /v1/payment-files?kind=disbursement|repayment&date=YYYY-MM-DD
// with the pain.001.001.10 of the caller's payments due that day.
func (h *handlers) paymentFile(c echo.Context) error {
	leg := settlement.Leg(c.QueryParam("kind"))
	if leg != settlement.Disbursement && leg != settlement.Repayment {
		return fail(http.StatusBadRequest, codeBadParameter, "Bad query parameter", "kind is disbursement or repayment")
	}
	date, err := calendar.ParseDate(c.QueryParam("date"))
	if err != nil {
		return fail(http.StatusBadRequest, codeBadParameter, "Bad query parameter", "date is YYYY-MM-DD")
	}
	f, err := h.app.PaymentFile(c.Request().Context(), actor(c), leg, date)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Content-Disposition", `attachment; filename="`+f.MessageID+`.xml"`)
	return c.Blob(http.StatusOK, "application/xml", f.XML)
}
