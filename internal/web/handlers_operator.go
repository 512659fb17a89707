package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/quoting"
	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/refrate"
)

var kinds = []party.Kind{party.Buyer, party.Supplier, party.Lender, party.Operator}

func (p *portal) listParties(c echo.Context, pg *page) error {
	kind := party.Kind(c.QueryParam("kind"))
	valid := false
	for _, k := range kinds {
		valid = valid || k == kind
	}
	if !valid {
		kind = ""
	}
	cursor, _ := app.ParseCursor(c.QueryParam("after"))
	list, err := p.app.Administration.ListParties(c.Request().Context(), pg.actor(), kind, cursor, pageSize)
	if err != nil {
		return err
	}
	next := ""
	if list.Next != "" {
		q := url.Values{"after": {list.Next}}
		if kind != "" {
			q.Set("kind", string(kind))
		}
		next = "/parties?" + q.Encode()
	}
	pg.Data = struct {
		Rows  []party.Party
		Kinds []party.Kind
		Kind  string
		Next  string
	}{list.Items, kinds, string(kind), next}
	return p.render(c, http.StatusOK, "parties", pg)
}

type partyForm struct {
	Kinds []party.Kind
	party.Draft
}

func (p *portal) newPartyForm(c echo.Context, pg *page) error {
	pg.Data = partyForm{Kinds: kinds, Draft: party.Draft{Country: "MX", Kind: c.QueryParam("kind")}}
	return p.render(c, http.StatusOK, "party_new", pg)
}

func (p *portal) createParty(c echo.Context, pg *page) error {
	d := party.Draft{Kind: c.FormValue("kind"), LegalName: c.FormValue("legal_name"), Country: c.FormValue("country"), TaxID: c.FormValue("tax_id")}
	created, err := p.app.Administration.CreateParty(c.Request().Context(), pg.actor(), d)
	if errs := formErrors(err); errs != nil {
		pg.Errors, pg.Data = errs, partyForm{Kinds: kinds, Draft: d}
		return p.render(c, http.StatusUnprocessableEntity, "party_new", pg)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/parties/"+created.ID.String()+"?ok=party_created")
}

type partyDetail struct {
	party.Party
	Accounts []party.BankAccount
	Email    string
}

func (p *portal) partyPage(c echo.Context, pg *page, email string) (partyDetail, error) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return partyDetail{}, party.ErrNotFound
	}
	ctx := c.Request().Context()
	pt, err := p.app.Administration.GetParty(ctx, pg.actor(), id)
	if err != nil {
		return partyDetail{}, err
	}
	accts, err := p.app.Administration.ListBankAccounts(ctx, pg.actor(), id)
	return partyDetail{Party: pt, Accounts: accts, Email: email}, err
}

func (p *portal) showParty(c echo.Context, pg *page) error {
	d, err := p.partyPage(c, pg, "")
	if err != nil {
		return err
	}
	pg.Data = d
	return p.render(c, http.StatusOK, "party", pg)
}

