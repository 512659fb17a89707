package invoice

import (
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/validation"
)

// Batch is one bulk upload and its outcome.
type Batch struct {
	ID, ProgramID, BuyerID uuid.UUID
	Atomic                 bool
	Format                 string // json or csv
	Status                 string // published, partially_published, rejected
	Total                  int
	Published, Rejected    int
	CreatedAt              time.Time
}

// Settle sets the batch's counts and status from its outcome.
func (b *Batch) Settle(published, rejected int) {
	b.Published, b.Rejected = published, rejected
	switch {
	case rejected == 0:
		b.Status = "published"
	case published == 0:
		b.Status = "rejected"
	default:
		b.Status = "partially_published"
	}
}

// RowResult is one row of a batch: the document it published, or its errors.
// Rows are numbered from 1 in upload order (the CSV header is not a row).
type RowResult struct {
	Row       int
	InvoiceID *uuid.UUID
	Errors    validation.Errors
}

// Change is one recorded change of an invoice after its publication.
type Change struct {
	At           time.Time
	From, To     Status
	Change       string // status or netted
	Amount       *decimal.Decimal
	CreditNoteID *uuid.UUID
	Actor        string
}
