package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/administration"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/platform/config"
	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/platform/natsauth"
	"github.com/cadena-finance/cadena/internal/platform/natsx"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
	"github.com/cadena-finance/cadena/internal/platform/waittest"
	"github.com/cadena-finance/cadena/internal/server"
)

func testConfig(t *testing.T) config.Config {
	t.Setenv("DATABASE_URL", pgtest.NewDatabase(t))
	t.Setenv("CADENA_DATA_DIR", t.TempDir())
	t.Setenv("CADENA_NATS_PORT", "0") // any free port, chosen by the listener
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// The whole process: embedded JetStream, relay, HTTP; an API call's event
// reaches the stream with its id as Nats-Msg-Id; shutdown drains.
func TestServeEmbeddedEndToEnd(t *testing.T) {
	cfg := testConfig(t)
	ctx := context.Background()
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	s, err := server.Open(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.StartNATS(ctx); err != nil {
		t.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	if err := s.Serve(ln); err != nil {
		t.Fatal(err)
	}
	base := "http://" + s.Addr.String()
	res, err := http.Get(base + "/readyz")
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("readyz: %v %v", res, err)
	}
	res.Body.Close()

	// The embedded server is in operator mode: anonymous clients are refused,
	// credentials signed with the platform's NATS keys are accepted.
	url := s.NATSURL
	if anon, err := nats.Connect(url, nats.MaxReconnects(0)); err == nil {
		anon.Close()
		t.Fatal("embedded NATS accepted an anonymous client")
	}
	lenderCreds, err := s.NATSKeys.LenderCreds("0190a1b2-0000-7000-8000-00000000000a", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	lenderOpt, _ := natsauth.ConnectOption(lenderCreds)
	lender, err := nats.Connect(url, lenderOpt, nats.CustomInboxPrefix(natsauth.InboxPrefix("0190a1b2-0000-7000-8000-00000000000a")))
	if err != nil {
		t.Fatalf("a lender's program cannot reach the embedded server: %v", err)
	}
	lender.Close()
	// An external client with the platform's credentials (as `cadena nats-config --platform` writes them).
	credsFile := filepath.Join(t.TempDir(), "platform.creds")
	platformCreds, err := s.NATSKeys.PlatformCreds()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(credsFile, platformCreds, 0o600); err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(url, nats.UserCredentials(credsFile))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	cons, err := js.CreateOrUpdateConsumer(ctx, natsx.EventsStream, jetstream.ConsumerConfig{
		Durable: "test-reader", FilterSubject: event.PartyCreated, AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}

	op, _, err := s.App.Administration.Bootstrap(ctx, partyDraft("CAD250101GGA"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.App.Access.MintToken(ctx, "t", op.ID, auth.RoleOperator)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", base+"/v1/parties", strings.NewReader(`{"kind":"buyer","legal_name":"Comprador","country":"MX","tax_id":"ABA010203BB4"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	res, err = http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 201 {
		t.Fatalf("create: %v %v", res.StatusCode, err)
	}
	var created struct{ ID string }
	_ = json.NewDecoder(res.Body).Decode(&created)
	res.Body.Close()

	got := map[string]bool{}
	waittest.Until(t, "both parties' events from the relay", func() bool {
		batch, err := cons.Fetch(10, jetstream.FetchMaxWait(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			var env event.Envelope
			if err := json.Unmarshal(m.Data(), &env); err != nil {
				t.Fatal(err)
			}
			if m.Headers().Get(jetstream.MsgIDHeader) != env.ID.String() {
				t.Fatalf("msg id %q vs event id %s", m.Headers().Get(jetstream.MsgIDHeader), env.ID)
			}
			var data administration.PartyEvent
			_ = json.Unmarshal(env.Data, &data)
			got[data.PartyID.String()] = true
			_ = m.Ack()
		}
		return got[created.ID] && got[op.ID.String()]
	})
	if !got[created.ID] || !got[op.ID.String()] {
		t.Fatalf("events received for %v; want operator and %s", got, created.ID)
	}

	sctx, cancel := context.WithTimeout(ctx, waittest.Deadline)
	defer cancel()
	if err := s.Shutdown(sctx); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(base + "/healthz"); err == nil {
		t.Fatal("still serving after shutdown")
	}
}

func TestEmbeddedPortTakenNamesTheSetting(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = l.Close() }() // only its port was wanted
	_, err = natsx.Embedded{Host: "127.0.0.1", Port: l.Addr().(*net.TCPAddr).Port, StoreDir: t.TempDir()}.Start()
	if err == nil || !strings.Contains(err.Error(), "CADENA_NATS_PORT") || !strings.Contains(err.Error(), "NATS_URL") {
		t.Fatalf("error %v does not name the settings", err)
	}
}

// With NATS_URL set the server uses that server instead of embedding one.
func TestServeExternalNATS(t *testing.T) {
	cfg := testConfig(t)
	ext, err := natsx.Embedded{Host: "127.0.0.1", StoreDir: t.TempDir()}.Start()
	if err != nil {
		t.Fatal(err)
	}
	defer ext.Shutdown()
	cfg.NATSURL = ext.ClientURL()
	cfg.NATSPort = 1 // would fail if it tried to embed
	s, err := server.Open(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background()) //nolint:errcheck
	if err := s.StartNATS(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s.NATSURL != ext.ClientURL() {
		t.Fatalf("connected to %s", s.NATSURL)
	}
	if _, err := s.JS.Stream(context.Background(), natsx.EventsStream); err != nil {
		t.Fatalf("stream not declared on the external server: %v", err)
	}
}

func partyDraft(rfc string) party.Draft {
	return party.Draft{LegalName: "Operador", Country: "MX", TaxID: rfc}
}

// Open on a missing database returns an error naming it; its cleanup of
// what was opened so far must not run on the nil it returns.
func TestOpenMissingDatabaseIsAnError(t *testing.T) {
	t.Setenv("DATABASE_URL", pgtest.WithDatabase(pgtest.AdminURL(), "cadena_missing_server"))
	t.Setenv("CADENA_DATA_DIR", t.TempDir())
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	for _, open := range []func(context.Context, config.Config, *slog.Logger) (*server.Server, error){server.Open, server.OpenTool} {
		s, err := open(context.Background(), cfg, log)
		var ce *db.ConnectError
		if s != nil || !errors.As(err, &ce) || !ce.Missing || ce.Database != "cadena_missing_server" {
			t.Fatalf("server %v, err %v", s, err)
		}
	}
}

// The NATS bid service answers a real request as the HTTP route would: a
// bid without spread_bps is validation.failed, never a 0 bp bid, and the
// reply has the contract's shape.
func TestNATSBidIsValidatedLikeHTTP(t *testing.T) {
	cfg := testConfig(t)
	ctx := context.Background()
	s, err := server.Open(ctx, cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		_ = s.Shutdown(sctx)
	})
	if err := s.StartNATS(ctx); err != nil {
		t.Fatal(err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	if err := s.Serve(ln); err != nil {
		t.Fatal(err)
	}
	lender, err := s.App.Administration.CreateParty(ctx, app.System, party.Draft{Kind: "lender", LegalName: "Banco", Country: "MX", TaxID: "BNO010203AB1"})
	if err != nil {
		t.Fatal(err)
	}
	id := lender.ID.String()
	creds, err := s.NATSKeys.LenderCreds(id, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	opt, _ := natsauth.ConnectOption(creds)
	nc, err := nats.Connect(s.NATSURL, opt, nats.CustomInboxPrefix(natsauth.InboxPrefix(id)))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	for _, body := range []string{`{"auction_id":"0190a1b2-0000-7000-8000-000000000001"}`, `{"auction_id":"0190a1b2-0000-7000-8000-000000000001","spread_bps":null}`} {
		msg, err := nc.Request(natsauth.BidSubject(id), []byte(body), 30*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		var r struct {
			Accepted bool
			Code     string
			Errors   []struct{ Field, Code string }
		}
		if err := json.Unmarshal(msg.Data, &r); err != nil || r.Accepted || r.Code != "validation.failed" || len(r.Errors) != 1 || r.Errors[0].Field != "spread_bps" {
			t.Fatalf("%s: reply %s", body, msg.Data)
		}
	}
}
