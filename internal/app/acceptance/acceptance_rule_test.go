package acceptance

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
)

// AcceptOffer refuses every role outside OfferAcceptors before it touches the
// database (the App here has none), and the rule names the supplier alone.
// The portal's one-time-key acceptance checks the same (internal/web).
func TestOnlyOfferAcceptorsAccept(t *testing.T) {
	if got := OfferAcceptors(); !slices.Equal(got, []auth.Role{auth.RoleSupplier}) {
		t.Fatalf("OfferAcceptors() = %v, want only the supplier", got)
	}
	a := &App{Base: &app.Base{}}
	for _, r := range []auth.Role{auth.RoleOperator, auth.RoleBuyer, auth.RoleLender} {
		act := app.Actor{Subject: "t", PartyID: uuid.New(), Role: r}
		if _, err := a.AcceptOffer(context.Background(), act, uuid.New()); !errors.Is(err, app.ErrForbidden) {
			t.Errorf("AcceptOffer as %s: %v, want ErrForbidden", r, err)
		}
	}
}
