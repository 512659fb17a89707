package api

import (
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/pricing"
)

type financingJSON struct {
	ID            string     `json:"id"`
	OfferID       string     `json:"offer_id"`
	InvoiceID     string     `json:"invoice_id"`
	ProgramID     string     `json:"program_id"`
	LenderID      string     `json:"lender_id"`
	SupplierID    string     `json:"supplier_id"`
	BuyerID       string     `json:"buyer_id"`
	Currency      string     `json:"currency"`
	Face          string     `json:"face"`
	Discount      string     `json:"discount"`
	NetProceeds   string     `json:"net_proceeds"`
	SpreadBps     int        `json:"spread_bps"`
	ReferenceRate fixingJSON `json:"reference_rate"`
	ValueDate     string     `json:"value_date"`
	Maturity      string     `json:"maturity"`
	Status        string     `json:"status"`
	AcceptedAt    time.Time  `json:"accepted_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

func toFinancingJSON(f financing.Financing) financingJSON {
	c := f.Currency
	return financingJSON{ID: f.ID.String(), OfferID: f.OfferID.String(), InvoiceID: f.InvoiceID.String(), ProgramID: f.ProgramID.String(),
		LenderID: f.LenderID.String(), SupplierID: f.SupplierID.String(), BuyerID: f.BuyerID.String(), Currency: string(c),
		Face: money.Format(f.Face, c), Discount: money.Format(f.Discount, c), NetProceeds: money.Format(f.Net, c), SpreadBps: f.SpreadBps,
		ReferenceRate: fixingJSON{Index: f.ReferenceIndex, Date: f.ReferenceDate.Format(time.DateOnly), Rate: f.ReferenceRate.StringFixed(pricing.PercentDecimals)},
		ValueDate:     f.ValueDate.Format(time.DateOnly), Maturity: f.Maturity.Format(time.DateOnly), Status: string(f.Status),
		AcceptedAt: f.AcceptedAt.UTC(), UpdatedAt: f.UpdatedAt.UTC()}
}

func (h *handlers) getFinancing(c echo.Context) error {
	id, err := pathID(c, "id", financing.ErrNotFound)
	if err != nil {
		return err
	}
	f, err := h.app.Settling.GetFinancing(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toFinancingJSON(f))
}

func (h *handlers) listFinancings(c echo.Context) error {
	limit, cursor, err := pageParams(c)
	if err != nil {
		return err
	}
	var offerID uuid.UUID
	if s := c.QueryParam("offer_id"); s != "" {
		if offerID, err = uuid.Parse(s); err != nil {
			return fail(http.StatusBadRequest, codeBadParameter, "Bad query parameter", "offer_id is a UUID")
		}
	}
	page, err := h.app.Settling.ListFinancings(c.Request().Context(), actor(c), offerID, cursor, limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toList(page.Items, page.Next, toFinancingJSON))
}
