package contracts_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
)

// Banks and ERP vendors generate their clients from openapi.yaml, so a
// contract a generator rejects, or turns into code that does not compile, is
// a broken contract. This generates a Go client with oapi-codegen, pinned in
// internal/tools/go.mod with the runtime its code imports, and builds it in a
// module of its own. The first run downloads and builds the generator
// through the Go module proxy; later runs take a few seconds from the caches.
func TestGeneratedGoClientCompiles(t *testing.T) {
	t.Parallel()
	tools, err := filepath.Abs("../internal/tools")
	if err != nil {
		t.Fatal(err)
	}
	spec, err := filepath.Abs("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()

	run(t, tools, "oapi-codegen rejects contracts/openapi.yaml",
		"tool", "oapi-codegen", "-generate", "types,client", "-package", "cadenaclient",
		"-o", filepath.Join(dir, "client.go"), spec)

	// The client's module requires what the tools module requires, at the
	// same versions and sums: the pins live in one place.
	mod, err := os.ReadFile(filepath.Join(tools, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	mod = regexp.MustCompile(`(?m)^module .*$`).ReplaceAll(mod, []byte("module example.com/cadenaclient"))
	sum, err := os.ReadFile(filepath.Join(tools, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), mod, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, dir, "the client generated from contracts/openapi.yaml does not compile", "vet", "./...")
}

// run runs the go command in dir, outside any workspace and without touching
// go.mod, and fails with its output.
func run(t *testing.T, dir, failure string, args ...string) {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=readonly -buildvcs=false")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", failure, err, out)
	}
}
