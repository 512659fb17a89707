package api

import (
	"encoding/csv"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/app/invoicing"
	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/validation"
)

// documentJSON is one document as uploaded, alone or in a batch.
type documentJSON struct {
	Kind           string `json:"kind"`
	Supplier       string `json:"supplier"`
	DocumentNumber string `json:"document_number"`
	EInvoiceID     string `json:"einvoice_id"`
	IssueDate      string `json:"issue_date"`
	DueDate        string `json:"due_date"`
	Currency       string `json:"currency"`
	Amount         string `json:"amount"`
	CreditNoteFor  string `json:"credit_note_for"`
	Reference1     string `json:"reference1"`
	Reference2     string `json:"reference2"`
}

func (d documentJSON) toDraft() invoice.Draft {
	return invoice.Draft{Kind: d.Kind, Supplier: d.Supplier, DocumentNumber: d.DocumentNumber, EInvoiceID: d.EInvoiceID,
		IssueDate: d.IssueDate, DueDate: d.DueDate, Currency: d.Currency, Amount: d.Amount, CreditNoteFor: d.CreditNoteFor,
		Reference1: d.Reference1, Reference2: d.Reference2}
}

type invoiceJSON struct {
	ID               string    `json:"id"`
	ProgramID        string    `json:"program_id"`
	BuyerID          string    `json:"buyer_id"`
	SupplierID       string    `json:"supplier_id"`
	Kind             string    `json:"kind"`
	Status           string    `json:"status"`
	DocumentNumber   string    `json:"document_number"`
	EInvoiceID       string    `json:"einvoice_id"`
	IssueDate        string    `json:"issue_date"`
	DueDate          *string   `json:"due_date"`
	Currency         string    `json:"currency"`
	FaceAmount       string    `json:"face_amount"`
	NettedAmount     string    `json:"netted_amount"`
	PayableAmount    string    `json:"payable_amount"`
	CreditsInvoiceID *string   `json:"credits_invoice_id"`
	Reference1       string    `json:"reference1"`
	Reference2       string    `json:"reference2"`
	BatchID          *string   `json:"batch_id"`
	EligibleToday    bool      `json:"eligible_today"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

func optional(ok bool, s string) *string {
	if !ok {
		return nil
	}
	return &s
}

func toInvoiceJSON(v invoicing.InvoiceView) invoiceJSON {
	i := v.Invoice
	out := invoiceJSON{ID: i.ID.String(), ProgramID: i.ProgramID.String(), BuyerID: i.BuyerID.String(), SupplierID: i.SupplierID.String(),
		Kind: string(i.Kind), Status: string(i.Status), DocumentNumber: i.DocumentNumber, EInvoiceID: i.EInvoiceID,
		IssueDate: i.IssueDate.Format(time.DateOnly), DueDate: optional(!i.DueDate.IsZero(), i.DueDate.Format(time.DateOnly)),
		Currency: string(i.Currency), FaceAmount: money.Format(i.FaceAmount, i.Currency), NettedAmount: money.Format(i.NettedAmount, i.Currency),
		PayableAmount: money.Format(i.Payable(), i.Currency), CreditsInvoiceID: optional(i.CreditsInvoice != uuid.Nil, i.CreditsInvoice.String()),
		Reference1: i.Reference1, Reference2: i.Reference2, EligibleToday: v.EligibleToday, CreatedAt: i.CreatedAt.UTC(), UpdatedAt: i.UpdatedAt.UTC()}
	if i.BatchID != nil {
		out.BatchID = optional(true, i.BatchID.String())
	}
	return out
}

func (h *handlers) publishInvoice(c echo.Context) error {
	var req struct {
		ProgramID string `json:"program_id"`
		documentJSON
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	prog, err := optionalUUID(req.ProgramID, "program_id")
	if err != nil {
		return err
	}
	v, err := h.app.Invoicing.PublishInvoice(c.Request().Context(), actor(c), prog, req.toDraft())
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/invoices/"+v.ID.String())
	return c.JSON(http.StatusCreated, toInvoiceJSON(v))
}

func optionalUUID(s, field string) (uuid.UUID, error) {
	if s == "" {
		return uuid.Nil, nil
	}
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, validation.Errors{{Field: field, Code: "invalid", Message: field + " must be a UUID"}}
	}
	return id, nil
}

func (h *handlers) cancelInvoice(c echo.Context) error {
	id, err := pathID(c, "id", invoice.ErrNotFound)
	if err != nil {
		return err
	}
	inv, err := h.app.Invoicing.CancelInvoice(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toInvoiceJSON(invoicing.InvoiceView{Invoice: inv}))
}

type changeJSON struct {
	At           time.Time `json:"at"`
	Change       string    `json:"change"`
	FromStatus   *string   `json:"from_status"`
	ToStatus     string    `json:"to_status"`
	Amount       *string   `json:"amount,omitempty"`
	CreditNoteID *string   `json:"credit_note_id,omitempty"`
	Actor        string    `json:"actor"`
}

func (h *handlers) getInvoice(c echo.Context) error {
	id, err := pathID(c, "id", invoice.ErrNotFound)
	if err != nil {
		return err
	}
	d, err := h.app.Invoicing.GetInvoice(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	cur := d.Currency
	notes := make([]invoiceJSON, len(d.CreditNotes))
	for i, n := range d.CreditNotes {
		notes[i] = toInvoiceJSON(invoicing.InvoiceView{Invoice: n})
	}
	// Publication is the first entry; later changes come from the history.
	history := []changeJSON{{At: d.CreatedAt.UTC(), Change: "published", ToStatus: string(invoice.Published), Actor: d.PublishedBy}}
	for _, x := range d.History {
		from := string(x.From)
		cj := changeJSON{At: x.At.UTC(), Change: x.Change, FromStatus: &from, ToStatus: string(x.To), Actor: x.Actor}
		if x.Amount != nil {
			cj.Amount = optional(true, money.Format(*x.Amount, cur))
		}
		if x.CreditNoteID != nil {
			cj.CreditNoteID = optional(true, x.CreditNoteID.String())
		}
		history = append(history, cj)
	}
	return c.JSON(http.StatusOK, map[string]any{"invoice": toInvoiceJSON(d.InvoiceView), "credit_notes": notes, "history": history})
}

// invoiceFilter reads the listing's query parameters; a bad one is a 400.
func invoiceFilter(c echo.Context) (invoicing.InvoiceFilter, error) {
	var f invoicing.InvoiceFilter
	bad := func(name, want string) error {
		return fail(http.StatusBadRequest, codeBadParameter, "Bad query parameter", name+" must be "+want)
	}
	ids := map[string]*uuid.UUID{"buyer_id": &f.BuyerID, "supplier_id": &f.SupplierID, "program_id": &f.ProgramID, "batch_id": &f.BatchID}
	for name, dst := range ids {
		if s := c.QueryParam(name); s != "" {
			id, err := uuid.Parse(s)
			if err != nil {
				return f, bad(name, "a UUID")
			}
			*dst = id
		}
	}
	if s := c.QueryParam("status"); s != "" {
		switch st := invoice.Status(s); st {
		case invoice.Published, invoice.Offered, invoice.Financed, invoice.Cancelled, invoice.Expired:
			f.Status = st
		default:
			return f, bad("status", "published, offered, financed, cancelled or expired")
		}
	}
	if s := c.QueryParam("kind"); s != "" {
		if k := invoice.Kind(s); k == invoice.KindInvoice || k == invoice.KindCreditNote {
			f.Kind = k
		} else {
			return f, bad("kind", "invoice or credit_note")
		}
	}
	for name, dst := range map[string]*time.Time{"due_from": &f.DueFrom, "due_to": &f.DueTo} {
		if s := c.QueryParam(name); s != "" {
			d, err := calendar.ParseDate(s)
			if err != nil {
				return f, bad(name, "a date YYYY-MM-DD")
			}
			*dst = d
		}
	}
	for name, dst := range map[string]**decimal.Decimal{"amount_min": &f.AmountMin, "amount_max": &f.AmountMax} {
		if s := c.QueryParam(name); s != "" {
			a, err := decimal.NewFromString(s)
			if err != nil || strings.ContainsAny(s, "eE") {
				return f, bad(name, "a decimal amount such as 1250.00")
			}
			*dst = &a
		}
	}
	return f, nil
}

func (h *handlers) listInvoices(c echo.Context) error {
	f, err := invoiceFilter(c)
	if err != nil {
		return err
	}
	limit, cursor, err := pageParams(c)
	if err != nil {
		return err
	}
	if wantsCSV(c) {
		return h.exportInvoices(c, f, cursor)
	}
	page, err := h.app.Invoicing.ListInvoices(c.Request().Context(), actor(c), f, cursor, limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toList(page.Items, page.Next, toInvoiceJSON))
}

func wantsCSV(c echo.Context) bool {
	for _, part := range strings.Split(c.Request().Header.Get(echo.HeaderAccept), ",") {
		if mt, _, _ := mime.ParseMediaType(strings.TrimSpace(part)); mt == "text/csv" {
			return true
		}
	}
	return false
}

// exportInvoices streams every matching invoice after cursor as CSV. Text
// cells are neutralised against formula injection in spreadsheets.
func (h *handlers) exportInvoices(c echo.Context, f invoicing.InvoiceFilter, cursor uuid.UUID) error {
	ctx := c.Request().Context()
	page, err := h.app.Invoicing.ListInvoices(ctx, actor(c), f, cursor, 500)
	if err != nil {
		return err // nothing written yet: a problem document
	}
	c.Response().Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	c.Response().Header().Set("Content-Disposition", `attachment; filename="invoices.csv"`)
	c.Response().WriteHeader(http.StatusOK)
	w := csv.NewWriter(c.Response())
	_ = w.Write([]string{"id", "program_id", "buyer_id", "supplier_id", "kind", "status", "document_number", "einvoice_id",
		"issue_date", "due_date", "currency", "face_amount", "netted_amount", "payable_amount", "eligible_today", "reference1", "reference2", "created_at"})
	for {
		for _, v := range page.Items {
			j := toInvoiceJSON(v)
			due := ""
			if j.DueDate != nil {
				due = *j.DueDate
			}
			_ = w.Write([]string{j.ID, j.ProgramID, j.BuyerID, j.SupplierID, j.Kind, j.Status, invoice.SafeCell(j.DocumentNumber),
				invoice.SafeCell(j.EInvoiceID), j.IssueDate, due, j.Currency, j.FaceAmount, j.NettedAmount, j.PayableAmount,
				strconv.FormatBool(j.EligibleToday), invoice.SafeCell(j.Reference1), invoice.SafeCell(j.Reference2), j.CreatedAt.Format(time.RFC3339)})
		}
		w.Flush()
		if page.Next == "" || w.Error() != nil {
			return nil
		}
		next, _ := uuid.Parse(page.Next)
		if page, err = h.app.Invoicing.ListInvoices(ctx, actor(c), f, next, 500); err != nil {
			return nil // headers are out; the truncated file is all we can say, and the access log has the status
		}
	}
}

type batchJSON struct {
	ID            string    `json:"id"`
	ProgramID     string    `json:"program_id"`
	Status        string    `json:"status"`
	Atomic        bool      `json:"atomic"`
	Format        string    `json:"format"`
	TotalRows     int       `json:"total_rows"`
	PublishedRows int       `json:"published_rows"`
	RejectedRows  int       `json:"rejected_rows"`
	CreatedAt     time.Time `json:"created_at"`
}

func toBatchJSON(b invoice.Batch) batchJSON {
	return batchJSON{ID: b.ID.String(), ProgramID: b.ProgramID.String(), Status: b.Status, Atomic: b.Atomic, Format: b.Format,
		TotalRows: b.Total, PublishedRows: b.Published, RejectedRows: b.Rejected, CreatedAt: b.CreatedAt.UTC()}
}

// publishBatch accepts a JSON array of documents or a CSV file with a header
// row; program_id and atomic are query parameters.
func (h *handlers) publishBatch(c echo.Context) error {
	prog, err := optionalUUID(c.QueryParam("program_id"), "program_id")
	if err != nil {
		return fail(http.StatusBadRequest, codeBadParameter, "Bad query parameter", "program_id must be a UUID")
	}
	in := invoicing.BatchInput{ProgramID: prog}
	if s := c.QueryParam("atomic"); s != "" {
		if in.Atomic, err = strconv.ParseBool(s); err != nil {
			return fail(http.StatusBadRequest, codeBadParameter, "Bad query parameter", "atomic must be true or false")
		}
	}
	mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType))
	switch mt {
	case echo.MIMEApplicationJSON:
		var docs []documentJSON
		if err := decodeBody(c.Request().Body, &docs); err != nil {
			return err
		}
		if len(docs) > invoice.MaxBatchRows {
			return invoice.ErrTooManyRows
		}
		in.Format, in.Drafts = "json", make([]invoice.Draft, len(docs))
		for i, d := range docs {
			in.Drafts[i] = d.toDraft()
		}
	case "text/csv":
		body, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return jsonError(err) // maps an over-long body to 413
		}
		in.Format = "csv"
		if in.Drafts, in.Malformed, err = invoice.ReadCSV(body, invoice.MaxBatchRows); err != nil {
			return err
		}
	default:
		return fail(http.StatusUnsupportedMediaType, codeMediaType, "Unsupported media type", "send a JSON array of documents or text/csv")
	}
	b, err := h.app.Invoicing.PublishBatch(c.Request().Context(), actor(c), in)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/invoice-batches/"+b.ID.String())
	return c.JSON(http.StatusCreated, toBatchJSON(b))
}

type rowJSON struct {
	Row       int                `json:"row"`
	Result    string             `json:"result"`
	InvoiceID *string            `json:"invoice_id,omitempty"`
	Errors    []validation.Error `json:"errors,omitempty"`
}

func (h *handlers) getBatch(c echo.Context) error {
	id, err := pathID(c, "id", invoice.ErrBatchNotFound)
	if err != nil {
		return err
	}
	limit, after := 500, 0
	if s := c.QueryParam("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > 5000 {
			return fail(http.StatusBadRequest, codeBadParameter, "Bad query parameter", "limit must be an integer from 1 to 5000")
		}
	}
	if s := c.QueryParam("cursor"); s != "" {
		if after, err = strconv.Atoi(s); err != nil || after < 0 {
			return fail(http.StatusBadRequest, codeBadParameter, "Bad query parameter", "cursor is not one this API returned")
		}
	}
	result := c.QueryParam("result")
	if result != "" && result != "published" && result != "rejected" {
		return fail(http.StatusBadRequest, codeBadParameter, "Bad query parameter", "result must be published or rejected")
	}
	b, rows, err := h.app.Invoicing.GetBatch(c.Request().Context(), actor(c), id, result, after, limit)
	if err != nil {
		return err
	}
	items := make([]rowJSON, len(rows))
	for i, r := range rows {
		items[i] = rowJSON{Row: r.Row, Result: "published", Errors: r.Errors}
		if r.InvoiceID != nil {
			items[i].InvoiceID = optional(true, r.InvoiceID.String())
		} else {
			items[i].Result = "rejected"
		}
	}
	out := map[string]any{"batch": toBatchJSON(b), "items": items}
	if len(rows) == limit {
		out["next_cursor"] = strconv.Itoa(rows[len(rows)-1].Row)
	}
	return c.JSON(http.StatusOK, out)
}
