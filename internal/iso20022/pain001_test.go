package iso20022

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/bankaccount"
	"github.com/cadena-finance/cadena/internal/money"
)

func TestBuildPain001(t *testing.T) {
	doc, err := BuildPain001(sampleFile())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), `<Document xmlns="`+NamespacePain001+`">`) {
		t.Error("root is not a pain.001.001.10 Document")
	}
	want := map[string][]string{
		"CstmrCdtTrfInitn/GrpHdr/MsgId":          {"CADENA-20260302-0001"},
		"CstmrCdtTrfInitn/GrpHdr/CreDtTm":        {"2026-03-02T09:30:00-06:00"},
		"CstmrCdtTrfInitn/GrpHdr/NbOfTxs":        {"4"},
		"CstmrCdtTrfInitn/GrpHdr/CtrlSum":        {"3734568.89"},
		"CstmrCdtTrfInitn/PmtInf/NbOfTxs":        {"2", "1", "1"},
		"CstmrCdtTrfInitn/PmtInf/CtrlSum":        {"1234567.90", "2500000.00", "0.99"},
		"CstmrCdtTrfInitn/PmtInf/PmtMtd":         {"TRF", "TRF", "TRF"},
		"CstmrCdtTrfInitn/PmtInf/ChrgBr":         {"SLEV", "SLEV", "SLEV"},
		"CstmrCdtTrfInitn/PmtInf/ReqdExctnDt/Dt": {"2026-03-03", "2026-03-04", "2026-03-05"},
		"CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf/PmtId/EndToEndId": {
			"CAD0195f3a2b7c84d1e9a0b1c2d3e4f5a6b", "CAD0195f3a2b7c84d1e9a0b1c2d3e4f5a6c",
			"CAD0195f3a2b7c84d1e9a0b1c2d3e4f5a6d", "CAD0195f3a2b7c84d1e9a0b1c2d3e4f5a6e",
		},
		"CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf/Amt/InstdAmt": {"1234567.89", "0.01", "2500000.00", "0.99"},
		// CLABE and Colombian accounts under Othr with a proprietary scheme;
		// the IBAN wins over the CLABE on the last creditor.
		"CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf/CdtrAcct/Id/Othr/Id":            {clabeSupplierA, clabeSupplierB, "001234567890"},
		"CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf/CdtrAcct/Id/Othr/SchmeNm/Prtry": {"CLABE", "CLABE", "CO_ACCOUNT"},
		"CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf/CdtrAcct/Tp/Cd":                 {"CACC"},
		"CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf/CdtrAcct/Id/IBAN":               {ibanGB},
		"CstmrCdtTrfInitn/PmtInf/DbtrAcct/Id/Othr/Id":                        {clabeLender, "004512345678"},
		"CstmrCdtTrfInitn/PmtInf/DbtrAcct/Id/IBAN":                           {ibanDE},
		"CstmrCdtTrfInitn/PmtInf/DbtrAcct/Tp/Cd":                             {"SVGS"},
		// Agents derived from the accounts, or given.
		"CstmrCdtTrfInitn/PmtInf/DbtrAgt/FinInstnId/ClrSysMmbId/MmbId":             {"012", "1007"},
		"CstmrCdtTrfInitn/PmtInf/DbtrAgt/FinInstnId/ClrSysMmbId/ClrSysId/Prtry":    {"BANXICO", "ACH_CO"},
		"CstmrCdtTrfInitn/PmtInf/DbtrAgt/FinInstnId/BICFI":                         {"COBADEFFXXX"},
		"CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf/CdtrAgt/FinInstnId/ClrSysMmbId/MmbId": {"032", "002", "1051"},
		"CstmrCdtTrfInitn/PmtInf/Dbtr/Id/OrgId/Othr/Id":                            {"FCA010101AB1", "900123456-7"},
		"CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf/Cdtr/Nm":                              {"Tostadora del Bajío, S.A. de C.V.", "Empaques Ñandú", "Café de Altura SAS", "Exporter Ltd"},
		"CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf/RmtInf/Ustrd":                         {"Pronto pago facturas F-1001, F-1002 & <otros>"},
		"CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf/PmtId/InstrId":                        {"I-1"},
	}
	x := texts(t, doc)
	for path, w := range want {
		if got := x[path]; !slices.Equal(got, w) {
			t.Errorf("%s = %q, want %q", path, got, w)
		}
	}
	validate(t, schemaPain001, doc) // last: without xmllint it skips
}

