package api

import (
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/app/administration"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/program"
	"github.com/cadena-finance/cadena/internal/validation"
)

type programJSON struct {
	ID               string    `json:"id"`
	BuyerID          string    `json:"buyer_id"`
	Name             string    `json:"name"`
	Currency         string    `json:"currency"`
	ReferenceIndex   string    `json:"reference_index"`
	MaxSpreadBps     int       `json:"max_spread_bps"`
	DayCount         string    `json:"day_count"`
	Calendar         string    `json:"calendar"`
	BusinessDayRule  string    `json:"business_day_rule"`
	TimeZone         string    `json:"time_zone"`
	FundingCutoff    string    `json:"funding_cutoff"`
	MinDays          int       `json:"min_days"`
	MaxTenorDays     int       `json:"max_tenor_days"`
	MaxInvoiceAmount *string   `json:"max_invoice_amount"`
	MaxEffectiveRate *string   `json:"max_effective_rate"`
	GraceDays        int       `json:"grace_days"`
	Rounding         string    `json:"rounding"`
	AuctionWindow    int       `json:"auction_window_minutes"`
	CreatedAt        time.Time `json:"created_at"`
}

func toProgramJSON(p program.Program) programJSON {
	out := programJSON{ID: p.ID.String(), BuyerID: p.BuyerID.String(), Name: p.Name, Currency: string(p.Currency),
		ReferenceIndex: p.ReferenceIndex, MaxSpreadBps: p.MaxSpreadBps, DayCount: p.DayCount, Calendar: p.Calendar,
		BusinessDayRule: p.BusinessDayRule, TimeZone: p.TimeZone, FundingCutoff: p.FundingCutoff, MinDays: p.MinDays,
		MaxTenorDays: p.MaxTenorDays, GraceDays: p.GraceDays, Rounding: p.Rounding, AuctionWindow: p.AuctionWindowMinutes, CreatedAt: p.CreatedAt.UTC()}
	if p.MaxInvoiceAmount != nil {
		s := money.Format(*p.MaxInvoiceAmount, p.Currency)
		out.MaxInvoiceAmount = &s
	}
	if p.MaxEffectiveRate != nil {
		s := p.MaxEffectiveRate.String()
		out.MaxEffectiveRate = &s
	}
	return out
}

