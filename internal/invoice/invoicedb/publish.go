// Package invoicedb is the only place with SQL for invoices, credit notes,
// their batches and history.
package invoicedb

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/validation"
)

// Staged is one document of a publication: a checked invoice, or the errors
// that refused it before it reached the database.
type Staged struct {
	Row     int
	Invoice invoice.Invoice
	Errors  validation.Errors
}

// Publication is what a set of documents shares.
type Publication struct {
	ProgramID, BuyerID uuid.UUID
	Currency           string
	BatchID            *uuid.UUID
	Atomic             bool
	Actor              string
	At                 time.Time
}

// Netting is one credit note applied to its invoice.
type Netting struct {
	InvoiceID, CreditNoteID uuid.UUID
	SupplierID              uuid.UUID
	Amount, Netted, Payable decimal.Decimal
}

// Rejection is a refused row with every reason.
type Rejection struct {
	Row    int
	Errors validation.Errors
}

// Outcome is the result of a publication.
type Outcome struct {
	Published int // documents: invoices and credit notes
	Invoices  int // of which invoices, the documents lenders can finance
	Rejected  []Rejection
	Netted    []Netting
}

// staging holds one publication's rows. Duplicates are found set-wise in
// SQL, survivors inserted with one INSERT … SELECT, so a 100,000-row batch is
// a handful of statements rather than 100,000 round trips.
const createStaging = `CREATE TEMP TABLE invoice_staging (
	row_no int NOT NULL, id uuid, supplier_id uuid, kind text, document_number text COLLATE "C", einvoice_id text COLLATE "C",
	issue_date date, due_date date, face_amount numeric(20, 2), credit_note_for text, reference1 text, reference2 text,
	errors jsonb, credits_invoice_id uuid) ON COMMIT DROP`

var stagingCols = []string{"row_no", "id", "supplier_id", "kind", "document_number", "einvoice_id", "issue_date", "due_date",
	"face_amount", "credit_note_for", "reference1", "reference2", "errors"}

// Publish stores the staged documents in tx. Valid rows are published and
// refused rows reported; with p.Atomic any refusal publishes nothing. The
// unique indexes back every check: a concurrent publication that wins a race
// makes this fail with a unique violation, which the caller retries.
func Publish(ctx context.Context, tx pgx.Tx, p Publication, rows []Staged) (Outcome, error) {
	var out Outcome
	markRepeats(rows)
	if _, err := tx.Exec(ctx, createStaging); err != nil {
		return out, err
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"invoice_staging"}, stagingCols, pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
		r := rows[i]
		if r.Errors != nil {
			b, err := json.Marshal(r.Errors)
			return []any{r.Row, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, b}, err
		}
		v := r.Invoice
		var due any
		if !v.DueDate.IsZero() {
			due = v.DueDate
		}
		return []any{r.Row, v.ID, v.SupplierID, string(v.Kind), v.DocumentNumber, v.EInvoiceID, v.IssueDate, due,
			v.FaceAmount, v.CreditNoteFor, v.Reference1, v.Reference2, nil}, nil
	}))
	if err != nil {
		return out, err
	}
	if n, ok, err := insertOptimistically(ctx, tx, p, rows); err != nil || ok {
		out.Published, out.Invoices = n, n
		return finish(ctx, tx, p, out, err)
	}
	if len(rows) > 1000 { // a temp table has no statistics until analysed; the joins below need them
		if _, err := tx.Exec(ctx, "ANALYZE invoice_staging"); err != nil {
			return out, err
		}
	}
	if err := detectDuplicates(ctx, tx, p.BuyerID); err != nil {
		return out, err
	}
	refused, err := anyRefused(ctx, tx)
	if err != nil || (refused && p.Atomic) {
		return finish(ctx, tx, p, out, err)
	}
	// A savepoint, so an atomic batch whose credit notes fail undoes its invoices.
	sp, err := tx.Begin(ctx)
	if err != nil {
		return out, err
	}
	defer sp.Rollback(ctx) //nolint:errcheck // no-op after commit
	n, err := insert(ctx, sp, p, invoice.KindInvoice)
	if err != nil {
		return out, err
	}
	nets, noteErrs, err := resolveCredits(ctx, sp, p.BuyerID)
	if err != nil {
		return out, err
	}
	if len(noteErrs) > 0 && p.Atomic {
		if err := sp.Rollback(ctx); err != nil {
			return out, err
		}
		return finish(ctx, tx, p, out, markRefused(ctx, tx, noteErrs))
	}
	if err := markRefused(ctx, sp, noteErrs); err != nil {
		return out, err
	}
	m, err := insert(ctx, sp, p, invoice.KindCreditNote)
	if err != nil {
		return out, err
	}
	if out.Netted, err = applyNetting(ctx, sp, p, nets); err != nil {
		return out, err
	}
	if err := sp.Commit(ctx); err != nil {
		return out, err
	}
	out.Published, out.Invoices = n+m, n
	return finish(ctx, tx, p, out, nil)
}

