// Package xsdtest checks documents against the official ISO 20022 schemas
// copied into contracts/iso20022, with xmllint, for any package's tests.
package xsdtest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Schemas in contracts/iso20022.
const (
	Pain001 = "pain.001.001.10.xsd"
	Camt054 = "camt.054.001.08.xsd"
)

// Validate fails t when the schema refuses doc. Without xmllint the test
// skips, unless CI=true: there an unvalidated bank file must not pass as
// tested. Call it last, since it may skip.
func Validate(t testing.TB, schema string, doc []byte) {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		msg := "xmllint not found: install Debian's libxml2-utils (apt-get install -y libxml2-utils) to validate against the ISO 20022 schemas"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI=true forbids skipping schema validation")
		}
		t.Skip(msg)
	}
	cmd := exec.Command(bin, "--noout", "--nonet", "--schema", filepath.Join(contracts(t), "iso20022", schema), "-")
	cmd.Stdin = bytes.NewReader(doc)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s refuses the document: %v\n%s\n--- document ---\n%s", schema, err, out, doc)
	}
}

// contracts is the module's contracts folder, found from the test's
// working directory (its package's folder) up to go.mod.
func contracts(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "contracts")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod above the test's folder")
		}
		dir = parent
	}
}
