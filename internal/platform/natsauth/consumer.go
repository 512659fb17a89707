package natsauth

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/cadena-finance/cadena/internal/platform/natsx"
)

// Bounds on one pull request, so a lender's client cannot make the server
// buffer an unbounded batch.
const (
	lenderMaxRequestBatch = 1000
	lenderMaxAckPending   = 10000
)

// EnsureLenderConsumer creates or updates the durable pull consumer
// lender_<id> on the CADENA stream, filtered to cadena.lender.<id>.> with
// explicit acks. Lenders cannot create consumers, so the platform calls this
// (with its own connection) before a lender first pulls; it is idempotent.
func EnsureLenderConsumer(ctx context.Context, js jetstream.JetStream, lenderID string) (jetstream.Consumer, error) {
	if err := ValidLenderID(lenderID); err != nil {
		return nil, err
	}
	c, err := js.CreateOrUpdateConsumer(ctx, natsx.EventsStream, jetstream.ConsumerConfig{
		Durable:         ConsumerName(lenderID),
		Description:     "Cadena events for lender " + lenderID,
		FilterSubject:   LenderFilter(lenderID),
		AckPolicy:       jetstream.AckExplicitPolicy,
		DeliverPolicy:   jetstream.DeliverAllPolicy,
		MaxAckPending:   lenderMaxAckPending,
		MaxRequestBatch: lenderMaxRequestBatch,
	})
	if err != nil {
		return nil, fmt.Errorf("lender consumer %s: %w", ConsumerName(lenderID), err)
	}
	return c, nil
}
