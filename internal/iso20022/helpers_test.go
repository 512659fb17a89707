package iso20022

import (
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

const (
	schemaPain001 = "pain.001.001.10.xsd"
	schemaCamt054 = "camt.054.001.08.xsd"
)

// validate runs xmllint against the official schema copied into
// contracts/iso20022. Without xmllint the test skips, unless CI=true:
// there an unvalidated payment file must not pass as tested.
func validate(t *testing.T, schema string, doc []byte) {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		msg := "xmllint not found: install Debian's libxml2-utils (apt-get install -y libxml2-utils) to validate against the ISO 20022 schemas"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + "; CI=true forbids skipping schema validation")
		}
		t.Skip(msg)
	}
	xsd := filepath.Join("..", "..", "contracts", "iso20022", schema)
	cmd := exec.Command(bin, "--noout", "--nonet", "--schema", xsd, "-")
	cmd.Stdin = bytes.NewReader(doc)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s refuses the document: %v\n%s\n--- document ---\n%s", schema, err, out, doc)
	}
}

// texts maps each element path (local names below the root, joined by
// "/") to the texts of the elements there, in document order: enough to
// assert on a document without a second set of structs.
func texts(t *testing.T, doc []byte) map[string][]string {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	var stack []string
	var text strings.Builder
	out := map[string][]string{}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("reading back: %v", err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			stack = append(stack, tk.Name.Local)
			text.Reset()
		case xml.CharData:
			text.Write(tk)
		case xml.EndElement:
			if len(stack) > 1 {
				p := strings.Join(stack[1:], "/")
				out[p] = append(out[p], strings.TrimSpace(text.String()))
			}
			stack = stack[:len(stack)-1]
			text.Reset()
		}
	}
}

func values(t *testing.T, doc []byte, path string) []string {
	t.Helper()
	return texts(t, doc)[path]
}

func cents(n int64) decimal.Decimal { return decimal.New(n, -2) }

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
