package web

import (
	"os/exec"
	"strings"
	"testing"
)

// The portal reaches the database only through app, like the API: it
// imports no store (no */*db package) and no pgx.
func TestPortalImportsNoStore(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, "github.com/cadena-finance/cadena/internal/web").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, imp := range strings.Fields(string(out)) {
		if (strings.HasPrefix(imp, "github.com/cadena-finance/") && strings.HasSuffix(imp, "db")) || strings.HasPrefix(imp, "github.com/jackc/pgx") {
			t.Errorf("internal/web imports %s", imp)
		}
	}
}
