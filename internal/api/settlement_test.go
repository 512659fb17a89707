package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/cadena-finance/cadena/internal/api/apitest"
	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/iso20022"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/platform/natstest"
	"github.com/cadena-finance/cadena/internal/platform/natsx"
	"github.com/cadena-finance/cadena/internal/platform/outbox"
	"github.com/cadena-finance/cadena/internal/platform/waittest"
	"github.com/cadena-finance/cadena/internal/platform/xsdtest"
	"github.com/cadena-finance/cadena/internal/settlement"
)

func init() {
	eventProducers = append(eventProducers, produceSettlementEvents)
	// The contract check reads these bodies as opaque strings; the tests
	// check the documents themselves (xmllint, the HTML's text).
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.FileBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/xml", openapi3filter.FileBodyDecoder)
}

// Each party's MXN account (valid CLABEs).
var clabes = map[string]string{"buyer": "012180001234567899", "supplier": "002180002345678903", "lender": "014180003456789011",
	"lender2": "072180004567890128", "supplier2": "021180005678901231"}

type settleFixture struct {
	*offerFixture
	accounts map[uuid.UUID]string // party → CLABE
	tokens   map[uuid.UUID]string // lender → token
}

func newSettleFixture(t *testing.T) *settleFixture {
	t.Helper()
	return withAccounts(t, newOfferFixture(t))
}

func withAccounts(t *testing.T, f *offerFixture) *settleFixture {
	t.Helper()
	s := &settleFixture{offerFixture: f, accounts: map[uuid.UUID]string{}, tokens: map[uuid.UUID]string{f.w.Lender.ID: f.lender, f.w.Lender2.ID: f.lender2}}
	for who, p := range map[string]party.Party{"buyer": f.w.Buyer, "supplier": f.w.Supplier, "lender": f.w.Lender, "lender2": f.w.Lender2, "supplier2": f.w.Supplier2} {
		if _, err := f.env.App.Administration.AddBankAccount(context.Background(), app.System, p.ID, party.AccountDraft{Currency: "MXN", Scheme: "CLABE", Number: clabes[who]}); err != nil {
			t.Fatal(err)
		}
		s.accounts[p.ID] = clabes[who]
	}
	return s
}

type finOut struct {
	ID          string `json:"id"`
	InvoiceID   string `json:"invoice_id"`
	LenderID    string `json:"lender_id"`
	Face        string `json:"face"`
	NetProceeds string `json:"net_proceeds"`
	ValueDate   string `json:"value_date"`
	Maturity    string `json:"maturity"`
	Status      string `json:"status"`
}

// financed publishes one invoice, takes the best quote and returns the
// financing with its lender's token.
func (s *settleFixture) financed(t *testing.T, amount string) (finOut, string) {
	t.Helper()
	q := s.quote(t, s.invoices(t, 1, amount)...)
	r := s.accept(q.Offers[0].ID, "acc-"+uuid.NewString())
	if r.Status != 201 {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}
	var acc struct {
		Financings []finOut `json:"financings"`
	}
	r.JSON(t, &acc)
	fin := acc.Financings[0]
	return fin, s.tokens[uuid.MustParse(q.Offers[0].LenderID)]
}

func (s *settleFixture) financing(t *testing.T, id string) finOut {
	t.Helper()
	var f finOut
	s.env.Do(apitest.Req{Method: "GET", Path: "/v1/financings/" + id, Token: s.op}).JSON(t, &f)
	return f
}

// clean asserts the trial balance is zero per currency and reconciliation finds nothing.
func (s *settleFixture) clean(t *testing.T, when string) {
	t.Helper()
	var tb struct {
		Balanced bool `json:"balanced"`
	}
	s.env.Do(apitest.Req{Method: "GET", Path: "/v1/ledger/trial-balance", Token: s.op}).JSON(t, &tb)
	var rec struct {
		OK          bool             `json:"ok"`
		Differences []map[string]any `json:"differences"`
	}
	s.env.Do(apitest.Req{Method: "GET", Path: "/v1/reconciliation", Token: s.op}).JSON(t, &rec)
	if !tb.Balanced || !rec.OK {
		t.Fatalf("%s: trial balance balanced=%v; reconciliation %v", when, tb.Balanced, rec.Differences)
	}
}

type camtItem struct {
	e2e, ref, amount string
	cd               iso20022.CreditDebit
}

// camt builds a bank's camt.054 for the account of party, one booked entry per item.
func (s *settleFixture) camt(t *testing.T, msgID string, party uuid.UUID, items ...camtItem) []byte {
	t.Helper()
	n := iso20022.Notification{MessageID: msgID, CreatedAt: s.clk.Now(), Reports: []iso20022.Report{{ID: msgID + "-1", Account: iso20022.Account{CLABE: s.accounts[party]}}}}
	for _, it := range items {
		d := dec(t, it.amount)
		n.Reports[0].Entries = append(n.Reports[0].Entries, iso20022.Entry{Reference: it.ref, Amount: d, Currency: "MXN", CreditDebit: it.cd,
			Status: iso20022.StatusBooked, BookingDate: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), BankReference: it.ref,
			Transactions: []iso20022.Transaction{{EndToEndID: it.e2e, Amount: d, Currency: "MXN", CreditDebit: it.cd}}})
	}
	b, err := iso20022.BuildCamt054(n)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

