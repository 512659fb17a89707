// Package config reads Cadena's settings from the environment; flags of the
// subcommands may override a few. The README has the table of every variable.
package config

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/cadena-finance/cadena/internal/auth"
)

// Config is every setting the binary reads.
type Config struct {
	DatabaseURL     string
	NATSURL         string // empty: start the embedded server
	NATSCreds       string
	NATSHost        string
	NATSPort        int
	NATSKeyDir      string
	DataDir         string
	HTTPAddr        string
	KeyDir          string
	Issuer          string
	Audience        string
	TokenTTL        time.Duration
	MigrateOnStart  bool
	LogLevel        string
	MaxBodyBytes    int64
	MaxBatchBytes   int64
	PlatformMaxBps  int
	RateMaxAgeDays  int
	ReminderDays    int // business days before maturity of the repayment reminder
	ShutdownTimeout time.Duration
	PprofAddr       string // empty: no profiling listener
	LoginThrottle   auth.Throttle
}

// The embedded NATS server's address by default; 4222 is left to a system
// nats-server. Clients (cadena lender-bot) default to the same address.
const (
	DefaultNATSHost = "127.0.0.1"
	DefaultNATSPort = 4223
)

// DefaultNATSURL is the embedded server's URL with the default settings.
func DefaultNATSURL() string {
	return "nats://" + net.JoinHostPort(DefaultNATSHost, strconv.Itoa(DefaultNATSPort))
}

