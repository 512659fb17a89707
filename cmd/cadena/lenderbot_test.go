package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/platform/config"
	"github.com/cadena-finance/cadena/internal/platform/natsauth"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
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

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startServer runs a whole process (embedded NATS, relay, scheduler, bid
// service, HTTP) on a fresh database.
func startServer(t *testing.T) (*server.Server, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	t.Setenv("DATABASE_URL", pgtest.NewDatabase(t))
	t.Setenv("CADENA_DATA_DIR", t.TempDir())
	t.Setenv("CADENA_NATS_PORT", strconv.Itoa(port))
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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Serve(ln); err != nil {
		t.Fatal(err)
	}
	return s, "http://" + s.Addr.String()
}

func post(t *testing.T, base, path, tok string, body any) (int, []byte) {
	t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", base+path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Idempotency-Key", uuid.NewString())
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	return res.StatusCode, out
}

// A full cycle with no human on the lender side: two bots with different
// spreads bid on an auction over NATS, the cheaper wins, both learn the
// outcome, the supplier accepts the offer over HTTP, and the winner
// receives cadena.financing.accepted.
func TestLenderBotsFullCycle(t *testing.T) {
	s, base := startServer(t)
	ctx := context.Background()
	demo, _, err := s.App.SeedDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	op := app.Actor{Subject: "test", PartyID: demo.Operator.Party.ID, Role: auth.RoleOperator}
	today := time.Now().In(demo.Program.Location())
	for d := 0; d < 5; d++ { // the latest fixings up to today, so one is fresh for the value date
		day := today.AddDate(0, 0, -d).Format(time.DateOnly)
		if _, _, err := s.App.PutReferenceRate(ctx, op, demo.Program.ReferenceIndex, day, "7.12"); err != nil {
			t.Fatal(err)
		}
	}
	supplier := demo.Suppliers[0].Party
	b, err := s.App.PublishBatch(ctx, app.Actor{Subject: "test", PartyID: demo.Buyer.Party.ID, Role: auth.RoleBuyer},
		app.BatchInput{ProgramID: demo.Program.ID, Atomic: true, Format: "json", Drafts: []invoice.Draft{
			{Supplier: supplier.ID.String(), DocumentNumber: "BOT-1", EInvoiceID: strings.ToUpper(uuid.NewString()), IssueDate: today.AddDate(0, 0, -3).Format(time.DateOnly),
				DueDate: today.AddDate(0, 0, 60).Format(time.DateOnly), Amount: "250000.00"}}})
	if err != nil || b.Published != 1 {
		t.Fatalf("publish %+v %v", b, err)
	}
	var invoiceID string
	_ = s.Pool.QueryRow(ctx, "SELECT id::text FROM invoices WHERE batch_id = $1", b.ID).Scan(&invoiceID)

	// Each bank gets its credentials over HTTP and runs a bot.
	botCtx, stopBots := context.WithCancel(ctx)
	defer stopBots()
	outs := make([]*syncBuffer, 2)
	var wg sync.WaitGroup
	for i, spread := range []int{280, 310} {
		lender := demo.Lenders[i].Party
		tok, _ := s.App.MintToken(ctx, "test", lender.ID, auth.RoleLender)
		status, body := post(t, base, "/v1/parties/"+lender.ID.String()+"/nats-credentials", tok.AccessToken, nil)
		if status != 201 {
			t.Fatalf("credentials: %d %s", status, body)
		}
		var c struct{ Creds, URL string }
		_ = json.Unmarshal(body, &c)
		file := filepath.Join(t.TempDir(), "lender.creds")
		if err := os.WriteFile(file, []byte(c.Creds), 0o600); err != nil {
			t.Fatal(err)
		}
		outs[i] = &syncBuffer{}
		wg.Add(1)
		go func(out *syncBuffer, spread int) {
			defer wg.Done()
			if err := runLenderBot(botCtx, []string{"--nats", c.URL, "--creds", file, "--spread-bps", strconv.Itoa(spread)}, out, io.Discard); err != nil {
				t.Error(err)
			}
		}(outs[i], spread)
	}
	waitFor(t, "bots connected", func() bool {
		return strings.Contains(outs[0].String(), "connected") && strings.Contains(outs[1].String(), "connected")
	})

	supTok, _ := s.App.MintToken(ctx, "test", supplier.ID, auth.RoleSupplier)
	status, body := post(t, base, "/v1/early-payment-requests", supTok.AccessToken, map[string]any{"invoice_ids": []string{invoiceID}})
	if status != 201 {
		t.Fatalf("auction: %d %s", status, body)
	}
	var au struct{ ID string }
	_ = json.Unmarshal(body, &au)
	waitFor(t, "two bids", func() bool {
		var n int
		_ = s.Pool.QueryRow(ctx, "SELECT count(*) FROM bids WHERE auction_id = $1", au.ID).Scan(&n)
		return n == 2
	})
	// End the window now rather than wait for it; the scheduler closes it.
	if _, err := s.Pool.Exec(ctx, "UPDATE auctions SET closes_at = now() WHERE id = $1", au.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "outcomes", func() bool {
		return strings.Contains(outs[0].String(), "won auction="+au.ID) && strings.Contains(outs[1].String(), "lost auction="+au.ID)
	})
	var offerID string
	_ = s.Pool.QueryRow(ctx, "SELECT winning_offer::text FROM auctions WHERE id = $1", au.ID).Scan(&offerID)
	if status, body := post(t, base, "/v1/offers/"+offerID+"/accept", supTok.AccessToken, nil); status != 201 {
		t.Fatalf("accept: %d %s", status, body)
	}
	waitFor(t, "the winner learns of the financing", func() bool {
		return strings.Contains(outs[0].String(), "financing.accepted offer="+offerID)
	})
	if strings.Contains(outs[1].String(), "financing.accepted") {
		t.Fatal("the losing lender received the financing")
	}
	var notices int
	waitFor(t, "the notifier's notices", func() bool {
		_ = s.Pool.QueryRow(ctx, "SELECT count(*) FROM notifications").Scan(&notices)
		return notices == 3 // supplier: auction awarded; supplier and buyer: financing accepted
	})
	stopBots()
	wg.Wait()
	t.Log(outs[0].String(), outs[1].String())
}