type stmtOut struct {
	ID          string         `json:"id"`
	DuplicateOf *string        `json:"duplicate_of"`
	Counts      map[string]int `json:"counts"`
	Entries     []struct {
		Outcome string `json:"outcome"`
		Reason  string `json:"reason"`
	} `json:"entries"`
}

func (s *settleFixture) upload(t *testing.T, tok string, doc []byte) stmtOut {
	t.Helper()
	r := s.env.Do(apitest.Req{Method: "POST", Path: "/v1/bank-statements", Token: tok, Body: doc,
		Header: map[string]string{"Content-Type": "application/xml", "Idempotency-Key": uuid.NewString()}})
	if r.Status != 201 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	var out stmtOut
	r.JSON(t, &out)
	return out
}

func (s *settleFixture) paymentFile(t *testing.T, tok, kind, date string) []byte {
	t.Helper()
	r := s.env.Do(apitest.Req{Method: "GET", Path: "/v1/payment-files?kind=" + kind + "&date=" + date, Token: tok})
	if r.Status != 200 {
		t.Fatalf("payment file: %d %s", r.Status, r.Body)
	}
	xsdtest.Validate(t, xsdtest.Pain001, r.Body)
	return r.Body
}

// sameFile checks that the file sent before (doc) is still served, by date
// and by its message id, to its builder and to operators, and to nobody else.
func (s *settleFixture) sameFile(t *testing.T, tok, kind, date string, doc []byte) {
	t.Helper()
	if got := s.paymentFile(t, tok, kind, date); !bytes.Equal(got, doc) {
		t.Fatalf("%s file of %s changed:\n%s\nwas\n%s", kind, date, got, doc)
	}
	id := regexp.MustCompile(`<MsgId>([^<]+)</MsgId>`).FindSubmatch(doc)[1]
	for _, who := range []string{tok, s.op} {
		r := s.env.Do(apitest.Req{Method: "GET", Path: "/v1/payment-files/" + string(id), Token: who})
		if r.Status != 200 || !bytes.Equal(r.Body, doc) || !strings.Contains(r.Header.Get("Content-Disposition"), string(id)+".xml") {
			t.Fatalf("%s file %s by id: %d %s", kind, id, r.Status, r.Body)
		}
	}
	for _, who := range []string{s.env.Token(s.w.OtherLender.ID, auth.RoleLender), s.env.Token(s.w.OtherBuyer.ID, auth.RoleBuyer)} {
		if r := s.env.Do(apitest.Req{Method: "GET", Path: "/v1/payment-files/" + string(id), Token: who}); r.Status != 404 || r.Problem(t).Code != "payment_file.not_found" {
			t.Fatalf("another party read file %s: %d %s", id, r.Status, r.Body)
		}
	}
	if r := s.env.Do(apitest.Req{Method: "GET", Path: "/v1/payment-files/not-a-file", Token: s.op}); r.Status != 404 {
		t.Fatalf("malformed file id: %d", r.Status)
	}
}