// deref reads an optional request string; decodeJSON has refused a present
// but empty one where that matters.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (h *handlers) createProgram(c echo.Context) error {
	var req struct {
		BuyerID          string  `json:"buyer_id"`
		Name             string  `json:"name"`
		Currency         string  `json:"currency"`
		ReferenceIndex   string  `json:"reference_index"`
		MaxSpreadBps     *int    `json:"max_spread_bps"`
		DayCount         string  `json:"day_count"`
		Calendar         string  `json:"calendar"`
		BusinessDayRule  string  `json:"business_day_rule"`
		TimeZone         string  `json:"time_zone"`
		FundingCutoff    string  `json:"funding_cutoff"`
		MinDays          *int    `json:"min_days"`
		MaxTenorDays     *int    `json:"max_tenor_days"`
		MaxInvoiceAmount *string `json:"max_invoice_amount"`
		MaxEffectiveRate *string `json:"max_effective_rate"`
		GraceDays        *int    `json:"grace_days"`
		Rounding         string  `json:"rounding"`
		AuctionWindow    *int    `json:"auction_window_minutes"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var buyer uuid.UUID
	if req.BuyerID != "" {
		var err error
		if buyer, err = uuid.Parse(req.BuyerID); err != nil {
			return validation.Errors{{Field: "buyer_id", Code: "invalid", Message: "buyer_id must be a UUID"}}
		}
	}
	p, err := h.app.Administration.CreateProgram(c.Request().Context(), actor(c), buyer, program.Draft{Name: req.Name, Currency: req.Currency,
		ReferenceIndex: req.ReferenceIndex, MaxSpreadBps: req.MaxSpreadBps, DayCount: req.DayCount, Calendar: req.Calendar,
		BusinessDayRule: req.BusinessDayRule, TimeZone: req.TimeZone, FundingCutoff: req.FundingCutoff, MinDays: req.MinDays,
		MaxTenorDays: req.MaxTenorDays, MaxInvoiceAmount: deref(req.MaxInvoiceAmount), MaxEffectiveRate: deref(req.MaxEffectiveRate), GraceDays: req.GraceDays, Rounding: req.Rounding,
		AuctionWindowMinutes: req.AuctionWindow})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/programs/"+p.ID.String())
	return c.JSON(http.StatusCreated, toProgramJSON(p))
}

func (h *handlers) listPrograms(c echo.Context) error {
	limit, cursor, err := pageParams(c)
	if err != nil {
		return err
	}
	page, err := h.app.Administration.ListPrograms(c.Request().Context(), actor(c), cursor, limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toList(page.Items, page.Next, toProgramJSON))
}

func (h *handlers) getProgram(c echo.Context) error {
	id, err := pathID(c, "id", program.ErrNotFound)
	if err != nil {
		return err
	}
	p, err := h.app.Administration.GetProgram(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toProgramJSON(p))
}

type supplierJSON struct {
	ProgramID  string    `json:"program_id"`
	SupplierID string    `json:"supplier_id"`
	LegalName  string    `json:"legal_name"`
	TaxID      string    `json:"tax_id"`
	EnrolledAt time.Time `json:"enrolled_at"`
}

func toSupplierJSON(s program.EnrolledSupplier) supplierJSON {
	return supplierJSON{ProgramID: s.ProgramID.String(), SupplierID: s.SupplierID.String(), LegalName: s.LegalName, TaxID: s.TaxID, EnrolledAt: s.EnrolledAt.UTC()}
}

func (h *handlers) enrollSupplier(c echo.Context) error {
	id, err := pathID(c, "id", program.ErrNotFound)
	if err != nil {
		return err
	}
	var req struct {
		TaxID     string `json:"tax_id"`
		Country   string `json:"country"`
		LegalName string `json:"legal_name" in:"max=300"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	en, err := h.app.Administration.EnrollSupplier(c.Request().Context(), actor(c), id, administration.SupplierInvite{TaxID: req.TaxID, Country: req.Country, LegalName: req.LegalName})
	if err != nil {
		return err
	}
	out := toSupplierJSON(program.EnrolledSupplier{SupplierEnrollment: en.SupplierEnrollment, LegalName: en.Supplier.LegalName, TaxID: en.Supplier.TaxID})
	return c.JSON(http.StatusCreated, map[string]any{"enrollment": out, "supplier_created": en.Created})
}

func (h *handlers) listProgramSuppliers(c echo.Context) error {
	id, err := pathID(c, "id", program.ErrNotFound)
	if err != nil {
		return err
	}
	rows, err := h.app.Administration.ListProgramSuppliers(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toList(rows, "", toSupplierJSON))
}

type lenderJSON struct {
	ProgramID   string    `json:"program_id"`
	LenderID    string    `json:"lender_id"`
	Currency    string    `json:"currency"`
	CreditLimit string    `json:"credit_limit"`
	Exposure    string    `json:"exposure"`
	Available   string    `json:"available"`
	EnrolledAt  time.Time `json:"enrolled_at"`
}

func toLenderJSON(cur money.Currency) func(program.LenderLimit) lenderJSON {
	return func(l program.LenderLimit) lenderJSON {
		return lenderJSON{ProgramID: l.ProgramID.String(), LenderID: l.LenderID.String(), Currency: string(cur),
			CreditLimit: money.Format(l.CreditLimit, cur), Exposure: money.Format(l.Exposure, cur),
			Available: money.Format(l.Available(), cur), EnrolledAt: l.EnrolledAt.UTC()}
	}
}

func (h *handlers) enrollLender(c echo.Context) error {
	id, err := pathID(c, "id", program.ErrNotFound)
	if err != nil {
		return err
	}
	var req struct {
		LenderID    string `json:"lender_id"`
		CreditLimit string `json:"credit_limit"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	lender, err := uuid.Parse(req.LenderID)
	if err != nil {
		return validation.Errors{{Field: "lender_id", Code: "invalid", Message: "lender_id must be a UUID"}}
	}
	l, err := h.app.Administration.EnrollLender(c.Request().Context(), actor(c), id, lender, req.CreditLimit)
	if err != nil {
		return err
	}
	p, err := h.app.Administration.GetProgram(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toLenderJSON(p.Currency)(l))
}

func (h *handlers) listProgramLenders(c echo.Context) error {
	id, err := pathID(c, "id", program.ErrNotFound)
	if err != nil {
		return err
	}
	p, ls, err := h.app.Administration.ProgramLenders(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toList(ls, "", toLenderJSON(p.Currency)))
}