// An IBAN debtor without a BIC still needs a DbtrAgt; a creditor known only
// by IBAN gets no CdtrAgt.
func TestPain001AgentNotProvided(t *testing.T) {
	f := sampleFile()
	f.Batches = f.Batches[2:]
	f.Batches[0].DebtorAgent = Agent{}
	doc, err := BuildPain001(f)
	if err != nil {
		t.Fatal(err)
	}
	if got := values(t, doc, "CstmrCdtTrfInitn/PmtInf/DbtrAgt/FinInstnId/Othr/Id"); !slices.Equal(got, []string{"NOTPROVIDED"}) {
		t.Errorf("DbtrAgt = %q", got)
	}
	if got := values(t, doc, "CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf/CdtrAgt/FinInstnId/BICFI"); got != nil {
		t.Errorf("CdtrAgt written for an IBAN creditor: %q", got)
	}
	validate(t, schemaPain001, doc)
}

// Control sums are exact for any number of payments of odd cents: the
// expected sums are computed in int64 cents, never through floats.
func TestPain001ControlSumsProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(20260302, 54))
	ccys := []money.Currency{money.MXN, money.COP, money.USD}
	var samples [][]byte
	for iter := range 200 {
		f := CreditTransferFile{MessageID: fmt.Sprintf("PROP-%d", iter), CreatedAt: created, InitiatingParty: Party{Name: "Cadena"}}
		var total int64
		var batchSums []string
		nb := 1 + rng.IntN(5)
		for b := range nb {
			batch := PaymentBatch{
				PaymentInfoID: fmt.Sprintf("PROP-%d-%d", iter, b), Debtor: Party{Name: "Lender"},
				DebtorAccount: Account{CLABE: clabeLender}, RequestedExecutionDate: day(2026, time.March, 3+b),
				Currency: ccys[rng.IntN(len(ccys))],
			}
			var sum int64
			for p := range 1 + rng.IntN(60) {
				c := 1 + rng.Int64N(100_000_000_000) // up to a billion, in cents
				amount := decimal.New(c, -2)
				if c%100 == 0 && rng.IntN(2) == 0 {
					amount = decimal.New(c/100, 0) // whole units given without decimals
				}
				sum += c
				batch.Payments = append(batch.Payments, Payment{
					EndToEndID: fmt.Sprintf("E-%d-%d-%d", iter, b, p), Amount: amount,
					Creditor: Party{Name: "Supplier"}, CreditorAccount: Account{CLABE: clabeSupplierA},
				})
			}
			total += sum
			batchSums = append(batchSums, centsText(sum))
			f.Batches = append(f.Batches, batch)
		}
		doc, err := BuildPain001(f)
		if err != nil {
			t.Fatal(err)
		}
		x := texts(t, doc)
		if got := x["CstmrCdtTrfInitn/GrpHdr/CtrlSum"]; !slices.Equal(got, []string{centsText(total)}) {
			t.Fatalf("iteration %d: header CtrlSum %q, want %s", iter, got, centsText(total))
		}
		if got := x["CstmrCdtTrfInitn/PmtInf/CtrlSum"]; !slices.Equal(got, batchSums) {
			t.Fatalf("iteration %d: batch CtrlSums %q, want %q", iter, got, batchSums)
		}
		n := 0
		for i, got := range x["CstmrCdtTrfInitn/PmtInf/NbOfTxs"] {
			if got != strconv.Itoa(len(f.Batches[i].Payments)) {
				t.Fatalf("iteration %d batch %d: NbOfTxs %s", iter, i, got)
			}
			n += len(f.Batches[i].Payments)
		}
		if got := x["CstmrCdtTrfInitn/GrpHdr/NbOfTxs"]; !slices.Equal(got, []string{strconv.Itoa(n)}) {
			t.Fatalf("iteration %d: header NbOfTxs %q, want %d", iter, got, n)
		}
		for _, a := range x["CstmrCdtTrfInitn/PmtInf/CdtTrfTxInf/Amt/InstdAmt"] {
			if _, frac, _ := strings.Cut(a, "."); len(frac) != 2 {
				t.Fatalf("iteration %d: amount %q not written with two decimals", iter, a)
			}
		}
		if iter%50 == 0 {
			samples = append(samples, doc)
		}
	}
	for _, doc := range samples {
		validate(t, schemaPain001, doc)
	}
}

func centsText(c int64) string { return fmt.Sprintf("%d.%02d", c/100, c%100) }