// createUser gives a person a login for the party; the password is set by
// the operator and shared out of band, as with the API.
func (p *portal) createUser(c echo.Context, pg *page) error {
	d, err := p.partyPage(c, pg, c.FormValue("email"))
	if err != nil {
		return err
	}
	_, err = p.app.Administration.CreateUser(c.Request().Context(), pg.actor(), d.ID, c.FormValue("email"), c.FormValue("password"))
	if errs := formErrors(err); errs != nil {
		pg.Errors, pg.Data = errs, d
		return p.render(c, http.StatusUnprocessableEntity, "party", pg)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/parties/"+d.ID.String()+"?ok=user_created")
}

type ratesData struct {
	Indices []string
	Index   string
	Rates   []refrate.Rate
	Form    struct{ Index, Date, Rate string }
}

func (p *portal) ratesPage(c echo.Context, pg *page, index string) (ratesData, error) {
	d := ratesData{Indices: refrate.Indices, Index: strings.ToUpper(index)}
	if !refrate.KnownIndex(d.Index) {
		d.Index = refrate.Indices[0]
	}
	today := calendar.Day(p.app.Clock())
	rates, err := p.app.Quoting.ReferenceRates(c.Request().Context(), d.Index, today.AddDate(0, 0, -90).Format("2006-01-02"), "", 200)
	// Newest first: the operator checks today's fixing.
	for i, j := 0, len(rates)-1; i < j; i, j = i+1, j-1 {
		rates[i], rates[j] = rates[j], rates[i]
	}
	d.Rates = rates
	d.Form.Index, d.Form.Date = d.Index, today.Format("2006-01-02")
	return d, err
}

func (p *portal) listRates(c echo.Context, pg *page) error {
	d, err := p.ratesPage(c, pg, c.QueryParam("index"))
	if err != nil {
		return err
	}
	pg.Data = d
	return p.render(c, http.StatusOK, "rates", pg)
}

func (p *portal) putRate(c echo.Context, pg *page) error {
	index, date, rate := c.FormValue("index"), c.FormValue("date"), strings.TrimSpace(c.FormValue("rate"))
	_, _, err := p.app.Quoting.PutReferenceRate(c.Request().Context(), pg.actor(), index, date, rate)
	if errs := formErrors(err); errs != nil {
		d, derr := p.ratesPage(c, pg, index)
		if derr != nil {
			return derr
		}
		d.Form.Index, d.Form.Date, d.Form.Rate = strings.ToUpper(index), date, rate
		pg.Errors, pg.Data = errs, d
		return p.render(c, http.StatusUnprocessableEntity, "rates", pg)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/rates?ok=rate_saved&index="+url.QueryEscape(strings.ToUpper(index)))
}

type holidaysData struct {
	quoting.YearHolidays
	Calendars []string
	Prev      int
	Next      int
	Form      struct {
		Date, Name string
		Remove     bool
	}
}

func (p *portal) holidaysPage(c echo.Context, name, yearParam string) (holidaysData, error) {
	name = strings.ToUpper(name)
	if name != "CO" {
		name = "MX"
	}
	year, err := strconv.Atoi(yearParam)
	if err != nil {
		year = p.app.Clock().Year()
	}
	y, err := p.app.Quoting.Holidays(c.Request().Context(), name, year)
	return holidaysData{YearHolidays: y, Calendars: []string{"MX", "CO"}, Prev: year - 1, Next: year + 1}, err
}

func (p *portal) listHolidays(c echo.Context, pg *page) error {
	d, err := p.holidaysPage(c, c.QueryParam("calendar"), c.QueryParam("year"))
	if err != nil {
		return err
	}
	pg.Data = d
	return p.render(c, http.StatusOK, "holidays", pg)
}

func (p *portal) putOverride(c echo.Context, pg *page) error {
	name, date := c.FormValue("calendar"), c.FormValue("date")
	remove := c.FormValue("remove") == "1"
	_, err := p.app.Quoting.PutCalendarOverride(c.Request().Context(), pg.actor(), name, date, c.FormValue("name"), remove)
	if errs := formErrors(err); errs != nil {
		d, derr := p.holidaysPage(c, name, c.FormValue("year"))
		if derr != nil {
			return derr
		}
		d.Form.Date, d.Form.Name, d.Form.Remove = date, c.FormValue("name"), remove
		pg.Errors, pg.Data = errs, d
		return p.render(c, http.StatusUnprocessableEntity, "holidays", pg)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, holidaysURL(name, date, "override_saved"))
}

func (p *portal) deleteOverride(c echo.Context, pg *page) error {
	name, date := c.FormValue("calendar"), c.FormValue("date")
	if err := p.app.Quoting.DeleteCalendarOverride(c.Request().Context(), pg.actor(), name, date); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, holidaysURL(name, date, "override_deleted"))
}

func holidaysURL(name, date, ok string) string {
	q := url.Values{"calendar": {strings.ToUpper(name)}, "ok": {ok}}
	if d, err := calendar.ParseDate(date); err == nil {
		q.Set("year", strconv.Itoa(d.Year()))
	}
	return "/holidays?" + q.Encode()
}
