package natsauth_test

import (
	"testing"

	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/platform/natsauth"
)

// The application builds lenders' subjects with event.ForLender (it imports
// no NATS); they must be the ones the lender's permissions grant.
func TestEventLenderSubjectsMatchPermissions(t *testing.T) {
	id := "01a2024d-a2e2-7eaa-b237-e6d9e7468d84"
	for _, typ := range []string{event.AuctionOpened, event.AuctionWon, event.AuctionLost, event.AuctionBidPlaced, event.FinancingAccepted, event.OfferExpired} {
		if got, want := event.ForLender(id, typ), natsauth.LenderSubject(id, typ[len("cadena."):]); got != want {
			t.Errorf("%s: %s, natsauth grants %s", typ, got, want)
		}
	}
}
