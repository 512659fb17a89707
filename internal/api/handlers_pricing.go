package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/app/quoting"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/pricing"
	"github.com/cadena-finance/cadena/internal/refrate"
)

type fixingJSON struct {
	Index string `json:"index,omitempty"`
	Date  string `json:"date,omitempty"`
	Rate  string `json:"rate"`
}

type previewJSON struct {
	ProgramID        *string    `json:"program_id"`
	Currency         string     `json:"currency"`
	Face             string     `json:"face"`
	Discount         string     `json:"discount"`
	NetProceeds      string     `json:"net_proceeds"`
	ValueDate        string     `json:"value_date"`
	DueDate          string     `json:"due_date"`
	Maturity         string     `json:"maturity"`
	Days             int        `json:"days"`
	Basis            string     `json:"basis"`
	Calendar         string     `json:"calendar"`
	BusinessDayRule  string     `json:"business_day_rule"`
	Rounding         string     `json:"rounding"`
	ReferenceRate    fixingJSON `json:"reference_rate"`
	SpreadBps        int        `json:"spread_bps"`
	AllInRate        string     `json:"all_in_rate"`
	DiscountRate     string     `json:"discount_rate"`
	SimpleRate       string     `json:"simple_rate"`
	EffectiveRate    string     `json:"effective_annual_rate"`
	Eligible         bool       `json:"eligible"`
	IneligibleReason string     `json:"ineligible_reason,omitempty"`
}

func toPreviewJSON(p quoting.Preview) previewJSON {
	q := p.Quote
	out := previewJSON{Currency: string(q.Currency), Face: money.Format(q.Face, q.Currency), Discount: money.Format(q.Discount, q.Currency),
		NetProceeds: money.Format(q.Net, q.Currency), ValueDate: q.ValueDate.Format(time.DateOnly), DueDate: q.DueDate.Format(time.DateOnly),
		Maturity: q.Maturity.Format(time.DateOnly), Days: q.Days, Basis: q.Basis.String(), Calendar: p.Calendar,
		BusinessDayRule: p.Convention.String(), Rounding: p.Rounding.String(),
		ReferenceRate: fixingJSON{Rate: pricing.FormatPercent(q.ReferenceRate)}, SpreadBps: q.SpreadBps,
		AllInRate: pricing.FormatPercent(q.AllInRate), DiscountRate: pricing.FormatPercent(q.DiscountRate),
		SimpleRate: pricing.FormatPercent(q.SimpleRate), EffectiveRate: pricing.FormatPercent(q.EffectiveRate),
		Eligible: p.Eligible, IneligibleReason: p.IneligibleReason}
	if p.Program != nil {
		id := p.Program.ID.String()
		out.ProgramID = &id
	}
	if p.Fixing != nil {
		out.ReferenceRate.Index, out.ReferenceRate.Date = p.Fixing.Index, p.Fixing.Date.Format(time.DateOnly)
	}
	return out
}

