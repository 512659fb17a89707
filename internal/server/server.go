// Package server assembles a running Cadena process from its configuration:
// database, key ring, NATS (embedded or external), outbox relay and HTTP API.
package server

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	natsserver "github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/cadena-finance/cadena/internal/api"
	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/usecases"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/platform/config"
	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/platform/idempotency"
	"github.com/cadena-finance/cadena/internal/platform/idempotencydb"
	"github.com/cadena-finance/cadena/internal/platform/natsauth"
	"github.com/cadena-finance/cadena/internal/platform/natsx"
	"github.com/cadena-finance/cadena/internal/platform/outbox"
	"github.com/cadena-finance/cadena/internal/web"
	"github.com/cadena-finance/cadena/internal/web/webdb"
)

// Server is a started platform.
type Server struct {
	Cfg  config.Config
	Log  *slog.Logger
	Pool *pgxpool.Pool
	// Book holds Idempotency-Key rows; its sessions commit asynchronously.
	Book     *pgxpool.Pool
	App      *usecases.Set
	Keys     *auth.KeyRing
	Verifier *auth.Verifier
	NATS     *nats.Conn
	JS       jetstream.JetStream
	NATSURL  string
	NATSKeys *natsauth.Trust // signs the platform's and lenders' NATS credentials
	HTTP     *http.Server
	Addr     net.Addr

	embedded *natsserver.Server
	stop     context.CancelFunc
	workers  sync.WaitGroup
}

// Open connects the database, keys and NATS, without serving yet. It creates
// the first signing key when the key folder has none: only a server (and
// `cadena keygen`) may, so tokens and the server that checks them agree.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*Server, error) {
	return open(ctx, cfg, log, auth.LoadOrCreateKeyRing)
}

// OpenTool is Open for a one-shot command: it never creates a signing key.
// Keys is nil when the key folder has none; a command that signs refuses then
// (NeedSigningKey).
func OpenTool(ctx context.Context, cfg config.Config, log *slog.Logger) (*Server, error) {
	return open(ctx, cfg, log, func(dir string) (*auth.KeyRing, error) {
		r, err := auth.LoadKeyRing(dir)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, auth.ErrNoKeys) {
			return nil, nil
		}
		return r, err
	})
}

// NeedSigningKey refuses, saying where it looked, when the server has no key
// to sign with.
func (s *Server) NeedSigningKey() error {
	if s.Keys != nil && s.Keys.SigningKeyID() != "" {
		return nil
	}
	return NoSigningKeyError(s.Cfg)
}

// NoSigningKeyError says where keys were looked for and which settings move the folder.
func NoSigningKeyError(cfg config.Config) error {
	dir, err := filepath.Abs(cfg.KeyDir)
	if err != nil {
		dir = cfg.KeyDir
	}
	return fmt.Errorf("no signing key in %s: run this from the folder `cadena serve` runs in, or set CADENA_JWT_KEY_DIR (or CADENA_DATA_DIR) to the server's; `cadena serve` or `cadena keygen` creates the first key", dir)
}

func open(ctx context.Context, cfg config.Config, log *slog.Logger, keys func(dir string) (*auth.KeyRing, error)) (_ *Server, err error) {
	s := &Server{Cfg: cfg, Log: log}
	defer func() {
		if err != nil {
			s.closeResources() // s, not the nil the failing return hands back
		}
	}()
	if cfg.MigrateOnStart {
		v, err := db.Migrate(ctx, cfg.DatabaseURL)
		if err != nil {
			return nil, fmt.Errorf("migrate: %w", err)
		}
		log.Info("migrations applied", "version", v)
	}
	if s.Pool, err = db.Open(ctx, cfg.DatabaseURL, 0); err != nil {
		return nil, err
	}
	if s.Book, err = db.OpenAsyncCommit(ctx, cfg.DatabaseURL, max(2, s.Pool.Config().MaxConns/2)); err != nil {
		return nil, err
	}
	if s.Keys, err = keys(cfg.KeyDir); err != nil {
		return nil, fmt.Errorf("signing keys in %s: %w", cfg.KeyDir, err)
	}
	s.App = usecases.New(&app.Base{Pool: s.Pool, PlatformMaxBps: cfg.PlatformMaxBps, RateMaxAgeDays: cfg.RateMaxAgeDays, Throttle: cfg.LoginThrottle})
	if s.Keys == nil {
		return s, nil
	}
	acfg := auth.Config{Issuer: cfg.Issuer, Audience: cfg.Audience, TTL: cfg.TokenTTL}
	if s.App.Issuer, err = auth.NewIssuer(s.Keys, acfg); err != nil {
		return nil, err
	}
	if s.Verifier, err = auth.NewVerifier(s.Keys, acfg); err != nil {
		return nil, err
	}
	return s, nil
}

// StartNATS starts the embedded server when NATS_URL is unset, connects, and
// declares the streams. The embedded server runs in operator mode: only
// credentials signed with the keys in CADENA_NATS_KEY_DIR connect, the
// platform's own included (docs/nats.md). An external server is reached
// with NATS_CREDS, as before.
func (s *Server) StartNATS(ctx context.Context) error {
	var err error
	if s.NATSKeys, err = natsauth.LoadOrCreate(s.Cfg.NATSKeyDir); err != nil {
		return fmt.Errorf("NATS keys in %s: %w", s.Cfg.NATSKeyDir, err)
	}
	s.NATSURL = s.Cfg.NATSURL
	creds, extra := s.Cfg.NATSCreds, []nats.Option(nil)
	if s.NATSURL == "" {
		ns, err := natsx.Embedded{Host: s.Cfg.NATSHost, Port: s.Cfg.NATSPort, StoreDir: filepath.Join(s.Cfg.DataDir, "nats"),
			Configure: s.NATSKeys.ServerOptions}.Start()
		if err != nil {
			return err
		}
		s.embedded, s.NATSURL = ns, ns.ClientURL()
		s.Log.Info("embedded NATS server started", "url", s.NATSURL)
		platform, err := s.NATSKeys.PlatformCreds()
		if err != nil {
			return err
		}
		opt, err := natsauth.ConnectOption(platform)
		if err != nil {
			return err
		}
		creds, extra = "", []nats.Option{opt}
	}
	nc, err := natsx.Connect(s.NATSURL, "cadena-server", creds, extra...)
	if err != nil {
		return fmt.Errorf("connect to NATS at %s: %w", s.NATSURL, err)
	}
	s.NATS = nc
	if s.JS, err = jetstream.New(nc); err != nil {
		return err
	}
	return natsx.EnsureStreams(ctx, s.JS)
}

