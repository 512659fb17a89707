package web

import (
	"context"
	"html/template"
	"net/http"
	"net/url"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/invoicing"
	"github.com/cadena-finance/cadena/internal/app/quoting"
	"github.com/cadena-finance/cadena/internal/app/usecases"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/invoice"
)

// pageSize keeps a list readable on a phone.
const pageSize = 25

var statuses = []invoice.Status{invoice.Published, invoice.Offered, invoice.Financed, invoice.Cancelled, invoice.Expired}

var statusIcon = map[invoice.Status]string{invoice.Published: "●", invoice.Offered: "◐", invoice.Financed: "✓",
	invoice.Cancelled: "✕", invoice.Expired: "◷"}

// StatusLabel is an invoice status as icon and words, never colour alone.
func (pg *page) StatusLabel(s invoice.Status) template.HTML {
	return template.HTML(`<span class="status st-` + template.HTMLEscapeString(string(s)) + `"><span aria-hidden="true">` +
		statusIcon[s] + `</span>&nbsp;` + template.HTMLEscapeString(pg.T("status."+string(s))) + `</span>`)
}

// Eligible says in words whether the invoice can be paid early today and,
// if not, why and when it can (quoting.EarlyPayments applies the quote's rules).
func (pg *page) Eligible(ep quoting.EarlyPayment) template.HTML {
	cls, icon, words, why := "st-no", "—", pg.T("pay.not_today"), ""
	switch ep.Reason {
	case "":
		cls, icon, words = "st-yes", "✓", pg.T("pay.today")
	case quoting.PayNotOpen:
		words = pg.T("pay.not_open")
	case quoting.PayTenorShort:
		words, why = pg.T("pay.no"), pg.T("pay.why.tenor_short")
	case quoting.PayTenorLong:
		icon, why = "◷", pg.T("pay.why.tenor_long", pg.Date(ep.Next))
	case quoting.PayNoRate:
		why = pg.T("pay.why.no_rate", pg.Index(ep.Index))
	case quoting.PayNoOffer:
		why = pg.T("pay.why.no_offer")
	case quoting.PayCutoffPassed:
		icon, why = "◷", pg.T("pay.why.cutoff_passed", ep.Cutoff, pg.When(ep.Next, ep.Asked))
	case quoting.PayClosed:
		icon, why = "◷", pg.T("pay.why.closed", pg.When(ep.Next, ep.Asked))
	}
	out := `<span class="status ` + cls + `"><span aria-hidden="true">` + icon + `</span>&nbsp;` + template.HTMLEscapeString(words) + `</span>`
	if why != "" {
		out += ` <span class="why">` + template.HTMLEscapeString(why) + `</span>`
	}
	return template.HTML(out)
}

// earlyPayments is quoting.EarlyPayments for a supplier's invoices; other roles
// get none (the column is the supplier's).
func (p *portal) earlyPayments(ctx context.Context, act app.Actor, views ...invoicing.InvoiceView) (map[uuid.UUID]quoting.EarlyPayment, error) {
	if !act.Is(auth.RoleSupplier) {
		return nil, nil
	}
	invs := make([]invoice.Invoice, len(views))
	for i, v := range views {
		invs[i] = v.Invoice
	}
	return p.app.Quoting.EarlyPayments(ctx, act, invs)
}

// names resolves party ids to legal names within what the actor may see;
// a name it may not see stays blank rather than failing the page.
type names struct {
	app   *usecases.Set
	act   app.Actor
	cache map[uuid.UUID]string
}

func newNames(ctx context.Context, a *usecases.Set, act app.Actor) *names {
	n := &names{app: a, act: act, cache: map[uuid.UUID]string{}}
	if act.Is(auth.RoleBuyer) { // a buyer's suppliers are named by its enrolments
		if progs, err := a.Administration.ListPrograms(ctx, act, uuid.Nil, 200); err == nil {
			for _, p := range progs.Items {
				sups, _ := a.Administration.ListProgramSuppliers(ctx, act, p.ID)
				for _, s := range sups {
					n.cache[s.SupplierID] = s.LegalName
				}
			}
		}
	}
	return n
}

