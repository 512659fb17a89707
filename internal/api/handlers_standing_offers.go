package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/program"
)

type standingJSON struct {
	ProgramID  string         `json:"program_id"`
	LenderID   string         `json:"lender_id"`
	Status     string         `json:"status"`
	Buckets    []offer.Bucket `json:"buckets"`
	ValidFrom  time.Time      `json:"valid_from"`
	ValidUntil time.Time      `json:"valid_until"`
	UpdatedAt  time.Time      `json:"updated_at"`
}

func toStandingJSON(s offer.Standing) standingJSON {
	return standingJSON{ProgramID: s.ProgramID.String(), LenderID: s.LenderID.String(), Status: s.Status, Buckets: s.Buckets,
		ValidFrom: s.ValidFrom.UTC(), ValidUntil: s.ValidUntil.UTC(), UpdatedAt: s.UpdatedAt.UTC()}
}

func (h *handlers) putStandingOffer(c echo.Context) error {
	id, err := pathID(c, "id", program.ErrNotFound)
	if err != nil {
		return err
	}
	var req struct {
		Buckets    []offer.Bucket `json:"buckets"`
		ValidFrom  *time.Time     `json:"valid_from"`
		ValidUntil *time.Time     `json:"valid_until"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var from, until time.Time
	if req.ValidFrom != nil {
		from = *req.ValidFrom
	}
	if req.ValidUntil != nil {
		until = *req.ValidUntil
	}
	s, err := h.app.Quoting.PutStandingOffer(c.Request().Context(), actor(c), id, req.Buckets, from, until)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toStandingJSON(s))
}

func (h *handlers) getStandingOffer(c echo.Context) error {
	id, err := pathID(c, "id", program.ErrNotFound)
	if err != nil {
		return err
	}
	s, err := h.app.Quoting.GetStandingOffer(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toStandingJSON(s))
}

func (h *handlers) deleteStandingOffer(c echo.Context) error {
	id, err := pathID(c, "id", program.ErrNotFound)
	if err != nil {
		return err
	}
	if err := h.app.Quoting.WithdrawStandingOffer(c.Request().Context(), actor(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (h *handlers) pauseStandingOffer(c echo.Context) error  { return h.setStandingStatus(c, false) }
func (h *handlers) resumeStandingOffer(c echo.Context) error { return h.setStandingStatus(c, true) }

func (h *handlers) setStandingStatus(c echo.Context, active bool) error {
	id, err := pathID(c, "id", program.ErrNotFound)
	if err != nil {
		return err
	}
	s, err := h.app.Quoting.SetStandingOfferStatus(c.Request().Context(), actor(c), id, active)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toStandingJSON(s))
}