func (s *settleFixture) sweep(t *testing.T) int {
	t.Helper()
	n, err := s.env.App.Settling.SettleSchedule(context.Background(), 100, 3)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func outboxCount(t *testing.T, env *apitest.Env, subject string) int {
	t.Helper()
	return count(t, env, "SELECT count(*) FROM outbox WHERE subject = $1", subject)
}

// The end-to-end flow, through HTTP: accept → pain.001 valid
// against the XSD → camt.054 confirms funding → maturity → camt.054
// confirms repayment → settled, clean at every step.
func TestSettlementEndToEnd(t *testing.T) {
	t.Parallel()
	s := newSettleFixture(t)
	fin, lender := s.financed(t, "100000.00")
	lenderID := uuid.MustParse(fin.LenderID)
	s.clean(t, "accepted")

	// The buyer learns its new payee.
	var notice struct {
		NewPayee struct {
			ID string `json:"id"`
		} `json:"new_payee"`
		PayeeAccount struct {
			Number string `json:"number"`
		} `json:"payee_account"`
		Amount, PayOn, PaymentReference string
	}
	r := s.env.Do(apitest.Req{Method: "GET", Path: "/v1/financings/" + fin.ID + "/assignment-notice", Token: s.buyer})
	r.JSON(t, &notice)
	if notice.NewPayee.ID != fin.LenderID || notice.PayeeAccount.Number != s.accounts[lenderID] || !strings.Contains(string(r.Body), `"amount":"100000.00"`) ||
		!strings.Contains(string(r.Body), `"pay_on":"2027-01-22"`) {
		t.Fatalf("notice %s", r.Body)
	}
	r = s.env.Do(apitest.Req{Method: "GET", Path: "/v1/financings/" + fin.ID + "/assignment-notice", Token: s.buyer, Header: map[string]string{"Accept": "text/html"}})
	if r.Status != 200 || !strings.Contains(string(r.Body), "Notificación de cesión") || !strings.Contains(string(r.Body), "100000.00 MXN") {
		t.Fatalf("html notice %d %s", r.Status, r.Body)
	}
	if r := s.env.Do(apitest.Req{Method: "GET", Path: "/v1/financings/" + fin.ID + "/assignment-notice", Token: s.env.Token(s.w.OtherBuyer.ID, auth.RoleBuyer)}); r.Status != 404 {
		t.Fatalf("another buyer read the notice: %d", r.Status)
	}

	// The lender's disbursement file instructs the funding.
	doc := s.paymentFile(t, lender, "disbursement", "2026-11-20")
	e2e := settlement.EndToEndID(uuid.MustParse(fin.ID), settlement.Disbursement)
	for _, want := range []string{"<EndToEndId>" + e2e + "</EndToEndId>", `<InstdAmt Ccy="MXN">` + fin.NetProceeds + "</InstdAmt>",
		"<NbOfTxs>1</NbOfTxs>", "<CtrlSum>" + fin.NetProceeds + "</CtrlSum>", "<Id>" + s.accounts[s.w.Supplier.ID] + "</Id>", "<Prtry>CLABE</Prtry>",
		"<Dt>2026-11-20</Dt>"} {
		if !strings.Contains(string(doc), want) {
			t.Fatalf("file lacks %s:\n%s", want, doc)
		}
	}
	if again := s.paymentFile(t, lender, "disbursement", "2026-11-20"); !bytes.Equal(again, doc) {
		t.Fatal("the same payments gave another file")
	}
	if got := s.financing(t, fin.ID).Status; got != "funding_instructed" {
		t.Fatalf("status %s", got)
	}
	s.clean(t, "instructed")

	// The lender's bank reports the debit: funding confirmed.
	st := s.upload(t, lender, s.camt(t, "MSG-F1", lenderID, camtItem{e2e, "BNK-F-1", fin.NetProceeds, iso20022.Debit}))
	if st.Counts["matched"] != 1 {
		t.Fatalf("funding statement %+v", st)
	}
	if got := s.financing(t, fin.ID).Status; got != "funded" {
		t.Fatalf("status %s", got)
	}
	s.clean(t, "funded")
	// The file stays retrievable, by date and by id, once its payment is confirmed.
	s.sameFile(t, lender, "disbursement", "2026-11-20", doc)

	// The same statement again changes nothing.
	dup := s.upload(t, lender, s.camt(t, "MSG-F1", lenderID, camtItem{e2e, "BNK-F-1", fin.NetProceeds, iso20022.Debit}))
	if dup.Counts["duplicate"] != 1 || dup.DuplicateOf == nil || *dup.DuplicateOf != st.ID {
		t.Fatalf("duplicate statement %+v", dup)
	}
	if n := count(t, s.env, "SELECT count(*) FROM journal_entries"); n != 1 {
		t.Fatalf("%d journal entries after a duplicate", n)
	}

	// Three business days before maturity: the reminder, once.
	s.clk.Set(time.Date(2027, 1, 19, 15, 0, 0, 0, time.UTC))
	s.sweep(t)
	s.sweep(t)
	if n := outboxCount(t, s.env, "cadena.financing.repayment_reminder"); n != 1 {
		t.Fatalf("%d reminders", n)
	}
	// Maturity in Mexico City: due.
	s.clk.Set(time.Date(2027, 1, 22, 7, 0, 0, 0, time.UTC)) // 01:00 in Mexico City
	s.sweep(t)
	if got := s.financing(t, fin.ID).Status; got != "due" {
		t.Fatalf("at maturity: %s", got)
	}
	s.clean(t, "due")

	// The buyer's repayment file.
	rdoc := s.paymentFile(t, s.buyer, "repayment", "2027-01-22")
	re2e := settlement.EndToEndID(uuid.MustParse(fin.ID), settlement.Repayment)
	if !strings.Contains(string(rdoc), re2e) || !strings.Contains(string(rdoc), `<InstdAmt Ccy="MXN">100000.00</InstdAmt>`) {
		t.Fatalf("repayment file:\n%s", rdoc)
	}
	// A wrong amount is held for review and changes nothing.
	wrong := s.upload(t, lender, s.camt(t, "MSG-R0", lenderID, camtItem{re2e, "BNK-R-0", "99999.99", iso20022.Credit}))
	if wrong.Counts["mismatched"] != 1 || !strings.Contains(wrong.Entries[0].Reason, "expected 100000.00") {
		t.Fatalf("wrong amount %+v", wrong)
	}
	var held stmtOut
	s.env.Do(apitest.Req{Method: "GET", Path: "/v1/bank-statements/" + wrong.ID, Token: s.op}).JSON(t, &held)
	if held.Counts["mismatched"] != 1 {
		t.Fatalf("held %+v", held)
	}
	if got := s.financing(t, fin.ID).Status; got != "due" {
		t.Fatalf("after a wrong amount: %s", got)
	}
	// The same file again is judged no more: nothing is held twice.
	again := s.upload(t, lender, s.camt(t, "MSG-R0", lenderID, camtItem{re2e, "BNK-R-0", "99999.99", iso20022.Credit}))
	if again.Counts["duplicate"] != 1 || again.Counts["mismatched"] != 0 || again.DuplicateOf == nil || *again.DuplicateOf != wrong.ID {
		t.Fatalf("re-uploaded mismatched statement %+v", again)
	}
	// The right one settles it.
	ok := s.upload(t, lender, s.camt(t, "MSG-R1", lenderID, camtItem{re2e, "BNK-R-1", "100000.00", iso20022.Credit}))
	if ok.Counts["matched"] != 1 {
		t.Fatalf("repayment statement %+v", ok)
	}
	if got := s.financing(t, fin.ID).Status; got != "repaid" {
		t.Fatalf("status %s", got)
	}
	s.clean(t, "repaid")
	s.sameFile(t, s.buyer, "repayment", "2027-01-22", rdoc)
	s.sameFile(t, lender, "disbursement", "2026-11-20", doc)
	if n := count(t, s.env, "SELECT count(*) FROM program_lenders WHERE lender_id = $1 AND exposure = 0", lenderID); n != 1 {
		t.Fatal("exposure not released")
	}

	// Each party's statement: the lender earned the discount.
	var stmt struct {
		Closing []struct{ Account, Balance string } `json:"closing"`
		Lines   []struct{ EntryKind string }        `json:"lines"`
	}
	s.env.Do(apitest.Req{Method: "GET", Path: "/v1/statements?currency=MXN", Token: lender}).JSON(t, &stmt)
	income := ""
	for _, b := range stmt.Closing {
		if b.Account == "lender_discount_income" {
			income = b.Balance
		}
	}
	if want := "-" + dec(t, fin.Face).Sub(dec(t, fin.NetProceeds)).StringFixed(2); income != want || len(stmt.Lines) != 7 {
		t.Fatalf("lender statement: income %s want %s, %d lines", income, want, len(stmt.Lines))
	}
	// Keyset pages of 3 lines cover the same 7.
	seen, cursor := 0, ""
	for pages := 0; pages < 5; pages++ {
		var page struct {
			Lines      []struct{ EntryID string } `json:"lines"`
			NextCursor string                     `json:"next_cursor"`
		}
		s.env.Do(apitest.Req{Method: "GET", Path: "/v1/statements?currency=MXN&limit=3&cursor=" + cursor, Token: lender}).JSON(t, &page)
		seen += len(page.Lines)
		if cursor = page.NextCursor; cursor == "" {
			break
		}
	}
	if seen != 7 {
		t.Fatalf("paged %d lines", seen)
	}
	if r := s.env.Do(apitest.Req{Method: "GET", Path: "/v1/statements?currency=MXN&cursor=zzz", Token: lender}); r.Status != 400 {
		t.Fatalf("bad cursor: %d", r.Status)
	}
	r = s.env.Do(apitest.Req{Method: "GET", Path: "/v1/statements?currency=MXN&from=2026-01-01&to=2027-12-31", Token: s.supplier, Header: map[string]string{"Accept": "text/csv"}})
	rows, err := csv.NewReader(bytes.NewReader(r.Body)).ReadAll()
	if err != nil || len(rows) != 4 || rows[0][0] != "at" {
		t.Fatalf("supplier csv %v %q", err, r.Body)
	}

	// The outbox relay publishes the lifecycle to an in-process JetStream, in order.
	want := []string{"cadena.financing.accepted", "cadena.financing.funding_instructed", "cadena.financing.funded",
		"cadena.financing.repayment_reminder", "cadena.financing.due", "cadena.financing.repaid"}
	if got := publishedLifecycle(t, s.env, fin.ID); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("published %v, want %v", got, want)
	}
}

