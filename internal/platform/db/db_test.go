package db_test

import (
	"context"
	"io/fs"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
	"github.com/cadena-finance/cadena/migrations"
)

func TestMigrateFromEmpty(t *testing.T) {
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, pgtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = admin.Close(ctx) }()
	name := pgtest.UniqueName("cadena_empty_migrate")
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") })
	url := pgtest.WithDatabase(pgtest.AdminURL(), name)

	files, _ := fs.Glob(migrations.FS, "*.sql")
	for i := 0; i < 2; i++ { // the second run must be a no-op
		v, err := db.Migrate(ctx, url)
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		if int(v) != len(files) {
			t.Fatalf("version %d, want %d", v, len(files))
		}
	}
}

func TestNumericMapsToDecimal(t *testing.T) {
	pool, _ := pgtest.NewPool(t)
	var d decimal.Decimal
	if err := pool.QueryRow(context.Background(), "SELECT 1250.10::numeric(20,2)").Scan(&d); err != nil {
		t.Fatal(err)
	}
	if d.String() != "1250.1" || d.StringFixed(2) != "1250.10" {
		t.Fatalf("got %s", d)
	}
	var back string
	if err := pool.QueryRow(context.Background(), "SELECT ($1::numeric)::text", decimal.RequireFromString("0.10")).Scan(&back); err != nil {
		t.Fatal(err)
	}
	if back != "0.10" {
		t.Fatalf("round trip gave %s", back)
	}
}