// insertOptimistically publishes a batch of invoices that repeats nothing
// without looking for duplicates first: most uploads are new documents, and
// the unique indexes check them anyway. When an index objects, it undoes the
// attempt and reports ok = false, so the caller takes the careful path.
// Batches with credit notes, and atomic batches with a refused row, always
// take the careful path.
func insertOptimistically(ctx context.Context, tx pgx.Tx, p Publication, rows []Staged) (int, bool, error) {
	for _, r := range rows {
		if (r.Errors == nil && r.Invoice.Kind == invoice.KindCreditNote) || (r.Errors != nil && p.Atomic) {
			return 0, false, nil
		}
	}
	sp, err := tx.Begin(ctx)
	if err != nil {
		return 0, false, err
	}
	n, err := insert(ctx, sp, p, invoice.KindInvoice)
	switch {
	case err == nil:
		return n, true, sp.Commit(ctx)
	case db.IsUniqueViolation(err, ""):
		return 0, false, sp.Rollback(ctx)
	}
	_ = sp.Rollback(ctx)
	return 0, false, err
}

func anyRefused(ctx context.Context, q db.Querier) (bool, error) {
	var refused bool
	err := q.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM invoice_staging WHERE errors IS NOT NULL)").Scan(&refused)
	return refused, err
}

// markRepeats refuses rows that repeat an earlier row of the same batch:
// the same document number for a supplier, or the same electronic invoice id.
func markRepeats(rows []Staged) {
	docs := make(map[string]bool, len(rows))
	einvs := make(map[string]bool, len(rows))
	for i := range rows {
		r := &rows[i]
		if r.Errors != nil {
			continue
		}
		doc := r.Invoice.SupplierID.String() + "\x00" + r.Invoice.DocumentNumber
		if docs[doc] {
			r.Errors.Add("document_number", invoice.CodeDuplicateInBatch, "an earlier row of this batch has the same document number")
		}
		if einvs[r.Invoice.EInvoiceID] {
			r.Errors.Add("einvoice_id", invoice.CodeDuplicateInBatch, "an earlier row of this batch has the same electronic invoice id")
		}
		docs[doc], einvs[r.Invoice.EInvoiceID] = true, true
	}
}

// rowError renders one validation.Error as a JSON array in SQL.
func rowError(field, code, message string) string {
	return "jsonb_build_array(jsonb_build_object('field', '" + field + "', 'code', '" + code + "', 'message', '" + message + "'))"
}

// detectDuplicates refuses rows whose document number the buyer already used
// with that supplier, or whose electronic invoice id is live anywhere on the
// platform. Each check is one probe of the unique index that backs it.
func detectDuplicates(ctx context.Context, q db.Querier, buyerID uuid.UUID) error {
	_, err := q.Exec(ctx, `WITH d AS (
		SELECT s.row_no,
			EXISTS (SELECT 1 FROM invoices i WHERE i.buyer_id = $1 AND i.supplier_id = s.supplier_id
				AND i.document_number = s.document_number) AS dup_doc,
			EXISTS (SELECT 1 FROM invoices i WHERE i.einvoice_id = s.einvoice_id AND i.status <> 'cancelled') AS dup_ein
		FROM invoice_staging s WHERE s.errors IS NULL)
	UPDATE invoice_staging s SET errors =
		CASE WHEN d.dup_doc THEN `+rowError("document_number", invoice.CodeDuplicateDocument, "the buyer already published this document number for this supplier")+` ELSE '[]'::jsonb END ||
		CASE WHEN d.dup_ein THEN `+rowError("einvoice_id", invoice.CodeEInvoiceLive, "this electronic invoice id is already live on the platform")+` ELSE '[]'::jsonb END
	FROM d WHERE s.row_no = d.row_no AND (d.dup_doc OR d.dup_ein)`, buyerID)
	return err
}

