package web

import (
	"html/template"
	"net/http"
	"net/url"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/settling"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/pricing"
	"github.com/cadena-finance/cadena/internal/validation"
)

// maxSelected bounds a "get paid now" selection (the quote takes up to 1000).
const maxSelected = 200

type quoteOffer struct {
	quotedOffer
	Lender               string
	SpreadMin, SpreadMax decimal.Decimal // percent: the all-in rates less the reference
}

type unavailableRow struct {
	Lender, Reason string
}

type quotesData struct {
	Offers      []quoteOffer
	Unavailable []unavailableRow
	Invoices    []invoiceRow
	Key         string
}

// quote prices the selected invoices with every lender's standing offer
// (quoting.Quote, as POST /v1/quotes) and shows each offer with its net
// proceeds first; each offer's form carries one one-time key.
func (p *portal) quote(c echo.Context, pg *page) error {
	ctx := c.Request().Context()
	form, _ := c.FormParams()
	raw := form["invoice"]
	if len(raw) == 0 || len(raw) > maxSelected {
		// Back to the list with the reason beside the form, not an error page.
		pg.Errors = validation.Errors{{Field: "invoice", Code: "select_invoices", Message: "choose from 1 to 200 eligible invoices"}}
		return p.invoicesPage(c, pg, http.StatusUnprocessableEntity)
	}
	ids := make([]uuid.UUID, 0, len(raw))
	for _, s := range raw {
		id, err := uuid.Parse(s)
		if err != nil {
			return invoice.ErrNotFound
		}
		ids = append(ids, id)
	}
	res, err := p.app.Quoting.Quote(ctx, pg.actor(), ids)
	if ep := classify(err); ep.Status == http.StatusConflict {
		// A refusal (a stale fixing, no lender, an invoice taken meanwhile)
		// is explained in words on the list, where the supplier can act on it.
		pg.Errors = validation.Errors{{Field: "invoice", Message: p.detail(pg, err, ep)}}
		return p.invoicesPage(c, pg, http.StatusConflict)
	}
	if err != nil {
		return err
	}
	n := newNames(ctx, p.app, pg.actor())
	data := quotesData{Key: RandomToken()}
	for _, o := range quoted(res) {
		data.Offers = append(data.Offers, quoteOffer{quotedOffer: o, Lender: n.Of(ctx, o.LenderID),
			SpreadMin: pricing.RateToPercent(o.AllInMin).Sub(o.ReferenceRate), SpreadMax: pricing.RateToPercent(o.AllInMax).Sub(o.ReferenceRate)})
	}
	for _, u := range res.Unavailable {
		data.Unavailable = append(data.Unavailable, unavailableRow{Lender: n.Of(ctx, u.LenderID), Reason: u.Reason})
	}
	for _, id := range ids {
		if d, err := p.app.Invoicing.GetInvoice(ctx, pg.actor(), id); err == nil {
			data.Invoices = append(data.Invoices, invoiceRow{InvoiceView: d.InvoiceView, Buyer: n.Of(ctx, d.BuyerID)})
		}
	}
	pg.Data = data
	return p.render(c, http.StatusOK, "quotes", pg)
}

// accept accepts one offer under the quotes page's one-time key (acceptance.AcceptOffer,
// as POST /v1/offers/{id}/accept with an Idempotency-Key): a double click
// or a reload accepts once and lands on the same receipt.
func (p *portal) accept(c echo.Context, pg *page) error {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return offer.ErrNotFound
	}
	fs, err := p.acceptOnce(c.Request().Context(), pg.actor(), c.FormValue("key"), id)
	if err != nil {
		return err
	}
	// A second click under the key, even on another offer of the same page,
	// lands on the receipt of the offer the first click accepted.
	if len(fs) > 0 {
		id = fs[0].OfferID
	}
	return c.Redirect(http.StatusSeeOther, "/receipts/"+id.String()+"?ok=accepted")
}

