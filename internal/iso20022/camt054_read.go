package iso20022

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/money"
)

// MaxCamt054Bytes is the largest notification ParseCamt054 reads: a busy
// account's day is a few megabytes, and the cap keeps a hostile upload from
// costing unbounded memory.
const MaxCamt054Bytes = 20 << 20

// maxDepth bounds element nesting. camt.054 needs about 15 levels; the
// decoder's own Skip has no bound, so the guard below enforces one.
const maxDepth = 64

// ParseCamt054 reads a camt.054.001.08 notification and returns exactly what
// it says, for settlement to match; it confirms nothing itself.
//
// It is strict about what it returns: an amount that is not an xs:decimal,
// a missing currency, a bad date or indicator, a text too long for its type
// or a required element missing is an *Error naming the field and the line
// of the entry. It ignores elements it does not return, and elements of
// other namespaces. It is defensive about the rest: it reads at most
// MaxCamt054Bytes (ErrTooLarge beyond), accepts only UTF-8, refuses DTDs
// (encoding/xml never resolves external entities, and refusing the DOCTYPE
// also refuses internal entity tricks), bounds nesting, and refuses an
// element the schema allows once appearing twice, which encoding/xml would
// otherwise settle by keeping the last silently.
func ParseCamt054(r io.Reader) (Notification, error) {
	src := &source{r: io.LimitReader(r, MaxCamt054Bytes+1)}
	raw := xml.NewDecoder(src)
	raw.CharsetReader = func(string, io.Reader) (io.Reader, error) {
		return nil, errors.New("ISO 20022 files are UTF-8")
	}
	g := &guard{d: raw}
	cr := &camtReader{d: xml.NewTokenDecoder(g), g: g}
	n, err := cr.document()
	switch {
	case src.n > MaxCamt054Bytes:
		return Notification{}, fmt.Errorf("iso20022: %w: more than %d bytes", ErrTooLarge, MaxCamt054Bytes)
	case src.err != nil:
		return Notification{}, fmt.Errorf("iso20022: reading camt.054: %w", src.err)
	case err != nil:
		return Notification{}, err
	}
	if err := n.check(); err != nil {
		return Notification{}, err
	}
	return n, nil
}

// source counts what was read and keeps a real read error apart from XML
// errors.
type source struct {
	r   io.Reader
	n   int64
	err error
}

func (s *source) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	s.n += int64(n)
	if err != nil && err != io.EOF {
		s.err = err
	}
	return n, err
}

type camtReader struct {
	d *xml.Decoder // reads through g
	g *guard
}

func (cr *camtReader) document() (Notification, error) {
	var n Notification
	root, err := cr.root()
	if err != nil {
		return n, err
	}
	if root.Name.Space != NamespaceCamt054 || root.Name.Local != "Document" {
		return n, fmt.Errorf("iso20022: %w: root element is %q in namespace %q", ErrNotCamt054, truncate(root.Name.Local, 40), truncate(root.Name.Space, 80))
	}
	found := false
	err = cr.children(func(se xml.StartElement) error {
		if se.Name.Local != "BkToCstmrDbtCdtNtfctn" {
			return cr.skip()
		}
		found = true
		return cr.children(func(se xml.StartElement) error {
			switch se.Name.Local {
			case "GrpHdr":
				return cr.header(&n, se)
			case "Ntfctn":
				r, err := cr.report(se, index("reports", len(n.Reports)))
				n.Reports = append(n.Reports, r)
				return err
			}
			return cr.skip()
		})
	})
	if err != nil {
		return n, err
	}
	if !found {
		return n, fmt.Errorf("iso20022: %w: no BkToCstmrDbtCdtNtfctn", ErrNotCamt054)
	}
	return n, cr.end()
}

