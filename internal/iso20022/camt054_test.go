package iso20022

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/money"
)

// diff compares values as the reader promises them: decimals and times by
// value, Line ignored (it says where an entry was, not what it says). It
// returns the path of the first difference, or "".
func diff(a, b any) string { return diffValue("", reflect.ValueOf(a), reflect.ValueOf(b)) }

func diffValue(path string, a, b reflect.Value) string {
	switch x := a.Interface().(type) {
	case decimal.Decimal:
		if !x.Equal(b.Interface().(decimal.Decimal)) {
			return fmt.Sprintf("%s: %s != %s", path, x, b.Interface())
		}
		return ""
	case time.Time:
		if !x.Equal(b.Interface().(time.Time)) {
			return fmt.Sprintf("%s: %s != %s", path, x, b.Interface())
		}
		return ""
	}
	switch a.Kind() {
	case reflect.Struct:
		for i := range a.NumField() {
			if name := a.Type().Field(i).Name; name != "Line" {
				if d := diffValue(path+"."+name, a.Field(i), b.Field(i)); d != "" {
					return d
				}
			}
		}
	case reflect.Slice:
		if a.Len() != b.Len() {
			return fmt.Sprintf("%s: %d elements != %d", path, a.Len(), b.Len())
		}
		for i := range a.Len() {
			if d := diffValue(fmt.Sprintf("%s[%d]", path, i), a.Index(i), b.Index(i)); d != "" {
				return d
			}
		}
	default:
		if a.Interface() != b.Interface() {
			return fmt.Sprintf("%s: %v != %v", path, a.Interface(), b.Interface())
		}
	}
	return ""
}

