package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/cadena-finance/cadena/internal/platform/config"
	"github.com/cadena-finance/cadena/internal/platform/natsauth"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
)

// dbCommands are the commands that open the database.
var dbCommands = [][]string{
	{"token", "--party", "ABA010203BB4", "--role", "buyer"}, {"serve"}, {"seed-demo"}, {"reconcile"},
	{"audit", "verify"}, {"bootstrap", "--legal-name", "Op", "--tax-id", "CAD250101GGA"}, {"migrate"},
	{"nats-config", "--lender", "BNO900101EEA", "--skip-consumer"},
	{"bank-notification", "--financing", "0193f1a2-7c4e-7d2b-9a10-3b5c6d7e8f90"},
}

// runReported runs a command line as main does: its exit status and stderr.
func runReported(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := func() (code int) {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("cadena %s panicked: %v", strings.Join(args, " "), r)
			}
		}()
		return report(run(context.Background(), args, &out, &errOut), &errOut)
	}()
	return code, out.String(), errOut.String()
}

// A missing database or an unreachable server is one line naming the
// database and what to do, and a non-zero exit: never a panic.
func TestCommandsNameTheDatabaseTheyCannotOpen(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CADENA_DATA_DIR", dir)
	if _, err := natsauth.LoadOrCreate(filepath.Join(dir, "nats-keys")); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ url, want string }{
		{pgtest.WithDatabase(pgtest.AdminURL(), "cadena_missing_cli"), "database cadena_missing_cli does not exist on 127.0.0.1:"},
		{"postgres://postgres@127.0.0.1:1/cadena?sslmode=disable", "PostgreSQL unreachable at 127.0.0.1:1 (database cadena)"},
	}
	for _, c := range cases {
		t.Setenv("DATABASE_URL", c.url)
		for _, args := range dbCommands {
			code, _, stderr := runReported(t, args...)
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			if code != 1 || len(lines) != 1 || !strings.Contains(lines[0], c.want) ||
				!strings.Contains(lines[0], "DATABASE_URL") || !strings.Contains(lines[0], "make run") {
				t.Errorf("cadena %s: exit %d, stderr:\n%s", strings.Join(args, " "), code, stderr)
			}
		}
	}
}

// Only serve and keygen create signing keys: token, run where there is
// none, refuses and says where it looked and which setting moves it.
func TestTokenNeedsTheServersKey(t *testing.T) {
	seededDemo(t)
	keys := filepath.Join(os.Getenv("CADENA_DATA_DIR"), "keys")
	code, out, stderr := runReported(t, "token", "--party", "ABA010203BB4", "--role", "buyer")
	if code != 1 || out != "" || !strings.Contains(stderr, "no signing key in "+keys) || !strings.Contains(stderr, "CADENA_JWT_KEY_DIR") {
		t.Fatalf("exit %d, out %q, stderr %q", code, out, stderr)
	}
	if entries, _ := os.ReadDir(keys); len(entries) != 0 {
		t.Fatalf("token created keys: %v", entries)
	}
	if code, _, stderr := runReported(t, "keygen"); code != 0 {
		t.Fatal(stderr)
	}
	if code, out, stderr := runReported(t, "token", "--party", "ABA010203BB4", "--role", "buyer"); code != 0 || !strings.HasPrefix(out, "eyJ") {
		t.Fatalf("exit %d: %s %s", code, out, stderr)
	}
}

// Credentials need the server's NATS keys: nats-config --platform or
// --lender refuses without them and creates none.
func TestNATSCredentialsNeedTheServersKeys(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nats-keys")
	t.Setenv("CADENA_NATS_KEY_DIR", dir)
	for _, args := range [][]string{{"nats-config", "--platform"}, {"nats-config", "--lender", "BNO900101EEA", "--skip-consumer"}} {
		code, out, stderr := runReported(t, args...)
		if code != 1 || out != "" || !strings.Contains(stderr, "no NATS keys in "+dir) || !strings.Contains(stderr, "CADENA_NATS_KEY_DIR") {
			t.Fatalf("%v: exit %d, out %q, stderr %q", args, code, out, stderr)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%v created %s", args, dir)
		}
	}
}

// lender-bot's default NATS address is the embedded server's.
func TestLenderBotDefaultsToTheEmbeddedServer(t *testing.T) {
	t.Setenv("CADENA_NATS_HOST", "")
	t.Setenv("CADENA_NATS_PORT", "")
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	_, out, _ := runReported(t, "lender-bot", "--help")
	want := `(default "nats://` + cfg.NATSHost + ":" + itoa(cfg.NATSPort) + `")`
	if !strings.Contains(out, want) {
		t.Fatalf("lender-bot help lacks %s:\n%s", want, out)
	}
}

// Every subcommand's --help exits 0 and shows its description, usage,
// flags and an example, through the one help of help.go.
func TestEveryCommandHasHelp(t *testing.T) {
	t.Parallel()
	for _, c := range commands() {
		for _, h := range []string{"--help", "-h"} {
			code, out, stderr := runReported(t, c.name, h)
			if code != 0 || stderr != "" {
				t.Errorf("cadena %s %s: exit %d, stderr %q", c.name, h, code, stderr)
			}
			for _, want := range []string{"cadena " + c.name + ": " + c.summary, "Usage:\n  cadena " + c.name, "Flags:\n", "Example:\n  "} {
				if !strings.Contains(out, want) {
					t.Errorf("cadena %s %s lacks %q:\n%s", c.name, h, want, out)
				}
			}
			if strings.Contains(out, "Usage of") || c.example == "" {
				t.Errorf("cadena %s %s: bare usage or no example:\n%s", c.name, h, out)
			}
		}
	}
	for _, args := range [][]string{{"serve", "--nope"}, {"invoices"}, {"audit"}, {"nope"}} {
		if code, _, stderr := runReported(t, args...); code != 2 || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "--help") {
			t.Errorf("cadena %v: exit %d, stderr %q", args, code, stderr)
		}
	}
}

// cadena alone prints the help and exits 2; the help is aligned and every
// default reads naturally.
func TestTopLevelHelp(t *testing.T) {
	t.Parallel()
	code, out, stderr := runReported(t)
	if code != 2 || out != "" || !strings.Contains(stderr, "Commands:") {
		t.Fatalf("exit %d, out %q, stderr %q", code, out, stderr)
	}
	code, out, _ = runReported(t, "--help")
	if code != 0 || strings.Contains(out, "(default (") || strings.Contains(out, "(default )") {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	column := -1
	for _, c := range commands() {
		i := strings.Index(out, "\n  "+c.name+" ")
		if i < 0 {
			t.Fatalf("%s missing:\n%s", c.name, out)
		}
		line := out[i+1:]
		line = line[:strings.IndexByte(line, '\n')]
		col := strings.Index(line, c.summary)
		if column == -1 {
			column = col
		}
		if col != column {
			t.Errorf("%s's summary at column %d, not %d:\n%s", c.name, col, column, out)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
