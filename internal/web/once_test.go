package web

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/invoicing"
	"github.com/cadena-finance/cadena/internal/app/usecases"
	"github.com/cadena-finance/cadena/internal/auth"
)

// The one-time-key acceptance refuses every role outside OfferAcceptors
// before it claims a key or touches the database (the portal here has none),
// and publication every role but the buyer.
func TestOnceRefusesBeforeTheClaim(t *testing.T) {
	t.Parallel()
	p := &portal{app: usecases.New(&app.Base{})}
	for _, r := range []auth.Role{auth.RoleOperator, auth.RoleBuyer, auth.RoleLender} {
		act := app.Actor{Subject: "t", PartyID: uuid.New(), Role: r}
		if _, err := p.acceptOnce(context.Background(), act, "k", uuid.New()); !errors.Is(err, app.ErrForbidden) {
			t.Errorf("acceptOnce as %s: %v, want ErrForbidden", r, err)
		}
	}
	for _, r := range []auth.Role{auth.RoleOperator, auth.RoleSupplier, auth.RoleLender} {
		act := app.Actor{Subject: "t", PartyID: uuid.New(), Role: r}
		if _, err := p.publishOnce(context.Background(), act, "k", invoicing.BatchInput{}); !errors.Is(err, app.ErrForbidden) {
			t.Errorf("publishOnce as %s: %v, want ErrForbidden", r, err)
		}
	}
}