// previewPrice prices a hypothetical invoice; nothing is stored.
func (h *handlers) previewPrice(c echo.Context) error {
	var req struct {
		ProgramID        string `json:"program_id"`
		InvoiceID        string `json:"invoice_id"`
		Face             string `json:"face"`
		Currency         string `json:"currency"`
		DueDate          string `json:"due_date"`
		ValueDate        string `json:"value_date"`
		SpreadBps        *int   `json:"spread_bps"`
		ReferenceRate    string `json:"reference_rate"`
		ReferenceIndex   string `json:"reference_index"`
		Basis            string `json:"basis"`
		Calendar         string `json:"calendar"`
		Convention       string `json:"business_day_rule"`
		Rounding         string `json:"rounding"`
		MaxSpreadBps     *int   `json:"max_spread_bps"`
		MaxEffectiveRate string `json:"max_effective_rate"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	itoa := func(p *int) string {
		if p == nil {
			return ""
		}
		return strconv.Itoa(*p)
	}
	p, err := h.app.Quoting.PreviewPrice(c.Request().Context(), actor(c), quoting.PreviewRequest{ProgramID: req.ProgramID, ReferenceIndex: req.ReferenceIndex, InvoiceID: req.InvoiceID,
		Request: pricing.Request{Face: req.Face, Currency: req.Currency, ReferenceRate: req.ReferenceRate, SpreadBps: itoa(req.SpreadBps),
			ValueDate: req.ValueDate, DueDate: req.DueDate, Basis: req.Basis, Calendar: req.Calendar, Convention: req.Convention,
			Rounding: req.Rounding, MaxSpreadBps: itoa(req.MaxSpreadBps), MaxEffectiveRate: req.MaxEffectiveRate}})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toPreviewJSON(p))
}

type referenceRateJSON struct {
	Index       string    `json:"index"`
	Date        string    `json:"date"`
	Rate        string    `json:"rate"`
	PublishedBy string    `json:"published_by"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func toReferenceRateJSON(r refrate.Rate) referenceRateJSON {
	return referenceRateJSON{Index: r.Index, Date: r.Date.Format(time.DateOnly), Rate: r.Percent.StringFixed(pricing.PercentDecimals),
		PublishedBy: r.PublishedBy, UpdatedAt: r.UpdatedAt.UTC()}
}

// putReferenceRate publishes (201) or corrects (200) one day's fixing.
func (h *handlers) putReferenceRate(c echo.Context) error {
	var req struct {
		Rate string `json:"rate"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	r, created, err := h.app.Quoting.PutReferenceRate(c.Request().Context(), actor(c), c.Param("index"), c.Param("date"), req.Rate)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, toReferenceRateJSON(r))
}

func (h *handlers) listReferenceRates(c echo.Context) error {
	limit, _, err := pageParams(c)
	if err != nil {
		return err
	}
	rates, err := h.app.Quoting.ReferenceRates(c.Request().Context(), c.Param("index"), c.QueryParam("from"), c.QueryParam("to"), limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toList(rates, "", toReferenceRateJSON))
}

type holidayJSON struct {
	Date string `json:"date"`
	Name string `json:"name"`
}

type overrideJSON struct {
	Date   string `json:"date"`
	Name   string `json:"name"`
	Remove bool   `json:"remove"`
}

func (h *handlers) listHolidays(c echo.Context) error {
	year, err := strconv.Atoi(c.QueryParam("year"))
	if c.QueryParam("year") == "" {
		year, err = time.Now().Year(), nil
	}
	if err != nil {
		return fail(http.StatusBadRequest, codeBadParameter, "Bad query parameter", "year must be a number such as 2026")
	}
	y, err := h.app.Quoting.Holidays(c.Request().Context(), c.Param("name"), year)
	if err != nil {
		return err
	}
	out := struct {
		Calendar  string         `json:"calendar"`
		Year      int            `json:"year"`
		Holidays  []holidayJSON  `json:"holidays"`
		Overrides []overrideJSON `json:"overrides"`
	}{Calendar: y.Calendar, Year: y.Year, Holidays: []holidayJSON{}, Overrides: []overrideJSON{}}
	for _, d := range y.Holidays {
		out.Holidays = append(out.Holidays, holidayJSON{Date: d.Date.Format(time.DateOnly), Name: d.Name})
	}
	for _, o := range y.Overrides {
		out.Overrides = append(out.Overrides, overrideJSON{Date: o.Date.Format(time.DateOnly), Name: o.Name, Remove: o.Remove})
	}
	return c.JSON(http.StatusOK, out)
}

func (h *handlers) putCalendarOverride(c echo.Context) error {
	var req struct {
		Name   string `json:"name"`
		Remove bool   `json:"remove"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	o, err := h.app.Quoting.PutCalendarOverride(c.Request().Context(), actor(c), c.Param("name"), c.Param("date"), req.Name, req.Remove)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, overrideJSON{Date: o.Date.Format(time.DateOnly), Name: o.Name, Remove: o.Remove})
}

func (h *handlers) deleteCalendarOverride(c echo.Context) error {
	if err := h.app.Quoting.DeleteCalendarOverride(c.Request().Context(), actor(c), c.Param("name"), c.Param("date")); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
