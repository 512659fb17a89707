package server

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/cadena-finance/cadena/internal/api"
	"github.com/cadena-finance/cadena/internal/app/administration"
	"github.com/cadena-finance/cadena/internal/app/notifying"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/platform/natsauth"
	"github.com/cadena-finance/cadena/internal/platform/natsx"
)

// lenderNATS gives the application lenders' consumers and credentials.
type lenderNATS struct{ s *Server }

func (l lenderNATS) EnsureLender(ctx context.Context, lenderID string) error {
	_, err := natsauth.EnsureLenderConsumer(ctx, l.s.JS, lenderID)
	return err
}

func (l lenderNATS) LenderConnection(_ context.Context, lenderID string, ttl time.Duration) (administration.LenderConnection, error) {
	creds, err := l.s.NATSKeys.LenderCreds(lenderID, ttl)
	if err != nil {
		return administration.LenderConnection{}, err
	}
	return administration.LenderConnection{Creds: creds, URL: l.s.NATSURL, InboxPrefix: natsauth.InboxPrefix(lenderID),
		APIPrefix: natsauth.LenderAPIPrefix, Stream: natsx.EventsStream, Consumer: natsauth.ConsumerName(lenderID),
		ExpiresAt: time.Now().Add(ttl)}, nil
}

// startOffers runs the auction scheduler, the NATS bid service and the
// notifier consumer until ctx ends.
func (s *Server) startOffers(ctx context.Context) error {
	s.App.Administration.LenderNATS = lenderNATS{s}
	sub, err := s.NATS.QueueSubscribe(natsauth.BidSubjects, "cadena-bids", s.answerBid)
	if err != nil {
		return err
	}
	cons, err := s.JS.CreateOrUpdateConsumer(ctx, natsx.EventsStream, jetstream.ConsumerConfig{
		Durable: notifying.NotifierConsumer, Description: "parties' notices from financing and auction events",
		FilterSubjects: notifying.NotifierSubjects, AckPolicy: jetstream.AckExplicitPolicy, AckWait: 30 * time.Second,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	})
	if err != nil {
		return err
	}
	nctx := event.WithActor(ctx, event.Actor{Subject: "system:notifier"})
	delivered := make(chan jetstream.Msg, notifyBatch)
	cc, err := cons.Consume(func(m jetstream.Msg) {
		select {
		case delivered <- m:
		case <-ctx.Done(): // unacked: redelivered after a restart
		}
	}, jetstream.PullExpiry(30*time.Second))
	if err != nil {
		return err
	}
	s.workers.Add(1)
	go func() { defer s.workers.Done(); s.notify(nctx, delivered) }()
	s.workers.Add(1)
	go func() {
		defer s.workers.Done()
		s.closeAuctions(ctx)
		_ = sub.Drain()
		cc.Stop()
	}()
	return nil
}

// closeAuctions closes due auctions and expires lapsed offers every second. Replicas share the work
// through SKIP LOCKED, and the state is all in PostgreSQL, so a restart
// mid-window changes nothing: the next pass after closes_at closes it once.
func (s *Server) closeAuctions(ctx context.Context) {
	ctx = event.WithActor(ctx, event.Actor{Subject: "system:auction-scheduler"})
	for {
		n, err := s.App.Auctions.CloseDueAuctions(ctx, 100)
		if err != nil && ctx.Err() == nil {
			s.Log.Error("auction scheduler", "err", err)
		}
		if _, err := s.App.Auctions.ExpireOffers(ctx, 1000); err != nil && ctx.Err() == nil {
			s.Log.Error("offer expiry", "err", err)
		}
		if n == 100 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// answerBid places a bid for the lender named by the subject, never the
// payload: the server lets a lender publish only on its own bid subject.
// api.AnswerBid decodes and answers it as the HTTP route would; every
// refusal carries a code of the one catalog (internal/errcatalog).
func (s *Server) answerBid(m *nats.Msg) {
	var r api.BidReply
	id, ok := natsauth.LenderOfBid(m.Subject)
	lender, err := uuid.Parse(id)
	if !ok || err != nil {
		r, _ = api.RefuseBid(offer.ErrBidNotEnrolled) // a subject that names no lender
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		// The audit log records the bidder, authenticated by the subject.
		ctx = event.WithActor(ctx, event.Actor{Subject: "nats:" + m.Subject, PartyID: id, Role: "lender"})
		if r, err = api.AnswerBid(ctx, s.App, lender, m.Data); err != nil {
			s.Log.Error("nats bid", "lender", id, "err", err)
		}
	}
	if m.Reply != "" {
		b, _ := json.Marshal(r)
		_ = m.Respond(b)
	}
}

// notifyBatch is the most events the notifier applies in one transaction.
const notifyBatch = 256

// notify applies delivered events to the notices in batches: whatever has
// arrived, up to notifyBatch, in one transaction, then acks them. A failed
// batch is retried event by event, so one bad event is naked alone (and a
// malformed one terminated) while the others go through; the consumer inbox
// makes every redelivery harmless.
func (s *Server) notify(ctx context.Context, delivered <-chan jetstream.Msg) {
	for {
		var batch []jetstream.Msg
		select {
		case <-ctx.Done():
			return
		case m := <-delivered:
			batch = append(batch, m)
		}
	more:
		for len(batch) < notifyBatch {
			select {
			case m := <-delivered:
				batch = append(batch, m)
			default:
				break more
			}
		}
		envs := make([]event.Envelope, 0, len(batch))
		msgs := batch[:0:0]
		for _, m := range batch {
			var env event.Envelope
			if err := json.Unmarshal(m.Data(), &env); err != nil {
				s.Log.Error("notifier: malformed event", "subject", m.Subject(), "err", err)
				_ = m.Term()
				continue
			}
			envs, msgs = append(envs, env), append(msgs, m)
		}
		if len(envs) == 0 {
			continue // all malformed, and terminated above
		}
		if _, err := s.App.Notifying.HandleNotifierEvents(ctx, envs); err == nil {
			for _, m := range msgs {
				_ = m.Ack()
			}
			continue
		}
		for i, m := range msgs {
			if _, err := s.App.Notifying.HandleNotifierEvent(ctx, envs[i]); err != nil {
				if !errors.Is(err, context.Canceled) {
					s.Log.Error("notifier", "event", envs[i].ID, "err", err)
				}
				_ = m.NakWithDelay(time.Second)
				continue
			}
			_ = m.Ack()
		}
	}
}