func (n *names) Of(ctx context.Context, id uuid.UUID) string {
	if s, ok := n.cache[id]; ok {
		return s
	}
	s, _ := n.app.Administration.CounterpartyName(ctx, n.act, id)
	n.cache[id] = s
	return s
}

type invoiceRow struct {
	invoicing.InvoiceView
	Buyer, Supplier string
	Pay             quoting.EarlyPayment
}

type invoiceList struct {
	Rows      []invoiceRow
	Status    string
	Statuses  []invoice.Status
	Batch     string
	Next      string
	ShowBuyer bool
	ShowSup   bool
}

func (p *portal) listInvoices(c echo.Context, pg *page) error {
	return p.invoicesPage(c, pg, http.StatusOK)
}

// invoicesPage renders the invoice list; the get-paid form comes back to
// it with pg.Errors set when nothing was ticked or the quote was refused.
func (p *portal) invoicesPage(c echo.Context, pg *page, status int) error {
	ctx := c.Request().Context()
	act := pg.actor()
	var f invoicing.InvoiceFilter
	data := invoiceList{Statuses: statuses, ShowBuyer: !act.Is(auth.RoleBuyer), ShowSup: act.Is(auth.RoleBuyer, auth.RoleOperator)}
	if s := invoice.Status(c.QueryParam("status")); s != "" {
		for _, known := range statuses {
			if s == known {
				f.Status, data.Status = s, string(s)
			}
		}
	}
	if id, err := uuid.Parse(c.QueryParam("batch")); err == nil {
		f.BatchID, data.Batch = id, id.String()
	}
	cursor, _ := app.ParseCursor(c.QueryParam("after")) // a bad cursor is the first page
	page, err := p.app.Invoicing.ListInvoices(ctx, act, f, cursor, pageSize)
	if err != nil {
		return err
	}
	pays, err := p.earlyPayments(ctx, act, page.Items...)
	if err != nil {
		return err
	}
	n := newNames(ctx, p.app, act)
	for _, v := range page.Items {
		data.Rows = append(data.Rows, invoiceRow{InvoiceView: v, Buyer: n.Of(ctx, v.BuyerID), Supplier: n.Of(ctx, v.SupplierID), Pay: pays[v.ID]})
	}
	if page.Next != "" {
		q := url.Values{"after": {page.Next}}
		if data.Status != "" {
			q.Set("status", data.Status)
		}
		if data.Batch != "" {
			q.Set("batch", data.Batch)
		}
		data.Next = "/invoices?" + q.Encode()
	}
	pg.Data = data
	return p.render(c, status, "invoices", pg)
}

type invoiceDetail struct {
	invoicing.InvoiceDetail
	Buyer, Supplier string
	CanCancel       bool
	Pay             quoting.EarlyPayment
}

func (p *portal) showInvoice(c echo.Context, pg *page) error {
	ctx := c.Request().Context()
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return invoice.ErrNotFound // the same page as another tenant's invoice
	}
	d, err := p.app.Invoicing.GetInvoice(ctx, pg.actor(), id)
	if err != nil {
		return err
	}
	pays, err := p.earlyPayments(ctx, pg.actor(), d.InvoiceView)
	if err != nil {
		return err
	}
	n := newNames(ctx, p.app, pg.actor())
	pg.Data = invoiceDetail{InvoiceDetail: d, Buyer: n.Of(ctx, d.BuyerID), Supplier: n.Of(ctx, d.SupplierID), Pay: pays[d.ID],
		CanCancel: pg.actor().Is(auth.RoleBuyer) && d.Status == invoice.Published && d.Kind == invoice.KindInvoice}
	return p.render(c, http.StatusOK, "invoice", pg)
}

func (p *portal) cancelInvoice(c echo.Context, pg *page) error {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return invoice.ErrNotFound
	}
	if _, err := p.app.Invoicing.CancelInvoice(c.Request().Context(), pg.actor(), id); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/invoices/"+id.String()+"?ok=cancelled")
}