func TestPain001LimitsAccepted(t *testing.T) {
	f := sampleFile()
	f.MessageID = strings.Repeat("M", 35)
	f.Batches[0].PaymentInfoID = strings.Repeat("P", 35)
	p := &f.Batches[0].Payments[0]
	p.EndToEndID = strings.Repeat("E", 35)
	p.InstructionID = strings.Repeat("I", 35)
	p.Creditor.Name = strings.Repeat("Ñ", 140) // 140 characters, 280 bytes
	p.RemittanceInfo = strings.Repeat("é", 140)
	p.Amount = decimal.RequireFromString("9999999999999999.99") // 18 digits
	f.Batches[0].Payments = f.Batches[0].Payments[:1]
	f.Batches = f.Batches[:1]
	doc, err := BuildPain001(f)
	if err != nil {
		t.Fatal(err)
	}
	validate(t, schemaPain001, doc)
}

func TestPain001Refusals(t *testing.T) {
	cases := []struct {
		name   string
		change func(f *CreditTransferFile)
		path   string
		want   error
	}{
		{"message id too long", func(f *CreditTransferFile) { f.MessageID = strings.Repeat("M", 36) }, "message_id", ErrTooLong},
		{"message id missing", func(f *CreditTransferFile) { f.MessageID = "" }, "message_id", ErrRequired},
		{"message id padded", func(f *CreditTransferFile) { f.MessageID = " M-1" }, "message_id", ErrInvalidText},
		{"no creation time", func(f *CreditTransferFile) { f.CreatedAt = time.Time{} }, "created_at", ErrRequired},
		{"initiating party unnamed", func(f *CreditTransferFile) { f.InitiatingParty.Name = "" }, "initiating_party.name", ErrRequired},
		{"no batches", func(f *CreditTransferFile) { f.Batches = nil }, "batches", ErrRequired},
		{"payment info id too long", func(f *CreditTransferFile) { f.Batches[1].PaymentInfoID = strings.Repeat("P", 36) }, "batches[1].payment_info_id", ErrTooLong},
		{"payment info id repeated", func(f *CreditTransferFile) { f.Batches[2].PaymentInfoID = f.Batches[0].PaymentInfoID }, "batches[2].payment_info_id", ErrDuplicateID},
		{"debtor name too long", func(f *CreditTransferFile) { f.Batches[0].Debtor.Name = strings.Repeat("ñ", 141) }, "batches[0].debtor.name", ErrTooLong},
		{"debtor name blank", func(f *CreditTransferFile) { f.Batches[0].Debtor.Name = "   " }, "batches[0].debtor.name", ErrInvalidText},
		{"debtor country", func(f *CreditTransferFile) { f.Batches[0].Debtor.Country = "mx" }, "batches[0].debtor.country", ErrInvalidCode},
		{"tax id too long", func(f *CreditTransferFile) { f.Batches[0].Debtor.TaxID = strings.Repeat("9", 36) }, "batches[0].debtor.tax_id", ErrTooLong},
		{"no execution date", func(f *CreditTransferFile) { f.Batches[0].RequestedExecutionDate = time.Time{} }, "batches[0].requested_execution_date", ErrRequired},
		{"unknown currency", func(f *CreditTransferFile) { f.Batches[0].Currency = "EUR" }, "batches[0].currency", money.ErrUnknownCurrency},
		{"currency missing", func(f *CreditTransferFile) { f.Batches[0].Currency = "" }, "batches[0].currency", ErrInvalidCurrency},
		{"empty batch", func(f *CreditTransferFile) { f.Batches[1].Payments = nil }, "batches[1].payments", ErrRequired},
		{"debtor account missing", func(f *CreditTransferFile) { f.Batches[0].DebtorAccount = Account{} }, "batches[0].debtor_account", ErrRequired},
		{"bad debtor BIC", func(f *CreditTransferFile) { f.Batches[2].DebtorAgent.BIC = "COBA" }, "batches[2].debtor_agent.bic", ErrInvalidAgent},
		{"end to end id too long", func(f *CreditTransferFile) { f.Batches[0].Payments[1].EndToEndID = strings.Repeat("E", 36) }, "batches[0].payments[1].end_to_end_id", ErrTooLong},
		{"end to end id missing", func(f *CreditTransferFile) { f.Batches[0].Payments[1].EndToEndID = "" }, "batches[0].payments[1].end_to_end_id", ErrRequired},
		{"end to end id repeated across batches", func(f *CreditTransferFile) {
			f.Batches[1].Payments[0].EndToEndID = f.Batches[0].Payments[0].EndToEndID
		}, "batches[1].payments[0].end_to_end_id", ErrDuplicateID},
		{"control character", func(f *CreditTransferFile) { f.Batches[0].Payments[0].RemittanceInfo = "line\nbreak" }, "batches[0].payments[0].remittance_info", ErrInvalidText},
		{"invalid UTF-8", func(f *CreditTransferFile) { f.Batches[0].Payments[0].Creditor.Name = "Caf\xe9" }, "batches[0].payments[0].creditor.name", ErrInvalidText},
		{"XML-forbidden character", func(f *CreditTransferFile) { f.Batches[0].Payments[0].Creditor.Name = "A\uFFFEB" }, "batches[0].payments[0].creditor.name", ErrInvalidText},
		{"remittance too long", func(f *CreditTransferFile) { f.Batches[0].Payments[0].RemittanceInfo = strings.Repeat("x", 141) }, "batches[0].payments[0].remittance_info", ErrTooLong},
		{"creditor unnamed", func(f *CreditTransferFile) { f.Batches[0].Payments[0].Creditor = Party{} }, "batches[0].payments[0].creditor.name", ErrRequired},
		{"zero amount", func(f *CreditTransferFile) { f.Batches[0].Payments[0].Amount = decimal.Zero }, "batches[0].payments[0].amount", ErrInvalidAmount},
		{"negative amount", func(f *CreditTransferFile) { f.Batches[0].Payments[0].Amount = cents(-5) }, "batches[0].payments[0].amount", ErrInvalidAmount},
		{"sub-cent amount", func(f *CreditTransferFile) { f.Batches[0].Payments[0].Amount = decimal.New(1005, -3) }, "batches[0].payments[0].amount", money.ErrTooManyDecimals},
		{"amount of 19 digits", func(f *CreditTransferFile) {
			f.Batches[0].Payments[0].Amount = decimal.RequireFromString("12345678901234567.89")
		}, "batches[0].payments[0].amount", ErrInvalidAmount},
		{"control sum of 19 digits", func(f *CreditTransferFile) {
			f.Batches[0].Payments[0].Amount = decimal.RequireFromString("9999999999999999.99")
			f.Batches[0].Payments[1].Amount = decimal.RequireFromString("9999999999999999.99")
		}, "batches[0].ctrl_sum", ErrInvalidAmount},
		{"CLABE check digit", func(f *CreditTransferFile) { f.Batches[0].Payments[0].CreditorAccount.CLABE = "032180000118359718" }, "batches[0].payments[0].creditor_account.clabe", bankaccount.ErrCLABECheckDigit},
		{"CLABE and Colombian account", func(f *CreditTransferFile) {
			f.Batches[0].Payments[0].CreditorAccount.CONumber = "12345"
		}, "batches[0].payments[0].creditor_account", ErrInvalidAccount},
		{"Colombian account without bank", func(f *CreditTransferFile) { f.Batches[1].Payments[0].CreditorAccount.COBankCode = "" }, "batches[1].payments[0].creditor_account.co_number", bankaccount.ErrCOBankCode},
		{"Colombian account without type", func(f *CreditTransferFile) { f.Batches[1].Payments[0].CreditorAccount.Type = "" }, "batches[1].payments[0].creditor_account.co_number", bankaccount.ErrCOAccountType},
		{"unknown account type", func(f *CreditTransferFile) { f.Batches[1].Payments[0].CreditorAccount.Type = "ahorros" }, "batches[1].payments[0].creditor_account.type", ErrInvalidCode},
		{"bad IBAN", func(f *CreditTransferFile) { f.Batches[2].Payments[0].CreditorAccount.IBAN = "GB82WEST12345698765431" }, "batches[2].payments[0].creditor_account.iban", bankaccount.ErrIBANCheckDigits},
		{"other scheme", func(f *CreditTransferFile) {
			f.Batches[2].Payments[0].CreditorAccount = Account{OtherID: "123", OtherScheme: "BBAN"}
		}, "batches[2].payments[0].creditor_account.other_id", ErrInvalidAccount},
		{"clearing system without member", func(f *CreditTransferFile) {
			f.Batches[0].Payments[0].CreditorAgent = Agent{ClearingSystem: "SPEI"}
		}, "batches[0].payments[0].creditor_agent.member_id", ErrRequired},
		{"creation time out of range", func(f *CreditTransferFile) { f.CreatedAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "created_at", ErrInvalidDate},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := sampleFile()
			c.change(&f)
			doc, err := BuildPain001(f)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			var e *Error
			if !errors.As(err, &e) || e.Path != c.path {
				t.Fatalf("err = %v, want path %s", err, c.path)
			}
			if doc != nil {
				t.Error("a refused file still produced bytes")
			}
			for _, acct := range []string{clabeSupplierA, "032180000118359718", "GB82WEST12345698765431"} {
				if strings.Contains(err.Error(), acct) {
					t.Errorf("error %q echoes an account number", err)
				}
			}
		})
	}
}

