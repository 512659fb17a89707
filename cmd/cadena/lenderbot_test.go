package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/cadena-finance/cadena/internal/app"
	seed "github.com/cadena-finance/cadena/internal/app/demo"
	"github.com/cadena-finance/cadena/internal/app/invoicing"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/platform/config"
	"github.com/cadena-finance/cadena/internal/platform/natsauth"
	"github.com/cadena-finance/cadena/internal/platform/natsx"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
	"github.com/cadena-finance/cadena/internal/platform/waittest"
	"github.com/cadena-finance/cadena/internal/server"
)

// syncBuffer is a bot's standard output, read while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// startServer runs a whole process (embedded NATS, relay, scheduler, bid
// service, HTTP) on a fresh database.
func startServer(t *testing.T) (*server.Server, string) {
	t.Helper()
	t.Setenv("DATABASE_URL", pgtest.NewDatabase(t))
	t.Setenv("CADENA_DATA_DIR", t.TempDir())
	t.Setenv("CADENA_NATS_PORT", "0") // any free port, chosen by the listener
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, err := server.Open(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
	if err := s.StartNATS(ctx); err != nil {
		t.Fatal(err)
	}
	// Commands the test runs (nats-config) reach the embedded server by port.
	if u, err := url.Parse(s.NATSURL); err == nil {
		t.Setenv("CADENA_NATS_PORT", u.Port())
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Serve(ln); err != nil {
		t.Fatal(err)
	}
	return s, "http://" + s.Addr.String()
}

// post sends body as JSON with a fresh Idempotency-Key.
func post(t *testing.T, base, path, tok string, body any) (int, []byte) {
	t.Helper()
	raw, _ := json.Marshal(body)
	return send(t, "POST", base+path, tok, "application/json", raw)
}

// startDemo is startServer with the demo loaded and fresh reference rates.
func startDemo(t *testing.T) (*server.Server, string, seed.Demo) {
	t.Helper()
	s, base := startServer(t)
	demo, _, err := seed.Seed(context.Background(), s.App)
	if err != nil {
		t.Fatal(err)
	}
	fixRates(t, s, demo)
	return s, base, demo
}

// fixRates publishes the reference rate for the last five days, so one is
// fresh for the value date.
func fixRates(t *testing.T, s *server.Server, demo seed.Demo) {
	t.Helper()
	op := app.Actor{Subject: "test", PartyID: demo.Operator.Party.ID, Role: auth.RoleOperator}
	today := time.Now().In(demo.Program.Location())
	for d := 0; d < 5; d++ {
		if _, _, err := s.App.Quoting.PutReferenceRate(context.Background(), op, demo.Program.ReferenceIndex, today.AddDate(0, 0, -d).Format(time.DateOnly), "7.12"); err != nil {
			t.Fatal(err)
		}
	}
}

// publishInvoice publishes one invoice of the first supplier, due in dueDays.
func publishInvoice(t *testing.T, s *server.Server, demo seed.Demo, doc string, dueDays int, amount string) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	today := time.Now().In(demo.Program.Location())
	b, err := s.App.Invoicing.PublishBatch(ctx, app.Actor{Subject: "test", PartyID: demo.Buyer.Party.ID, Role: auth.RoleBuyer},
		invoicing.BatchInput{ProgramID: demo.Program.ID, Atomic: true, Format: "json", Drafts: []invoice.Draft{
			{Supplier: demo.Suppliers[0].Party.ID.String(), DocumentNumber: doc, EInvoiceID: strings.ToUpper(uuid.NewString()), IssueDate: today.AddDate(0, 0, -3).Format(time.DateOnly),
				DueDate: today.AddDate(0, 0, dueDays).Format(time.DateOnly), Amount: amount}}})
	if err != nil || b.Published != 1 {
		t.Fatalf("publish %+v %v", b, err)
	}
	var id uuid.UUID
	if err := s.Pool.QueryRow(ctx, "SELECT id FROM invoices WHERE batch_id = $1", b.ID).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// issueCredsFile asks for a lender's NATS credentials over HTTP, as a bank
// does, and writes them to a file.
func issueCredsFile(t *testing.T, s *server.Server, base string, lender uuid.UUID) (file, natsURL string) {
	t.Helper()
	tok, _ := s.App.Access.MintToken(context.Background(), "test", lender, auth.RoleLender)
	status, body := post(t, base, "/v1/parties/"+lender.String()+"/nats-credentials", tok.AccessToken, nil)
	if status != 201 {
		t.Fatalf("credentials: %d %s", status, body)
	}
	var c struct{ Creds, URL string }
	_ = json.Unmarshal(body, &c)
	file = filepath.Join(t.TempDir(), "lender.creds")
	if err := os.WriteFile(file, []byte(c.Creds), 0o600); err != nil {
		t.Fatal(err)
	}
	return file, c.URL
}

// startBot runs a bot until the test ends; stop it earlier with the returned
// function, which waits for it to return.
func startBot(t *testing.T, b *bot) (out *syncBuffer, stop func()) {
	t.Helper()
	out = &syncBuffer{}
	b.out = out
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := b.run(ctx); err != nil {
			t.Error(err)
		}
	}()
	stop = func() { cancel(); <-done }
	t.Cleanup(stop)
	waittest.Until(t, "bot connected", func() bool { return strings.Contains(out.String(), "connected") })
	return out, stop
}

func newBot(t *testing.T, args ...string) *bot {
	t.Helper()
	b, err := newLenderBot(args, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A full cycle with no human on the lender side: two bots with different
// spreads bid on an auction over NATS, the cheaper wins, both learn the
// outcome, the supplier accepts the offer over HTTP, and the winner
// receives cadena.financing.accepted.
func TestLenderBotsFullCycle(t *testing.T) {
	s, base, demo := startDemo(t)
	ctx := context.Background()
	supplier := demo.Suppliers[0].Party
	invoiceID := publishInvoice(t, s, demo, "BOT-1", 60, "250000.00")

	// Each bank gets its credentials over HTTP and runs a bot.
	outs := make([]*syncBuffer, 2)
	stops := make([]func(), 2)
	for i, spread := range []int{280, 310} {
		creds, url := issueCredsFile(t, s, base, demo.Lenders[i].Party.ID)
		outs[i], stops[i] = startBot(t, newBot(t, "--nats", url, "--creds", creds, "--state", filepath.Join(t.TempDir(), "bot.state"), "--spread-bps", strconv.Itoa(spread)))
	}

	supTok, _ := s.App.Access.MintToken(ctx, "test", supplier.ID, auth.RoleSupplier)
	status, body := post(t, base, "/v1/early-payment-requests", supTok.AccessToken, map[string]any{"invoice_ids": []uuid.UUID{invoiceID}})
	if status != 201 {
		t.Fatalf("auction: %d %s", status, body)
	}
	var au struct{ ID string }
	_ = json.Unmarshal(body, &au)
	waittest.Until(t, "two bids", func() bool {
		var n int
		_ = s.Pool.QueryRow(ctx, "SELECT count(*) FROM bids WHERE auction_id = $1", au.ID).Scan(&n)
		return n == 2
	})
	// End the window now rather than wait for it; the scheduler closes it.
	if _, err := s.Pool.Exec(ctx, "UPDATE auctions SET closes_at = now() WHERE id = $1", au.ID); err != nil {
		t.Fatal(err)
	}
	waittest.Until(t, "outcomes", func() bool {
		return strings.Contains(outs[0].String(), "won auction="+au.ID) && strings.Contains(outs[1].String(), "lost auction="+au.ID)
	})
	var offerID string
	_ = s.Pool.QueryRow(ctx, "SELECT winning_offer::text FROM auctions WHERE id = $1", au.ID).Scan(&offerID)
	if status, body := post(t, base, "/v1/offers/"+offerID+"/accept", supTok.AccessToken, nil); status != 201 {
		t.Fatalf("accept: %d %s", status, body)
	}
	waittest.Until(t, "the winner learns of the financing", func() bool {
		return strings.Contains(outs[0].String(), "financing.accepted offer="+offerID)
	})
	if strings.Contains(outs[1].String(), "financing.accepted") {
		t.Fatal("the losing lender received the financing")
	}
	var notices int
	waittest.Until(t, "the notifier's notices", func() bool {
		_ = s.Pool.QueryRow(ctx, "SELECT count(*) FROM notifications").Scan(&notices)
		return notices == 3 // supplier: auction awarded; supplier and buyer: financing accepted
	})
	stops[0]()
	stops[1]()
	t.Log(outs[0].String(), outs[1].String())
}

// Lender A's credentials cannot read lender B's subjects or bid as B: the
// server refuses, and a bid reaches the platform only on A's own subject.
func TestLenderNATSPermissions(t *testing.T) {
	s, _ := startServer(t)
	ctx := context.Background()
	demo, _, err := seed.Seed(ctx, s.App)
	if err != nil {
		t.Fatal(err)
	}
	a, bID := demo.Lenders[0].Party.ID.String(), demo.Lenders[1].Party.ID.String()
	lc, err := s.App.Administration.IssueNATSCredentials(ctx, app.Actor{Subject: "t", PartyID: demo.Lenders[0].Party.ID, Role: auth.RoleLender}, demo.Lenders[0].Party.ID)
	if err != nil {
		t.Fatal(err)
	}
	opt, _ := natsauth.ConnectOption(lc.Creds)
	errs := make(chan error, 8)
	nc, err := nats.Connect(lc.URL, opt, nats.CustomInboxPrefix(lc.InboxPrefix), nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.SubscribeSync(natsauth.LenderFilter(bID)); err != nil {
		t.Fatal(err)
	}
	if err := waittest.Receive(t, "the refusal of lender A's subscription to lender B's subjects", errs); !strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
		t.Fatalf("subscribe to B: %v", err)
	}
	if err := nc.Publish(natsauth.BidSubject(bID), []byte(`{"auction_id":"x","spread_bps":1}`)); err != nil {
		t.Fatal(err)
	}
	if err := waittest.Receive(t, "the refusal of lender A's bid as lender B", errs); !strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
		t.Fatalf("bid as B: %v", err)
	}
	// Its own bid subject works and is answered with a stable code.
	msg, err := nc.Request(natsauth.BidSubject(a), []byte(fmt.Sprintf(`{"auction_id":%q,"spread_bps":100}`, uuid.NewString())), waittest.Deadline)
	if err != nil || !strings.Contains(string(msg.Data), `"code":"auction.not_found"`) {
		t.Fatalf("own bid: %v %s", err, msg.Data)
	}
}

// An auction opened before a restart closes once after it, by the new process.
func TestAuctionCloseSurvivesRestart(t *testing.T) {
	s1, _, demo := startDemo(t)
	ctx := context.Background()
	supplier := demo.Suppliers[0].Party
	invoiceID := publishInvoice(t, s1, demo, "RST-1", 60, "80000.00")
	au, err := s1.App.Auctions.OpenAuction(ctx, app.Actor{Subject: "test", PartyID: supplier.ID, Role: auth.RoleSupplier}, []uuid.UUID{invoiceID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s1.App.Auctions.PlaceBid(ctx, demo.Lenders[0].Party.ID, au.ID, 290); err != nil {
		t.Fatal(err)
	}
	// Mid-window: the process stops, and a new one starts on the same database.
	if err := s1.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	s2, err := server.Open(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Shutdown(context.Background()) //nolint:errcheck
	if err := s2.StartNATS(ctx); err != nil {
		t.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	if err := s2.Serve(ln); err != nil {
		t.Fatal(err)
	}
	var status string
	_ = s2.Pool.QueryRow(ctx, "SELECT status FROM auctions WHERE id = $1", au.ID).Scan(&status)
	if status != "open" {
		t.Fatalf("closed before its window ended: %s", status)
	}
	if _, err := s2.Pool.Exec(ctx, "UPDATE auctions SET closes_at = now() WHERE id = $1", au.ID); err != nil {
		t.Fatal(err)
	}
	waittest.Until(t, "the close", func() bool {
		_ = s2.Pool.QueryRow(ctx, "SELECT status FROM auctions WHERE id = $1", au.ID).Scan(&status)
		return status == "closed"
	})
	// Two more scheduler passes, run here rather than waited for: neither
	// finds the auction due again.
	for pass := 0; pass < 2; pass++ {
		if n, err := s2.App.Auctions.CloseDueAuctions(ctx, 100); err != nil || n != 0 {
			t.Fatalf("pass %d after the close closed %d (%v)", pass, n, err)
		}
	}
	// The relay deletes an outbox row once it is published and audited, so
	// the closes are counted where they last: the audit log, plus the rows
	// the audit feed has not reached yet (one statement, one snapshot).
	var closes, offers int
	waittest.Until(t, "the close in the audit log", func() bool {
		_ = s2.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM audit_log WHERE action = 'auction.closed' AND object_id = $1)
			+ (SELECT count(*) FROM outbox WHERE audited_at IS NULL AND subject = 'cadena.auction.closed' AND payload->'data'->>'auction_id' = $1)`,
			au.ID.String()).Scan(&closes)
		return closes > 0
	})
	_ = s2.Pool.QueryRow(ctx, "SELECT count(*) FROM offers WHERE auction_id = $1", au.ID).Scan(&offers)
	if closes != 1 || offers != 1 {
		t.Fatalf("%d closes, %d offers", closes, offers)
	}
}

// A bot that crashes after bidding on an auction and recording the event,
// but before acking it, is restarted on the same state file: JetStream
// redelivers the event and the new bot acks it without bidding again. The
// cut-short line a crash mid-append leaves at the end is dropped on the way.
func TestLenderBotRestartDoesNotBidTwice(t *testing.T) {
	s, base, demo := startDemo(t)
	ctx := context.Background()
	invoiceID := publishInvoice(t, s, demo, "IDEM-1", 60, "120000.00")
	creds, url := issueCredsFile(t, s, base, demo.Lenders[0].Party.ID)
	state := filepath.Join(t.TempDir(), "bot.state")
	args := []string{"--nats", url, "--creds", creds, "--state", state, "--spread-bps", "290"}

	// Redelivery is explicit: a short AckWait that this test sets on the
	// lender's consumer backs up the delayed Nak below, so an event
	// delivered to the first bot's pull just as it stops comes back in
	// seconds, not after the 30 s default.
	shortAckWait(t, s, demo.Lenders[0].Party.ID.String(), 3*time.Second)

	first := newBot(t, args...)
	crashed := make(chan string, 1)
	first.ack = func(m jetstream.Msg) error {
		var e envelope
		if json.Unmarshal(m.Data(), &e) != nil || e.Type != "cadena.auction.opened" {
			return m.Ack()
		}
		// The crash: recorded, never acked. A delayed Nak stands in for the
		// ack wait running out, and lands once this bot is gone. It is
		// flushed before the test stops the bot: stopping closes the
		// connection, and a Nak still in the client's buffer was lost, which
		// left the event to the 30 s default ack wait.
		err := m.NakWithDelay(2 * time.Second)
		if ferr := first.nc.Flush(); err == nil {
			err = ferr
		}
		select {
		case crashed <- e.ID:
		default: // a redelivery to this bot before it stopped
		}
		return err
	}
	out1, stop1 := startBot(t, first)
	au, err := s.App.Auctions.OpenAuction(ctx, app.Actor{Subject: "test", PartyID: demo.Suppliers[0].Party.ID, Role: auth.RoleSupplier}, []uuid.UUID{invoiceID})
	if err != nil {
		t.Fatal(err)
	}
	eventID := waittest.Receive(t, "the first bot's handling of auction.opened", crashed)
	stop1()
	if !strings.Contains(out1.String(), "bid auction="+au.ID.String()+" spread_bps=290") {
		t.Fatalf("the first bot did not bid:\n%s", out1)
	}
	f, err := os.OpenFile(state, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("2026-12-04T16:5"); err != nil { // the next record, cut short
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	out2, stop2 := startBot(t, newBot(t, args...))
	waittest.Until(t, "the redelivery", func() bool { return strings.Contains(out2.String(), "redelivered event="+eventID) })
	stop2()
	if o := out2.String(); strings.Contains(o, "bid auction=") || strings.Contains(o, "bid refused") || !strings.Contains(o, "dropped a cut-short last line") {
		t.Fatalf("the restarted bot:\n%s", o)
	}
	var revisions int
	if err := s.Pool.QueryRow(ctx, "SELECT revisions FROM bids WHERE auction_id = $1", au.ID).Scan(&revisions); err != nil || revisions != 1 {
		t.Fatalf("bid revisions %d %v", revisions, err)
	}
	raw, _ := os.ReadFile(state)
	if strings.Count(string(raw), eventID) != 1 || strings.Contains(string(raw), "2026-12-04T16:5\n") {
		t.Fatalf("state file:\n%s", raw)
	}
	t.Log(out1.String(), out2.String())
}

// shortAckWait sets the ack wait of a lender's consumer, so a test that
// needs a redelivery gets it in seconds.
func shortAckWait(t *testing.T, s *server.Server, lender string, wait time.Duration) {
	t.Helper()
	ctx := context.Background()
	c, err := s.JS.Consumer(ctx, natsx.EventsStream, natsauth.ConsumerName(lender))
	if err != nil {
		t.Fatal(err)
	}
	cfg := c.CachedInfo().Config
	cfg.AckWait = wait
	if _, err := s.JS.UpdateConsumer(ctx, natsx.EventsStream, cfg); err != nil {
		t.Fatal(err)
	}
}

// A bot with spreads by tenor bids the bucket of each auction's
// payable-weighted average tenor, skips an auction whose longest invoice no
// bucket covers, and one whose bucket is above the program's cap (700 bp).
// One bot runs on the event alone (no --api); the other has --api, which it
// uses only for an event without invoices, checked here with the same
// auctions as an older event would announce them.
func TestLenderBotTenorSpreads(t *testing.T) {
	s, base, demo := startDemo(t)
	ctx := context.Background()
	const spreads = "30:320,60:300,90:290,120:750"
	eventCreds, eventURL := issueCredsFile(t, s, base, demo.Lenders[0].Party.ID)
	eventOut, _ := startBot(t, newBot(t, "--nats", eventURL, "--creds", eventCreds, "--state", filepath.Join(t.TempDir(), "bot.state"),
		"--spreads", spreads))

	lender := demo.Lenders[1].Party.ID
	creds, url := issueCredsFile(t, s, base, lender)
	tok, _ := s.App.Access.MintToken(ctx, "test", lender, auth.RoleLender)
	status, body := post(t, base, "/v1/parties/"+lender.String()+"/api-clients", tok.AccessToken, map[string]string{"name": "lender-bot"})
	if status != 201 {
		t.Fatalf("api client: %d %s", status, body)
	}
	var cl struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	_ = json.Unmarshal(body, &cl)
	t.Setenv("CADENA_CLIENT_SECRET", cl.ClientSecret)
	apiBot := newBot(t, "--nats", url, "--creds", creds, "--state", filepath.Join(t.TempDir(), "bot.state"),
		"--spreads", spreads, "--api", base, "--client-id", cl.ClientID)
	apiOut, _ := startBot(t, apiBot)

	// Due dates in days from today; the value date may be a few days later,
	// so none is near a bucket's edge.
	type due struct {
		days   int
		amount string
	}
	for i, c := range []struct {
		name     string
		invoices []due
		want     string // in the bot's line about the auction
		spread   int    // what spreadFor gives; 0: it refuses
	}{
		{"short", []due{{20, "100000.00"}}, "bid auction=%s spread_bps=320", 320},
		{"75 days", []due{{75, "100000.00"}}, "bid auction=%s spread_bps=290", 290},
		// (20×300,000 + 100×100,000) / 400,000 = 40 days: the 60-day bucket, where the longest would give 750.
		{"weighted", []due{{20, "300000.00"}, {100, "100000.00"}}, "bid auction=%s spread_bps=300", 300},
		{"above the cap", []due{{110, "100000.00"}}, "skip auction=%s spread_bps=750", 750},
		{"beyond the buckets", []due{{20, "100000.00"}, {150, "100000.00"}}, "skip auction=%s tenor_days=", 0},
	} {
		ids := make([]uuid.UUID, len(c.invoices))
		for j, inv := range c.invoices {
			ids[j] = publishInvoice(t, s, demo, fmt.Sprintf("TNR-%d-%d", i, j), inv.days, inv.amount)
		}
		au, err := s.App.Auctions.OpenAuction(ctx, app.Actor{Subject: "test", PartyID: demo.Suppliers[0].Party.ID, Role: auth.RoleSupplier}, ids)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		want := fmt.Sprintf(c.want, au.ID)
		for _, out := range []*syncBuffer{eventOut, apiOut} {
			waittest.Until(t, c.name, func() bool { return strings.Contains(out.String(), "auction="+au.ID.String()) })
			if !strings.Contains(out.String(), want) {
				t.Fatalf("%s: want %q in:\n%s", c.name, want, out)
			}
		}

		// An older event, without invoices: the --api bot reads them over HTTP.
		old := openedData{AuctionID: au.ID.String(), Face: au.Face.String(), ValueDate: au.ValueDate.Format(time.DateOnly), MaxSpreadBps: au.MaxSpreadBps}
		spread, why, err := apiBot.spreadFor(old)
		if (c.spread == 0) != (err != nil) || spread != c.spread || !strings.Contains(why, "days_from=api") {
			t.Fatalf("%s over HTTP: spread %d%s, %v; want %d", c.name, spread, why, err, c.spread)
		}
	}
	// The first bot never needed the API, and the second did not for these events.
	for _, out := range []*syncBuffer{eventOut, apiOut} {
		if strings.Contains(out.String(), "days_from=api") || !strings.Contains(out.String(), "days_from=event") {
			t.Fatalf("tenors not from the event:\n%s", out)
		}
	}
	// Without --api, an event without invoices is skipped, not guessed.
	if _, _, err := newBot(t, "--creds", eventCreds, "--state", filepath.Join(t.TempDir(), "s"), "--spreads", spreads).spreadFor(openedData{
		AuctionID: uuid.NewString(), ValueDate: "2026-12-07", MaxSpreadBps: 700}); err == nil || !strings.Contains(err.Error(), "without --api") {
		t.Fatalf("no invoices, no --api: %v", err)
	}
	t.Log(eventOut.String(), apiOut.String())
}

// Malformed flags are refused before anything connects.
func TestLenderBotRefusesBadFlags(t *testing.T) {
	t.Setenv("CADENA_CLIENT_SECRET", "cs_x")
	base := []string{"--creds", "/nonexistent.creds", "--state", filepath.Join(t.TempDir(), "s")}
	api := []string{"--api", "http://127.0.0.1:1", "--client-id", "c"}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--state", "s"}, "--creds is required"},
		{[]string{"--creds", "x"}, "--state is required"},
		{append(base, "--spread-bps", "-5"), "cannot be negative"},
		{append(base, "--spread-bps", "abc"), "invalid value"},
		{append(append(base, "--spreads", "30:320", "--spread-bps", "300"), api...), "not both"},
		{append(append(base, "--spreads", "30-320"), api...), `"30-320" is not max-days:bps`},
		{append(append(base, "--spreads", "30:320,"), api...), `"" is not max-days:bps`},
		{append(append(base, "--spreads", "30:3.2"), api...), "is not max-days:bps"},
		{append(append(base, "--spreads", "60:300,30:320"), api...), "max_days must increase"},
		{append(append(base, "--spreads", "400:300"), api...), "within 1..366"},
		{append(append(base, "--spreads", "0:300"), api...), "within 1..366"},
		{append(append(base, "--spreads", "30:-1"), api...), "must not be negative"},
		{append(base, "--spreads", "30:320", "--api", "http://x"), "--api needs --client-id"},
		{append(base, "--spreads", "30:320", "--client-id", "c"), "--api needs --client-id"},
		// Accepted without --api (the event carries the tenors): only the missing credentials stop it.
		{append(base, "--spreads", "30:320"), "nonexistent.creds"},
		{append(base, "--api", "http://x"), "only with --spreads"},
		{append(base, "--max-face", "1e"), "--max-face"},
		{append(base, "extra"), "unexpected argument"},
	} {
		_, err := newLenderBot(c.args, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.args, err, c.want)
		}
	}
	t.Setenv("CADENA_CLIENT_SECRET", "")
	if _, err := newLenderBot(append(append(base, "--spreads", "30:320"), api...), io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "CADENA_CLIENT_SECRET") {
		t.Errorf("--api without a secret: %v", err)
	}
}
