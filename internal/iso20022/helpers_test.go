package iso20022

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/platform/xsdtest"
)

const (
	schemaPain001 = xsdtest.Pain001
	schemaCamt054 = xsdtest.Camt054
)

// validate runs xmllint against the official schema (xsdtest.Validate).
func validate(t *testing.T, schema string, doc []byte) { xsdtest.Validate(t, schema, doc) }

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
