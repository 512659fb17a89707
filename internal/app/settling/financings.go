package settling

import (
	"context"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/financing/financingdb"
)

// GetFinancing loads a financing the caller may see: its lender, buyer or supplier; operators.
func (a *App) GetFinancing(ctx context.Context, act app.Actor, id uuid.UUID) (financing.Financing, error) {
	return financingdb.Get(ctx, a.Pool, app.FinancingViewer(act), id)
}

// ListFinancings pages through the financings the caller may see; offerID filters when set.
func (a *App) ListFinancings(ctx context.Context, act app.Actor, offerID, cursor uuid.UUID, limit int) (app.Page[financing.Financing], error) {
	items, err := financingdb.List(ctx, a.Pool, app.FinancingViewer(act), offerID, cursor, limit)
	return app.PageOf(items, limit, func(f financing.Financing) uuid.UUID { return f.ID }), err
}