type receiptData struct {
	Offer      offer.Offer
	Lender     string
	Buyer      string
	Financings []financingRow
	Docs       []string // the accepted invoices' document numbers
	AllInRate  decimal.Decimal
}

type financingRow struct {
	financing.Financing
	Document string
	Lender   string
	Supplier string
	Buyer    string
}

// receipt shows an accepted offer's financings and what happens next.
func (p *portal) receipt(c echo.Context, pg *page) error {
	ctx := c.Request().Context()
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return offer.ErrNotFound
	}
	o, err := p.app.Quoting.GetOffer(ctx, pg.actor(), id)
	if err != nil {
		return err
	}
	if o.Status != offer.StatusAccepted {
		return offer.ErrNotFound
	}
	fs, err := p.app.Settling.ListFinancings(ctx, pg.actor(), id, uuid.Nil, 1000)
	if err != nil {
		return err
	}
	n := newNames(ctx, p.app, pg.actor())
	data := receiptData{Offer: o, Lender: n.Of(ctx, o.LenderID), Buyer: n.Of(ctx, o.BuyerID)}
	for _, f := range fs.Items {
		r := p.financingRow(c, pg, n, f)
		data.Financings, data.Docs = append(data.Financings, r), append(data.Docs, r.Document)
	}
	pg.Data = data
	return p.render(c, http.StatusOK, "receipt", pg)
}

func (p *portal) financingRow(c echo.Context, pg *page, n *names, f financing.Financing) financingRow {
	ctx := c.Request().Context()
	r := financingRow{Financing: f, Lender: n.Of(ctx, f.LenderID), Supplier: n.Of(ctx, f.SupplierID), Buyer: n.Of(ctx, f.BuyerID)}
	if d, err := p.app.Invoicing.GetInvoice(ctx, pg.actor(), f.InvoiceID); err == nil {
		r.Document = d.DocumentNumber
	}
	return r
}

var financingIcon = map[financing.Status]string{financing.Accepted: "◔", financing.FundingInstructed: "◑", financing.Funded: "✓",
	financing.Due: "◷", financing.Repaid: "✓✓", financing.FundingFailed: "✕", financing.Overdue: "!"}

var financingClass = map[financing.Status]string{financing.Accepted: "st-offered", financing.FundingInstructed: "st-offered",
	financing.Funded: "st-ok", financing.Due: "st-offered", financing.Repaid: "st-financed", financing.FundingFailed: "st-bad", financing.Overdue: "st-bad"}

// FinancingStatus is a financing's status as icon and words, never colour alone.
func (pg *page) FinancingStatus(s financing.Status) template.HTML {
	return template.HTML(`<span class="status ` + financingClass[s] + `"><span aria-hidden="true">` + financingIcon[s] + `</span>&nbsp;` +
		template.HTMLEscapeString(pg.T("fin."+string(s))) + `</span>`)
}

// AllIn is a financing's or offer's all-in rate in percent: reference + spread.
func allIn(refPercent decimal.Decimal, spreadBps int) decimal.Decimal {
	return refPercent.Add(decimal.New(int64(spreadBps), -2))
}

type financingList struct {
	Rows      []financingRow
	Next      string
	ShowSup   bool
	ShowLend  bool
	ShowBuyer bool
}

func (p *portal) listFinancings(c echo.Context, pg *page) error {
	ctx := c.Request().Context()
	act := pg.actor()
	cursor, _ := app.ParseCursor(c.QueryParam("after"))
	page, err := p.app.Settling.ListFinancings(ctx, act, uuid.Nil, cursor, pageSize)
	if err != nil {
		return err
	}
	n := newNames(ctx, p.app, act)
	data := financingList{ShowSup: !act.Is(auth.RoleSupplier), ShowLend: !act.Is(auth.RoleLender), ShowBuyer: !act.Is(auth.RoleBuyer)}
	for _, f := range page.Items {
		data.Rows = append(data.Rows, p.financingRow(c, pg, n, f))
	}
	if page.Next != "" {
		data.Next = "/financings?" + url.Values{"after": {page.Next}}.Encode()
	}
	pg.Data = data
	return p.render(c, http.StatusOK, "financings", pg)
}

