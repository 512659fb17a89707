package app

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/invoice/invoicedb"
)

// SetInvoiceStatus moves a locked invoice through the status machine.
func SetInvoiceStatus(ctx context.Context, tx pgx.Tx, inv *invoice.Invoice, to invoice.Status, actor string, at time.Time) error {
	if err := inv.Status.To(to); err != nil {
		return err
	}
	if err := invoicedb.SetStatus(ctx, tx, *inv, to, actor, at); err != nil {
		return err
	}
	inv.Status, inv.UpdatedAt = to, at
	return nil
}
