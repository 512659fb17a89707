package api

import (
	"bytes"
	"html/template"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/app/settling"
	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/settlement"
)

// accepts reports whether the Accept header names the media type mt.
func accepts(c echo.Context, mt string) bool {
	for _, part := range strings.Split(c.Request().Header.Get(echo.HeaderAccept), ",") {
		if t, _, _ := mime.ParseMediaType(strings.TrimSpace(part)); t == mt {
			return true
		}
	}
	return false
}

type noticePartyJSON struct {
	ID        string `json:"id"`
	LegalName string `json:"legal_name"`
	TaxID     string `json:"tax_id"`
}

type noticeAccountJSON struct {
	Scheme     string `json:"scheme"`
	Number     string `json:"number"`
	IBAN       string `json:"iban,omitempty"`
	BankCode   string `json:"bank_code,omitempty"`
	HolderName string `json:"holder_name"`
}

type noticeJSON struct {
	FinancingID    string             `json:"financing_id"`
	InvoiceID      string             `json:"invoice_id"`
	DocumentNumber string             `json:"document_number"`
	EInvoiceID     string             `json:"einvoice_id"`
	Buyer          noticePartyJSON    `json:"buyer"`
	Supplier       noticePartyJSON    `json:"supplier"`
	NewPayee       noticePartyJSON    `json:"new_payee"`
	PayeeAccount   *noticeAccountJSON `json:"payee_account"`
	Amount         string             `json:"amount"`
	Currency       string             `json:"currency"`
	PayOn          string             `json:"pay_on"`
	PaymentRef     string             `json:"payment_reference"`
	Status         string             `json:"status"`
	AssignedAt     time.Time          `json:"assigned_at"`
}

func toNoticeJSON(n settlement.AssignmentNotice) noticeJSON {
	p := func(x settlement.NoticeParty) noticePartyJSON {
		return noticePartyJSON{ID: x.ID.String(), LegalName: x.LegalName, TaxID: x.TaxID}
	}
	out := noticeJSON{FinancingID: n.FinancingID.String(), InvoiceID: n.InvoiceID.String(), DocumentNumber: n.DocumentNumber, EInvoiceID: n.EInvoiceID,
		Buyer: p(n.Buyer), Supplier: p(n.Supplier), NewPayee: p(n.NewPayee), Amount: money.Format(n.Amount, n.Currency), Currency: string(n.Currency),
		PayOn: n.PayOn.Format(time.DateOnly), PaymentRef: n.Reference, Status: string(n.Status), AssignedAt: n.AssignedAt.UTC()}
	if a := n.PayeeAccount; a != nil {
		out.PayeeAccount = &noticeAccountJSON{Scheme: a.Scheme, Number: a.Number, IBAN: a.IBAN, BankCode: a.BankCode, HolderName: a.HolderName}
	}
	return out
}

// noticeHTML is the printable notice, in Spanish: the buyer's accounts
// payable file it and pay the new payee.
var noticeHTML = template.Must(template.New("notice").Parse(`<!DOCTYPE html>
<html lang="es"><head><meta charset="utf-8"><title>Notificación de cesión de derechos de cobro</title>
<style>body{font-family:serif;max-width:42em;margin:2em auto}table{border-collapse:collapse}td{padding:.2em .8em;border-bottom:1px solid #ccc}@media print{a{display:none}}</style>
</head><body>
<h1>Notificación de cesión de derechos de cobro</h1>
<p>A: <strong>{{.Buyer.LegalName}}</strong> (RFC/NIT {{.Buyer.TaxID}})</p>
<p>Por medio de la presente se le notifica que <strong>{{.Supplier.LegalName}}</strong> (RFC/NIT {{.Supplier.TaxID}}) cedió los derechos de cobro
de la factura indicada a <strong>{{.NewPayee.LegalName}}</strong> (RFC/NIT {{.NewPayee.TaxID}}), quien es desde el {{.AssignedAt}} el único
beneficiario del pago. Un pago hecho al proveedor no libera la obligación.</p>
<table>
<tr><td>Factura</td><td>{{.DocumentNumber}}</td></tr>
<tr><td>Folio fiscal</td><td>{{.EInvoiceID}}</td></tr>
<tr><td>Importe a pagar</td><td>{{.Amount}} {{.Currency}}</td></tr>
<tr><td>Fecha de pago</td><td>{{.PayOn}}</td></tr>
<tr><td>Beneficiario</td><td>{{.NewPayee.LegalName}}</td></tr>
{{with .PayeeAccount}}<tr><td>Cuenta ({{.Scheme}})</td><td>{{if .IBAN}}{{.IBAN}}{{else}}{{.Number}}{{end}}</td></tr>
<tr><td>Titular</td><td>{{.HolderName}}</td></tr>{{else}}<tr><td>Cuenta</td><td>el beneficiario la dará a conocer</td></tr>{{end}}
<tr><td>Referencia del pago</td><td>{{.PaymentRef}}</td></tr>
<tr><td>Operación</td><td>{{.FinancingID}}</td></tr>
</table>
<p>Cite la referencia del pago (EndToEndId) en su transferencia.</p>
</body></html>
`))

func (h *handlers) assignmentNotice(c echo.Context) error {
	id, err := pathID(c, "id", financing.ErrNotFound)
	if err != nil {
		return err
	}
	n, err := h.app.Settling.AssignmentNotice(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	j := toNoticeJSON(n)
	if !accepts(c, echo.MIMETextHTML) {
		return c.JSON(http.StatusOK, j)
	}
	var buf bytes.Buffer
	if err := noticeHTML.Execute(&buf, struct {
		noticeJSON
		AssignedAt string
	}{j, n.AssignedAt.UTC().Format(time.DateOnly)}); err != nil {
		return err
	}
	return c.HTMLBlob(http.StatusOK, buf.Bytes())
}

type confirmationJSON struct {
	Financing financingJSON `json:"financing"`
	Duplicate bool          `json:"duplicate"`
}

// confirmLeg serves both confirmation routes: {bank_reference, amount, date}.
func (h *handlers) confirmLeg(leg settlement.Leg) echo.HandlerFunc {
	confirm := h.app.Settling.ConfirmFunding
	if leg == settlement.Repayment {
		confirm = h.app.Settling.ConfirmRepayment
	}
	return func(c echo.Context) error {
		id, err := pathID(c, "id", financing.ErrNotFound)
		if err != nil {
			return err
		}
		var req struct {
			BankReference string `json:"bank_reference"`
			Amount        string `json:"amount"`
			Date          string `json:"date"`
		}
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		out, err := confirm(c.Request().Context(), actor(c), id, settling.ConfirmationInput{BankReference: req.BankReference, Amount: req.Amount, Date: req.Date})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, confirmationJSON{Financing: toFinancingJSON(out.Financing), Duplicate: out.Duplicate})
	}
}
