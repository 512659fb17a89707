package archtest

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The use cases by capability (docs/architecture.md): each stands on the
// shared base, the domains and their stores, and never imports another, so
// a rule lives in one capability and a newcomer finds it by its name.
var capabilities = []string{"access", "administration", "invoicing", "quoting", "acceptance", "auctions", "settling", "auditing", "notifying"}

// Only the wiring, the demo's tooling and the use-case tests' fixture
// (apptest, which no production code imports) combine capabilities.
var composers = []string{"usecases", "demo", "apptest"}

func TestUseCasesImportNoOtherUseCase(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, module+"internal/app/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module+"internal/app")
		pkg = strings.TrimPrefix(pkg, "/")
		seen[pkg] = true
		if pkg != "" && !slices.Contains(capabilities, pkg) && !slices.Contains(composers, pkg) {
			t.Errorf("internal/app/%s is neither a capability nor a composer: add it to docs/architecture.md and here", pkg)
		}
		for _, imp := range fields[1:] {
			dep, ok := strings.CutPrefix(imp, module+"internal/app/")
			if !ok {
				continue
			}
			switch {
			case pkg == "":
				t.Errorf("the shared base internal/app imports internal/app/%s: the base sits below every use case", dep)
			case slices.Contains(capabilities, pkg):
				t.Errorf("use case internal/app/%s imports internal/app/%s: capabilities never import each other", pkg, dep)
			}
		}
	}
	for _, c := range append(capabilities, composers...) {
		if !seen[c] {
			t.Errorf("internal/app/%s is listed but missing", c)
		}
	}
}