func TestGroupPayments(t *testing.T) {
	lender := Party{Name: "Fondeo", TaxID: "FCA010101AB1"}
	buyer := Party{Name: "Tostadora", TaxID: "TBA010203CC5"}
	mar3, mar4 := day(2026, time.March, 3), time.Date(2026, time.March, 4, 23, 0, 0, 0, time.FixedZone("CST", -6*3600))
	var ts []Transfer
	add := func(d Party, acct string, c money.Currency, date time.Time, e2e string, amount int64) {
		ts = append(ts, Transfer{Debtor: d, DebtorAccount: Account{CLABE: acct}, Currency: c, ExecutionDate: date, Payment: Payment{
			EndToEndID: e2e, Amount: cents(amount), Creditor: Party{Name: "S"}, CreditorAccount: Account{CLABE: clabeSupplierA},
		}})
	}
	add(lender, clabeLender, money.MXN, mar3, "E3", 100)
	add(buyer, clabeSupplierB, money.MXN, mar4, "E5", 200)
	add(lender, clabeLender, money.MXN, mar3, "E1", 300)
	add(lender, clabeLender, money.USD, mar3, "E2", 400)
	add(lender, clabeLender, money.MXN, mar4, "E4", 500)
	add(buyer, clabeSupplierB, money.MXN, mar4.Add(-22*time.Hour), "E6", 600) // 01:00 on 4 March; mar4 itself is 5 March in UTC

	first := GroupPayments("MSG-1", ts)
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		shuffled := slices.Clone(ts)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if got := GroupPayments("MSG-1", shuffled); fmt.Sprint(got) != fmt.Sprint(first) {
			t.Fatalf("order-dependent grouping:\n%v\n%v", got, first)
		}
	}
	type summary struct {
		id, debtor, ccy, date string
		e2e                   []string
	}
	var got []summary
	for _, b := range first {
		s := summary{b.PaymentInfoID, b.Debtor.Name, string(b.Currency), formatDate(b.RequestedExecutionDate), nil}
		for _, p := range b.Payments {
			s.e2e = append(s.e2e, p.EndToEndID)
		}
		got = append(got, s)
	}
	want := []summary{
		{"MSG-1-1", "Fondeo", "MXN", "2026-03-03", []string{"E1", "E3"}},
		{"MSG-1-2", "Fondeo", "USD", "2026-03-03", []string{"E2"}},
		{"MSG-1-3", "Fondeo", "MXN", "2026-03-04", []string{"E4"}},
		{"MSG-1-4", "Tostadora", "MXN", "2026-03-04", []string{"E5", "E6"}},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("batches:\n got %v\nwant %v", got, want)
	}
	doc, err := BuildPain001(CreditTransferFile{MessageID: "MSG-1", CreatedAt: created, InitiatingParty: Party{Name: "Cadena"}, Batches: first})
	if err != nil {
		t.Fatal(err)
	}
	if got := values(t, doc, "CstmrCdtTrfInitn/PmtInf/CtrlSum"); !slices.Equal(got, []string{"4.00", "4.00", "5.00", "8.00"}) {
		t.Errorf("batch sums %q", got)
	}
	validate(t, schemaPain001, doc)
}

