package api

import (
	"bytes"
	"context"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/auctions"
	"github.com/cadena-finance/cadena/internal/app/usecases"
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
	WinningSpread *int       `json:"winning_spread_bps"`
	Bids          []bidJSON  `json:"bids"`
}

// toAuctionJSON shows every viewer the winning spread, but a lender the
// winner and the offer only when it won (the cadena.auction.lost notice
// tells a loser the same).
func toAuctionJSON(v auctions.AuctionView, act app.Actor) auctionJSON {
	a := v.Auction
	out := auctionJSON{ID: a.ID.String(), ProgramID: a.ProgramID.String(), SupplierID: a.SupplierID.String(), BuyerID: a.BuyerID.String(),
		Currency: string(a.Currency), Status: a.Status, Face: money.Format(a.Face, a.Currency), InvoiceIDs: make([]string, len(a.InvoiceIDs)),
		ValueDate: a.ValueDate.Format(time.DateOnly), MaxSpreadBps: a.MaxSpreadBps, OpensAt: a.OpensAt.UTC(), ClosesAt: a.ClosesAt.UTC(),
		WinningSpread: v.WinningSpread, Bids: make([]bidJSON, len(v.Bids))}
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
	if v.ShowsWinner(act) {
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
	a, err := h.app.Auctions.OpenAuction(c.Request().Context(), act, ids)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/auctions/"+a.ID.String())
	return c.JSON(http.StatusCreated, toAuctionJSON(auctions.AuctionView{Auction: a, Bids: []offer.Bid{}}, act))
}

func (h *handlers) getAuction(c echo.Context) error {
	id, err := pathID(c, "id", offer.ErrAuctionNotFound)
	if err != nil {
		return err
	}
	act := actor(c)
	v, err := h.app.Auctions.GetAuction(c.Request().Context(), act, id)
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
	req, err := decodeBid(func(v any) error { return decodeJSON(c, v) }, false)
	if err != nil {
		return err
	}
	b, err := h.app.Auctions.BidAs(c.Request().Context(), actor(c), id, req.SpreadBps)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toBidJSON(b))
}

// bidRequest is a decoded, validated bid.
type bidRequest struct {
	AuctionID uuid.UUID // only over NATS; HTTP takes it from the path
	SpreadBps int
}

// decodeBid is the one decoder of a bid, for the HTTP handler and the NATS
// bid service (AnswerBid), so a bank gets the same answer either way; decode
// is decodeJSON over HTTP and decodeBody over NATS. A
// missing or null spread_bps is required, a negative one out of range.
// Over NATS the body names the auction (withAuction); over HTTP the path does,
// and auction_id in the body is an unknown field.
func decodeBid(decode func(any) error, withAuction bool) (bidRequest, error) {
	var body struct {
		AuctionID *string `json:"auction_id"`
		SpreadBps *int    `json:"spread_bps"`
	}
	if err := decode(&body); err != nil {
		return bidRequest{}, err
	}
	if !withAuction && body.AuctionID != nil {
		return bidRequest{}, validation.Errors{{Field: "auction_id", Code: "unknown_field", Message: "this field is not part of the request"}}
	}
	var req bidRequest
	if withAuction {
		if body.AuctionID == nil {
			return req, validation.Errors{{Field: "auction_id", Code: "required", Message: "auction_id is required"}}
		}
		id, err := uuid.Parse(*body.AuctionID)
		if err != nil {
			return req, offer.ErrAuctionNotFound // as a malformed path id over HTTP
		}
		req.AuctionID = id
	}
	if err := offer.CheckSpread(body.SpreadBps); err != nil {
		return req, err
	}
	req.SpreadBps = *body.SpreadBps
	return req, nil
}

// BidReply answers a bid made over NATS on cadena-rpc.bid.<lender-id>
// (contracts/rpc/cadena-rpc.bid.reply.json). An accepted bid carries the
// bid as POST /v1/auctions/{id}/bids returns it; a refusal carries the
// stable code, title and field errors of the HTTP problem.
type BidReply struct {
	Accepted  bool               `json:"accepted"`
	AuctionID string             `json:"auction_id,omitempty"`
	SpreadBps *int               `json:"spread_bps,omitempty"`
	Revisions int                `json:"revisions,omitempty"`
	PlacedAt  *time.Time         `json:"placed_at,omitempty"`
	Code      string             `json:"code,omitempty"`
	Message   string             `json:"message,omitempty"`
	Errors    []validation.Error `json:"errors,omitempty"`
}

// AnswerBid serves a NATS bid: lender comes from the subject, never the
// payload. The checks of the caller (authenticate) and of the body
// (decodeBid) are the HTTP route's, and refusals go through the one catalog.
// The error is for the log: set only when the reply is a 5xx.
func AnswerBid(ctx context.Context, a *usecases.Set, lender uuid.UUID, body []byte) (BidReply, error) {
	b, err := answerBid(ctx, a, lender, body)
	if err != nil {
		r, status := RefuseBid(err)
		if status >= 500 {
			return r, err
		}
		return r, nil
	}
	bj := toBidJSON(b)
	return BidReply{Accepted: true, AuctionID: bj.AuctionID, SpreadBps: &bj.SpreadBps, Revisions: bj.Revisions, PlacedAt: &bj.PlacedAt}, nil
}

// RefuseBid is the reply to a bid refused with err, with the status the
// HTTP route would answer: its code and title come from the one catalog.
func RefuseBid(err error) (BidReply, int) {
	p := toProblem(err)
	return BidReply{Code: p.Code, Message: p.Title, Errors: p.Errors}, p.Status
}

func answerBid(ctx context.Context, a *usecases.Set, lender uuid.UUID, body []byte) (offer.Bid, error) {
	if err := a.CheckActor(ctx, app.Actor{PartyID: lender, Role: auth.RoleLender}); err != nil {
		return offer.Bid{}, err
	}
	req, err := decodeBid(func(v any) error { return decodeBody(bytes.NewReader(body), v) }, true)
	if err != nil {
		return offer.Bid{}, err
	}
	return a.Auctions.PlaceBid(ctx, lender, req.AuctionID, req.SpreadBps)
}