// insert publishes the surviving rows of one kind. A concurrent publication
// that took a document since detectDuplicates makes this fail on a unique
// index; the application retries the whole publication, which then refuses
// that row.
func insert(ctx context.Context, tx pgx.Tx, p Publication, kind invoice.Kind) (int, error) {
	tag, err := tx.Exec(ctx, `INSERT INTO invoices (id, program_id, buyer_id, supplier_id, kind, document_number, einvoice_id,
		issue_date, due_date, currency, face_amount, credits_invoice_id, status, reference1, reference2, batch_id, batch_row, published_by,
		created_at, updated_at)
		SELECT s.id, $1, $2, s.supplier_id, s.kind, s.document_number, s.einvoice_id, s.issue_date, s.due_date, $3, s.face_amount,
			s.credits_invoice_id, 'published', s.reference1, s.reference2, $4, CASE WHEN $4::uuid IS NULL THEN NULL ELSE s.row_no END, $7, $5, $5
		FROM invoice_staging s WHERE s.errors IS NULL AND s.kind = $6`, p.ProgramID, p.BuyerID, p.Currency, p.BatchID, p.At, string(kind), p.Actor)
	return int(tag.RowsAffected()), err
}

type credit struct {
	row    int
	amount decimal.Decimal
	target invoice.Invoice
}

// resolveCredits locks the invoice each surviving credit note names and
// applies the netting rule in row order, so several notes on one invoice in
// one batch add up. It returns the accepted nettings and the refusals.
func resolveCredits(ctx context.Context, tx pgx.Tx, buyerID uuid.UUID) ([]credit, []Rejection, error) {
	rows, err := tx.Query(ctx, `SELECT s.row_no, s.face_amount, `+cols+`
		FROM invoice_staging s LEFT JOIN invoices i ON i.buyer_id = $1 AND i.supplier_id = s.supplier_id
			AND i.document_number = s.credit_note_for AND i.kind = 'invoice'
		WHERE s.errors IS NULL AND s.kind = 'credit_note' ORDER BY s.row_no`, buyerID)
	if err != nil {
		return nil, nil, err
	}
	type found struct {
		row    int
		amount decimal.Decimal
		target *invoice.Invoice
	}
	var all []found
	var ids []uuid.UUID
	for rows.Next() {
		var f found
		var t nullableInvoice
		if err := rows.Scan(append([]any{&f.row, &f.amount}, t.dest()...)...); err != nil {
			rows.Close()
			return nil, nil, err
		}
		if t.ID != nil {
			inv := t.invoice()
			f.target = &inv
			ids = append(ids, inv.ID)
		}
		all = append(all, f)
	}
	if err := rows.Err(); err != nil || len(all) == 0 {
		return nil, nil, err
	}
	// Lock the targets and re-read them: the join above did not lock.
	locked := map[uuid.UUID]invoice.Invoice{}
	lr, err := tx.Query(ctx, "SELECT "+cols+" FROM invoices i WHERE i.id = ANY($1) ORDER BY i.id FOR UPDATE", ids)
	if err != nil {
		return nil, nil, err
	}
	list, err := pgx.CollectRows(lr, func(r pgx.CollectableRow) (invoice.Invoice, error) { return scan(r) })
	if err != nil {
		return nil, nil, err
	}
	for _, inv := range list {
		locked[inv.ID] = inv
	}
	var ok []credit
	var refused []Rejection
	for _, f := range all {
		if f.target == nil {
			refused = append(refused, Rejection{Row: f.row, Errors: validation.Errors{{Field: "credit_note_for", Code: invoice.CodeCreditTargetAbsent,
				Message: "no invoice of this supplier has that document number"}}})
			continue
		}
		t := locked[f.target.ID]
		netted, errs := invoice.Net(t, f.amount)
		if errs != nil {
			refused = append(refused, Rejection{Row: f.row, Errors: errs})
			continue
		}
		t.NettedAmount = netted
		locked[t.ID] = t
		ok = append(ok, credit{row: f.row, amount: f.amount, target: t})
	}
	// Record each accepted note's target for the INSERT … SELECT.
	if len(ok) > 0 {
		rowsNo, targets := make([]int32, len(ok)), make([]uuid.UUID, len(ok))
		for i, c := range ok {
			rowsNo[i], targets[i] = int32(c.row), c.target.ID
		}
		if _, err := tx.Exec(ctx, `UPDATE invoice_staging s SET credits_invoice_id = u.target
			FROM unnest($1::int[], $2::uuid[]) AS u(row_no, target) WHERE s.row_no = u.row_no`, rowsNo, targets); err != nil {
			return nil, nil, err
		}
	}
	return ok, refused, nil
}

