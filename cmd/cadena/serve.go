package main

import (
	"context"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/pprof"
	"os"
	"strings"
	"time"

	"github.com/cadena-finance/cadena/internal/platform/config"
	"github.com/cadena-finance/cadena/internal/server"
)

// loadConfig reads the environment, then the flags common to every command.
func loadConfig(fs *flag.FlagSet, args []string) (config.Config, error) {
	cfg, err := config.Load()
	if err != nil {
		return cfg, err
	}
	fs.StringVar(&cfg.DatabaseURL, "database-url", cfg.DatabaseURL, "PostgreSQL URL (DATABASE_URL)")
	if err := parseFlags(fs, args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, usageErr("%s: unexpected argument %q (cadena %s --help)", fs.Name(), fs.Arg(0), strings.Fields(fs.Name())[0])
	}
	return cfg, nil
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(strings.ToUpper(level)))
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stdout)
	addr := fs.String("addr", "", "HTTP listen address (CADENA_HTTP_ADDR)")
	migrate := fs.Bool("migrate", false, "apply migrations before serving (CADENA_MIGRATE_ON_START)")
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	if *addr != "" {
		cfg.HTTPAddr = *addr
	}
	cfg.MigrateOnStart = cfg.MigrateOnStart || *migrate
	log := newLogger(os.Stdout, cfg.LogLevel)
	s, err := server.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	if err := s.StartNATS(ctx); err != nil {
		_ = s.Shutdown(context.Background())
		return err
	}
	if err := s.Serve(nil); err != nil {
		_ = s.Shutdown(context.Background())
		return err
	}
	if cfg.PprofAddr != "" {
		go servePprof(cfg.PprofAddr, log)
	}
	<-ctx.Done()
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	return s.Shutdown(sctx)
}

// servePprof serves Go's profiles on their own listener, never on the API's.
func servePprof(addr string, log *slog.Logger) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if err := srv.ListenAndServe(); err != nil {
		log.Error("pprof listener", "addr", addr, "err", err)
	}
}
