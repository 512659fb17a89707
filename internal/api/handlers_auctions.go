package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/validation"
)

type bidJSON struct {
	AuctionID string    `json:"auction_id"`
	LenderID  string    `json:"lender_id"`
	SpreadBps int       `json:"spread_bps"`
	PlacedAt  time.Time `json:"placed_at"`
	Revisions int       `json:"revisions"`
}

func toBidJSON(b offer.Bid) bidJSON {
	return bidJSON{AuctionID: b.AuctionID.String(), LenderID: b.LenderID.String(), SpreadBps: b.SpreadBps, PlacedAt: b.PlacedAt.UTC(), Revisions: b.Revisions}
}

type auctionJSON struct {
	ID            string     `json:"id"`
	ProgramID     string     `json:"program_id"`
	SupplierID    string     `json:"supplier_id"`
	BuyerID       string     `json:"buyer_id"`
	Currency      string     `json:"currency"`
	Status        string     `json:"status"`
	Face          string     `json:"face"`
	InvoiceIDs    []string   `json:"invoice_ids"`
	ValueDate     string     `json:"value_date"`
	MaxSpreadBps  int        `json:"max_spread_bps"`
	OpensAt       time.Time  `json:"opens_at"`
	ClosesAt      time.Time  `json:"closes_at"`
	ClosedAt      *time.Time `json:"closed_at"`
	WinningLender *string    `json:"winning_lender_id"`
	OfferID       *string    `json:"offer_id"`
	Bids          []bidJSON  `json:"bids"`
}

// toAuctionJSON shows a lender the winner and the offer only when it won.
func toAuctionJSON(v app.AuctionView, act app.Actor) auctionJSON {
	a := v.Auction
	out := auctionJSON{ID: a.ID.String(), ProgramID: a.ProgramID.String(), SupplierID: a.SupplierID.String(), BuyerID: a.BuyerID.String(),
		Currency: string(a.Currency), Status: a.Status, Face: money.Format(a.Face, a.Currency), InvoiceIDs: make([]string, len(a.InvoiceIDs)),
		ValueDate: a.ValueDate.Format(time.DateOnly), MaxSpreadBps: a.MaxSpreadBps, OpensAt: a.OpensAt.UTC(), ClosesAt: a.ClosesAt.UTC(),
		Bids: make([]bidJSON, len(v.Bids))}
	for i, id := range a.InvoiceIDs {
		out.InvoiceIDs[i] = id.String()
	}
	for i, b := range v.Bids {
		out.Bids[i] = toBidJSON(b)
	}
	if a.ClosedAt != nil {
		t := a.ClosedAt.UTC()
		out.ClosedAt = &t
	}
	if a.WinningLender != nil && (!act.Is(auth.RoleLender) || *a.WinningLender == act.PartyID) {
		w, o := a.WinningLender.String(), a.WinningOffer.String()
		out.WinningLender, out.OfferID = &w, &o
	}
	return out
}

func (h *handlers) openAuction(c echo.Context) error {
	ids, err := invoiceIDs(c)
	if err != nil {
		return err
	}
	act := actor(c)
	a, err := h.app.OpenAuction(c.Request().Context(), act, ids)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/auctions/"+a.ID.String())
	return c.JSON(http.StatusCreated, toAuctionJSON(app.AuctionView{Auction: a, Bids: []offer.Bid{}}, act))
}

func (h *handlers) getAuction(c echo.Context) error {
	id, err := pathID(c, "id", offer.ErrAuctionNotFound)
	if err != nil {
		return err
	}
	act := actor(c)
	v, err := h.app.GetAuction(c.Request().Context(), act, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAuctionJSON(v, act))
}

func (h *handlers) placeBid(c echo.Context) error {
	id, err := pathID(c, "id", offer.ErrAuctionNotFound)
	if err != nil {
		return err
	}
	var req struct {
		SpreadBps *int `json:"spread_bps"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.SpreadBps == nil {
		return validation.Errors{{Field: "spread_bps", Code: "required", Message: "spread_bps is required"}}
	}
	b, err := h.app.BidAs(c.Request().Context(), actor(c), id, *req.SpreadBps)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toBidJSON(b))
}
