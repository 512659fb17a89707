package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"time"

	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/server"
)

// version is set with -ldflags "-X main.version=..." by make build.
var version = "dev"

func runVersion(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := newFlags("version", stdout)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	v := version
	if bi, ok := debug.ReadBuildInfo(); ok {
		v += " (" + bi.GoVersion + ")"
	}
	_, err := fmt.Fprintln(stdout, "cadena", v)
	return err
}

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate", stdout)
	create := fs.Bool("create-db", false, "create the database first if it does not exist")
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	if *create {
		if err := db.CreateIfMissing(ctx, cfg.DatabaseURL); err != nil {
			return err
		}
	}
	v, err := db.Migrate(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "schema at version %d\n", v)
	return err
}

// openApp opens the database and keys for a one-shot command, and returns
// a context naming the command as the actor of whatever it changes.
func openApp(ctx context.Context, fs *flag.FlagSet, args []string, stderr io.Writer) (*server.Server, context.Context, error) {
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return nil, ctx, err
	}
	ctx = event.WithActor(ctx, event.Actor{Subject: "cli:" + strings.ReplaceAll(fs.Name(), " ", "-")})
	s, err := server.OpenTool(ctx, cfg, newLogger(stderr, "warn"))
	return s, ctx, err
}

func runKeygen(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("keygen", stdout)
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	kid, err := auth.GenerateKey(cfg.KeyDir)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "new signing key %s in %s; restart or reload servers to sign with it\n", kid, cfg.KeyDir)
	return err
}

func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("token", stdout)
	ref := fs.String("party", "", "party id or tax id (RFC or NIT) the token acts for (required)")
	role := fs.String("role", "", "operator, buyer, supplier or lender (required; must be the party's kind)")
	subject := fs.String("subject", "cli", "sub claim, e.g. the operator's name")
	asJSON := fs.Bool("json", false, "print the token with its expiry as JSON")
	s, ctx, err := openApp(ctx, fs, args, stderr)
	if err != nil {
		return err
	}
	defer s.Shutdown(context.Background()) //nolint:errcheck
	if err := s.NeedSigningKey(); err != nil {
		return err
	}
	r, err := auth.ParseRole(*role)
	if err != nil || *ref == "" {
		return errors.New("token needs --party and --role (operator, buyer, supplier or lender)")
	}
	p, err := s.App.Administration.ResolveParty(ctx, *ref, party.Kind(r))
	if err != nil {
		return fmt.Errorf("no %s party %q: %w", r, *ref, err)
	}
	tok, err := s.App.Access.MintToken(ctx, *subject, p.ID, r)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(map[string]any{"access_token": tok.AccessToken, "expires_at": tok.ExpiresAt.UTC().Format(time.RFC3339),
			"party_id": p.ID, "role": r})
	}
	// A token nobody received must fail the command.
	_, err = fmt.Fprintln(stdout, tok.AccessToken)
	return err
}

func runBootstrap(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bootstrap", stdout)
	name := fs.String("legal-name", "", "operator's legal name (required)")
	country := fs.String("country", "MX", "MX or CO")
	taxID := fs.String("tax-id", "", "operator's RFC or NIT (required)")
	s, ctx, err := openApp(ctx, fs, args, stderr)
	if err != nil {
		return err
	}
	defer s.Shutdown(context.Background()) //nolint:errcheck
	p, created, err := s.App.Administration.Bootstrap(ctx, party.Draft{LegalName: *name, Country: *country, TaxID: *taxID})
	if err != nil {
		return err
	}
	state := "exists"
	if created {
		state = "created"
	}
	fmt.Fprintf(stdout, "operator %s %s (%s)\n", p.ID, state, p.LegalName)
	return nil
}
