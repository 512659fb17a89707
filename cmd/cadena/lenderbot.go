package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/jwt/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/platform/config"
	"github.com/cadena-finance/cadena/internal/platform/natsauth"
	"github.com/cadena-finance/cadena/internal/platform/natsx"
)

// runLenderBot is the reference integration for banks: it connects with a
// lender's NATS credentials, pulls the lender's durable consumer, bids on
// every auction it is told of at a configured spread, flat or by tenor (by
// NATS request/reply), and reports what it won, lost and financed. Read it
// as the template of a bank's own service: the three settings (credentials,
// inbox prefix, JetStream API prefix), explicit acks after the effect, and
// idempotency by event id that survives a restart.
func runLenderBot(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	b, err := newLenderBot(args, stdout, stderr)
	if err != nil {
		return err
	}
	return b.run(ctx)
}

func newLenderBot(args []string, stdout, stderr io.Writer) (*bot, error) {
	fs := newFlags("lender-bot", stdout)
	url := fs.String("nats", config.DefaultNATSURL(), "NATS server URL (the embedded server's default address)")
	credsFile := fs.String("creds", "", "the lender's .creds file (POST /v1/parties/{id}/nats-credentials or cadena nats-config --lender)")
	statePath := fs.String("state", "", "file of the event ids already processed (required; keep it on persistent storage, one bot per file)")
	spread := fs.Int("spread-bps", 300, "flat spread to bid, in basis points")
	spreads := fs.String("spreads", "", "spreads by tenor instead, max-days:bps pairs, e.g. 30:320,60:300,90:290,180:280 (tenors from the event's invoices)")
	api := fs.String("api", "", "optional with --spreads: Cadena HTTP API base URL, to read the due dates of an auction whose event carries no invoices (older events)")
	clientID := fs.String("client-id", "", "the lender's API client id for --api; the secret comes from $CADENA_CLIENT_SECRET")
	maxFace := fs.String("max-face", "", "skip auctions whose face is above this amount")
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("lender-bot: unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *credsFile == "" {
		return nil, errors.New("lender-bot: --creds is required")
	}
	// No default: a file in the working directory would vanish with a
	// container, and with it the guard against bidding twice.
	if *statePath == "" {
		return nil, errors.New("lender-bot: --state is required (a file on persistent storage, e.g. /var/lib/cadena/lender-bot.state)")
	}
	b := &bot{out: stdout, flat: *spread, ack: jetstream.Msg.Ack}
	switch {
	case *spread < 0:
		return nil, fmt.Errorf("lender-bot: --spread-bps %d: a spread cannot be negative", *spread)
	case *spreads != "" && set["spread-bps"]:
		return nil, errors.New("lender-bot: give --spread-bps (one spread) or --spreads (by tenor), not both")
	case *spreads != "":
		buckets, err := parseSpreads(*spreads)
		if err != nil {
			return nil, err
		}
		b.buckets = offer.Standing{Buckets: buckets}
		// The event carries each invoice's days; HTTP only serves older events without them.
		if set["api"] || set["client-id"] {
			secret := os.Getenv("CADENA_CLIENT_SECRET")
			if *api == "" || *clientID == "" || secret == "" {
				return nil, errors.New("lender-bot: --api needs --client-id and $CADENA_CLIENT_SECRET (and --client-id needs --api)")
			}
			b.tenors = &tenorSource{api: *api, clientID: *clientID, secret: secret, hc: &http.Client{Timeout: 10 * time.Second}}
		}
	case set["api"] || set["client-id"]:
		return nil, errors.New("lender-bot: --api and --client-id are used only with --spreads")
	}
	if *maxFace != "" {
		d, err := decimal.NewFromString(*maxFace)
		if err != nil {
			return nil, fmt.Errorf("lender-bot: --max-face: %w", err)
		}
		b.maxFace = &d
	}
	raw, err := os.ReadFile(*credsFile)
	if err != nil {
		return nil, err
	}
	if b.id, err = lenderOfCreds(raw); err != nil {
		return nil, err
	}
	b.natsURL, b.credsFile, b.statePath = *url, *credsFile, *statePath
	return b, nil
}

