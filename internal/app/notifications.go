package app

import (
	"context"
	"encoding/json"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/offer/offerdb"
)

// NotifierConsumer is the durable consumer that turns events into parties' notices.
const NotifierConsumer = "platform_notifier"

// NotifierSubjects are the events the notifier consumes.
var NotifierSubjects = []string{event.FinancingAccepted, event.AuctionClosed}

// HandleNotifierEvent applies one delivered event exactly once in effect: the
// event id goes into consumer_inbox in the same transaction as the notices,
// so a JetStream redelivery (after a lost ack, a Nak or a crash) does nothing.
// It reports whether the event was new.
func (a *App) HandleNotifierEvent(ctx context.Context, env event.Envelope) (bool, error) {
	var fresh bool
	err := a.inTx(ctx, func(tx pgx.Tx) error {
		var err error
		if fresh, err = offerdb.ClaimEvent(ctx, tx, NotifierConsumer, env.ID); err != nil || !fresh {
			return err
		}
		switch env.Type {
		case event.FinancingAccepted:
			var d AcceptedEvent
			if err := json.Unmarshal(env.Data, &d); err != nil {
				return err
			}
			for _, party := range []uuid.UUID{d.SupplierID, d.BuyerID} {
				if err := offerdb.Notify(ctx, tx, party, env.ID, "financing.accepted", d.OfferID, a.now()); err != nil {
					return err
				}
			}
		case event.AuctionClosed:
			var d ClosedEvent
			if err := json.Unmarshal(env.Data, &d); err != nil {
				return err
			}
			supplier, err := offerdb.AuctionSupplier(ctx, tx, d.AuctionID)
			if err != nil {
				return err
			}
			return offerdb.Notify(ctx, tx, supplier, env.ID, "auction."+d.Outcome, d.AuctionID, a.now())
		}
		return nil
	})
	return fresh, err
}
