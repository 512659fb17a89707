package settling

import (
	"context"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/financing/financingdb"
	"github.com/cadena-finance/cadena/internal/invoice/invoicedb"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/settlement"
)

// AssignmentNotice builds the notice of assignment of a financing: its
// buyer, lender, supplier and operators may read it (others: not found).
// It names the lender as the new payee, the lender's account in the
// currency, the face to pay and the maturity.
func (a *App) AssignmentNotice(ctx context.Context, act app.Actor, id uuid.UUID) (settlement.AssignmentNotice, error) {
	f, err := financingdb.Get(ctx, a.Pool, app.FinancingViewer(act), id)
	if err != nil {
		return settlement.AssignmentNotice{}, err
	}
	// The caller may see the financing, hence its invoice.
	inv, err := invoicedb.Get(ctx, a.Pool, invoicedb.Viewer{Role: string(auth.RoleOperator)}, f.InvoiceID)
	if err != nil {
		return settlement.AssignmentNotice{}, err
	}
	book := partyBook{q: a.Pool}
	named := func(id uuid.UUID) (settlement.NoticeParty, []party.BankAccount, error) {
		p, accts, err := book.load(ctx, id)
		return settlement.NoticeParty{ID: p.ID, LegalName: p.LegalName, TaxID: p.TaxID}, accts, err
	}
	buyer, _, err := named(f.BuyerID)
	if err != nil {
		return settlement.AssignmentNotice{}, err
	}
	supplier, _, err := named(f.SupplierID)
	if err != nil {
		return settlement.AssignmentNotice{}, err
	}
	lender, accts, err := named(f.LenderID)
	if err != nil {
		return settlement.AssignmentNotice{}, err
	}
	var acct *settlement.NoticeAccount
	for _, b := range accts {
		if b.Currency == f.Currency { // the oldest, as payment files use
			acct = &settlement.NoticeAccount{Scheme: b.Scheme, Number: b.Number, IBAN: b.IBAN, BankCode: b.BankCode, HolderName: b.HolderName}
			break
		}
	}
	return settlement.NewAssignmentNotice(f, inv.DocumentNumber, inv.EInvoiceID, buyer, supplier, lender, acct), nil
}