// markRefused writes refusals found in Go into the staging table.
func markRefused(ctx context.Context, q db.Querier, refused []Rejection) error {
	if len(refused) == 0 {
		return nil
	}
	rowsNo, errs := make([]int32, len(refused)), make([]string, len(refused))
	for i, r := range refused {
		b, err := json.Marshal(r.Errors)
		if err != nil {
			return err
		}
		rowsNo[i], errs[i] = int32(r.Row), string(b)
	}
	_, err := q.Exec(ctx, `UPDATE invoice_staging s SET errors = u.errors::jsonb
		FROM unnest($1::int[], $2::text[]) AS u(row_no, errors) WHERE s.row_no = u.row_no`, rowsNo, errs)
	return err
}

// applyNetting raises each credited invoice's netted amount and records the
// change in its history, for the credit notes that were actually inserted.
func applyNetting(ctx context.Context, tx pgx.Tx, p Publication, credits []credit) ([]Netting, error) {
	if len(credits) == 0 {
		return nil, nil
	}
	rows, err := tx.Query(ctx, `SELECT s.row_no, s.id FROM invoice_staging s JOIN invoices i ON i.id = s.id
		WHERE s.kind = 'credit_note' AND s.errors IS NULL`)
	if err != nil {
		return nil, err
	}
	noteID := map[int]uuid.UUID{}
	for rows.Next() {
		var row int
		var id uuid.UUID
		if err := rows.Scan(&row, &id); err != nil {
			rows.Close()
			return nil, err
		}
		noteID[row] = id
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []Netting
	for _, c := range credits {
		id, ok := noteID[c.row]
		if !ok {
			continue
		}
		var n Netting
		err := tx.QueryRow(ctx, `UPDATE invoices SET netted_amount = netted_amount + $2, updated_at = $3 WHERE id = $1
			RETURNING netted_amount, face_amount - netted_amount`, c.target.ID, c.amount, p.At).Scan(&n.Netted, &n.Payable)
		if err != nil {
			return nil, err
		}
		n.InvoiceID, n.CreditNoteID, n.SupplierID, n.Amount = c.target.ID, id, c.target.SupplierID, c.amount
		if err := addHistory(ctx, tx, n.InvoiceID, invoice.Change{At: p.At, From: invoice.Published, To: invoice.Published,
			Change: "netted", Amount: &n.Amount, CreditNoteID: &n.CreditNoteID, Actor: p.Actor}); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, nil
}

// finish records the batch's rejections and reads them back.
func finish(ctx context.Context, tx pgx.Tx, p Publication, out Outcome, err error) (Outcome, error) {
	if err != nil {
		return out, err
	}
	if p.BatchID != nil {
		if _, err := tx.Exec(ctx, `INSERT INTO invoice_batch_rejections (batch_id, row_no, errors)
			SELECT $1, row_no, errors FROM invoice_staging WHERE errors IS NOT NULL`, *p.BatchID); err != nil {
			return out, err
		}
	}
	rows, err := tx.Query(ctx, "SELECT row_no, errors FROM invoice_staging WHERE errors IS NOT NULL ORDER BY row_no")
	if err != nil {
		return out, err
	}
	out.Rejected, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Rejection, error) {
		var x Rejection
		err := r.Scan(&x.Row, &x.Errors)
		return x, err
	})
	if err != nil {
		return out, err
	}
	_, err = tx.Exec(ctx, "DROP TABLE invoice_staging")
	return out, err
}
