// Package db opens the pgx pool, registers decimal for NUMERIC and uuid.UUID
// for uuid, and applies migrations.
package db

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	pgxdecimal "github.com/jackc/pgx-shopspring-decimal"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"
	pgxuuid "github.com/vgarvardt/pgx-google-uuid/v5"

	"github.com/cadena-finance/cadena/migrations"
)

// Querier is what stores need: a pool or a transaction.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	CopyFrom(ctx context.Context, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error)
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// Open connects a pool whose connections map NUMERIC to decimal.Decimal.
func Open(ctx context.Context, url string, maxConns int32) (*pgxpool.Pool, error) {
	return open(ctx, url, maxConns, nil)
}

// OpenAsyncCommit connects a pool whose sessions commit without waiting for
// the WAL flush (synchronous_commit = off), for bookkeeping that a later
// synchronous commit makes durable or that a crash may lose harmlessly. Its
// statements are single-row lookups by key, so their prepared plans are
// always generic (GenericPlans).
func OpenAsyncCommit(ctx context.Context, url string, maxConns int32) (*pgxpool.Pool, error) {
	return open(ctx, url, maxConns, map[string]string{"synchronous_commit": "off", "plan_cache_mode": "force_generic_plan"})
}

// GenericPlans, run first in a transaction, makes its prepared statements
// use their generic plans. PostgreSQL otherwise keeps planning afresh every
// execution of a statement whose generic estimate looks worse than its
// custom ones (array parameters, unnest), which cost the acceptance about a
// sixth of its database CPU. Only for transactions whose statements reach
// rows by key, where the generic plan is the custom one.
const GenericPlans = "SET LOCAL plan_cache_mode = force_generic_plan"

func open(ctx context.Context, url string, maxConns int32, params map[string]string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	for k, v := range params {
		cfg.ConnConfig.RuntimeParams[k] = v
	}
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		pgxdecimal.Register(c.TypeMap())
		pgxuuid.Register(c.TypeMap()) // uuid.UUID binary, not through driver.Valuer's string
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, connectError(cfg.ConnConfig.Config, err)
	}
	return pool, nil
}

// ConnectError names the database that could not be opened and says in one
// line whether it is missing or its server unreachable, so a command can add
// what to do instead of printing pgx's multi-line detail.
type ConnectError struct {
	Database, Addr string
	Missing        bool // the server answered: no such database
	Err            error
}

func (e *ConnectError) Error() string {
	if e.Missing {
		return fmt.Sprintf("database %s does not exist on %s", e.Database, e.Addr)
	}
	cause := e.Err
	var op *net.OpError
	if errors.As(e.Err, &op) {
		cause = op.Err
	}
	return fmt.Sprintf("PostgreSQL unreachable at %s (database %s): %s", e.Addr, e.Database, strings.ReplaceAll(cause.Error(), "\n", "; "))
}

func (e *ConnectError) Unwrap() error { return e.Err }

// connectError classifies a failure to connect; other errors pass unchanged.
func connectError(cfg pgconn.Config, err error) error {
	var pgErr *pgconn.PgError
	var connErr *pgconn.ConnectError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == "3D000": // invalid_catalog_name
		return &ConnectError{Database: cfg.Database, Addr: net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))), Missing: true, Err: err}
	case errors.As(err, &connErr) && pgErr == nil:
		return &ConnectError{Database: cfg.Database, Addr: net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port))), Err: err}
	}
	return fmt.Errorf("connect to PostgreSQL: %w", err)
}

// Migrate applies every embedded migration under tern's advisory lock and
// returns the resulting version.
func Migrate(ctx context.Context, url string) (int32, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return 0, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return 0, connectError(cfg.Config, err)
	}
	defer func() { _ = conn.Close(ctx) }() // the statements report their errors; closing only ends the session
	m, err := migrate.NewMigrator(ctx, conn, "public.schema_version")
	if err != nil {
		return 0, err
	}
	if err := m.LoadMigrations(migrations.FS); err != nil {
		return 0, err
	}
	if err := m.Migrate(ctx); err != nil {
		return 0, err
	}
	return m.GetCurrentVersion(ctx)
}

// IsRetryable reports a serialization failure or deadlock.
func IsRetryable(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

// IsUniqueViolation reports a unique violation, optionally on a named constraint.
func IsUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		return false
	}
	return constraint == "" || pgErr.ConstraintName == constraint
}

// CreateIfMissing creates the database named in url, connecting to the
// server's maintenance database "postgres" to do so.
func CreateIfMissing(ctx context.Context, url string) error {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	name := cfg.Database
	cfg.Database = "postgres"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return connectError(cfg.Config, err)
	}
	defer func() { _ = conn.Close(ctx) }() // the statements report their errors; closing only ends the session
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil || exists {
		return err
	}
	_, err = conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize())
	return err
}
