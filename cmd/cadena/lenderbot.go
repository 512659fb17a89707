package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/platform/natsauth"
	"github.com/cadena-finance/cadena/internal/platform/natsx"
)

// runLenderBot is the reference integration for banks: it connects with a
// lender's NATS credentials, pulls the lender's durable consumer, bids on
// every auction it is told of at a configured spread (by NATS request/reply),
// and reports what it won, lost and financed. Read it as the template of a
// bank's own service: the three settings (credentials, inbox prefix,
// JetStream API prefix), explicit acks after the effect, and idempotency by
// event id.
func runLenderBot(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("lender-bot", flag.ContinueOnError)
	fs.SetOutput(stderr)
	url := fs.String("nats", "nats://127.0.0.1:4222", "NATS server URL")
	credsFile := fs.String("creds", "", "the lender's .creds file (POST /v1/parties/{id}/nats-credentials or cadena nats-config --lender)")
	spread := fs.Int("spread-bps", 300, "spread to bid, in basis points")
	maxFace := fs.String("max-face", "", "skip auctions whose face is above this amount")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: cadena lender-bot --nats URL --creds FILE --spread-bps N [--max-face AMOUNT]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *credsFile == "" {
		return errors.New("lender-bot: --creds is required")
	}
	raw, err := os.ReadFile(*credsFile)
	if err != nil {
		return err
	}
	id, err := lenderOfCreds(raw)
	if err != nil {
		return err
	}
	var limit *decimal.Decimal
	if *maxFace != "" {
		d, err := decimal.NewFromString(*maxFace)
		if err != nil {
			return fmt.Errorf("lender-bot: --max-face: %w", err)
		}
		limit = &d
	}
	// The inbox prefix is required: the server refuses any other reply subject.
	nc, err := nats.Connect(*url, nats.UserCredentials(*credsFile), nats.CustomInboxPrefix(natsauth.InboxPrefix(id)),
		nats.Name("cadena-lender-bot "+id), nats.MaxReconnects(-1))
	if err != nil {
		return fmt.Errorf("lender-bot: connect: %w", err)
	}
	defer nc.Close()
	js, err := jetstream.NewWithAPIPrefix(nc, natsauth.LenderAPIPrefix)
	if err != nil {
		return err
	}
	cons, err := js.Consumer(ctx, natsx.EventsStream, natsauth.ConsumerName(id))
	if err != nil {
		return fmt.Errorf("lender-bot: consumer %s (ask the operator to issue credentials, which creates it): %w", natsauth.ConsumerName(id), err)
	}
	b := &bot{nc: nc, id: id, spread: *spread, maxFace: limit, out: stdout, seen: map[string]bool{}}
	b.logf("connected lender=%s consumer=%s spread_bps=%d", id, natsauth.ConsumerName(id), *spread)
	cc, err := cons.Consume(b.handle, jetstream.PullExpiry(30*time.Second))
	if err != nil {
		return err
	}
	<-ctx.Done()
	cc.Stop()
	return nil
}

// lenderOfCreds reads the lender id from the credentials' user JWT (its
// name is "lender <id>"), so the bot needs no other configuration.
func lenderOfCreds(raw []byte) (string, error) {
	tok, err := jwt.ParseDecoratedJWT(raw)
	if err != nil {
		return "", fmt.Errorf("lender-bot: credentials: %w", err)
	}
	uc, err := jwt.DecodeUserClaims(tok)
	if err != nil {
		return "", fmt.Errorf("lender-bot: credentials: %w", err)
	}
	id, ok := strings.CutPrefix(uc.Name, "lender ")
	if !ok || natsauth.ValidLenderID(id) != nil {
		return "", errors.New("lender-bot: these are not lender credentials")
	}
	return id, nil
}

type bot struct {
	nc      *nats.Conn
	id      string
	spread  int
	maxFace *decimal.Decimal
	mu      sync.Mutex
	out     io.Writer
	// seen guards against redelivery. A bank keeps it in its database, in
	// the same transaction as the effect; the bot's effects (a bid, a log
	// line) are themselves harmless to repeat.
	seen map[string]bool
}

func (b *bot) logf(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	fmt.Fprintf(b.out, time.Now().UTC().Format(time.RFC3339)+" "+format+"\n", args...)
}

type envelope struct {
	ID   string          `json:"id"`
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

func (b *bot) handle(m jetstream.Msg) {
	// Messages from the durable consumer always carry the event id.
	if m.Headers().Get(jetstream.MsgIDHeader) == "" {
		_ = m.Term()
		return
	}
	var e envelope
	if err := json.Unmarshal(m.Data(), &e); err != nil {
		b.logf("drop malformed subject=%s", m.Subject())
		_ = m.Term()
		return
	}
	b.mu.Lock()
	dup := b.seen[e.ID]
	b.seen[e.ID] = true
	b.mu.Unlock()
	if !dup {
		b.apply(e)
	}
	_ = m.Ack()
}

func (b *bot) apply(e envelope) {
	var d struct {
		AuctionID    string            `json:"auction_id"`
		OfferID      string            `json:"offer_id"`
		Face         string            `json:"face"`
		Net          string            `json:"net"`
		ValueDate    string            `json:"value_date"`
		MaxSpreadBps int               `json:"max_spread_bps"`
		SpreadBps    int               `json:"spread_bps"`
		Revision     int               `json:"revision"`
		Winning      *int              `json:"winning_spread_bps"`
		Outcome      string            `json:"outcome"`
		Financings   []json.RawMessage `json:"financings"`
	}
	_ = json.Unmarshal(e.Data, &d)
	switch e.Type {
	case "cadena.auction.opened":
		b.bid(d.AuctionID, d.Face, d.MaxSpreadBps)
	case "cadena.auction.bid_placed":
		b.logf("bid accepted auction=%s spread_bps=%d revision=%d", d.AuctionID, d.SpreadBps, d.Revision)
	case "cadena.auction.won":
		spread := 0
		if d.Winning != nil {
			spread = *d.Winning
		}
		b.logf("won auction=%s offer=%s spread_bps=%d", d.AuctionID, d.OfferID, spread)
	case "cadena.auction.lost":
		b.logf("lost auction=%s outcome=%s", d.AuctionID, d.Outcome)
	case "cadena.financing.accepted":
		b.logf("financing.accepted offer=%s face=%s net=%s value_date=%s invoices=%d", d.OfferID, d.Face, d.Net, d.ValueDate, len(d.Financings))
	default:
		b.logf("event %s", e.Type)
	}
}

func (b *bot) bid(auction, face string, maxSpread int) {
	if f, err := decimal.NewFromString(face); b.maxFace != nil && (err != nil || f.GreaterThan(*b.maxFace)) {
		b.logf("skip auction=%s face=%s above max-face", auction, face)
		return
	}
	if b.spread > maxSpread {
		b.logf("skip auction=%s spread above the cap %d", auction, maxSpread)
		return
	}
	req, _ := json.Marshal(map[string]any{"auction_id": auction, "spread_bps": b.spread})
	msg, err := b.nc.Request(natsauth.BidSubject(b.id), req, 5*time.Second)
	if err != nil {
		b.logf("bid failed auction=%s err=%v", auction, err)
		return
	}
	var r struct {
		Accepted bool   `json:"accepted"`
		Code     string `json:"code"`
		Message  string `json:"message"`
	}
	_ = json.Unmarshal(msg.Data, &r)
	if r.Accepted {
		b.logf("bid auction=%s spread_bps=%d face=%s", auction, b.spread, face)
	} else {
		b.logf("bid refused auction=%s code=%s message=%q", auction, r.Code, r.Message)
	}
}