// run consumes until ctx ends or the state file cannot be written.
func (b *bot) run(ctx context.Context) error {
	state, err := openState(b.statePath, time.Now())
	if err != nil {
		return err
	}
	defer func() { _ = state.close() }() // each line was synced as it was recorded
	if state.dropped > 0 {
		b.logf("state: dropped a cut-short last line of %s (a crash mid-write; its event was not acked)", b.statePath)
	}
	b.state = state
	// The inbox prefix is required: the server refuses any other reply subject.
	nc, err := nats.Connect(b.natsURL, nats.UserCredentials(b.credsFile), nats.CustomInboxPrefix(natsauth.InboxPrefix(b.id)),
		nats.Name("cadena-lender-bot "+b.id), nats.MaxReconnects(-1))
	if err != nil {
		return fmt.Errorf("lender-bot: connect: %w", err)
	}
	defer nc.Close()
	b.nc = nc
	js, err := jetstream.NewWithAPIPrefix(nc, natsauth.LenderAPIPrefix)
	if err != nil {
		return err
	}
	cons, err := js.Consumer(ctx, natsx.EventsStream, natsauth.ConsumerName(b.id))
	if err != nil {
		return fmt.Errorf("lender-bot: consumer %s (ask the operator to issue credentials, which creates it): %w", natsauth.ConsumerName(b.id), err)
	}
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	b.ctx, b.stop = ctx, stop
	pricing := fmt.Sprintf("spread_bps=%d", b.flat)
	if b.byTenor() {
		pricing = "spreads=" + formatBuckets(b.buckets.Buckets)
	}
	b.logf("connected lender=%s consumer=%s %s state=%s ids=%d", b.id, natsauth.ConsumerName(b.id), pricing, b.statePath, len(state.at))
	cc, err := cons.Consume(b.handle, jetstream.PullExpiry(30*time.Second))
	if err != nil {
		return err
	}
	<-ctx.Done()
	cc.Stop()
	if err := context.Cause(ctx); !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

func formatBuckets(bs []offer.Bucket) string {
	parts := make([]string, len(bs))
	for i, x := range bs {
		parts[i] = fmt.Sprintf("%d:%d", x.MaxDays, x.SpreadBps)
	}
	return strings.Join(parts, ",")
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
	id                            string
	natsURL, credsFile, statePath string
	flat                          int            // the spread without --spreads
	buckets                       offer.Standing // only its Buckets: the spreads by tenor
	tenors                        *tenorSource   // with --spreads and --api, for events without invoices
	maxFace                       *decimal.Decimal

	nc    *nats.Conn
	ctx   context.Context
	stop  context.CancelCauseFunc
	state *botState
	// ack acks a handled message; tests replace it to crash before the ack.
	ack func(jetstream.Msg) error

	mu  sync.Mutex
	out io.Writer
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

// handle applies an event once: its id is recorded durably after the effect
// and before the ack, so a redelivery (a lost ack, a crash, a restart) finds
// it and is only acked. A crash between the bid and the record bids again on
// redelivery, which the platform refuses as no improvement.
func (b *bot) handle(m jetstream.Msg) {
	// Messages from the durable consumer always carry the event id.
	if m.Headers().Get(jetstream.MsgIDHeader) == "" {
		_ = m.Term()
		return
	}
	var e envelope
	if err := json.Unmarshal(m.Data(), &e); err != nil || e.ID == "" {
		b.logf("drop malformed subject=%s", m.Subject())
		_ = m.Term()
		return
	}
	if b.state.seen(e.ID) {
		b.logf("redelivered event=%s type=%s already processed; acked", e.ID, e.Type)
		_ = b.ack(m)
		return
	}
	if err := b.apply(e); err != nil {
		b.logf("retry event=%s type=%s err=%v", e.ID, e.Type, err)
		_ = m.NakWithDelay(5 * time.Second)
		return
	}
	if err := b.state.record(e.ID, time.Now()); err != nil {
		// Acking unrecorded would lose the guard; stop instead, unacked.
		b.stop(err)
		return
	}
	_ = b.ack(m)
}

// byTenor is whether the bot bids by tenor (--spreads).
func (b *bot) byTenor() bool { return len(b.buckets.Buckets) > 0 }

type openedData struct {
	AuctionID    string          `json:"auction_id"`
	Face         string          `json:"face"`
	ValueDate    string          `json:"value_date"`
	MaxSpreadBps int             `json:"max_spread_bps"`
	Invoices     []openedInvoice `json:"invoices"` // absent from older events
}

type openedInvoice struct {
	InvoiceID string `json:"invoice_id"`
	Payable   string `json:"payable"`
	Days      int    `json:"days"`
}

// apply acts on one event; an error asks for a redelivery.
func (b *bot) apply(e envelope) error {
	var d struct {
		openedData
		OfferID    string            `json:"offer_id"`
		Net        string            `json:"net"`
		SpreadBps  int               `json:"spread_bps"`
		Revision   int               `json:"revision"`
		Winning    *int              `json:"winning_spread_bps"`
		Outcome    string            `json:"outcome"`
		Financings []json.RawMessage `json:"financings"`
	}
	_ = json.Unmarshal(e.Data, &d)
	switch e.Type {
	case "cadena.auction.opened":
		return b.bid(d.openedData)
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
	return nil
}

// spreadFor is the spread to bid on an auction, with what it was chosen by,
// or an error saying why not to bid.
func (b *bot) spreadFor(d openedData) (int, string, error) {
	if !b.byTenor() {
		return b.flat, "", nil
	}
	var invs []basketInvoice
	from := "event"
	switch {
	case len(d.Invoices) > 0:
		var err error
		if invs, err = eventBasket(d.Invoices); err != nil {
			return 0, "", err
		}
	case b.tenors == nil:
		return 0, "", errors.New("the event carries no invoices (an older event) and without --api the bot cannot read them")
	default:
		value, err := time.Parse(time.DateOnly, d.ValueDate)
		if err != nil {
			return 0, "", fmt.Errorf("value_date %q: %w", d.ValueDate, err)
		}
		if invs, err = b.tenors.basket(b.ctx, d.AuctionID, value); err != nil {
			return 0, "", err
		}
		from = "api"
	}
	avg, longest := basketTenor(invs)
	why := fmt.Sprintf(" tenor_days=%d longest_days=%d days_from=%s", avg, longest, from)
	if _, ok := b.buckets.SpreadFor(longest); !ok {
		return 0, why, fmt.Errorf("no tenor bucket covers %d days", longest)
	}
	spread, _ := b.buckets.SpreadFor(avg)
	return spread, why, nil
}

func (b *bot) bid(d openedData) error {
	if f, err := decimal.NewFromString(d.Face); b.maxFace != nil && (err != nil || f.GreaterThan(*b.maxFace)) {
		b.logf("skip auction=%s face=%s above max-face", d.AuctionID, d.Face)
		return nil
	}
	spread, why, err := b.spreadFor(d)
	if errors.Is(err, errRetry) {
		return err
	}
	if err != nil {
		b.logf("skip auction=%s%s: %v", d.AuctionID, why, err)
		return nil
	}
	if spread > d.MaxSpreadBps {
		b.logf("skip auction=%s spread_bps=%d%s above the cap %d", d.AuctionID, spread, why, d.MaxSpreadBps)
		return nil
	}
	req, _ := json.Marshal(map[string]any{"auction_id": d.AuctionID, "spread_bps": spread})
	// Longer than the platform's own 10 s for a bid: a bot that gave up
	// first would retry a bid that landed, and see it refused.
	msg, err := b.nc.Request(natsauth.BidSubject(b.id), req, 15*time.Second)
	if err != nil {
		// The bid may have landed; a repeat at the same spread is refused.
		return fmt.Errorf("%w: bid auction=%s: %v", errRetry, d.AuctionID, err)
	}
	var r struct {
		Accepted bool   `json:"accepted"`
		Code     string `json:"code"`
		Message  string `json:"message"`
	}
	_ = json.Unmarshal(msg.Data, &r)
	if r.Accepted {
		b.logf("bid auction=%s spread_bps=%d%s face=%s", d.AuctionID, spread, why, d.Face)
	} else {
		b.logf("bid refused auction=%s spread_bps=%d code=%s message=%q", d.AuctionID, spread, r.Code, r.Message)
	}
	return nil
}
