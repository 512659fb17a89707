package settling_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/api/apitest"
	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/invoicing"
	"github.com/cadena-finance/cadena/internal/app/settling"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/iso20022"
	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/settlement"
)

// propertyOps is how many random operations the property test drives.
const propertyOps = 10_000

type propWorld struct {
	t       *testing.T
	ctx     context.Context
	env     *apitest.Env
	w       apitest.World
	now     atomic.Int64
	rng     *rand.Rand
	fins    []financing.Financing // every financing created, refreshed on use
	refs    map[uuid.UUID]map[settlement.Leg]string
	clabe   map[uuid.UUID]string
	lenders map[uuid.UUID]app.Actor
	fixed   time.Time // last day with a published fixing
	n       int       // operations run
}

func (p *propWorld) clock() time.Time { return time.Unix(0, p.now.Load()) }

func actorOf(id uuid.UUID, role auth.Role) app.Actor {
	return app.Actor{Subject: "prop", PartyID: id, Role: role}
}

// TestSettlementProperty drives 10,000 random operations (acceptances,
// payment files, confirmations right and wrong, duplicates and retries,
// statements with matching, duplicate, foreign and wrong entries, the
// clock moving past cut-offs, maturities and grace periods) across many
// financings. After every step the trial balance is zero per currency and
// each financing the step touched reconciles: its ledger, confirmations
// and exposure agree with its state. Sweeps of the scheduler, which touch
// only live financings, are followed by a reconciliation of all of those,
// and every 1,000 steps everything is reconciled.
func TestSettlementProperty(t *testing.T) {
	if testing.Short() {
		t.Skip("the property test drives 10,000 operations against PostgreSQL")
	}
	env := apitest.New(t)
	p := &propWorld{t: t, ctx: context.Background(), env: env, w: env.Seed(), rng: rand.New(rand.NewPCG(2026, 11)),
		refs: map[uuid.UUID]map[settlement.Leg]string{}, clabe: map[uuid.UUID]string{}, lenders: map[uuid.UUID]app.Actor{}}
	p.now.Store(time.Date(2026, 11, 20, 16, 0, 0, 0, time.UTC).UnixNano())
	env.App.Now = p.clock
	w := p.w
	for id, c := range map[uuid.UUID]string{w.Buyer.ID: "012180001234567899", w.Supplier.ID: "002180002345678903", w.Lender.ID: "014180003456789011",
		w.Lender2.ID: "072180004567890128", w.Supplier2.ID: "021180005678901231"} {
		if _, err := env.App.Administration.AddBankAccount(p.ctx, app.System, id, party.AccountDraft{Currency: "MXN", Scheme: "CLABE", Number: c}); err != nil {
			t.Fatal(err)
		}
		p.clabe[id] = c
	}
	for i, l := range []uuid.UUID{w.Lender.ID, w.Lender2.ID} {
		act := actorOf(l, auth.RoleLender)
		p.lenders[l] = act
		if _, err := env.App.Quoting.PutStandingOffer(p.ctx, act, w.Program.ID, []offer.Bucket{{MaxDays: 180, SpreadBps: 250 + 50*i}},
			p.clock(), time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
	}
	p.publishFixings()

	ops := []struct {
		weight int
		name   string
		run    func() ([]uuid.UUID, bool)
	}{
		{3, "accept", p.accept},
		{6, "payment file", p.paymentFile},
		{16, "confirm funding", func() ([]uuid.UUID, bool) { return p.confirm(settlement.Disbursement) }},
		{12, "confirm repayment", func() ([]uuid.UUID, bool) { return p.confirm(settlement.Repayment) }},
		{14, "statement", p.statement},
		{4, "advance clock", p.advance},
	}
	total := 0
	for _, o := range ops {
		total += o.weight
	}
	for p.n = 0; p.n < propertyOps; p.n++ {
		k := p.rng.IntN(total)
		for _, o := range ops {
			if k -= o.weight; k < 0 {
				touched, all := o.run()
				p.check(o.name, touched, all || p.n%1000 == 999)
				break
			}
		}
	}
	r, err := env.App.Settling.ReconcileFinancings(p.ctx, nil)
	if err != nil || !r.OK() {
		t.Fatalf("final reconciliation: %v %+v", err, r.Differences)
	}
	seen := map[string]int{}
	for _, typ := range []string{event.FinancingFunded, event.FinancingDue, event.FinancingRepaid, event.FinancingFundingFailed, event.FinancingOverdue} {
		var n int
		if err := env.Pool.QueryRow(p.ctx, "SELECT count(*) FROM outbox WHERE subject = $1", typ).Scan(&n); err != nil {
			t.Fatal(err)
		}
		seen[typ] = n
	}
	t.Logf("%d operations over %d financings; transitions %v", propertyOps, len(p.fins), seen)
	for typ, n := range seen {
		if n == 0 {
			t.Errorf("no %s: the operations do not exercise the lifecycle", typ)
		}
	}
}

// check asserts the invariants after a step.
func (p *propWorld) check(op string, touched []uuid.UUID, all bool) {
	p.t.Helper()
	ids := touched
	if all {
		ids = nil
	} else if len(ids) == 0 {
		ids = []uuid.UUID{} // still checks the trial balance and exposure
	}
	r, err := p.env.App.Settling.ReconcileFinancings(p.ctx, ids)
	if err != nil {
		p.t.Fatalf("step %d (%s): %v", p.n, op, err)
	}
	for _, tb := range r.TrialBalance {
		if !tb.Balance.IsZero() {
			p.t.Fatalf("step %d (%s): %s trial balance %s", p.n, op, tb.Currency, tb.Balance)
		}
	}
	if !r.OK() {
		p.t.Fatalf("step %d (%s): %+v", p.n, op, r.Differences)
	}
}

func (p *propWorld) publishFixings() {
	today := time.Date(p.clock().Year(), p.clock().Month(), p.clock().Day(), 0, 0, 0, 0, time.UTC)
	for d := p.fixed.AddDate(0, 0, 1); !d.After(today); d = d.AddDate(0, 0, 1) {
		if p.fixed.IsZero() {
			d = today.AddDate(0, 0, -1)
		}
		// Integer-built rates, never floats: 7.00% plus a few bp.
		rate := decimal.New(700+int64(p.rng.IntN(30)), -2).StringFixed(2)
		if _, _, err := p.env.App.Quoting.PutReferenceRate(p.ctx, actorOf(p.w.Operator.ID, auth.RoleOperator), "TIIE_FONDEO", d.Format(time.DateOnly), rate); err != nil {
			p.t.Fatal(err)
		}
		p.fixed = d
	}
}

// accept publishes one or two invoices of a random supplier and accepts
// the best quote; quoting may find no lender (limits), which is fine.
func (p *propWorld) accept() ([]uuid.UUID, bool) {
	if len(p.live()) >= 25 { // enough in flight: keep the steps cheap
		return nil, false
	}
	sup := p.w.Supplier.ID
	if p.rng.IntN(2) == 0 {
		sup = p.w.Supplier2.ID
	}
	n := 1 + p.rng.IntN(2)
	due := p.clock().AddDate(0, 0, 30+p.rng.IntN(60)).Format(time.DateOnly)
	drafts := make([]invoice.Draft, n)
	for i := range drafts {
		// Integer-built amounts: 1,000.00 to 50,000.99.
		amount := decimal.New(int64(100_000+p.rng.IntN(4_900_100)), -2).StringFixed(2)
		drafts[i] = invoice.Draft{Supplier: sup.String(), DocumentNumber: fmt.Sprintf("P-%d-%d", p.n, i), EInvoiceID: strings.ToUpper(uuid.NewString()),
			IssueDate: p.clock().AddDate(0, 0, -5).Format(time.DateOnly), DueDate: due, Amount: amount}
	}
	b, err := p.env.App.Invoicing.PublishBatch(p.ctx, actorOf(p.w.Buyer.ID, auth.RoleBuyer), invoicing.BatchInput{ProgramID: p.w.Program.ID, Atomic: true, Format: "json", Drafts: drafts})
	if err != nil || b.Published != n {
		p.t.Fatalf("publish: %+v %v", b, err)
	}
	rows, err := p.env.Pool.Query(p.ctx, "SELECT id FROM invoices WHERE batch_id = $1", b.ID)
	if err != nil {
		p.t.Fatal(err)
	}
	var ids []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			p.t.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	sa := actorOf(sup, auth.RoleSupplier)
	q, err := p.env.App.Quoting.Quote(p.ctx, sa, ids)
	if errors.Is(err, offer.ErrNoQuotes) {
		return nil, false
	}
	if err != nil {
		p.t.Fatalf("quote at %s: %v", p.clock(), err)
	}
	fs, err := p.env.App.Acceptance.AcceptOffer(p.ctx, sa, q.Offers[0].ID)
	if errors.Is(err, offer.ErrLimitExceeded) {
		return nil, false
	}
	if err != nil {
		p.t.Fatalf("accept: %v", err)
	}
	var out []uuid.UUID
	for _, f := range fs {
		p.fins = append(p.fins, f)
		out = append(out, f.ID)
	}
	return out, false
}

func (p *propWorld) pick() (financing.Financing, bool) {
	if len(p.fins) == 0 {
		return financing.Financing{}, false
	}
	// Mostly live financings, sometimes any: late and wrong payments too.
	i := p.rng.IntN(len(p.fins))
	if live := p.live(); len(live) > 0 && p.rng.IntN(5) > 0 {
		id := live[p.rng.IntN(len(live))]
		for j := range p.fins {
			if p.fins[j].ID == id {
				i = j
			}
		}
	}
	f, err := p.env.App.Settling.GetFinancing(p.ctx, app.System, p.fins[i].ID)
	if err != nil {
		p.t.Fatal(err)
	}
	p.fins[i] = f
	return f, true
}

// live are the financings not yet repaid or failed, as last seen: the
// only ones a sweep or a payment file can change. A terminal status never
// changes, so the cache is safe for them.
func (p *propWorld) live() []uuid.UUID {
	idx := map[uuid.UUID]int{}
	var ids []uuid.UUID
	for i := range p.fins {
		if s := p.fins[i].Status; s != financing.Repaid && s != financing.FundingFailed {
			idx[p.fins[i].ID] = i
			ids = append(ids, p.fins[i].ID)
		}
	}
	rows, err := p.env.Pool.Query(p.ctx, "SELECT id, status FROM financings WHERE id = ANY($1)", ids)
	if err != nil {
		p.t.Fatal(err)
	}
	defer rows.Close()
	var out []uuid.UUID
	for rows.Next() {
		var id uuid.UUID
		var st string
		if err := rows.Scan(&id, &st); err != nil {
			p.t.Fatal(err)
		}
		p.fins[idx[id]].Status = financing.Status(st)
		if s := financing.Status(st); s != financing.Repaid && s != financing.FundingFailed {
			out = append(out, id)
		}
	}
	return out
}

// paymentFile builds a lender's disbursement file for a financing's value
// date or the buyer's repayment file for its maturity.
func (p *propWorld) paymentFile() ([]uuid.UUID, bool) {
	f, ok := p.pick()
	if !ok {
		return nil, false
	}
	act, leg, date := p.lenders[f.LenderID], settlement.Disbursement, f.ValueDate
	if p.rng.IntN(2) == 0 {
		act, leg, date = actorOf(p.w.Buyer.ID, auth.RoleBuyer), settlement.Repayment, f.Maturity
	}
	var touched []uuid.UUID // the financings of that day
	for _, id := range p.live() {
		for _, g := range p.fins {
			if g.ID == id && (g.ValueDate.Equal(date) || g.Maturity.Equal(date)) {
				touched = append(touched, id)
			}
		}
	}
	file, err := p.env.App.Settling.PaymentFile(p.ctx, act, leg, date)
	if errors.Is(err, settling.ErrNoPayments) {
		return touched, false
	}
	if err != nil {
		p.t.Fatalf("payment file: %v", err)
	}
	if !bytes.Contains(file.XML, []byte("<NbOfTxs>")) {
		p.t.Fatal("no pain.001")
	}
	return touched, false // a disbursement file may instruct any live financing of the day
}

// amountOf is what leg of f must pay.
func amountOf(f financing.Financing, leg settlement.Leg) decimal.Decimal {
	return settlement.Expected(f, leg).Amount
}

// confirm sends a manual confirmation: right, short, a duplicate of the
// last one, or another bank reference for a confirmed leg.
func (p *propWorld) confirm(leg settlement.Leg) ([]uuid.UUID, bool) {
	f, ok := p.pick()
	if !ok {
		return nil, false
	}
	if leg == settlement.Repayment && f.Status == financing.Funded && p.rng.IntN(10) > 0 {
		return nil, false // buyers mostly pay at maturity, so due and overdue happen
	}
	amount := amountOf(f, leg)
	ref := fmt.Sprintf("M-%d", p.n)
	kind := p.rng.IntN(10)
	switch {
	case kind < 2:
		amount = amount.Sub(decimal.New(1, -2))
	case kind < 5 && p.refs[f.ID][leg] != "":
		ref = p.refs[f.ID][leg]
	}
	in := settling.ConfirmationInput{BankReference: ref, Amount: amount.StringFixed(2), Date: p.clock().In(p.w.Program.Location()).Format(time.DateOnly)} // the day the money moved, in the program's zone
	confirmFn := p.env.App.Settling.ConfirmFunding
	if leg == settlement.Repayment {
		confirmFn = p.env.App.Settling.ConfirmRepayment
	}
	before := f.Status
	res, err := confirmFn(p.ctx, p.lenders[f.LenderID], f.ID, in)
	stored := p.refs[f.ID][leg]
	switch {
	case !amount.Equal(amountOf(f, leg)) && stored == "":
		if !errors.Is(err, settlement.ErrAmountMismatch) && !errors.Is(err, financing.ErrTransition) {
			p.t.Fatalf("short %s: %v", leg, err)
		}
	case stored != "" && stored == ref && amount.Equal(amountOf(f, leg)):
		if err != nil || !res.Duplicate || res.Financing.Status != before {
			p.t.Fatalf("duplicate %s changed something: %+v %v", leg, res, err)
		}
	case stored != "":
		if !errors.Is(err, settlement.ErrAlreadyConfirmed) {
			p.t.Fatalf("second %s with ref %s: %v", leg, ref, err)
		}
	case err == nil:
		p.remember(f.ID, leg, ref)
	case !errors.Is(err, financing.ErrTransition):
		p.t.Fatalf("%s of a %s financing: %v", leg, before, err)
	}
	return []uuid.UUID{f.ID}, false
}

func (p *propWorld) remember(id uuid.UUID, leg settlement.Leg, ref string) {
	if p.refs[id] == nil {
		p.refs[id] = map[settlement.Leg]string{}
	}
	p.refs[id][leg] = ref
}

// statement uploads a camt.054 for one lender's account with a few items:
// right payments, wrong amounts, wrong directions, foreign ids, repeats.
func (p *propWorld) statement() ([]uuid.UUID, bool) {
	f, ok := p.pick()
	if !ok {
		return nil, false
	}
	lender := f.LenderID
	n := iso20022.Notification{MessageID: fmt.Sprintf("S-%d", p.n), CreatedAt: p.clock(),
		Reports: []iso20022.Report{{ID: "R", Account: iso20022.Account{CLABE: p.clabe[lender]}}}}
	var touched []uuid.UUID
	type planned struct {
		f   financing.Financing
		leg settlement.Leg
		ref string
	}
	var plans []planned
	for range 1 + p.rng.IntN(3) {
		g, _ := p.pick()
		if g.LenderID != lender {
			continue
		}
		leg, cd := settlement.Disbursement, iso20022.Debit
		if p.rng.IntN(2) == 0 && (g.Status != financing.Funded || p.rng.IntN(10) == 0) {
			leg, cd = settlement.Repayment, iso20022.Credit
		}
		amount := amountOf(g, leg)
		ref := fmt.Sprintf("B-%d-%d", p.n, len(plans))
		e2e := settlement.EndToEndID(g.ID, leg)
		switch k := p.rng.IntN(10); {
		case k == 0:
			amount = amount.Add(decimal.New(1, 0))
		case k == 1:
			cd = map[iso20022.CreditDebit]iso20022.CreditDebit{iso20022.Debit: iso20022.Credit, iso20022.Credit: iso20022.Debit}[cd]
		case k == 2:
			e2e = "CX" + uuid.NewString()[:8]
		case k < 5 && p.refs[g.ID][leg] != "":
			ref = p.refs[g.ID][leg] // the bank reports it again
		}
		n.Reports[0].Entries = append(n.Reports[0].Entries, iso20022.Entry{Reference: ref, Amount: amount, Currency: "MXN", CreditDebit: cd,
			Status: iso20022.StatusBooked, BankReference: ref, BookingDate: time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC),
			Transactions: []iso20022.Transaction{{EndToEndID: e2e, Amount: amount, Currency: "MXN", CreditDebit: cd}}})
		plans = append(plans, planned{g, leg, ref})
		touched = append(touched, g.ID)
	}
	if len(plans) == 0 {
		return nil, false
	}
	doc, err := iso20022.BuildCamt054(n)
	if err != nil {
		p.t.Fatal(err)
	}
	st, err := p.env.App.Settling.UploadStatement(p.ctx, p.lenders[lender], bytes.NewReader(doc))
	if err != nil {
		p.t.Fatalf("statement: %v", err)
	}
	for i, e := range st.Entries {
		if e.Outcome == settlement.Matched {
			p.remember(plans[i].f.ID, plans[i].leg, plans[i].ref)
		}
	}
	return touched, false
}

// advance moves the clock 1 to 36 hours, publishes the fixings and sweeps.
func (p *propWorld) advance() ([]uuid.UUID, bool) {
	touched := p.live()
	p.now.Add(int64(time.Duration(1+p.rng.IntN(36)) * time.Hour))
	p.publishFixings()
	if _, err := p.env.App.Settling.SettleSchedule(p.ctx, 50, 3); err != nil {
		p.t.Fatalf("sweep: %v", err)
	}
	return touched, false
}