func TestCamt054RoundTrip(t *testing.T) {
	want := sampleNotification()
	doc, err := BuildCamt054(want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseCamt054(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(want, got); d != "" {
		t.Fatalf("round trip changed %s", d)
	}
	for _, r := range got.Reports {
		for _, e := range r.Entries {
			if line := strings.Split(string(doc), "\n")[e.Line-1]; !strings.Contains(line, "<Ntry>") {
				t.Errorf("entry line %d is %q", e.Line, line)
			}
		}
	}
	x := texts(t, doc)
	if got := x["BkToCstmrDbtCdtNtfctn/Ntfctn/Ntry/Amt"]; !slices.Equal(got, []string{"1234567.89", "0.01", "1.23456", "3000000.00"}) {
		t.Errorf("amounts written as %q", got)
	}
	if got := x["BkToCstmrDbtCdtNtfctn/Ntfctn/Ntry/BookgDt/DtTm"]; !slices.Equal(got, []string{"2026-03-03T17:59:59-06:00"}) {
		t.Errorf("date-times written as %q", got)
	}
	validate(t, schemaCamt054, doc)
}

func readFixture(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "camt054_bank.xml"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A file in the shape banks send reads as what it says, and ignores what
// the reader does not return.
func TestParseCamt054BankFile(t *testing.T) {
	raw := readFixture(t)
	n, err := ParseCamt054(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var ntryLines []int
	for i, l := range strings.Split(string(raw), "\n") {
		if strings.Contains(l, "<ns2:Ntry>") {
			ntryLines = append(ntryLines, i+1)
		}
	}
	mx := time.FixedZone("", -6*3600)
	want := Notification{
		MessageID: "BBVAMX-054-20260303-0042",
		CreatedAt: time.Date(2026, time.March, 3, 18, 30, 0, 123_000_000, mx),
		Reports: []Report{{
			ID:        "NTF-20260303-0001",
			CreatedAt: time.Date(2026, time.March, 3, 18, 29, 0, 0, time.UTC), // no offset: clock reading kept
			Account:   Account{CLABE: clabeLender},
			Entries: []Entry{
				{
					Reference: "0001", Amount: decimal.RequireFromString("1250.5"), Currency: money.MXN, CreditDebit: Credit,
					Status: StatusBooked, BookingDate: time.Date(2026, time.March, 3, 10, 15, 0, 0, time.UTC), ValueDate: day(2026, time.March, 3),
					BankReference: "BBVA-REF-99812",
					Transactions: []Transaction{{
						EndToEndID: "CAD0195f3a2b7c84d1e9a0b1c2d3e4f5a6b", BankReference: "SPEI-TRK-0001",
						Amount: decimal.RequireFromString("1250.5"), Currency: money.MXN, CreditDebit: Credit, // the entry's: the only transaction has no Amt
						Debtor:         Party{Name: "TOSTADORA DEL BAJIO SA DE CV", TaxID: "TBA010203CC5"},
						DebtorAccount:  Account{CLABE: clabeSupplierA},
						RemittanceInfo: []string{"PAGO FACTURA F-1001", "REF 7"},
					}},
				},
				{
					Reference: "0002", Amount: cents(250000), Currency: money.MXN, CreditDebit: Debit, Status: "LIQUIDADO", BookingDate: day(2026, time.March, 3),
					Transactions: []Transaction{
						{EndToEndID: "CAD0195f3a2b7c84d1e9a0b1c2d3e4f5a6c", PaymentInfoID: "CADENA-20260302-0001-1", Amount: cents(100000), Currency: money.MXN, CreditDebit: Debit},
						{EndToEndID: "CAD0195f3a2b7c84d1e9a0b1c2d3e4f5a6d", Amount: decimal.New(1500, 0), Currency: money.MXN, CreditDebit: Debit},
					},
				},
				{Amount: decimal.Zero, Currency: money.MXN, CreditDebit: Debit, Reversal: true, Status: StatusInfo},
			},
		}},
	}
	if d := diff(want, n); d != "" {
		t.Fatalf("read %s", d)
	}
	var lines []int
	for _, e := range n.Reports[0].Entries {
		lines = append(lines, e.Line)
	}
	if !slices.Equal(lines, ntryLines) {
		t.Errorf("entry lines %v, want %v", lines, ntryLines)
	}
	if a := n.Reports[0].Entries[0].Amount; a.Exponent() != -1 {
		t.Errorf("amount %s lost its written scale", a)
	}

	// What was read can be written back, as a bank simulator would.
	doc, err := BuildCamt054(n)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ParseCamt054(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	if d := diff(n, again); d != "" {
		t.Fatalf("rewritten file reads differently: %s", d)
	}
	validate(t, schemaCamt054, raw)
	validate(t, schemaCamt054, doc)
}

func TestParseCamt054Refusals(t *testing.T) {
	base := string(readFixture(t))
	ntry := func(i int) int { // line of the i-th <Ntry>
		n := 0
		for l, s := range strings.Split(base, "\n") {
			if strings.Contains(s, "<ns2:Ntry>") {
				if n == i {
					return l + 1
				}
				n++
			}
		}
		panic("no such entry")
	}
	replace := func(old, new string) func(string) string {
		return func(s string) string {
			if !strings.Contains(s, old) {
				panic("fixture lacks " + old)
			}
			return strings.Replace(s, old, new, 1)
		}
	}
	const secondAmt = `<ns2:Amt Ccy="MXN">2500.00</ns2:Amt>`
	cases := []struct {
		name   string
		change func(string) string
		want   error
		path   string // exact for field errors, a prefix for XML errors
		line   int
	}{
		{"decimal comma", replace(">1250.5<", ">1250,5<"), ErrInvalidAmount, "reports[0].entries[0].amount", ntry(0)},
		{"exponent", replace(">2500.00<", ">2.5E3<"), ErrInvalidAmount, "reports[0].entries[1].amount", ntry(1)},
		{"negative", replace(">0.00<", ">-0.00<"), ErrInvalidAmount, "reports[0].entries[2].amount", ntry(2)},
		{"empty amount", replace(">0.00<", "><"), ErrInvalidAmount, "reports[0].entries[2].amount", ntry(2)},
		{"six decimals", replace(">1250.5<", ">1250.500001<"), ErrInvalidAmount, "reports[0].entries[0].amount", ntry(0)},
		{"nineteen digits", replace(">2500.00<", ">12345678901234567.89<"), ErrInvalidAmount, "reports[0].entries[1].amount", ntry(1)},
		{"missing currency", replace(secondAmt, `<ns2:Amt>2500.00</ns2:Amt>`), ErrInvalidCurrency, "reports[0].entries[1].amount", ntry(1)},
		{"malformed currency", replace(secondAmt, `<ns2:Amt Ccy="mxn">2500.00</ns2:Amt>`), ErrInvalidCurrency, "reports[0].entries[1].currency", ntry(1)},
		{"transaction currency", replace(`<ns2:Amt Ccy="MXN">1500</ns2:Amt>`, `<ns2:Amt Ccy="">1500</ns2:Amt>`), ErrInvalidCurrency, "reports[0].entries[1].transactions[1].amount", ntry(1)},
		{"missing entry amount", replace(`<ns2:Amt Ccy="MXN">0.00</ns2:Amt>`, ""), ErrRequired, "reports[0].entries[2].amount", ntry(2)},
		{"transaction amount missing among several", replace(`<ns2:Amt Ccy="MXN">1500</ns2:Amt>`, ""), ErrRequired, "reports[0].entries[1].transactions[1].amount", ntry(1)},
		{"bad indicator", replace("<ns2:CdtDbtInd>DBIT</ns2:CdtDbtInd>\n        <ns2:RvslInd>", "<ns2:CdtDbtInd>DEBIT</ns2:CdtDbtInd>\n        <ns2:RvslInd>"), ErrInvalidCode, "reports[0].entries[2].credit_debit", ntry(2)},
		{"bad reversal", replace("<ns2:RvslInd>1</ns2:RvslInd>", "<ns2:RvslInd>yes</ns2:RvslInd>"), ErrInvalidCode, "reports[0].entries[2].reversal", ntry(2)},
		{"impossible date", replace("<ns2:Dt>2026-03-03</ns2:Dt>", "<ns2:Dt>2026-02-30</ns2:Dt>"), ErrInvalidDate, "reports[0].entries[0].value_date", ntry(0)},
		{"date with time", replace("<ns2:Dt>2026-03-03</ns2:Dt>", "<ns2:Dt>2026-03-03T00:00:00</ns2:Dt>"), ErrInvalidDate, "reports[0].entries[0].value_date", ntry(0)},
		{"bad date-time", replace("<ns2:DtTm>2026-03-03T10:15:00</ns2:DtTm>", "<ns2:DtTm>03/03/2026 10:15</ns2:DtTm>"), ErrInvalidDate, "reports[0].entries[0].booking_date", ntry(0)},
		{"offset beyond 14 hours", replace("<ns2:DtTm>2026-03-03T10:15:00</ns2:DtTm>", "<ns2:DtTm>2026-03-03T10:15:00+15:00</ns2:DtTm>"), ErrInvalidDate, "reports[0].entries[0].booking_date", ntry(0)},
		{"year zero", replace("<ns2:Dt>2026-03-03</ns2:Dt>", "<ns2:Dt>0000-03-03</ns2:Dt>"), ErrInvalidDate, "reports[0].entries[0].value_date", ntry(0)},
		{"end to end id too long", replace("CAD0195f3a2b7c84d1e9a0b1c2d3e4f5a6b", "CAD0195f3a2b7c84d1e9a0b1c2d3e4f5a6bX"), ErrTooLong, "reports[0].entries[0].transactions[0].end_to_end_id", ntry(0)},
		{"name too long", replace("DEL BAJIO", strings.Repeat("DEL BAJIO ", 14)), ErrTooLong, "reports[0].entries[0].transactions[0].debtor.name", ntry(0)},
		{"missing status", replace("<ns2:Sts>\n          <ns2:Cd>INFO</ns2:Cd>\n        </ns2:Sts>", ""), ErrRequired, "reports[0].entries[2].status", ntry(2)},
		{"missing message id", replace("<ns2:MsgId>BBVAMX-054-20260303-0042</ns2:MsgId>", ""), ErrRequired, "message_id", 0},
		{"missing account", replace("<ns2:Id>012180001234567899</ns2:Id>", "<ns2:Id></ns2:Id>"), ErrRequired, "reports[0].account", 0},
		{"missing notification", func(s string) string {
			return s[:strings.Index(s, "<ns2:Ntfctn>")] + s[strings.Index(s, "</ns2:Ntfctn>")+len("</ns2:Ntfctn>"):]
		}, ErrRequired, "reports", 0},
		{"repeated amount", replace(secondAmt, secondAmt+secondAmt), ErrMalformedXML, "/Document/BkToCstmrDbtCdtNtfctn/Ntfctn/Ntry", ntry(1) + 2},
		{"repeated end to end id", replace("<ns2:EndToEndId>CAD0195f3a2b7c84d1e9a0b1c2d3e4f5a6d</ns2:EndToEndId>", "<ns2:EndToEndId>A</ns2:EndToEndId><ns2:EndToEndId>B</ns2:EndToEndId>"), ErrMalformedXML, "/Document/BkToCstmrDbtCdtNtfctn/Ntfctn/Ntry/NtryDtls/TxDtls/Refs", 0},
		{"camt.053", func(s string) string { return strings.ReplaceAll(s, "camt.054.001.08", "camt.053.001.08") }, ErrNotCamt054, "", 0},
		{"older camt.054", func(s string) string { return strings.ReplaceAll(s, "camt.054.001.08", "camt.054.001.02") }, ErrNotCamt054, "", 0},
		{"no message element", func(s string) string { return strings.ReplaceAll(s, "BkToCstmrDbtCdtNtfctn>", "BkToCstmrStmt>") }, ErrNotCamt054, "", 0},
		{"DTD", replace("<!-- A notification", `<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><!-- A notification`), ErrMalformedXML, "/", 0},
		{"undeclared entity", replace("PAGO FACTURA", "PAGO &x; FACTURA"), ErrMalformedXML, "/Document/", 0},
		{"Latin-1 declared", replace(`encoding="UTF-8"`, `encoding="ISO-8859-1"`), ErrMalformedXML, "/", 0},
		{"invalid UTF-8", replace("PAGO FACTURA", "PAGO \xff FACTURA"), ErrMalformedXML, "/Document/", 0},
		{"second document", func(s string) string { return s + "<ns2:Document xmlns:ns2=\"x\"/>" }, ErrMalformedXML, "/", 0},
		{"text after the document", func(s string) string { return s + "trailing" }, ErrMalformedXML, "/", 0},
		{"truncated", func(s string) string { return s[:len(s)/2] }, ErrMalformedXML, "/Document/", 0},
		{"empty", func(string) string { return "" }, ErrMalformedXML, "/", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n, err := ParseCamt054(strings.NewReader(c.change(base)))
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if n.MessageID != "" || n.Reports != nil {
				t.Error("a refused file still returned values")
			}
			var e *Error
			if c.path == "" {
				return
			}
			if !errors.As(err, &e) {
				t.Fatalf("err = %#v, not an *Error", err)
			}
			if errors.Is(err, ErrMalformedXML) {
				if !strings.HasPrefix(e.Path, c.path) {
					t.Errorf("path %q, want under %q", e.Path, c.path)
				}
				if e.Line == 0 {
					t.Error("no line")
				}
			} else if e.Path != c.path {
				t.Errorf("path %q, want %q", e.Path, c.path)
			}
			if c.line != 0 && e.Line != c.line {
				t.Errorf("line %d, want %d", e.Line, c.line)
			}
		})
	}
}

func TestParseCamt054Hostile(t *testing.T) {
	open := `<Document xmlns="` + NamespaceCamt054 + `"><BkToCstmrDbtCdtNtfctn>`
	cases := []struct {
		name string
		in   io.Reader
		want error
	}{
		{"deep nesting", strings.NewReader(open + strings.Repeat("<X>", 100_000)), ErrMalformedXML},
		{"deep foreign nesting", strings.NewReader(open + `<y:X xmlns:y="urn:y">` + strings.Repeat("<y:X>", 100_000)), ErrMalformedXML},
		{"entity expansion", strings.NewReader(`<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>` + open + "&lol2;"), ErrMalformedXML},
		{"larger than the limit", io.MultiReader(strings.NewReader(open+"<GrpHdr><MsgId>"), io.LimitReader(repeatByte('a'), MaxCamt054Bytes)), ErrTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := ParseCamt054(c.in); !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
		})
	}

	// A failing reader is reported as such, not as bad XML.
	boom := errors.New("connection reset")
	_, err := ParseCamt054(io.MultiReader(strings.NewReader(open), iotest.ErrReader(boom)))
	if !errors.Is(err, boom) || errors.Is(err, ErrMalformedXML) {
		t.Fatalf("err = %v", err)
	}

	// Exactly at the limit is still read.
	doc, err := BuildCamt054(sampleNotification())
	if err != nil {
		t.Fatal(err)
	}
	padded := append(slices.Clone(doc), bytes.Repeat([]byte(" "), MaxCamt054Bytes-len(doc))...)
	if _, err := ParseCamt054(bytes.NewReader(padded)); err != nil {
		t.Fatalf("file of exactly MaxCamt054Bytes: %v", err)
	}
	if _, err := ParseCamt054(bytes.NewReader(append(padded, ' '))); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("one byte over: %v", err)
	}
}

type repeatByte byte

func (b repeatByte) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

func TestBuildCamt054Refusals(t *testing.T) {
	cases := []struct {
		name   string
		change func(n *Notification)
		path   string
		want   error
	}{
		{"no reports", func(n *Notification) { n.Reports = nil }, "reports", ErrRequired},
		{"report without account", func(n *Notification) { n.Reports[1].Account = Account{} }, "reports[1].account", ErrRequired},
		{"two identifiers", func(n *Notification) { n.Reports[1].Account.IBAN = ibanGB }, "reports[1].account", ErrInvalidAccount},
		{"malformed IBAN", func(n *Notification) { n.Reports[1].Account = Account{IBAN: "GB82 WEST"} }, "reports[1].account.iban", ErrInvalidAccount},
		{"scheme named like a known one", func(n *Notification) { n.Reports[1].Account = Account{OtherID: "1", OtherScheme: SchemeCLABE} }, "reports[1].account.other_scheme", ErrInvalidAccount},
		{"negative amount", func(n *Notification) { n.Reports[0].Entries[1].Amount = cents(-1) }, "reports[0].entries[1].amount", ErrInvalidAmount},
		{"six decimals", func(n *Notification) { n.Reports[0].Entries[2].Amount = decimal.New(1, -6) }, "reports[0].entries[2].amount", ErrInvalidAmount},
		{"no indicator", func(n *Notification) { n.Reports[0].Entries[1].CreditDebit = "" }, "reports[0].entries[1].credit_debit", ErrRequired},
		{"no status", func(n *Notification) { n.Reports[0].Entries[1].Status = "" }, "reports[0].entries[1].status", ErrRequired},
		{"transaction currency", func(n *Notification) { n.Reports[1].Entries[0].Transactions[1].Currency = "" }, "reports[1].entries[0].transactions[1].currency", ErrInvalidCurrency},
		{"blank remittance line", func(n *Notification) {
			n.Reports[0].Entries[0].Transactions[0].RemittanceInfo = []string{"ok", ""}
		}, "reports[0].entries[0].transactions[0].remittance_info[1]", ErrRequired},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			n := sampleNotification()
			c.change(&n)
			_, err := BuildCamt054(n)
			var e *Error
			if !errors.Is(err, c.want) || !errors.As(err, &e) || e.Path != c.path {
				t.Fatalf("err = %v, want %v at %s", err, c.want, c.path)
			}
		})
	}
}

// repeatable must list every name some camt.054.001.08 element may repeat,
// or the reader would refuse valid files; and nothing more, or it would
// miss duplicates.
func TestRepeatableMatchesSchema(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "contracts", "iso20022", schemaCamt054))
	if err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(bytes.NewReader(raw))
	want := map[string]bool{}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "element" {
			var name, maxOccurs string
			for _, a := range se.Attr {
				switch a.Name.Local {
				case "name":
					name = a.Value
				case "maxOccurs":
					maxOccurs = a.Value
				}
			}
			if maxOccurs != "" && maxOccurs != "1" {
				want[name] = true
			}
		}
	}
	if !reflect.DeepEqual(want, repeatable) {
		t.Fatalf("repeatable differs from the schema:\n schema %v\n   code %v", want, repeatable)
	}
}
