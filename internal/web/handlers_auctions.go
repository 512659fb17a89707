package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/app/auctions"
	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/validation"
)

type auctionRow struct {
	auctions.AuctionView
	Supplier, Buyer string
	MyBid           *offer.Bid
}

type auctionsData struct {
	Rows   []auctionRow
	Failed string // the auction whose bid was refused, for the error summary
	Spread string
}

// auctions lists the open auctions of the lender's programs with a bid
// form each (auctions.BidAs, as POST /v1/auctions/{id}/bids).
func (p *portal) auctions(c echo.Context, pg *page) error {
	return p.renderAuctions(c, pg, http.StatusOK, auctionsData{})
}

func (p *portal) renderAuctions(c echo.Context, pg *page, status int, data auctionsData) error {
	ctx := c.Request().Context()
	vs, err := p.app.Auctions.OpenAuctionsForLender(ctx, pg.actor(), 100)
	if err != nil {
		return err
	}
	n := newNames(ctx, p.app, pg.actor())
	for _, v := range vs {
		r := auctionRow{AuctionView: v, Supplier: n.Of(ctx, v.SupplierID), Buyer: n.Of(ctx, v.BuyerID)}
		for i := range v.Bids {
			if v.Bids[i].LenderID == pg.actor().PartyID {
				r.MyBid = &v.Bids[i]
			}
		}
		data.Rows = append(data.Rows, r)
	}
	pg.Data = data
	return p.render(c, status, "auctions", pg)
}

func (p *portal) bid(c echo.Context, pg *page) error {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return offer.ErrAuctionNotFound
	}
	raw := strings.TrimSpace(c.FormValue("spread_bps"))
	data := auctionsData{Failed: id.String(), Spread: raw}
	bps, err := strconv.Atoi(raw)
	if err != nil || bps < 0 || bps > 10000 {
		pg.Errors = validation.Errors{{Field: "spread-" + id.String(), Code: "bid_invalid", Message: "the spread is a whole number of basis points"}}
		return p.renderAuctions(c, pg, http.StatusUnprocessableEntity, data)
	}
	_, err = p.app.Auctions.BidAs(c.Request().Context(), pg.actor(), id, bps)
	// An auction rule the lender can act on (a spread above the cap or not
	// lower, a limit too small, a closed auction) is shown beside the form.
	if errs := refusal(err, "spread-"+id.String()); errs != nil {
		pg.Errors = errs
		return p.renderAuctions(c, pg, http.StatusUnprocessableEntity, data)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/auctions?ok=bid_placed")
}