// publishedLifecycle relays the outbox to an in-process NATS JetStream and
// returns the types of the events on cadena.financing.* that name the
// financing, in stream order.
func publishedLifecycle(t *testing.T, env *apitest.Env, financingID string) []string {
	t.Helper()
	ctx := context.Background()
	ns := natstest.Start(t)
	nc, err := nats.Connect(ns.ClientURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := jetstream.New(nc)
	if err != nil {
		t.Fatal(err)
	}
	if err := natsx.EnsureStreams(ctx, js); err != nil {
		t.Fatal(err)
	}
	relay := &outbox.Relay{Pool: env.Pool, JS: js}
	for {
		n, err := relay.RelayOnce(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	cons, err := js.OrderedConsumer(ctx, natsx.EventsStream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{"cadena.financing.*"}})
	if err != nil {
		t.Fatal(err)
	}
	// Read exactly what the stream holds: a single fetch returns what was
	// delivered within its wait, which on a busy machine may be a part.
	stream, err := js.Stream(ctx, natsx.EventsStream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(ctx, jetstream.WithSubjectFilter("cadena.financing.*"))
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, n := range info.State.Subjects {
		want += int(n)
	}
	var msgs []jetstream.Msg
	waittest.Until(t, "the stream's financing events", func() bool {
		if len(msgs) == want {
			return true
		}
		batch, err := cons.Fetch(want-len(msgs), jetstream.FetchMaxWait(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for m := range batch.Messages() {
			msgs = append(msgs, m)
		}
		return len(msgs) == want
	})
	var out []string
	for _, m := range msgs {
		var e struct {
			Type string `json:"type"`
			Data struct {
				FinancingID string `json:"financing_id"`
				Financings  []struct {
					FinancingID string `json:"financing_id"`
				} `json:"financings"`
			} `json:"data"`
		}
		if err := json.Unmarshal(m.Data(), &e); err != nil {
			t.Fatal(err)
		}
		ours := e.Data.FinancingID == financingID
		for _, l := range e.Data.Financings {
			ours = ours || l.FinancingID == financingID
		}
		if ours {
			out = append(out, e.Type)
		}
	}
	return out
}

// Funding not confirmed by the cut-off fails: the invoice is available
// again and the exposure released; a late confirmation is refused.
func TestFundingFailsAfterCutoff(t *testing.T) {
	t.Parallel()
	s := newSettleFixture(t)
	fin, lender := s.financed(t, "50000.00")
	s.clk.Set(time.Date(2026, 11, 20, 18, 59, 0, 0, time.UTC)) // 12:59 in Mexico City
	if n := s.sweep(t); n != 0 {
		t.Fatalf("failed before the cut-off: %d", n)
	}
	s.clk.Set(time.Date(2026, 11, 20, 19, 0, 0, 0, time.UTC)) // 13:00: the cut-off
	s.sweep(t)
	if got := s.financing(t, fin.ID).Status; got != "funding_failed" {
		t.Fatalf("status %s", got)
	}
	if n := count(t, s.env, "SELECT count(*) FROM invoices WHERE id = $1 AND status = 'published'", fin.InvoiceID); n != 1 {
		t.Fatal("invoice not available again")
	}
	if n := count(t, s.env, "SELECT count(*) FROM program_lenders WHERE exposure <> 0"); n != 0 {
		t.Fatal("exposure not released")
	}
	if n := outboxCount(t, s.env, "cadena.supplier."+s.w.Supplier.ID.String()+".financing.funding_failed"); n != 1 {
		t.Fatal("the supplier was not told")
	}
	r := s.env.Do(apitest.Req{Method: "POST", Path: "/v1/financings/" + fin.ID + "/funding-confirmation", Token: lender,
		Body: map[string]string{"bank_reference": "LATE-1", "amount": fin.NetProceeds, "date": "2026-11-20"}})
	if r.Status != 409 || r.Problem(t).Code != "financing.invalid_transition" {
		t.Fatalf("late funding: %d %s", r.Status, r.Body)
	}
	s.clean(t, "funding failed")
}

// Manual confirmations: exact amounts, duplicates, conflicts, tenants;
// then overdue after the grace days, still repayable.
func TestConfirmationsAndOverdue(t *testing.T) {
	t.Parallel()
	s := newSettleFixture(t)
	fin, lender := s.financed(t, "80000.00")
	path := "/v1/financings/" + fin.ID
	confirm := func(tok, route, ref, amount string) *apitest.Resp {
		return s.env.Do(apitest.Req{Method: "POST", Path: path + route, Token: tok, Body: map[string]string{"bank_reference": ref, "amount": amount, "date": "2026-11-20"},
			Header: map[string]string{"Idempotency-Key": uuid.NewString()}})
	}
	other := s.env.Token(s.w.OtherLender.ID, auth.RoleLender)
	if r := confirm(other, "/funding-confirmation", "X", fin.NetProceeds); r.Status != 404 {
		t.Fatalf("another lender confirmed: %d", r.Status)
	}
	if r := confirm(s.supplier, "/funding-confirmation", "X", fin.NetProceeds); r.Status != 403 {
		t.Fatalf("a supplier confirmed: %d", r.Status)
	}
	if r := confirm(lender, "/funding-confirmation", "F-1", dec(t, fin.NetProceeds).Sub(dec(t, "0.01")).StringFixed(2)); r.Status != 422 || r.Problem(t).Code != "settlement.amount_mismatch" {
		t.Fatalf("short funding: %d %s", r.Status, r.Body)
	}
	if r := confirm(lender, "/repayment-confirmation", "R-0", fin.Face); r.Status != 409 {
		t.Fatalf("repaid before funding: %d %s", r.Status, r.Body)
	}
	// The date is the day the money moved: never after today in the
	// program's zone. At 21:00 on the 20th in Mexico City it is already the
	// 21st in UTC, and still too early for a transfer dated the 21st.
	s.clk.Set(time.Date(2026, 11, 21, 3, 0, 0, 0, time.UTC))
	for _, date := range []string{"2026-11-21", "2027-01-01"} {
		r := s.env.Do(apitest.Req{Method: "POST", Path: path + "/funding-confirmation", Token: lender,
			Body: map[string]string{"bank_reference": "F-1", "amount": fin.NetProceeds, "date": date}, Header: map[string]string{"Idempotency-Key": uuid.NewString()}})
		if r.Status != 422 || r.Problem(t).Code != "settlement.date_in_future" {
			t.Fatalf("funding dated %s: %d %s", date, r.Status, r.Body)
		}
	}
	if got := s.financing(t, fin.ID).Status; got != "accepted" {
		t.Fatalf("a refused confirmation moved the financing: %s", got)
	}
	body := map[string]string{"bank_reference": "F-1", "amount": fin.NetProceeds, "date": "2026-11-20"}
	first := s.env.Do(apitest.Req{Method: "POST", Path: path + "/funding-confirmation", Token: lender, Body: body, Header: map[string]string{"Idempotency-Key": "fund-1"}})
	if first.Status != 200 || !strings.Contains(string(first.Body), `"status":"funded"`) {
		t.Fatalf("funding: %d %s", first.Status, first.Body)
	}
	replay := s.env.Do(apitest.Req{Method: "POST", Path: path + "/funding-confirmation", Token: lender, Body: body, Header: map[string]string{"Idempotency-Key": "fund-1"}})
	if replay.Header.Get("Idempotent-Replayed") != "true" || !bytes.Equal(replay.Body, first.Body) {
		t.Fatalf("retry with the same key: %s", replay.Body)
	}
	if r := confirm(lender, "/funding-confirmation", "F-1", fin.NetProceeds); r.Status != 200 || !strings.Contains(string(r.Body), `"duplicate":true`) {
		t.Fatalf("duplicate: %d %s", r.Status, r.Body)
	}
	if r := confirm(lender, "/funding-confirmation", "F-2", fin.NetProceeds); r.Status != 409 || r.Problem(t).Code != "settlement.already_confirmed" {
		t.Fatalf("second payment: %d %s", r.Status, r.Body)
	}
	s.clean(t, "funded")

	// Maturity Friday 22 Jan 2027, grace 3 business days: late from Thursday 28 Jan.
	s.clk.Set(time.Date(2027, 1, 27, 18, 0, 0, 0, time.UTC))
	s.sweep(t)
	if got := s.financing(t, fin.ID).Status; got != "due" {
		t.Fatalf("within grace: %s", got)
	}
	s.clk.Set(time.Date(2027, 1, 28, 18, 0, 0, 0, time.UTC))
	s.sweep(t)
	if got := s.financing(t, fin.ID).Status; got != "overdue" {
		t.Fatalf("after grace: %s", got)
	}
	s.clean(t, "overdue")
	if r := confirm(lender, "/repayment-confirmation", "R-1", fin.Face); r.Status != 200 || !strings.Contains(string(r.Body), `"status":"repaid"`) {
		t.Fatalf("late repayment: %d %s", r.Status, r.Body)
	}
	s.clean(t, "repaid late")
}

// Who may build which payment file, and whose statements each lender sees.
func TestSettlementRolesAndTenants(t *testing.T) {
	t.Parallel()
	s := newSettleFixture(t)
	fin, lender := s.financed(t, "10000.00")
	for _, c := range []struct {
		tok, kind string
		status    int
	}{{s.supplier, "disbursement", 403}, {s.buyer, "disbursement", 403}, {lender, "repayment", 403},
		{s.env.Token(s.w.OtherLender.ID, auth.RoleLender), "disbursement", 404}, {s.op, "repayment", 404}, {s.op, "weekly", 400}} {
		r := s.env.Do(apitest.Req{Method: "GET", Path: "/v1/payment-files?kind=" + c.kind + "&date=2026-11-20", Token: c.tok})
		if r.Status != c.status {
			t.Errorf("%s file: %d %s", c.kind, r.Status, r.Body)
		}
	}
	s.paymentFile(t, s.op, "disbursement", "2026-11-20")
	st := s.upload(t, lender, s.camt(t, "M-1", uuid.MustParse(fin.LenderID), camtItem{"NOT-OURS-1", "B-1", "120784.50", iso20022.Credit}))
	if st.Counts["unmatched"] != 1 {
		t.Fatalf("foreign entry %+v", st)
	}
	// Amounts keep the currency's scale, as uploaded and as read back.
	if r := s.env.Do(apitest.Req{Method: "GET", Path: "/v1/bank-statements/" + st.ID, Token: lender}); !strings.Contains(string(r.Body), `"amount":"120784.50"`) {
		t.Fatalf("statement amount lost its scale: %s", r.Body)
	}
	otherLender := s.lender
	if lender == s.lender {
		otherLender = s.lender2
	}
	if r := s.env.Do(apitest.Req{Method: "GET", Path: "/v1/bank-statements/" + st.ID, Token: otherLender}); r.Status != 404 {
		t.Fatalf("another lender read a statement: %d", r.Status)
	}
	// A transfer booked after today (the program's zone) confirms nothing: it is held for review.
	e2e0 := settlement.EndToEndID(uuid.MustParse(fin.ID), settlement.Disbursement)
	s.clk.Set(time.Date(2026, 11, 19, 16, 0, 0, 0, time.UTC))
	early := s.upload(t, lender, s.camt(t, "M-0", uuid.MustParse(fin.LenderID), camtItem{e2e0, "B-0", fin.NetProceeds, iso20022.Debit}))
	if early.Counts["mismatched"] != 1 || !strings.Contains(early.Entries[0].Reason, "future") || s.financing(t, fin.ID).Status != "funding_instructed" {
		t.Fatalf("statement booked tomorrow %+v", early)
	}
	s.clk.Set(friday10)
	// A statement uploaded by another lender cannot confirm this lender's financing.
	e2e := settlement.EndToEndID(uuid.MustParse(fin.ID), settlement.Disbursement)
	st = s.upload(t, otherLender, s.camt(t, "M-2", uuid.MustParse(fin.LenderID), camtItem{e2e, "B-2", fin.NetProceeds, iso20022.Debit}))
	if st.Counts["unmatched"] != 1 || s.financing(t, fin.ID).Status != "funding_instructed" {
		t.Fatalf("cross-tenant statement %+v", st)
	}
	for _, bad := range []string{"<Document/>", "not xml"} {
		r := s.env.Do(apitest.Req{Method: "POST", Path: "/v1/bank-statements", Token: s.op, Body: bad, Header: map[string]string{"Content-Type": "application/xml"}})
		if r.Status != 422 || r.Problem(t).Code != "bank_statement.invalid" {
			t.Errorf("bad statement: %d %s", r.Status, r.Body)
		}
	}
	if r := s.env.Do(apitest.Req{Method: "POST", Path: "/v1/bank-statements", Token: s.op, Body: "{}"}); r.Status != 415 {
		t.Errorf("json statement: %d", r.Status)
	}
	if r := s.env.Do(apitest.Req{Method: "GET", Path: "/v1/statements?currency=XXX", Token: s.buyer}); r.Status != 422 {
		t.Errorf("bad currency: %d", r.Status)
	}
	for _, tok := range []string{s.buyer, s.supplier, lender, s.op} {
		if r := s.env.Do(apitest.Req{Method: "GET", Path: "/v1/statements?currency=MXN", Token: tok}); r.Status != 200 {
			t.Errorf("statement: %d", r.Status)
		}
	}
}

// An operator finds what is held for review without knowing a statement
// id: filters by outcome, review, upload day; pages; tenants; roles.
func TestListBankStatements(t *testing.T) {
	t.Parallel()
	s := newSettleFixture(t)
	fin, lender := s.financed(t, "10000.00")
	lenderID := uuid.MustParse(fin.LenderID)
	e2e := settlement.EndToEndID(uuid.MustParse(fin.ID), settlement.Disbursement)
	foreign := s.upload(t, lender, s.camt(t, "L-1", lenderID, camtItem{"NOT-OURS", "B-1", "5.00", iso20022.Credit}))
	s.clk.Set(s.clk.Now().Add(time.Hour))
	wrong := s.upload(t, lender, s.camt(t, "L-2", lenderID, camtItem{e2e, "B-2", "1.00", iso20022.Debit}))
	funded := s.upload(t, lender, s.camt(t, "L-3", lenderID, camtItem{e2e, "B-3", fin.NetProceeds, iso20022.Debit}))
	s.clk.Set(time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC))
	again := s.upload(t, lender, s.camt(t, "L-2", lenderID, camtItem{e2e, "B-2", "1.00", iso20022.Debit}))
	ops := s.upload(t, s.op, s.camt(t, "O-1", lenderID, camtItem{"NOT-OURS-2", "B-4", "7.00", iso20022.Credit}))
	if funded.Counts["matched"] != 1 || again.Counts["duplicate"] != 1 {
		t.Fatalf("setup: %+v %+v", funded, again)
	}

	type page struct {
		Items []struct {
			ID            string         `json:"id"`
			HeldForReview bool           `json:"held_for_review"`
			Counts        map[string]int `json:"counts"`
		} `json:"items"`
		NextCursor string `json:"next_cursor"`
	}
	list := func(tok, query string) []string {
		t.Helper()
		var p page
		r := s.env.Do(apitest.Req{Method: "GET", Path: "/v1/bank-statements?" + query, Token: tok})
		if r.Status != 200 {
			t.Fatalf("list %s: %d %s", query, r.Status, r.Body)
		}
		r.JSON(t, &p)
		ids := []string{}
		for _, it := range p.Items {
			ids = append(ids, it.ID)
		}
		return ids
	}
	for _, c := range []struct {
		tok, query string
		want       []string
	}{
		{s.op, "", []string{foreign.ID, wrong.ID, funded.ID, again.ID, ops.ID}},
		{s.op, "held_for_review=true", []string{foreign.ID, wrong.ID, ops.ID}},
		{s.op, "held_for_review=false", []string{funded.ID, again.ID}},
		{s.op, "status=mismatched", []string{wrong.ID}},
		{s.op, "status=duplicate", []string{again.ID}},
		{s.op, "status=unmatched&from=2026-11-21", []string{ops.ID}},
		{s.op, "held_for_review=true&from=2026-11-20&to=2026-11-20", []string{foreign.ID, wrong.ID}},
		{s.op, "to=2026-11-19", []string{}},
		{lender, "held_for_review=true", []string{foreign.ID, wrong.ID}},
		{s.env.Token(s.w.OtherLender.ID, auth.RoleLender), "", []string{}},
	} {
		if got := list(c.tok, c.query); strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%q: got %v, want %v", c.query, got, c.want)
		}
	}
	// Pages of one cover the same five.
	var seen []string
	for cursor, pages := "", 0; pages < 10; pages++ {
		var p page
		s.env.Do(apitest.Req{Method: "GET", Path: "/v1/bank-statements?limit=1&cursor=" + cursor, Token: s.op}).JSON(t, &p)
		for _, it := range p.Items {
			seen = append(seen, it.ID)
		}
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	if len(seen) != 5 {
		t.Fatalf("paged %v", seen)
	}
	for _, bad := range []string{"status=held", "held_for_review=yes", "from=20261120", "from=2026-11-21&to=2026-11-20", "limit=0", "cursor=x"} {
		if r := s.env.Do(apitest.Req{Method: "GET", Path: "/v1/bank-statements?" + bad, Token: s.op}); r.Status != 400 || r.Problem(t).Code != "request.bad_parameter" {
			t.Errorf("%s: %d %s", bad, r.Status, r.Body)
		}
	}
	for _, tok := range []string{s.buyer, s.supplier} {
		if r := s.env.Do(apitest.Req{Method: "GET", Path: "/v1/bank-statements", Token: tok}); r.Status != 403 {
			t.Errorf("buyer or supplier listed statements: %d", r.Status)
		}
	}
}

// produceSettlementEvents makes every settlement event for the contract test.
func produceSettlementEvents(t *testing.T, env *apitest.Env, w apitest.World) {
	clk := &clock{}
	clk.Set(friday10)
	env.App.Now = clk.Now
	defer func() { env.App.Now = nil }()
	f := &offerFixture{env: env, w: w, clk: clk, prog: "/v1/programs/" + w.Program.ID.String(), op: env.Token(w.Operator.ID, auth.RoleOperator),
		supplier: env.Token(w.Supplier.ID, auth.RoleSupplier), buyer: env.Token(w.Buyer.ID, auth.RoleBuyer),
		lender: env.Token(w.Lender.ID, auth.RoleLender), lender2: env.Token(w.Lender2.ID, auth.RoleLender)}
	if _, _, err := env.App.Quoting.PutReferenceRate(context.Background(), app.Actor{Subject: "test", PartyID: w.Operator.ID, Role: auth.RoleOperator},
		"TIIE_FONDEO", "2026-11-19", "7.12"); err != nil {
		t.Fatal(err)
	}
	f.standing(t, f.lender, []map[string]int{{"max_days": 180, "spread_bps": 300}})
	s := &settleFixture{offerFixture: f, accounts: map[uuid.UUID]string{}, tokens: map[uuid.UUID]string{w.Lender.ID: f.lender, w.Lender2.ID: f.lender2}}
	repaid, tok := s.financed(t, "1000.00")
	overdue, _ := s.financed(t, "2000.00")
	failed, _ := s.financed(t, "3000.00")
	for _, fin := range []finOut{repaid, overdue} {
		env.Do(apitest.Req{Method: "POST", Path: "/v1/financings/" + fin.ID + "/funding-confirmation", Token: tok,
			Body: map[string]string{"bank_reference": "EV-" + fin.ID[:8], "amount": fin.NetProceeds, "date": "2026-11-20"}})
	}
	_ = failed
	clk.Set(time.Date(2027, 1, 19, 15, 0, 0, 0, time.UTC))
	s.sweep(t) // funding failed, reminders
	clk.Set(time.Date(2027, 1, 22, 15, 0, 0, 0, time.UTC))
	s.sweep(t) // due
	env.Do(apitest.Req{Method: "POST", Path: "/v1/financings/" + repaid.ID + "/repayment-confirmation", Token: tok,
		Body: map[string]string{"bank_reference": "EV-R", "amount": repaid.Face, "date": "2027-01-22"}})
	clk.Set(time.Date(2027, 2, 5, 15, 0, 0, 0, time.UTC))
	s.sweep(t) // overdue
	s.accounts[w.Lender.ID] = clabes["lender"]
	s.upload(t, tok, s.camt(t, "EV-STMT", w.Lender.ID, camtItem{"NOT-CADENA", "EV-B", "1.00", iso20022.Credit}))
}

// A payment needs both parties' accounts in its currency.
func TestPaymentFileNeedsAccounts(t *testing.T) {
	t.Parallel()
	f := newOfferFixture(t)
	s := &settleFixture{offerFixture: f, accounts: map[uuid.UUID]string{}, tokens: map[uuid.UUID]string{f.w.Lender.ID: f.lender, f.w.Lender2.ID: f.lender2}}
	_, lender := s.financed(t, "10000.00")
	r := s.env.Do(apitest.Req{Method: "GET", Path: "/v1/payment-files?kind=disbursement&date=2026-11-20", Token: lender})
	if r.Status != 422 || r.Problem(t).Code != "settlement.no_bank_account" {
		t.Fatalf("no accounts: %d %s", r.Status, r.Body)
	}
	if n := count(t, s.env, "SELECT count(*) FROM financings WHERE status = 'accepted'"); n != 1 {
		t.Fatal("a refused file instructed the financing")
	}
}

// Several replicas sweep at once: SKIP LOCKED gives each financing to one
// sweep, so each fails its funding exactly once and nobody waits or errs.
func TestScheduleOnSeveralReplicas(t *testing.T) {
	t.Parallel()
	s := newSettleFixture(t)
	q := s.quote(t, s.invoices(t, 12, "1000.00")...)
	if r := s.accept(q.Offers[0].ID, "many"); r.Status != 201 {
		t.Fatalf("accept: %d", r.Status)
	}
	s.clk.Set(time.Date(2026, 11, 20, 20, 0, 0, 0, time.UTC)) // past the cut-off
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.env.App.Settling.SettleSchedule(context.Background(), 3, 3)
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := outboxCount(t, s.env, "cadena.financing.funding_failed"); n != 12 {
		t.Fatalf("%d funding_failed events for 12 financings", n)
	}
	s.clean(t, "after concurrent sweeps")
}
