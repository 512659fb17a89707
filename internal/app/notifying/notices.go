package notifying

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

// HandleNotifierEvent applies one delivered event exactly once in effect; see
// HandleNotifierEvents. It reports whether the event was new.
func (a *App) HandleNotifierEvent(ctx context.Context, env event.Envelope) (bool, error) {
	fresh, err := a.HandleNotifierEvents(ctx, []event.Envelope{env})
	return fresh == 1, err
}

// HandleNotifierEvents applies delivered events exactly once in effect, all
// in one transaction: each event id goes into consumer_inbox with its
// notices, so a JetStream redelivery (after a lost ack, a Nak or a crash)
// does nothing. One commit for a whole delivery batch keeps the notifier to
// a fraction of a disk flush per event under load. It returns how many
// events were new; on an error nothing of the batch is kept.
func (a *App) HandleNotifierEvents(ctx context.Context, envs []event.Envelope) (int, error) {
	ids := make([]uuid.UUID, len(envs))
	for i, env := range envs {
		ids[i] = env.ID
	}
	var fresh int
	err := a.InTx(ctx, func(tx pgx.Tx) error {
		isNew, err := offerdb.ClaimEvents(ctx, tx, NotifierConsumer, ids)
		if err != nil {
			return err
		}
		fresh = len(isNew)
		var notices []offerdb.Notice
		for _, env := range envs {
			if !isNew[env.ID] {
				continue
			}
			delete(isNew, env.ID) // an event twice in one batch is noticed once
			n, err := noticesOf(ctx, tx, env)
			if err != nil {
				return err
			}
			notices = append(notices, n...)
		}
		return offerdb.Notify(ctx, tx, notices, a.Clock())
	})
	return fresh, err
}

// noticesOf returns the parties' notices of one event.
func noticesOf(ctx context.Context, tx pgx.Tx, env event.Envelope) ([]offerdb.Notice, error) {
	switch env.Type {
	case event.FinancingAccepted:
		var d struct { // the fields of the contract's financing.accepted that the notices need
			OfferID    uuid.UUID `json:"offer_id"`
			SupplierID uuid.UUID `json:"supplier_id"`
			BuyerID    uuid.UUID `json:"buyer_id"`
		}
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return nil, err
		}
		return []offerdb.Notice{{PartyID: d.SupplierID, EventID: env.ID, Kind: "financing.accepted", SubjectID: d.OfferID},
			{PartyID: d.BuyerID, EventID: env.ID, Kind: "financing.accepted", SubjectID: d.OfferID}}, nil
	case event.AuctionClosed:
		var d struct { // the fields of the contract's auction.closed that the notice needs
			AuctionID uuid.UUID `json:"auction_id"`
			Outcome   string    `json:"outcome"`
		}
		if err := json.Unmarshal(env.Data, &d); err != nil {
			return nil, err
		}
		supplier, err := offerdb.AuctionSupplier(ctx, tx, d.AuctionID)
		if err != nil {
			return nil, err
		}
		return []offerdb.Notice{{PartyID: supplier, EventID: env.ID, Kind: "auction." + d.Outcome, SubjectID: d.AuctionID}}, nil
	}
	return nil, nil
}