// root returns the document element, past the declaration, comments and a
// byte-order mark.
func (cr *camtReader) root() (xml.StartElement, error) {
	for {
		tok, err := cr.d.Token()
		if err == io.EOF {
			return xml.StartElement{}, cr.malformed("no document element")
		}
		if err != nil {
			return xml.StartElement{}, cr.fail(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, nil
		case xml.CharData:
			if strings.Trim(string(t), " \t\r\n\uFEFF") != "" {
				return xml.StartElement{}, cr.malformed("text before the document element")
			}
		}
	}
}

// end refuses anything but comments and space after the document element.
func (cr *camtReader) end() error {
	for {
		tok, err := cr.d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return cr.fail(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return cr.malformed("a second document element")
		case xml.CharData:
			if strings.TrimFunc(string(t), isXMLSpace) != "" {
				return cr.malformed("text after the document element")
			}
		}
	}
}

// children calls fn for each child element of the element just opened;
// fn must consume the child (decode or skip it).
func (cr *camtReader) children(fn func(xml.StartElement) error) error {
	for {
		tok, err := cr.d.Token()
		if err != nil {
			return cr.fail(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if err := fn(t); err != nil {
				return err
			}
		case xml.EndElement:
			return nil
		}
	}
}

func (cr *camtReader) skip() error { return cr.fail(cr.d.Skip()) }

func (cr *camtReader) decode(v any, se xml.StartElement) error {
	return cr.fail(cr.d.DecodeElement(v, &se))
}

func (cr *camtReader) header(n *Notification, se xml.StartElement) error {
	line := cr.g.line()
	var h xmlCamtHdr
	if err := cr.decode(&h, se); err != nil {
		return err
	}
	n.MessageID = collapse(h.MsgID)
	return timeFromXML(&n.CreatedAt, h.CreDtTm, "created_at", line)
}

func (cr *camtReader) report(se xml.StartElement, path string) (Report, error) {
	var r Report
	err := cr.children(func(se xml.StartElement) error {
		line := cr.g.line()
		switch se.Name.Local {
		case "Id":
			var s string
			err := cr.decode(&s, se)
			r.ID = collapse(s)
			return err
		case "CreDtTm":
			var s string
			if err := cr.decode(&s, se); err != nil {
				return err
			}
			return timeFromXML(&r.CreatedAt, s, at(path, "created_at"), line)
		case "Acct":
			var a xmlCashAccount
			if err := cr.decode(&a, se); err != nil {
				return err
			}
			r.Account = accountFromXML(&a)
			return nil
		case "Ntry":
			var x xmlEntry
			if err := cr.decode(&x, se); err != nil {
				return err
			}
			e, err := entryFromXML(x, index(at(path, "entries"), len(r.Entries)), line)
			r.Entries = append(r.Entries, e)
			return err
		}
		return cr.skip()
	})
	return r, err
}

func timeFromXML(dst *time.Time, s, path string, line int) error {
	if s = collapse(s); s == "" {
		return nil // check reports it if it was required
	}
	t, err := parseDateTime(s)
	if err != nil {
		return &Error{Path: path, Line: line, Err: err}
	}
	*dst = t
	return nil
}

func entryFromXML(x xmlEntry, path string, line int) (Entry, error) {
	bad := func(field string, err error) (Entry, error) {
		return Entry{}, &Error{Path: at(path, field), Line: line, Err: err}
	}
	e := Entry{
		Line:          line,
		Reference:     collapse(x.NtryRef),
		CreditDebit:   CreditDebit(collapse(x.CdtDbtInd)),
		Status:        x.Sts.value(),
		BankReference: collapse(x.AcctSvcrRef),
	}
	var err error
	if e.Amount, e.Currency, err = amountFromXML(x.Amt); err != nil {
		return bad("amount", err)
	}
	switch collapse(x.RvslInd) {
	case "", "false", "0":
	case "true", "1":
		e.Reversal = true
	default:
		return bad("reversal", fmt.Errorf("%w: RvslInd %q", ErrInvalidCode, truncate(x.RvslInd, 40)))
	}
	if e.BookingDate, err = dateFromXML(x.BookgDt); err != nil {
		return bad("booking_date", err)
	}
	if e.ValueDate, err = dateFromXML(x.ValDt); err != nil {
		return bad("value_date", err)
	}
	var txs []xmlTx
	for _, d := range x.NtryDtls {
		txs = append(txs, d.TxDtls...)
	}
	for i, tx := range txs {
		t := Transaction{Amount: e.Amount, Currency: e.Currency, CreditDebit: e.CreditDebit}
		tpath := index("transactions", i)
		switch {
		case tx.Amt != nil:
			if t.Amount, t.Currency, err = amountFromXML(tx.Amt); err != nil {
				return bad(at(tpath, "amount"), err)
			}
		case len(txs) > 1:
			return bad(at(tpath, "amount"), fmt.Errorf("%w: the entry has %d transactions", ErrRequired, len(txs)))
		}
		if v := collapse(tx.CdtDbtInd); v != "" {
			t.CreditDebit = CreditDebit(v)
		}
		if r := tx.Refs; r != nil {
			t.EndToEndID, t.InstructionID = collapse(r.EndToEndID), collapse(r.InstrID)
			t.PaymentInfoID, t.BankReference = collapse(r.PmtInfID), collapse(r.AcctSvcrRef)
		}
		if p := tx.RltdPties; p != nil {
			t.Debtor, t.DebtorAccount = partyFromChoice(p.Dbtr), accountFromXML(p.DbtrAcct)
			t.Creditor, t.CreditorAccount = partyFromChoice(p.Cdtr), accountFromXML(p.CdtrAcct)
		}
		if tx.RmtInf != nil {
			for _, l := range tx.RmtInf.Ustrd {
				if l = collapse(l); l != "" {
					t.RemittanceInfo = append(t.RemittanceInfo, l)
				}
			}
		}
		e.Transactions = append(e.Transactions, t)
	}
	return e, nil
}

func partyFromChoice(x *xmlPartyChoice) Party {
	if x == nil {
		return Party{}
	}
	return partyFromXML(x.Pty)
}

func amountFromXML(x *xmlAmount) (decimal.Decimal, money.Currency, error) {
	if x == nil {
		return decimal.Decimal{}, "", ErrRequired
	}
	c := money.Currency(collapse(x.Ccy))
	if c == "" {
		return decimal.Decimal{}, "", fmt.Errorf("%w: Ccy missing", ErrInvalidCurrency)
	}
	d, err := parseAmount(collapse(x.Value))
	return d, c, err
}

func dateFromXML(x *xmlDate) (time.Time, error) {
	switch {
	case x == nil:
		return time.Time{}, nil
	case collapse(x.Dt) != "":
		return parseDate(collapse(x.Dt))
	case collapse(x.DtTm) != "":
		return parseDateTime(collapse(x.DtTm))
	}
	return time.Time{}, fmt.Errorf("%w: neither Dt nor DtTm", ErrInvalidDate)
}

// fail turns a decoder error into an *Error at the current element; errors
// already typed pass through.
func (cr *camtReader) fail(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return cr.malformed(se.Msg)
	}
	return cr.malformed(err.Error())
}

func (cr *camtReader) malformed(msg string) error {
	return &Error{Path: cr.g.path(), Line: cr.g.line(), Err: fmt.Errorf("%w: %s", ErrMalformedXML, msg)}
}

// guard sits between the parser and the decoder the reader uses. It refuses
// directives (DTDs), nesting deeper than maxDepth, and a camt.054 element
// repeated where the schema allows it once; and it drops elements of other
// namespaces, so that struct decoding, which matches local names only,
// never reads them.
type guard struct {
	d    *xml.Decoder
	open []frame
}

type frame struct {
	name string
	seen map[string]bool
	free bool // inside SplmtryData's Envlp, where the schema allows anything
}

func (g *guard) Token() (xml.Token, error) {
	for {
		tok, err := g.next()
		if err != nil {
			return nil, err
		}
		if se, ok := tok.(xml.StartElement); ok && len(g.open) > 1 && se.Name.Space != NamespaceCamt054 {
			for depth := len(g.open); len(g.open) >= depth; {
				if _, err := g.next(); err != nil {
					return nil, err
				}
			}
			continue
		}
		return tok, nil
	}
}

func (g *guard) next() (xml.Token, error) {
	tok, err := g.d.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case xml.Directive:
		return nil, g.refuse("DTDs and other <! declarations are not accepted")
	case xml.StartElement:
		if len(g.open) >= maxDepth {
			return nil, g.refuse(fmt.Sprintf("elements nested deeper than %d", maxDepth))
		}
		free := t.Name.Local == "Envlp"
		if n := len(g.open); n > 0 {
			p := &g.open[n-1]
			free = free || p.free
			if !p.free && t.Name.Space == NamespaceCamt054 && !repeatable[t.Name.Local] {
				if p.seen[t.Name.Local] {
					return nil, g.refuse(fmt.Sprintf("<%s> repeated where the schema allows one", t.Name.Local))
				}
				if p.seen == nil {
					p.seen = map[string]bool{}
				}
				p.seen[t.Name.Local] = true
			}
		}
		g.open = append(g.open, frame{name: t.Name.Local, free: free})
	case xml.EndElement:
		g.open = g.open[:len(g.open)-1]
	}
	return xml.CopyToken(tok), nil
}

