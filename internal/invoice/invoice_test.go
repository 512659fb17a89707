package invoice

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/calendar"
)

func terms() Terms {
	max := decimal.RequireFromString("5000")
	sup := uuid.New()
	return Terms{ProgramID: uuid.New(), BuyerID: uuid.New(), Country: "MX", Currency: "MXN", MaxAmount: &max,
		Today: calendar.Date(2026, 11, 22), Suppliers: map[string]uuid.UUID{SupplierKey("TSE150505CC4"): sup, SupplierKey(sup.String()): sup}}
}

func draft() Draft {
	return Draft{Supplier: "tse150505cc4", DocumentNumber: "F-1", EInvoiceID: "6f9619ff-8b86-d011-b42d-00c04fc964ff",
		IssueDate: "2026-11-20", DueDate: "2027-01-19", Amount: "1250.50"}
}

func TestCheck(t *testing.T) {
	inv, errs := Check(draft(), terms())
	if errs != nil || inv.EInvoiceID != "6F9619FF-8B86-D011-B42D-00C04FC964FF" || inv.Kind != KindInvoice || inv.Status != Published ||
		inv.Payable().String() != "1250.5" || inv.ID.Version() != 7 {
		t.Fatalf("%+v %v", inv, errs)
	}
	cases := map[string]struct {
		edit  func(*Draft)
		field string
		code  string
	}{
		"no supplier":       {func(d *Draft) { d.Supplier = "" }, "supplier", CodeRequired},
		"not enrolled":      {func(d *Draft) { d.Supplier = "EKU9003173C9" }, "supplier", CodeSupplierNotEnroll},
		"no number":         {func(d *Draft) { d.DocumentNumber = " " }, "document_number", CodeRequired},
		"long number":       {func(d *Draft) { d.DocumentNumber = strings.Repeat("9", 65) }, "document_number", CodeTooLong},
		"cfdi short":        {func(d *Draft) { d.EInvoiceID = "6F9619FF-8B86-D011-B42D-00C04FC964F" }, "einvoice_id", CodeEInvoiceFormat},
		"cfdi not hex":      {func(d *Draft) { d.EInvoiceID = "6F9619FF-8B86-D011-B42D-00C04FC964FG" }, "einvoice_id", CodeEInvoiceFormat},
		"bad issue":         {func(d *Draft) { d.IssueDate = "20/11/2026" }, "issue_date", CodeInvalidDate},
		"no due":            {func(d *Draft) { d.DueDate = "" }, "due_date", CodeRequired},
		"due before issue":  {func(d *Draft) { d.IssueDate, d.DueDate = "2026-12-10", "2026-12-01" }, "due_date", CodeDueNotAfterIssue},
		"due today":         {func(d *Draft) { d.DueDate = "2026-11-22" }, "due_date", CodeDueInPast},
		"currency":          {func(d *Draft) { d.Currency = "COP" }, "currency", CodeCurrencyMismatch},
		"decimals":          {func(d *Draft) { d.Amount = "1.005" }, "amount", CodeTooManyDecimals},
		"zero":              {func(d *Draft) { d.Amount = "0.00" }, "amount", CodeInvalidAmount},
		"comma decimal":     {func(d *Draft) { d.Amount = "1250,50" }, "amount", CodeInvalidAmount},
		"above max":         {func(d *Draft) { d.Amount = "5000.01" }, "amount", CodeAboveProgramMax},
		"kind":              {func(d *Draft) { d.Kind = "bill" }, "kind", CodeInvalid},
		"note without ref":  {func(d *Draft) { d.Kind = "credit_note" }, "credit_note_for", CodeRequired},
		"bad utf-8 ref":     {func(d *Draft) { d.Reference1 = "\xff" }, "reference1", CodeInvalid},
		"NUL in number":     {func(d *Draft) { d.DocumentNumber = "F\x001" }, "document_number", CodeControlChar},
		"C1 in reference":   {func(d *Draft) { d.Reference2 = "a\u0085b" }, "reference2", CodeControlChar},
		"19-digit amount":   {func(d *Draft) { d.Amount = "1000000000000000000.00" }, "amount", CodeAmountTooLarge},
		"spaced amount":     {func(d *Draft) { d.Amount = " 100.00" }, "amount", CodeInvalidAmount},
		"lower-case max ok": {func(d *Draft) { d.Amount = "5000.00"; d.Reference1 = "x" }, "", ""},
	}
	for name, c := range cases {
		d := draft()
		c.edit(&d)
		_, errs := Check(d, terms())
		switch {
		case c.code == "" && errs != nil:
			t.Errorf("%s: %v", name, errs)
		case c.code != "" && (len(errs) == 0 || errs[0].Field != c.field || errs[0].Code != c.code):
			t.Errorf("%s: %+v, want %s %s", name, errs, c.field, c.code)
		}
	}
	// A credit note needs no due date.
	d := draft()
	d.Kind, d.DueDate, d.CreditNoteFor = "credit_note", "", "F-0"
	if n, errs := Check(d, terms()); errs != nil || n.Kind != KindCreditNote || !n.DueDate.IsZero() {
		t.Fatalf("credit note: %+v %v", n, errs)
	}
}