// Variables documents each variable with its default, for --help and the README.
var Variables = [][3]string{
	{"DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cadena?sslmode=disable", "PostgreSQL connection URL"},
	{"NATS_URL", "(unset: embedded server)", "NATS server or comma-separated cluster URLs"},
	{"NATS_CREDS", "", "credentials file for NATS_URL"},
	{"CADENA_NATS_HOST", DefaultNATSHost, "embedded NATS listen host"},
	{"CADENA_NATS_PORT", strconv.Itoa(DefaultNATSPort), "embedded NATS listen port"},
	{"CADENA_NATS_KEY_DIR", "$CADENA_DATA_DIR/nats-keys", "NATS operator and account seeds (*.nk) that sign the platform's and lenders' credentials"},
	{"CADENA_DATA_DIR", ".data", "embedded NATS store and default key folder"},
	{"CADENA_HTTP_ADDR", ":8080", "HTTP listen address"},
	{"CADENA_JWT_KEY_DIR", "$CADENA_DATA_DIR/keys", "Ed25519 signing keys (*.key.pem) and retired public keys (*.pub.pem)"},
	{"CADENA_JWT_ISSUER", "cadena", "iss claim of issued tokens"},
	{"CADENA_JWT_AUDIENCE", "cadena-api", "aud claim of issued tokens"},
	{"CADENA_TOKEN_TTL", "15m", "access token lifetime (15m at most)"},
	{"CADENA_MIGRATE_ON_START", "false", "apply migrations when serve starts"},
	{"CADENA_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"CADENA_MAX_BODY_BYTES", "1048576", "largest request body on ordinary routes"},
	{"CADENA_MAX_BATCH_BYTES", "67108864", "largest invoice batch upload"},
	{"CADENA_PLATFORM_MAX_SPREAD_BPS", "700", "platform cap on a program's maximum spread (700 at most)"},
	{"CADENA_REFERENCE_RATE_MAX_AGE_DAYS", "3", "business days a reference rate may be old before quoting stops"},
	{"CADENA_MATURITY_REMINDER_DAYS", "3", "business days before maturity that cadena.financing.repayment_reminder goes out"},
	{"CADENA_SHUTDOWN_TIMEOUT", "20s", "how long shutdown waits for requests and the relay"},
	{"CADENA_LOGIN_MAX_FAILURES", "5", "failed logins for one account (email or API client) before it is locked"},
	{"CADENA_LOGIN_ADDRESS_MAX_FAILURES", "20", "failed logins from one client address before it is locked"},
	{"CADENA_LOGIN_WINDOW", "15m", "failures are forgotten after this long without a failure or a lock"},
	{"CADENA_LOGIN_BACKOFF", "1m", "first lock; each further failure doubles it"},
	{"CADENA_LOGIN_BACKOFF_MAX", "1h", "longest lock"},
	{"CADENA_PPROF_ADDR", "(unset: off)", "loopback address for Go's /debug/pprof profiles, for operators measuring a server"},
}

// Load reads the environment, applying the defaults above.
func Load() (Config, error) {
	c := Config{
		DatabaseURL: env("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/cadena?sslmode=disable"),
		NATSURL:     os.Getenv("NATS_URL"),
		NATSCreds:   os.Getenv("NATS_CREDS"),
		NATSHost:    env("CADENA_NATS_HOST", DefaultNATSHost),
		DataDir:     env("CADENA_DATA_DIR", ".data"),
		HTTPAddr:    env("CADENA_HTTP_ADDR", ":8080"),
		Issuer:      env("CADENA_JWT_ISSUER", "cadena"),
		Audience:    env("CADENA_JWT_AUDIENCE", "cadena-api"),
		LogLevel:    env("CADENA_LOG_LEVEL", "info"),
		PprofAddr:   os.Getenv("CADENA_PPROF_ADDR"),
	}
	c.KeyDir = env("CADENA_JWT_KEY_DIR", filepath.Join(c.DataDir, "keys"))
	c.NATSKeyDir = env("CADENA_NATS_KEY_DIR", filepath.Join(c.DataDir, "nats-keys"))
	var err error
	set := func(name string, f func(string) error) {
		if err == nil {
			if e := f(name); e != nil {
				err = fmt.Errorf("%s: %w", name, e)
			}
		}
	}
	set("CADENA_NATS_PORT", func(n string) (e error) { c.NATSPort, e = strconv.Atoi(env(n, strconv.Itoa(DefaultNATSPort))); return })
	set("CADENA_TOKEN_TTL", func(n string) (e error) { c.TokenTTL, e = time.ParseDuration(env(n, "15m")); return })
	set("CADENA_MIGRATE_ON_START", func(n string) (e error) { c.MigrateOnStart, e = strconv.ParseBool(env(n, "false")); return })
	set("CADENA_MAX_BODY_BYTES", func(n string) (e error) { c.MaxBodyBytes, e = strconv.ParseInt(env(n, "1048576"), 10, 64); return })
	set("CADENA_MAX_BATCH_BYTES", func(n string) (e error) { c.MaxBatchBytes, e = strconv.ParseInt(env(n, "67108864"), 10, 64); return })
	set("CADENA_PLATFORM_MAX_SPREAD_BPS", func(n string) (e error) { c.PlatformMaxBps, e = strconv.Atoi(env(n, "700")); return })
	set("CADENA_REFERENCE_RATE_MAX_AGE_DAYS", func(n string) (e error) { c.RateMaxAgeDays, e = strconv.Atoi(env(n, "3")); return })
	set("CADENA_MATURITY_REMINDER_DAYS", func(n string) (e error) { c.ReminderDays, e = strconv.Atoi(env(n, "3")); return })
	set("CADENA_LOGIN_MAX_FAILURES", func(n string) (e error) { c.LoginThrottle.Failures, e = strconv.Atoi(env(n, "5")); return })
	set("CADENA_LOGIN_ADDRESS_MAX_FAILURES", func(n string) (e error) {
		c.LoginThrottle.AddressFailures, e = strconv.Atoi(env(n, "20"))
		return
	})
	set("CADENA_LOGIN_WINDOW", func(n string) (e error) { c.LoginThrottle.Window, e = time.ParseDuration(env(n, "15m")); return })
	set("CADENA_LOGIN_BACKOFF", func(n string) (e error) { c.LoginThrottle.Backoff, e = time.ParseDuration(env(n, "1m")); return })
	set("CADENA_LOGIN_BACKOFF_MAX", func(n string) (e error) { c.LoginThrottle.MaxBackoff, e = time.ParseDuration(env(n, "1h")); return })
	set("CADENA_SHUTDOWN_TIMEOUT", func(n string) (e error) { c.ShutdownTimeout, e = time.ParseDuration(env(n, "20s")); return })
	if err != nil {
		return c, err
	}
	if c.TokenTTL <= 0 || c.TokenTTL > 15*time.Minute {
		return c, fmt.Errorf("CADENA_TOKEN_TTL must be between 1s and 15m, got %s", c.TokenTTL)
	}
	// 700 bp is Cadena's promise to suppliers (NAFIN's 7 points): it can be lowered, never raised.
	if c.PlatformMaxBps < 0 || c.PlatformMaxBps > 700 {
		return c, fmt.Errorf("CADENA_PLATFORM_MAX_SPREAD_BPS must be between 0 and 700")
	}
	if c.RateMaxAgeDays < 1 || c.RateMaxAgeDays > 30 {
		return c, fmt.Errorf("CADENA_REFERENCE_RATE_MAX_AGE_DAYS must be between 1 and 30")
	}
	if t := c.LoginThrottle; t.Failures < 1 || t.AddressFailures < 1 || t.Window <= 0 || t.Backoff <= 0 || t.MaxBackoff < t.Backoff {
		return c, fmt.Errorf("CADENA_LOGIN_*: failures must be at least 1, and 0 < CADENA_LOGIN_BACKOFF <= CADENA_LOGIN_BACKOFF_MAX, CADENA_LOGIN_WINDOW > 0")
	}
	if c.ReminderDays < 1 || c.ReminderDays > 30 {
		return c, fmt.Errorf("CADENA_MATURITY_REMINDER_DAYS must be between 1 and 30")
	}
	return c, nil
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}