func (g *guard) refuse(msg string) error {
	return &Error{Path: g.path(), Line: g.line(), Err: fmt.Errorf("%w: %s", ErrMalformedXML, msg)}
}

func (g *guard) line() int {
	l, _ := g.d.InputPos()
	return l
}

// path is the open elements as an XPath-like string, for XML-level errors.
func (g *guard) path() string {
	var b strings.Builder
	for _, f := range g.open {
		b.WriteString("/" + truncate(f.name, 40))
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

// repeatable holds every element name that some camt.054.001.08 type allows
// more than once (maxOccurs > 1 in the XSD); TestRepeatableMatchesSchema
// keeps it in step. Any other camt.054 name twice under one parent is an
// invalid file.
var repeatable = func() map[string]bool {
	m := map[string]bool{}
	for _, n := range strings.Fields(`AddtlInf AddtlRmtInf AdjstmntAmtAndRsn AdrLine ApprvlNb Avlbty
		CardRdngCpblties Cmpnt CrdhldrVrfctnCpblties CshDpst DispCpblties DscntApldAmt Dtls EQSeq
		FrToSeq Id Intrst LineDtls NEQSeq Ntfctn Ntry NtryDtls Othr OthrId Prtry PrtryAmt Rate Rcrd
		RfrdDocInf RltdQties RltdRmtInf RmtLctnDtls SplmtryData Strd TaxAmt TrckData
		TtlNtriesPerBkTxCd TxDtls Ustrd`) {
		m[n] = true
	}
	return m
}()
