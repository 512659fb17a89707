package web

import (
	"encoding/csv"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/app/settling"
	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/errcatalog"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/settlement"
	"github.com/cadena-finance/cadena/internal/validation"
)

// fundRefusal is a confirmation refused by a settlement rule, as an error
// beside the field it is about, or nil.
func fundRefusal(err error) validation.Errors {
	switch {
	case errors.Is(err, settlement.ErrAmountMismatch):
		return validation.Errors{{Field: "amount", Code: "settlement.amount_mismatch", Message: err.Error()}}
	case errors.Is(err, settlement.ErrPaidInFuture):
		return validation.Errors{{Field: "date", Code: "settlement.date_in_future", Message: err.Error()}}
	}
	return nil
}

var currencies = []string{"MXN", "COP", "USD"}

type statementData struct {
	settling.PartyStatement
	Query      settling.StatementQuery
	Currencies []string
	CSV        string
}

func statementQuery(c echo.Context) settling.StatementQuery {
	q := settling.StatementQuery{Currency: c.QueryParam("currency"), From: c.QueryParam("from"), To: c.QueryParam("to"), Limit: 1000}
	if q.Currency == "" {
		q.Currency = "MXN"
	}
	return q
}

// statement shows the caller's own ledger movements (settling.Statement, as GET
// /v1/statements) with a CSV download of the same lines.
func (p *portal) statement(c echo.Context, pg *page) error {
	q := statementQuery(c)
	st, err := p.app.Settling.Statement(c.Request().Context(), pg.actor(), q)
	if errs := formErrors(err); errs != nil {
		pg.Errors = errs
		pg.Data = statementData{Query: q, Currencies: currencies}
		return p.render(c, http.StatusUnprocessableEntity, "statement", pg)
	}
	if err != nil {
		return err
	}
	v := url.Values{"currency": {q.Currency}}
	if q.From != "" {
		v.Set("from", q.From)
	}
	if q.To != "" {
		v.Set("to", q.To)
	}
	pg.Data = statementData{PartyStatement: st, Query: q, Currencies: currencies, CSV: "/statement.csv?" + v.Encode()}
	return p.render(c, http.StatusOK, "statement", pg)
}

// statementCSV writes the statement as the API's text/csv answer does.
func (p *portal) statementCSV(c echo.Context, pg *page) error {
	q := statementQuery(c)
	st, err := p.app.Settling.Statement(c.Request().Context(), pg.actor(), q)
	if err != nil {
		return err
	}
	cur := st.Currency
	securityHeaders(c, true)
	c.Response().Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	c.Response().Header().Set("Content-Disposition", `attachment; filename="estado-de-cuenta-`+string(cur)+`.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	_ = w.Write([]string{"at", "entry_id", "entry_kind", "financing_id", "account", "side", "amount", "currency", "balance"})
	for _, l := range st.Lines {
		_ = w.Write([]string{l.At.UTC().Format(time.RFC3339), l.EntryID.String(), invoice.SafeCell(string(l.EntryKind)), l.FinancingID.String(),
			invoice.SafeCell(string(l.Account)), string(l.Side), money.Format(l.Amount, cur), string(cur), money.Format(l.Balance, cur)})
	}
	w.Flush()
	return w.Error()
}

type paymentFileData struct {
	Date string
}

func (p *portal) paymentFileForm(c echo.Context, pg *page) error {
	pg.Data = paymentFileData{Date: time.Now().Format(time.DateOnly)}
	return p.render(c, http.StatusOK, "payment_files", pg)
}

// paymentFile builds the lender's pain.001 of disbursements due on a date
// (settling.PaymentFile, as the API's payment-file endpoint). Building it
// instructs those financings, so it is a POST with the CSRF token.
func (p *portal) paymentFile(c echo.Context, pg *page) error {
	date := c.FormValue("date")
	d, err := calendar.ParseDate(date)
	if err != nil {
		pg.Errors = validation.Errors{{Field: "date", Code: "invalid_date", Message: "date is YYYY-MM-DD"}}
		pg.Data = paymentFileData{Date: date}
		return p.render(c, http.StatusUnprocessableEntity, "payment_files", pg)
	}
	f, err := p.app.Settling.PaymentFile(c.Request().Context(), pg.actor(), settlement.Disbursement, d)
	if e, _ := errcatalog.Lookup(err); errors.Is(err, settling.ErrNoPayments) {
		pg.Errors = validation.Errors{{Field: "date", Code: e.Code, Message: err.Error()}}
		pg.Data = paymentFileData{Date: date}
		return p.render(c, http.StatusUnprocessableEntity, "payment_files", pg)
	}
	if err != nil {
		return err
	}
	securityHeaders(c, true)
	c.Response().Header().Set("Content-Disposition", `attachment; filename="pain001-`+d.Format(time.DateOnly)+`.xml"`)
	return c.Blob(http.StatusOK, "application/xml; charset=utf-8", f.XML)
}

type reconciliationData struct {
	settling.Reconciliation
	Docs map[uuid.UUID]string // document number per financing with a difference
}

func (p *portal) reconciliation(c echo.Context, pg *page) error {
	ctx := c.Request().Context()
	r, err := p.app.Settling.Reconcile(ctx, pg.actor())
	if err != nil {
		return err
	}
	// Differences name their financing by its invoice, not its id.
	docs := map[uuid.UUID]string{}
	for _, d := range r.Differences {
		if f, err := p.app.Settling.GetFinancing(ctx, pg.actor(), d.FinancingID); err == nil {
			if inv, err := p.app.Invoicing.GetInvoice(ctx, pg.actor(), f.InvoiceID); err == nil {
				docs[d.FinancingID] = inv.DocumentNumber
			}
		}
	}
	pg.Data = reconciliationData{Reconciliation: r, Docs: docs}
	return p.render(c, http.StatusOK, "reconciliation", pg)
}

func (p *portal) auditStatus(c echo.Context, pg *page) error {
	st, err := p.app.Auditing.AuditVerify(c.Request().Context(), pg.actor())
	if err != nil {
		return err
	}
	pg.Data = st
	return p.render(c, http.StatusOK, "audit", pg)
}