func TestAccountFrom(t *testing.T) {
	for _, c := range []struct {
		in   bankaccount.Account
		want Account
	}{
		{bankaccount.Account{Scheme: bankaccount.SchemeCLABE, Number: clabeSupplierA, BankCode: "032"}, Account{CLABE: clabeSupplierA}},
		{bankaccount.Account{Scheme: bankaccount.SchemeCOAccount, Number: "12345", BankCode: "1007", AccountType: bankaccount.AccountTypeSavings}, Account{CONumber: "12345", COBankCode: "1007", Type: TypeSavings}},
		{bankaccount.Account{Scheme: bankaccount.SchemeCOAccount, Number: "12345", BankCode: "1007", AccountType: bankaccount.AccountTypeChecking}, Account{CONumber: "12345", COBankCode: "1007", Type: TypeChecking}},
		{bankaccount.Account{Scheme: bankaccount.SchemeIBAN, Number: ibanGB, IBAN: ibanGB}, Account{IBAN: ibanGB}},
		{bankaccount.Account{Scheme: bankaccount.SchemeCLABE, Number: clabeSupplierA, IBAN: ibanGB}, Account{IBAN: ibanGB, CLABE: clabeSupplierA}},
	} {
		if got := AccountFrom(c.in); got != c.want {
			t.Errorf("AccountFrom(%+v) = %+v, want %+v", c.in, got, c.want)
		}
	}
}
