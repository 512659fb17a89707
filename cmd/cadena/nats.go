package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/platform/config"
	"github.com/cadena-finance/cadena/internal/platform/natsauth"
	"github.com/cadena-finance/cadena/internal/platform/natsx"
	"github.com/cadena-finance/cadena/internal/server"
)

// runNATSConfig prints what NATS needs from Cadena's keys: the server
// configuration that trusts them, or a credentials file (docs/nats.md).
func runNATSConfig(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("nats-config", stdout)
	platform := fs.Bool("platform", false, "print the platform's credentials (for NATS_CREDS with an external server) instead of the server config")
	lender := fs.String("lender", "", "print credentials for this lender (party id or tax id) instead of the server config")
	ttl := fs.Duration("ttl", 90*24*time.Hour, "how long lender credentials stay valid")
	skipConsumer := fs.Bool("skip-consumer", false, "with --lender: do not create the lender's durable consumer (NATS need not be running)")
	out := fs.String("out", "", "write to this file (mode 0600) instead of standard output")
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	if *platform && *lender != "" {
		return errors.New("nats-config: --platform and --lender exclude each other")
	}
	trust, err := natsKeys(cfg.NATSKeyDir, !*platform && *lender == "", stderr)
	if err != nil {
		return err
	}
	var data []byte
	switch {
	case *platform:
		if data, err = trust.PlatformCreds(); err != nil {
			return err
		}
	case *lender != "":
		if data, err = lenderCreds(ctx, cfg, trust, *lender, *ttl, *skipConsumer, stderr); err != nil {
			return err
		}
	default:
		data = []byte(trust.ServerConfig())
	}
	return writeOut(stdout, *out, data)
}

// writeOut writes data to stdout, or to the file path when set. Credentials
// and bank files (account numbers) are never world-readable, even for a moment.
func writeOut(stdout io.Writer, path string, data []byte) error {
	if path == "" {
		_, err := stdout.Write(data)
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err = f.Chmod(0o600); err == nil { // an existing file keeps its mode otherwise
		_, err = f.Write(data)
	}
	return errors.Join(err, f.Close())
}

// natsKeys loads the NATS keys. Only the server configuration, the first
// step of an external deployment (docs/nats.md), may create them; credentials
// signed by new keys would be refused by a server that holds others.
func natsKeys(dir string, mayCreate bool, stderr io.Writer) (*natsauth.Trust, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	trust, err := natsauth.Load(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist) && mayCreate:
		if trust, err = natsauth.LoadOrCreate(dir); err == nil {
			fmt.Fprintf(stderr, "created NATS keys in %s: the server must use the same folder (CADENA_NATS_KEY_DIR)\n", abs)
		}
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("no NATS keys in %s: run this from the folder `cadena serve` runs in, or set CADENA_NATS_KEY_DIR (or CADENA_DATA_DIR) to the server's; `cadena serve` or `cadena nats-config` (server config) creates them", abs)
	}
	if err != nil {
		return nil, fmt.Errorf("NATS keys in %s: %w", abs, err)
	}
	return trust, nil
}

// lenderCreds resolves the lender, makes sure its durable consumer exists
// (lenders cannot create it) and signs its credentials.
func lenderCreds(ctx context.Context, cfg config.Config, trust *natsauth.Trust, ref string, ttl time.Duration, skipConsumer bool, stderr io.Writer) ([]byte, error) {
	s, err := server.OpenTool(ctx, cfg, newLogger(stderr, "warn"))
	if err != nil {
		return nil, err
	}
	defer s.Shutdown(context.Background()) //nolint:errcheck
	p, err := s.App.Administration.ResolveParty(ctx, ref, party.Lender)
	if err != nil {
		return nil, fmt.Errorf("no lender %q: %w", ref, err)
	}
	if p.Kind != party.Lender {
		return nil, fmt.Errorf("party %s is a %s, not a lender", p.ID, p.Kind)
	}
	id := p.ID.String()
	creds, err := trust.LenderCreds(id, ttl)
	if err != nil {
		return nil, err
	}
	if !skipConsumer {
		if err := ensureConsumer(ctx, cfg, trust, id); err != nil {
			return nil, fmt.Errorf("%w (is `cadena serve` running? --skip-consumer issues the credentials anyway)", err)
		}
	}
	fmt.Fprintf(stderr, "credentials for lender %s (%s), valid until %s\n", id, p.LegalName, time.Now().Add(ttl).UTC().Format(time.RFC3339))
	fmt.Fprintf(stderr, "subjects %s, bids on %s, inbox prefix %s, JetStream API prefix %s, consumer %s on stream %s\n",
		natsauth.LenderFilter(id), natsauth.BidSubject(id), natsauth.InboxPrefix(id), natsauth.LenderAPIPrefix, natsauth.ConsumerName(id), natsx.EventsStream)
	return creds, nil
}

// ensureConsumer connects as the platform would: to NATS_URL with
// NATS_CREDS, or to the embedded server with the platform's credentials.
func ensureConsumer(ctx context.Context, cfg config.Config, trust *natsauth.Trust, lenderID string) error {
	url, creds, extra := cfg.NATSURL, cfg.NATSCreds, []nats.Option{nats.Timeout(5 * time.Second)}
	if url == "" {
		url = "nats://" + net.JoinHostPort(cfg.NATSHost, strconv.Itoa(cfg.NATSPort))
		platform, err := trust.PlatformCreds()
		if err != nil {
			return err
		}
		opt, err := natsauth.ConnectOption(platform)
		if err != nil {
			return err
		}
		creds, extra = "", append(extra, opt)
	}
	nc, err := natsx.Connect(url, "cadena-cli", creds, extra...)
	if err != nil {
		return fmt.Errorf("connect to NATS at %s: %w", url, err)
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return err
	}
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	_, err = natsauth.EnsureLenderConsumer(cctx, js, lenderID)
	return err
}
