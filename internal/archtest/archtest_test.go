// Package archtest keeps the import rules of docs/architecture.md.
package archtest

import (
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/cadena-finance/cadena/"

// domain packages must not reach HTTP, SQL or NATS, even indirectly.
var domain = []string{"money", "validation", "taxid", "bankaccount", "calendar", "pricing", "auth", "event", "party", "program", "invoice", "refrate", "ledger", "audit", "iso20022", "offer", "financing", "settlement"}

var forbidden = []string{"github.com/labstack/echo", "github.com/jackc/pgx", "github.com/nats-io"}

func TestDomainImportsNoInfrastructure(t *testing.T) {
	for _, pkg := range domain {
		out, err := exec.Command("go", "list", "-deps", module+"internal/"+pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range forbidden {
				if strings.HasPrefix(dep, f) {
					t.Errorf("internal/%s depends on %s", pkg, dep)
				}
			}
			if strings.HasPrefix(dep, module+"internal/") {
				rest := strings.TrimPrefix(dep, module+"internal/")
				if strings.HasPrefix(rest, "app") || strings.HasPrefix(rest, "api") || strings.HasPrefix(rest, "platform") || strings.HasPrefix(rest, "server") {
					t.Errorf("internal/%s depends on outer package %s", pkg, dep)
				}
			}
		}
	}
}

// Handlers reach the database only through app: api imports no domain store.
// The one store it holds is the Idempotency-Key middleware's, which wraps
// every POST before any handler runs.
func TestAPIImportsNoStore(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, module+"internal/api").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, imp := range strings.Fields(string(out)) {
		if strings.HasSuffix(imp, "db") && strings.HasPrefix(imp, module) && imp != module+"internal/platform/idempotencydb" {
			t.Errorf("internal/api imports store %s", imp)
		}
	}
}

// The edges reach the database through app, the duplicate-request keys
// through platform/idempotency and its store, and the portal its own rows
// through the store internal/server passes it: neither internal/api nor
// internal/web imports pgx, not even for an error code, and nor does the
// mechanism over idempotencydb.
func TestEdgesImportNoPgx(t *testing.T) {
	for _, pkg := range []string{"api", "web", "platform/idempotency"} {
		out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, module+"internal/"+pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		for _, imp := range strings.Fields(string(out)) {
			if strings.HasPrefix(imp, "github.com/jackc/pgx") {
				t.Errorf("internal/%s imports %s", pkg, imp)
			}
		}
	}
}
