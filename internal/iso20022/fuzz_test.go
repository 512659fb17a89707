package iso20022

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

const minimalCamt054 = `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn>` +
	`<GrpHdr><MsgId>M</MsgId><CreDtTm>2026-01-01T00:00:00Z</CreDtTm></GrpHdr>` +
	`<Ntfctn><Id>N</Id><Acct><Id><IBAN>GB82WEST12345698765432</IBAN></Id></Acct>` +
	`<Ntry><Amt Ccy="MXN">1.5</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-01-02</Dt></BookgDt><BkTxCd/>` +
	`<NtryDtls><TxDtls><Refs><EndToEndId>E</EndToEndId></Refs></TxDtls></NtryDtls></Ntry>` +
	`</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>`

// FuzzParseCamt054: the reader never panics, every refusal is typed, and
// whatever it accepts the builder writes back to a file that reads the same.
// Run with a short -fuzzminimizetime (e.g. 5s): Go spends up to a minute
// minimising each new input otherwise, which looks like a stall.
func FuzzParseCamt054(f *testing.F) {
	built, err := BuildCamt054(sampleNotification())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(built)
	fixture, err := os.ReadFile(filepath.Join("testdata", "camt054_bank.xml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(fixture)
	f.Add([]byte(minimalCamt054))
	f.Add([]byte(`<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"/>`))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "b">]><Document>&a;</Document>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := ParseCamt054(bytes.NewReader(data))
		if err != nil {
			var e *Error
			if !errors.As(err, &e) && !errors.Is(err, ErrNotCamt054) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("untyped refusal: %v", err)
			}
			return
		}
		doc, err := BuildCamt054(n)
		if err != nil {
			t.Fatalf("the builder refuses what the reader returned: %v", err)
		}
		again, err := ParseCamt054(bytes.NewReader(doc))
		if err != nil {
			t.Fatalf("a built file does not read back: %v\n%s", err, doc)
		}
		if d := diff(n, again); d != "" {
			t.Fatalf("rewritten file reads differently: %s", d)
		}
	})
}