// Serve starts the background workers and the HTTP server on ln (or the
// configured address when ln is nil), returning once it listens.
func (s *Server) Serve(ln net.Listener) error {
	if s.NATS == nil {
		return errors.New("server: StartNATS first")
	}
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", s.Cfg.HTTPAddr); err != nil {
			return fmt.Errorf("HTTP cannot listen on %s: %w (set CADENA_HTTP_ADDR)", s.Cfg.HTTPAddr, err)
		}
	}
	s.Addr = ln.Addr()
	wctx, stop := context.WithCancel(context.Background())
	s.stop = stop
	relay := &outbox.Relay{Pool: s.Pool, JS: s.JS, Log: s.Log}
	s.App.Committed = relay.Wake
	s.workers.Add(1)
	go func() { defer s.workers.Done(); _ = relay.Run(wctx) }()
	s.workers.Add(1)
	go func() { defer s.workers.Done(); s.auditAndPrune(wctx, relay) }()
	s.workers.Add(1)
	go func() { defer s.workers.Done(); s.expireInvoices(wctx) }()
	s.workers.Add(1)
	go func() { defer s.workers.Done(); s.settleSchedule(wctx) }()
	if err := s.startOffers(wctx); err != nil {
		stop()
		return fmt.Errorf("offers: %w", err)
	}

	keys := idempotencydb.New(s.Book) // one duplicate-request store for the API and the portal
	e := api.New(api.Deps{App: s.App, Pool: s.Pool, Idempotency: keys, Verifier: s.Verifier, Keys: s.Keys, Log: s.Log,
		MaxBodyBytes: s.Cfg.MaxBodyBytes, MaxBatchBytes: s.Cfg.MaxBatchBytes, NATSReady: func() bool { return s.NATS.IsConnected() }})
	web.Mount(e, web.Deps{App: s.App, Store: webdb.New(s.Pool), Keys: idempotency.New(keys), Log: s.Log})
	s.HTTP = &http.Server{Handler: e, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := s.HTTP.Serve(api.Listener(ln)); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.Log.Error("http server", "err", err)
		}
	}()
	s.Log.Info("serving", "addr", s.Addr.String())
	return nil
}

// auditAndPrune appends new outbox events to the audit chain every second,
// and once an hour deletes outbox rows published and audited over a week ago.
func (s *Server) auditAndPrune(ctx context.Context, relay *outbox.Relay) {
	ctx = event.WithActor(ctx, event.Actor{Subject: "system:auditor"})
	lastPrune := time.Time{}
	for {
		n, err := s.App.Auditing.AuditPending(ctx, 1000)
		if err != nil && ctx.Err() == nil {
			s.Log.Error("audit feed", "err", err)
		}
		if time.Since(lastPrune) > time.Hour {
			if _, err := relay.Prune(ctx, time.Now().Add(-7*24*time.Hour)); err != nil && ctx.Err() == nil {
				s.Log.Error("outbox prune", "err", err)
			}
			lastPrune = time.Now()
		}
		if n == 1000 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

// expireInvoices sweeps published invoices whose remaining days fell below
// their program's minimum, every minute and until a sweep finds none.
func (s *Server) expireInvoices(ctx context.Context) {
	for {
		n, err := s.App.Invoicing.ExpireInvoices(ctx, 500)
		if err != nil && ctx.Err() == nil {
			s.Log.Error("invoice expiry", "err", err)
		}
		if n == 500 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Minute):
		}
	}
}

// settleSchedule runs the maturity scheduler (funding failed, due,
// reminders, overdue; docs/settlement.md) every 30 seconds, and again at
// once while a sweep keeps finding full batches.
func (s *Server) settleSchedule(ctx context.Context) {
	for {
		n, err := s.App.Settling.SettleSchedule(ctx, 500, s.Cfg.ReminderDays)
		if err != nil && ctx.Err() == nil {
			s.Log.Error("settlement scheduler", "err", err)
		}
		if n >= 500 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(30 * time.Second):
		}
	}
}

// Shutdown drains HTTP first (no new work), then stops the workers (the relay
// finishes its claim), then NATS and the database.
func (s *Server) Shutdown(ctx context.Context) error {
	var err error
	if s.HTTP != nil {
		err = s.HTTP.Shutdown(ctx)
	}
	if s.stop != nil {
		s.stop()
		done := make(chan struct{})
		go func() { s.workers.Wait(); close(done) }()
		select {
		case <-done:
		case <-ctx.Done():
			err = errors.Join(err, errors.New("workers did not stop in time"))
		}
	}
	s.closeResources()
	return err
}

func (s *Server) closeResources() {
	if s.NATS != nil {
		_ = s.NATS.Drain()
	}
	if s.embedded != nil {
		s.embedded.Shutdown()
		s.embedded.WaitForShutdown()
	}
	if s.Book != nil {
		s.Book.Close()
	}
	if s.Pool != nil {
		s.Pool.Close()
	}
}