func TestNormalizeEInvoiceID(t *testing.T) {
	cufe := strings.Repeat("A1b2", 24)
	if got, err := NormalizeEInvoiceID("CO", cufe); err != nil || got != strings.ToLower(cufe) {
		t.Fatalf("cufe: %q %v", got, err)
	}
	for _, bad := range []string{cufe[:95], cufe + "0", strings.Repeat("g", 96), "6F9619FF-8B86-D011-B42D-00C04FC964FF"} {
		if _, err := NormalizeEInvoiceID("CO", bad); err == nil {
			t.Errorf("CO accepted %q", bad)
		}
	}
	for _, bad := range []string{"", "6F9619FF8B86D011B42D00C04FC964FF", "6F9619FF-8B86-D011-B42D_00C04FC964FF", cufe} {
		if _, err := NormalizeEInvoiceID("MX", bad); err == nil {
			t.Errorf("MX accepted %q", bad)
		}
	}
}

func TestStatusMachine(t *testing.T) {
	all := []Status{Published, Offered, Financed, Cancelled, Expired}
	allowed := map[[2]Status]bool{{Published, Offered}: true, {Published, Cancelled}: true, {Published, Expired}: true,
		{Offered, Financed}: true, {Offered, Published}: true, {Financed, Published}: true}
	for _, from := range all {
		for _, to := range all {
			err := from.To(to)
			if allowed[[2]Status{from, to}] != (err == nil) {
				t.Errorf("%s -> %s: %v", from, to, err)
			}
		}
	}
	if err := Offered.To(Cancelled); !errors.Is(err, ErrNotCancellable) {
		t.Errorf("offered -> cancelled: %v", err)
	}
	if err := Cancelled.To(Cancelled); !errors.Is(err, ErrTransition) {
		t.Errorf("cancelled twice: %v", err)
	}
	if err := (Invoice{Kind: KindCreditNote, Status: Published}).Cancel(); !errors.Is(err, ErrNotCancellable) {
		t.Errorf("credit note cancel: %v", err)
	}
}

func TestNet(t *testing.T) {
	inv := Invoice{Kind: KindInvoice, Status: Published, FaceAmount: decimal.RequireFromString("1000"), NettedAmount: decimal.RequireFromString("400")}
	if n, errs := Net(inv, decimal.RequireFromString("600")); errs != nil || !n.Equal(decimal.RequireFromString("1000")) {
		t.Fatalf("net to zero: %v %v", n, errs)
	}
	for _, c := range []struct {
		status Status
		amount string
		code   string
	}{{Published, "600.01", CodeCreditExceeds}, {Financed, "1", CodeAlreadyFinanced}, {Offered, "1", CodeAlreadyFinanced},
		{Cancelled, "1", CodeNotNettable}, {Expired, "1", CodeNotNettable}} {
		inv.Status = c.status
		if _, errs := Net(inv, decimal.RequireFromString(c.amount)); len(errs) != 1 || errs[0].Code != c.code {
			t.Errorf("%s %s: %v", c.status, c.amount, errs)
		}
	}
}