type fundForm struct {
	BankReference, Amount, Date string
	Max                         string // today in the program's zone: the money cannot have moved later
}

type financingDetail struct {
	financingRow
	AllIn, Spread decimal.Decimal // percent
	CanFund       bool
	Form          fundForm
}

func (p *portal) financingDetail(c echo.Context, pg *page, id uuid.UUID) (financingDetail, error) {
	ctx := c.Request().Context()
	f, err := p.app.Settling.GetFinancing(ctx, pg.actor(), id)
	if err != nil {
		return financingDetail{}, err
	}
	n := newNames(ctx, p.app, pg.actor())
	d := financingDetail{financingRow: p.financingRow(c, pg, n, f), AllIn: allIn(f.ReferenceRate, f.SpreadBps), Spread: decimal.New(int64(f.SpreadBps), -2),
		CanFund: pg.actor().Is(auth.RoleLender) && (f.Status == financing.Accepted || f.Status == financing.FundingInstructed)}
	today, err := p.app.Settling.ProgramToday(ctx, f.ProgramID)
	if err != nil {
		return financingDetail{}, err
	}
	// The money moves on the value date; a confirmation made before it is
	// dated today, never after (settlement.CheckPaidOn refuses that).
	paid := f.ValueDate
	if paid.After(today) {
		paid = today
	}
	d.Form = fundForm{Amount: formatPlain(f), Date: paid.Format(time.DateOnly), Max: today.Format(time.DateOnly)}
	return d, nil
}

// formatPlain is the net proceeds as the form takes them: digits and a decimal point.
func formatPlain(f financing.Financing) string {
	return f.Net.StringFixed(f.Currency.MinorUnits())
}

func (p *portal) showFinancing(c echo.Context, pg *page) error {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return financing.ErrNotFound
	}
	d, err := p.financingDetail(c, pg, id)
	if err != nil {
		return err
	}
	pg.Data = d
	return p.render(c, http.StatusOK, "financing", pg)
}

// fund records the lender's confirmation that it paid the supplier
// (settling.ConfirmFunding, as POST /v1/financings/{id}/funding-confirmation):
// the amount must equal the net proceeds exactly.
func (p *portal) fund(c echo.Context, pg *page) error {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return financing.ErrNotFound
	}
	in := settling.ConfirmationInput{BankReference: c.FormValue("bank_reference"), Amount: c.FormValue("amount"), Date: c.FormValue("date")}
	_, err = p.app.Settling.ConfirmFunding(c.Request().Context(), pg.actor(), id, in)
	errs := formErrors(err)
	if errs == nil {
		errs = fundRefusal(err)
	}
	if errs != nil {
		d, derr := p.financingDetail(c, pg, id)
		if derr != nil {
			return derr
		}
		d.Form = fundForm{BankReference: in.BankReference, Amount: in.Amount, Date: in.Date, Max: d.Form.Max}
		pg.Errors, pg.Data = errs, d
		return p.render(c, http.StatusUnprocessableEntity, "financing", pg)
	}
	if err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/financings/"+id.String()+"?ok=funded")
}

// notice is the printable notice of assignment of a financing
// (settling.AssignmentNotice, as GET /v1/financings/{id}/assignment-notice):
// the buyer files it and pays the lender.
func (p *portal) notice(c echo.Context, pg *page) error {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return financing.ErrNotFound
	}
	n, err := p.app.Settling.AssignmentNotice(c.Request().Context(), pg.actor(), id)
	if err != nil {
		return err
	}
	pg.Data = n
	return p.render(c, http.StatusOK, "notice", pg)
}
