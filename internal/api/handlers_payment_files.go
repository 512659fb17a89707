package api

import (
	"net/http"
	"regexp"

	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/app/settling"
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
	f, err := h.app.Settling.PaymentFile(c.Request().Context(), actor(c), leg, date)
	if err != nil {
		return err
	}
	return sendPaymentFile(c, f)
}

// paymentFileByID answers GET /v1/payment-files/{id}: a file as it was
// built, by its message id (the filename of the by-date answer).
func (h *handlers) paymentFileByID(c echo.Context) error {
	id := c.Param("id")
	if !paymentFileID.MatchString(id) {
		return settlement.ErrFileNotFound
	}
	f, err := h.app.Settling.PaymentFileByID(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return sendPaymentFile(c, f)
}

// paymentFileID is the shape of the message ids Cadena gives its files.
var paymentFileID = regexp.MustCompile(`^C[DR][0-9]{8}-[0-9a-f]{16}$`)

func sendPaymentFile(c echo.Context, f settling.PaymentFile) error {
	c.Response().Header().Set("Content-Disposition", `attachment; filename="`+f.MessageID+`.xml"`)
	return c.Blob(http.StatusOK, "application/xml", f.XML)
}