func TestEligibleOn(t *testing.T) {
	inv := Invoice{Kind: KindInvoice, Status: Published, FaceAmount: decimal.RequireFromString("10"), DueDate: calendar.Date(2026, 12, 1)}
	today := calendar.Date(2026, 11, 22)
	if !inv.EligibleOn(today, 9) || inv.EligibleOn(today, 10) {
		t.Fatal("minimum days")
	}
	inv.NettedAmount = inv.FaceAmount
	if inv.EligibleOn(today, 1) {
		t.Fatal("fully netted invoice eligible")
	}
}

func TestReadCSV(t *testing.T) {
	in := "\uFEFFSupplier;Document_Number;einvoice_id;issue_date;due_date;amount;reference1\n" +
		"A;1;E;2026-01-01;2026-02-01;10.00;\"x;y\"\n" +
		"B;2\n" +
		"C;3;E3;2026-01-01;2026-02-01;11.50;\n"
	drafts, bad, err := ReadCSV([]byte(in), 10)
	if err != nil || len(drafts) != 3 || len(bad) != 1 || bad[0].Row != 2 || drafts[0].Reference1 != "x;y" || drafts[2].Amount != "11.50" {
		t.Fatalf("%+v %+v %v", drafts, bad, err)
	}
	for name, c := range map[string]struct {
		in   string
		want error
	}{
		"encoding":  {"supplier,document_number,einvoice_id,issue_date,amount\n\xc3\x28,1,2,3,4\n", ErrCSVEncoding},
		"NUL byte":  {"supplier,document_number,einvoice_id,issue_date,amount\na,b\x00,c,d,e\n", ErrCSVEncoding},
		"duplicate": {"supplier,supplier,document_number,einvoice_id,issue_date,amount\n", ErrCSVHeader},
		"missing":   {"supplier,document_number,einvoice_id,issue_date\n", ErrCSVHeader},
		"quote":     {"supplier,document_number,einvoice_id,issue_date,amount\na,\"b,c,d,e\n", ErrCSVSyntax},
		"too many":  {"supplier,document_number,einvoice_id,issue_date,amount\n" + strings.Repeat("a,b,c,d,e\n", 11), ErrTooManyRows},
	} {
		if _, _, err := ReadCSV([]byte(c.in), 10); !errors.Is(err, c.want) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestSafeCell(t *testing.T) {
	for in, want := range map[string]string{"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")", "+1": "'+1", "-2": "'-2", "@SUM": "'@SUM",
		"\tx": "'\tx", "\rx": "'\rx", "F-1": "F-1", "": ""} {
		if got := SafeCell(in); got != want {
			t.Errorf("%q: %q", in, got)
		}
	}
}

// FuzzReadCSV: any input is read or refused with a named error, never a
// panic, and every draft or row error stays inside the file's rows.
func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("supplier,document_number,einvoice_id,issue_date,amount\nA,1,E,2026-01-01,10.00\n"))
	f.Add([]byte("\uFEFFsupplier;document_number;einvoice_id;issue_date;amount\nA;1\n\"x\"\"y\";2;3;4;5\n"))
	f.Add([]byte("supplier,document_number,einvoice_id,issue_date,amount\n=HYPERLINK(\"x\"),1,2,3,4\r\n"))
	f.Add([]byte("\xff\xfe"))
	f.Fuzz(func(t *testing.T, data []byte) {
		drafts, bad, err := ReadCSV(data, 1000)
		if err != nil {
			if !errors.Is(err, ErrCSVEncoding) && !errors.Is(err, ErrCSVHeader) && !errors.Is(err, ErrCSVSyntax) && !errors.Is(err, ErrTooManyRows) {
				t.Fatalf("unnamed error %v", err)
			}
			return
		}
		for _, b := range bad {
			if b.Row < 1 || b.Row > len(drafts) {
				t.Fatalf("row error %d outside %d rows", b.Row, len(drafts))
			}
		}
		for _, d := range drafts {
			_, _ = Check(d, terms()) // never panics on anything the reader yields
		}
	})
}
