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
	"syscall"
)

type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the HTTP API, the embedded NATS server (unless NATS_URL is set) and the background workers", runServe},
		{"migrate", "apply the database migrations and print the schema version", runMigrate},
		{"bootstrap", "create the platform operator party (once) and print its id", runBootstrap},
		{"seed-demo", "load a small demo (one buyer, two suppliers, two lenders, one program) unless already loaded", runSeedDemo},
		{"token", "mint an access token for a party and role, for operators and local use", runToken},
		{"keygen", "add a new JWT signing key to the key folder (rotation); older keys stay valid", runKeygen},
		{"quote", "price an early payment from the command line, with every figure shown", runQuote},
		{"nats-config", "print the NATS server config that trusts Cadena's keys, or platform/lender credentials", runNATSConfig},
		{"invoices", "publish approved invoices from a CSV file in batches: invoices upload FILE.csv", runInvoices},
		{"reconcile", "check every financing's state, ledger entries and confirmations; non-zero exit on any difference", runReconcile},
		{"audit", "audit verify: check the hash-chained audit log; non-zero exit if any record was altered", runAudit},
		{"lender-bot", "reference bank integration: bid on auctions over NATS with lender credentials, report wins", runLenderBot},
		{"version", "print the version", runVersion},
	}
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cadena:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		usage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Cadena: reverse factoring for buyers, suppliers and lenders.")
	fmt.Fprintln(w, "\nUsage: cadena <command> [flags]   (cadena <command> --help for its flags)")
	fmt.Fprintln(w, "\nCommands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-10s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nConfiguration comes from the environment:")
	for _, v := range configVariables() {
		fmt.Fprintf(w, "  %-32s %s (default %s)\n", v[0], v[2], v[1])
	}
}