// Lender A's credentials cannot read lender B's subjects or bid as B: the
// server refuses, and a bid reaches the platform only on A's own subject.
func TestLenderNATSPermissions(t *testing.T) {
	s, _ := startServer(t)
	ctx := context.Background()
	demo, _, err := s.App.SeedDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	a, bID := demo.Lenders[0].Party.ID.String(), demo.Lenders[1].Party.ID.String()
	lc, err := s.App.IssueNATSCredentials(ctx, app.Actor{Subject: "t", PartyID: demo.Lenders[0].Party.ID, Role: auth.RoleLender}, demo.Lenders[0].Party.ID)
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
	select {
	case err := <-errs:
		if !strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
			t.Fatalf("subscribe to B: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the server let lender A subscribe to lender B's subjects")
	}
	if err := nc.Publish(natsauth.BidSubject(bID), []byte(`{"auction_id":"x","spread_bps":1}`)); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-errs:
		if !strings.Contains(strings.ToLower(err.Error()), "permissions violation") {
			t.Fatalf("bid as B: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the server let lender A bid as lender B")
	}
	// Its own bid subject works and is answered with a stable code.
	msg, err := nc.Request(natsauth.BidSubject(a), []byte(fmt.Sprintf(`{"auction_id":%q,"spread_bps":100}`, uuid.NewString())), 5*time.Second)
	if err != nil || !strings.Contains(string(msg.Data), `"code":"auction.not_found"`) {
		t.Fatalf("own bid: %v %s", err, msg.Data)
	}
}

// An auction opened before a restart closes once after it, by the new process.
func TestAuctionCloseSurvivesRestart(t *testing.T) {
	s1, _ := startServer(t)
	ctx := context.Background()
	demo, _, err := s1.App.SeedDemo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	op := app.Actor{Subject: "test", PartyID: demo.Operator.Party.ID, Role: auth.RoleOperator}
	today := time.Now().In(demo.Program.Location())
	for d := 0; d < 5; d++ {
		if _, _, err := s1.App.PutReferenceRate(ctx, op, demo.Program.ReferenceIndex, today.AddDate(0, 0, -d).Format(time.DateOnly), "7.12"); err != nil {
			t.Fatal(err)
		}
	}
	supplier := demo.Suppliers[0].Party
	b, err := s1.App.PublishBatch(ctx, app.Actor{Subject: "test", PartyID: demo.Buyer.Party.ID, Role: auth.RoleBuyer},
		app.BatchInput{ProgramID: demo.Program.ID, Atomic: true, Format: "json", Drafts: []invoice.Draft{
			{Supplier: supplier.ID.String(), DocumentNumber: "RST-1", EInvoiceID: strings.ToUpper(uuid.NewString()), IssueDate: today.AddDate(0, 0, -3).Format(time.DateOnly),
				DueDate: today.AddDate(0, 0, 60).Format(time.DateOnly), Amount: "80000.00"}}})
	if err != nil || b.Published != 1 {
		t.Fatalf("publish %+v %v", b, err)
	}
	var invoiceID uuid.UUID
	_ = s1.Pool.QueryRow(ctx, "SELECT id FROM invoices WHERE batch_id = $1", b.ID).Scan(&invoiceID)
	au, err := s1.App.OpenAuction(ctx, app.Actor{Subject: "test", PartyID: supplier.ID, Role: auth.RoleSupplier}, []uuid.UUID{invoiceID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s1.App.PlaceBid(ctx, demo.Lenders[0].Party.ID, au.ID, 290); err != nil {
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
	waitFor(t, "the close", func() bool {
		_ = s2.Pool.QueryRow(ctx, "SELECT status FROM auctions WHERE id = $1", au.ID).Scan(&status)
		return status == "closed"
	})
	time.Sleep(2 * time.Second) // two more scheduler passes
	var closes, offers int
	_ = s2.Pool.QueryRow(ctx, "SELECT count(*) FROM outbox WHERE subject = 'cadena.auction.closed' AND payload->'data'->>'auction_id' = $1", au.ID.String()).Scan(&closes)
	_ = s2.Pool.QueryRow(ctx, "SELECT count(*) FROM offers WHERE auction_id = $1", au.ID).Scan(&offers)
	if closes != 1 || offers != 1 {
		t.Fatalf("%d closes, %d offers", closes, offers)
	}
}
