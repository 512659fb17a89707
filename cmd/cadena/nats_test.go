package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	seed "github.com/cadena-finance/cadena/internal/app/demo"
	"github.com/cadena-finance/cadena/internal/platform/config"
	"github.com/cadena-finance/cadena/internal/platform/natsauth"
	"github.com/cadena-finance/cadena/internal/platform/natsx"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
	"github.com/cadena-finance/cadena/internal/platform/waittest"
	"github.com/cadena-finance/cadena/internal/server"
)

func TestNATSConfigPrintsServerConfigAndPlatformCreds(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CADENA_NATS_KEY_DIR", dir)
	var out, errOut bytes.Buffer
	if err := runNATSConfig(context.Background(), nil, &out, &errOut); err != nil {
		t.Fatal(err, errOut.String())
	}
	for _, want := range []string{"operator: eyJ", "resolver: MEMORY", "resolver_preload", "# CADENA\n", "# CADENA_LENDERS\n", "system_account: A"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("server config lacks %q:\n%s", want, out.String())
		}
	}
	file := filepath.Join(t.TempDir(), "platform.creds")
	if err := os.WriteFile(file, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := runNATSConfig(context.Background(), []string{"--platform", "--out", file}, io.Discard, &errOut); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(file)
	if fi.Mode().Perm() != 0o600 || !bytes.Contains(data, []byte("BEGIN NATS USER JWT")) || !bytes.Contains(data, []byte("BEGIN USER NKEY SEED")) {
		t.Fatalf("creds file mode %v:\n%s", fi.Mode().Perm(), data)
	}
	if err := runNATSConfig(context.Background(), []string{"--platform", "--lender", "x"}, io.Discard, io.Discard); err == nil {
		t.Fatal("--platform with --lender accepted")
	}
}

// An operator issues a demo lender's credentials while the server runs; the
// bank connects with them and pulls from the consumer the command created.
func TestNATSConfigIssuesLenderCreds(t *testing.T) {
	s, _ := startServer(t)
	ctx := context.Background()
	demo, _, err := seed.Seed(ctx, s.App)
	if err != nil {
		t.Fatal(err)
	}
	lender := demo.Lenders[0].Party

	var creds, errOut bytes.Buffer
	if err := runNATSConfig(ctx, []string{"--lender", lender.TaxID, "--ttl", "1h"}, &creds, &errOut); err != nil {
		t.Fatal(err, errOut.String())
	}
	id := lender.ID.String()
	if !strings.Contains(errOut.String(), natsauth.ConsumerName(id)) {
		t.Errorf("no connection details in %q", errOut.String())
	}
	if _, err := s.JS.Publish(ctx, natsauth.LenderSubject(id, "auction.opened"), []byte("hola")); err != nil {
		t.Fatal(err)
	}
	opt, err := natsauth.ConnectOption(creds.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(s.NATSURL, opt, nats.CustomInboxPrefix(natsauth.InboxPrefix(id)))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.NewWithAPIPrefix(nc, natsauth.LenderAPIPrefix)
	cons, err := js.Consumer(ctx, natsx.EventsStream, natsauth.ConsumerName(id))
	if err != nil {
		t.Fatalf("the command did not create the lender's consumer: %v", err)
	}
	batch, err := cons.Fetch(1, jetstream.FetchMaxWait(waittest.Deadline))
	if err != nil {
		t.Fatal(err)
	}
	m, ok := <-batch.Messages()
	if !ok {
		t.Fatalf("nothing pulled: %v", batch.Error())
	}
	if string(m.Data()) != "hola" {
		t.Fatalf("pulled %q", m.Data())
	}
}

func TestNATSConfigRefusesNonLenders(t *testing.T) {
	t.Setenv("DATABASE_URL", pgtest.NewDatabase(t))
	t.Setenv("CADENA_DATA_DIR", t.TempDir())
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	s, err := server.Open(context.Background(), cfg, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background()) //nolint:errcheck
	demo, _, err := seed.Seed(context.Background(), s.App)
	if err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{demo.Buyer.Party.ID.String(), demo.Buyer.Party.TaxID, "nobody"} {
		err := runNATSConfig(context.Background(), []string{"--lender", ref, "--skip-consumer"}, io.Discard, io.Discard)
		if err == nil {
			t.Errorf("credentials issued for %s", ref)
		}
	}
}
