// Command cadena runs the Cadena supplier-finance platform and its tools.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/cadena-finance/cadena/internal/platform/db"
)

// command is one subcommand. help.go prints its --help from these fields,
// the same way for every command.
type command struct {
	name, summary string
	synopsis      string // arguments after "cadena <name>"
	example       string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the HTTP API, the embedded NATS server (unless NATS_URL is set) and the background workers",
			"[--addr :8080] [--migrate]", "cadena serve --addr :8080", runServe},
		{"migrate", "apply the database migrations and print the schema version",
			"[--create-db]", "cadena migrate --create-db", runMigrate},
		{"bootstrap", "create the platform operator party (once) and print its id",
			"--legal-name NAME --tax-id RFC [--country MX]", `cadena bootstrap --legal-name "Cadena Operaciones SAPI de CV" --tax-id CAD250101GGA`, runBootstrap},
		{"seed-demo", "load the demo (parties, program, fixings, standing offers, invoices); safe at every start",
			"", "cadena seed-demo", runSeedDemo},
		{"token", "mint an access token for a party and role, for operators and local use (audited)",
			"--party ID-or-TAX-ID --role ROLE [--subject S] [--json]", "cadena token --party ABA010203BB4 --role buyer", runToken},
		{"keygen", "add a new JWT signing key to the key folder (rotation); older keys stay valid",
			"", "cadena keygen", runKeygen},
		{"quote", "price an early payment from the command line, with every figure shown",
			"--face AMOUNT --currency CUR --reference-rate PCT --spread-bps N --value-date D --due-date D [...]",
			"cadena quote --face 100000.00 --currency MXN --reference-rate 7.12 --spread-bps 500 --value-date 2026-11-23 --due-date 2027-01-22", runQuote},
		{"nats-config", "print the NATS server config that trusts Cadena's keys, or platform/lender credentials",
			"[--platform | --lender ID [--ttl 2160h] [--skip-consumer]] [--out FILE]", "cadena nats-config --lender BNO900101EEA --out banconorte.creds", runNATSConfig},
		{"invoices", "publish approved invoices from a CSV file in batches",
			"upload FILE.csv [--api URL] [--token T] [--program ID] [--batch-size N] [--rejects FILE] [--atomic]",
			"CADENA_TOKEN=$(cadena token --party ABA010203BB4 --role buyer) cadena invoices upload facturas.csv", runInvoices},
		{"reconcile", "check every financing's state, ledger entries and confirmations; non-zero exit on any difference",
			"", "cadena reconcile", runReconcile},
		{"bank-notification", "write the camt.054 the lender's bank sends once financings' payments moved, to upload (demo, tests)",
			"--financing ID[,ID...] [--leg repayment|disbursement|both] [--date YYYY-MM-DD] [--out FILE]",
			"cadena bank-notification --financing 0193f1a2-7c4e-7d2b-9a10-3b5c6d7e8f90 --leg repayment --out camt054.xml", runBankNotification},
		{"audit", "check the hash-chained audit log; non-zero exit if any record was altered",
			"verify", "cadena audit verify", runAudit},
		{"lender-bot", "reference bank integration: bid on auctions over NATS with lender credentials, report wins",
			"--creds FILE --state FILE (--spread-bps N | --spreads DAYS:BPS,... [--api URL --client-id ID]) [--nats URL] [--max-face AMOUNT]",
			"cadena lender-bot --creds banconorte.creds --state /var/lib/cadena/banconorte.state --spreads 30:320,60:300,90:290", runLenderBot},
		{"version", "print the version", "", "cadena version", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(report(err, os.Stderr))
}

// report prints err as one line and returns the exit status: 0 for success
// and --help, 2 for a command line that cannot run, 1 for everything else.
func report(err error, stderr io.Writer) int {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintln(stderr, "cadena:", oneLine(explain(err)))
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}

// explain adds what to do to the errors a first run meets.
func explain(err error) string {
	var ce *db.ConnectError
	if !errors.As(err, &ce) {
		return err.Error()
	}
	if ce.Missing {
		return fmt.Sprintf("database %s does not exist on %s: run make run, or export DATABASE_URL as it prints (cadena migrate --create-db creates it)", ce.Database, ce.Addr)
	}
	return ce.Error() + ": start PostgreSQL (make run starts one), or export DATABASE_URL as make run prints"
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stderr)
		return usageErr("no command given")
	}
	if isHelp(args[0]) || args[0] == "help" {
		usage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	return usageErr("unknown command %q (cadena --help lists them)", args[0])
}
