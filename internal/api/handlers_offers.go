package api

import (
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/pricing"
	"github.com/cadena-finance/cadena/internal/validation"
)

type offerLineJSON struct {
	InvoiceID     string `json:"invoice_id"`
	Face          string `json:"face"`
	Discount      string `json:"discount"`
	NetProceeds   string `json:"net_proceeds"`
	DueDate       string `json:"due_date"`
	Maturity      string `json:"maturity"`
	Days          int    `json:"days"`
	SpreadBps     int    `json:"spread_bps"`
	AllInRate     string `json:"all_in_rate"`
	EffectiveRate string `json:"effective_annual_rate"`
}

type offerJSON struct {
	ID            string          `json:"id"`
	Source        string          `json:"source"`
	AuctionID     *string         `json:"auction_id"`
	ProgramID     string          `json:"program_id"`
	LenderID      string          `json:"lender_id"`
	SupplierID    string          `json:"supplier_id"`
	BuyerID       string          `json:"buyer_id"`
	Currency      string          `json:"currency"`
	SpreadBps     int             `json:"spread_bps"`
	ReferenceRate fixingJSON      `json:"reference_rate"`
	ValueDate     string          `json:"value_date"`
	Face          string          `json:"face"`
	Discount      string          `json:"discount"`
	NetProceeds   string          `json:"net_proceeds"`
	Status        string          `json:"status"`
	ExpiresAt     time.Time       `json:"expires_at"`
	CreatedAt     time.Time       `json:"created_at"`
	Lines         []offerLineJSON `json:"lines,omitempty"`
}

func toOfferJSON(o offer.Offer) offerJSON {
	c := o.Currency
	out := offerJSON{ID: o.ID.String(), Source: o.Source, ProgramID: o.ProgramID.String(), LenderID: o.LenderID.String(),
		SupplierID: o.SupplierID.String(), BuyerID: o.BuyerID.String(), Currency: string(c), SpreadBps: o.SpreadBps,
		ReferenceRate: fixingJSON{Index: o.ReferenceIndex, Date: o.ReferenceDate.Format(time.DateOnly), Rate: o.ReferenceRate.StringFixed(pricing.PercentDecimals)},
		ValueDate:     o.ValueDate.Format(time.DateOnly), Face: money.Format(o.Face, c), Discount: money.Format(o.Discount, c),
		NetProceeds: money.Format(o.Net, c), Status: o.Status, ExpiresAt: o.ExpiresAt.UTC(), CreatedAt: o.CreatedAt.UTC()}
	if o.AuctionID != nil {
		s := o.AuctionID.String()
		out.AuctionID = &s
	}
	for _, l := range o.Lines {
		out.Lines = append(out.Lines, offerLineJSON{InvoiceID: l.InvoiceID.String(), Face: money.Format(l.Face, c),
			Discount: money.Format(l.Discount, c), NetProceeds: money.Format(l.Net, c), DueDate: l.DueDate.Format(time.DateOnly),
			Maturity: l.Maturity.Format(time.DateOnly), Days: l.Days, SpreadBps: l.SpreadBps, AllInRate: pricing.FormatPercent(l.AllInRate),
			EffectiveRate: pricing.FormatPercent(l.EffectiveRate)})
	}
	return out
}

// invoiceIDs reads {"invoice_ids": [...]}, the body of quotes and early-payment requests.
func invoiceIDs(c echo.Context) ([]uuid.UUID, error) {
	var req struct {
		InvoiceIDs []string `json:"invoice_ids"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return nil, err
	}
	if len(req.InvoiceIDs) == 0 {
		return nil, validation.Errors{{Field: "invoice_ids", Code: "required", Message: "give at least one invoice id"}}
	}
	ids := make([]uuid.UUID, len(req.InvoiceIDs))
	for i, s := range req.InvoiceIDs {
		id, err := uuid.Parse(s)
		if err != nil {
			return nil, validation.Errors{{Field: "invoice_ids", Code: "invalid", Message: "invoice ids are UUIDs"}}
		}
		ids[i] = id
	}
	return ids, nil
}

type unavailableJSON struct {
	LenderID string `json:"lender_id"`
	Reason   string `json:"reason"`
}

func (h *handlers) createQuote(c echo.Context) error {
	ids, err := invoiceIDs(c)
	if err != nil {
		return err
	}
	res, err := h.app.Quoting.Quote(c.Request().Context(), actor(c), ids)
	if err != nil {
		return err
	}
	out := struct {
		Offers      []offerJSON       `json:"offers"`
		Unavailable []unavailableJSON `json:"unavailable_lenders"`
	}{Offers: make([]offerJSON, len(res.Offers)), Unavailable: []unavailableJSON{}}
	for i, o := range res.Offers {
		out.Offers[i] = toOfferJSON(o)
	}
	for _, u := range res.Unavailable {
		out.Unavailable = append(out.Unavailable, unavailableJSON{LenderID: u.LenderID.String(), Reason: u.Reason})
	}
	return c.JSON(http.StatusCreated, out)
}

func (h *handlers) getOffer(c echo.Context) error {
	id, err := pathID(c, "id", offer.ErrNotFound)
	if err != nil {
		return err
	}
	o, err := h.app.Quoting.GetOffer(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toOfferJSON(o))
}

func (h *handlers) listOffers(c echo.Context) error {
	limit, cursor, err := pageParams(c)
	if err != nil {
		return err
	}
	status := c.QueryParam("status")
	switch status {
	case "", offer.StatusOpen, offer.StatusAccepted, offer.StatusExpired, offer.StatusSuperseded:
	default:
		return fail(http.StatusBadRequest, codeBadParameter, "Bad query parameter", "status must be open, accepted, expired or superseded")
	}
	page, err := h.app.Quoting.ListOffers(c.Request().Context(), actor(c), status, cursor, limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toList(page.Items, page.Next, toOfferJSON))
}

func (h *handlers) acceptOffer(c echo.Context) error {
	id, err := pathID(c, "id", offer.ErrNotFound)
	if err != nil {
		return err
	}
	fs, err := h.app.Acceptance.AcceptOffer(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	out := struct {
		OfferID    string          `json:"offer_id"`
		Financings []financingJSON `json:"financings"`
	}{OfferID: id.String(), Financings: make([]financingJSON, len(fs))}
	for i, f := range fs {
		out.Financings[i] = toFinancingJSON(f)
	}
	return c.JSON(http.StatusCreated, out)
}
