package ledgerdb_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/ledger"
	"github.com/cadena-finance/cadena/internal/ledger/ledgerdb"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
)

var (
	t0  = pgtest.T0
	amt = pgtest.Amount
)

func cents(n int64) decimal.Decimal { return decimal.New(n, -2) }

// newParties stores n parties of the given kind; accounts must belong to one.
func newParties(t *testing.T, q db.Querier, kind string, n int) []uuid.UUID {
	t.Helper()
	out := make([]uuid.UUID, n)
	for i := range out {
		out[i] = pgtest.NewParty(t, q, kind)
	}
	return out
}

type world struct {
	pool                              *pgxpool.Pool
	lender, supplier, buyer, operator uuid.UUID
}

func newWorld(t *testing.T) world {
	pool, _ := pgtest.NewPool(t)
	return world{pool: pool,
		lender: newParties(t, pool, "lender", 1)[0], supplier: newParties(t, pool, "supplier", 1)[0],
		buyer: newParties(t, pool, "buyer", 1)[0], operator: newParties(t, pool, "operator", 1)[0]}
}

func (w world) financing(c money.Currency) ledger.Financing {
	return ledger.Financing{ID: uuid.Must(uuid.NewV7()), Lender: w.lender, Supplier: w.supplier, Buyer: w.buyer, Currency: c}
}

func post(t *testing.T, pool *pgxpool.Pool, es ...ledger.Entry) {
	t.Helper()
	err := db.Runner{Pool: pool}.InTx(context.Background(), func(tx pgx.Tx) error {
		for _, e := range es {
			if err := ledgerdb.Post(context.Background(), tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func must(t *testing.T) func(ledger.Entry, error) ledger.Entry {
	return func(e ledger.Entry, err error) ledger.Entry {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
}

func count(t *testing.T, q db.Querier, table string) int {
	t.Helper()
	var n int
	if err := q.QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestPostRoundTripAndIdempotency(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	f := w.financing(money.MXN)
	ok := must(t)
	funding := ok(ledger.Funding(ledger.IDFor(ledger.EntryFunding, f.ID), f, amt("100000.00"), amt("97980.00"), t0))
	fee := ok(ledger.PlatformFee(ledger.IDFor(ledger.EntryPlatformFee, f.ID), f, w.operator, amt("50.00"), t0))
	repay := ok(ledger.Repayment(uuid.Must(uuid.NewV7()), f, amt("100000.00"), t0.AddDate(0, 2, 0)))
	earned := ok(ledger.DiscountEarned(uuid.Must(uuid.NewV7()), f, amt("2020.00"), t0.AddDate(0, 2, 0)))
	post(t, w.pool, funding, fee, repay, earned)

	got, err := ledgerdb.EntriesFor(ctx, w.pool, f.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []ledger.Entry{funding, fee, repay, earned}
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d", len(got), len(want))
	}
	for i := range want {
		if !got[i].Equal(want[i]) {
			t.Fatalf("entry %d: got %+v want %+v", i, got[i], want[i])
		}
	}

	lines := count(t, w.pool, "journal_lines")
	post(t, w.pool, funding, earned) // a replay posts nothing
	if n := count(t, w.pool, "journal_lines"); n != lines {
		t.Fatalf("replay added lines: %d -> %d", lines, n)
	}
	changed := ok(ledger.Repayment(repay.ID, f, amt("99999.99"), repay.At))
	err = db.Runner{Pool: w.pool}.InTx(ctx, func(tx pgx.Tx) error { return ledgerdb.Post(ctx, tx, changed) })
	if !errors.Is(err, ledger.ErrEntryConflict) {
		t.Fatalf("same id, other content: %v", err)
	}
	if _, err := ledgerdb.Get(ctx, w.pool, uuid.Must(uuid.NewV7())); !errors.Is(err, ledger.ErrEntryNotFound) {
		t.Fatalf("missing entry: %v", err)
	}

	// An owner that is not a party, or not of the kind's role, is refused.
	stranger := f
	stranger.Buyer = uuid.Must(uuid.NewV7())
	swapped := f
	swapped.Buyer, swapped.Lender = f.Lender, f.Buyer
	for _, g := range []ledger.Financing{stranger, swapped} {
		e := ok(ledger.Repayment(uuid.Must(uuid.NewV7()), g, amt("1.00"), t0))
		err = db.Runner{Pool: w.pool}.InTx(ctx, func(tx pgx.Tx) error { return ledgerdb.Post(ctx, tx, e) })
		if !errors.Is(err, ledger.ErrAccountOwner) {
			t.Fatalf("wrong owner: %v", err)
		}
	}
}

// The migration's lists of kinds are the Go ones.
func TestKindsMatchMigration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	owner := map[string]uuid.UUID{"lender": w.lender, "supplier": w.supplier, "buyer": w.buyer, "platform": w.operator}
	for _, k := range append(ledger.AccountKinds(), "lender_petty_cash") {
		tx, err := w.pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		role, _, _ := strings.Cut(string(k), "_")
		_, err = tx.Exec(ctx, "INSERT INTO ledger_accounts (party_id, currency, kind) VALUES ($1, 'MXN', $2)", owner[role], string(k))
		_ = tx.Rollback(ctx)
		if (err == nil) != k.Valid() {
			t.Fatalf("%s: valid %v, database says %v", k, k.Valid(), err)
		}
	}
	var def string
	if err := w.pool.QueryRow(ctx, `SELECT pg_get_constraintdef(oid) FROM pg_constraint
		WHERE conrelid = 'journal_entries'::regclass AND pg_get_constraintdef(oid) LIKE '%funding%'`).Scan(&def); err != nil {
		t.Fatal(err)
	}
	for _, k := range []ledger.EntryKind{ledger.EntryFunding, ledger.EntryRepayment, ledger.EntryDiscountEarned, ledger.EntryPlatformFee, ledger.EntryReversal, ledger.EntryAdjustment} {
		if !strings.Contains(def, "'"+string(k)+"'") {
			t.Fatalf("entry kind %s missing from %s", k, def)
		}
	}
}

func TestReversals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	ok := must(t)
	f := w.financing(money.COP)
	funding := ok(ledger.Funding(uuid.Must(uuid.NewV7()), f, amt("5000000.00"), amt("4900000.00"), t0))
	rev := ok(ledger.Reverse(funding, t0.Add(time.Hour)))
	post(t, w.pool, funding, rev)
	post(t, w.pool, rev) // idempotent
	postErr := func(e ledger.Entry) error {
		return db.Runner{Pool: w.pool}.InTx(ctx, func(tx pgx.Tx) error { return ledgerdb.Post(ctx, tx, e) })
	}
	if err := postErr(ok(ledger.Reverse(funding, t0.Add(2*time.Hour)))); !errors.Is(err, ledger.ErrAlreadyReversed) {
		t.Fatalf("second reversal: %v", err)
	}
	other := ok(ledger.Funding(uuid.Must(uuid.NewV7()), f, amt("10.00"), amt("9.00"), t0))
	post(t, w.pool, other)
	bad := ok(ledger.Reverse(other, t0))
	bad.Lines[0].Amount = amt("11.00")
	bad.Lines[1].Amount = amt("10.00")
	bad.Lines[2].Amount = amt("1.00")
	if err := postErr(bad); !errors.Is(err, ledger.ErrBadReversal) {
		t.Fatalf("tampered reversal: %v", err)
	}
	ghost := ok(ledger.Funding(uuid.Must(uuid.NewV7()), f, amt("10.00"), amt("9.00"), t0))
	if err := postErr(ok(ledger.Reverse(ghost, t0))); !errors.Is(err, ledger.ErrEntryNotFound) {
		t.Fatalf("reversal of an unposted entry: %v", err)
	}
	rr := ok(ledger.Reverse(rev, t0.Add(3*time.Hour)))
	post(t, w.pool, rr)
	bal, err := ledgerdb.Balances(ctx, w.pool, w.lender, money.COP, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bal {
		if b.Account.Kind == ledger.LenderReceivable && !b.Balance.Equal(amt("5000010.00")) {
			t.Fatalf("after reversing the reversal the receivable is %s", b.Balance)
		}
	}
}

// insertRaw writes an entry and its lines by SQL, bypassing Post's checks.
func insertRaw(ctx context.Context, tx pgx.Tx, owner uuid.UUID, sides []string, amounts []string) (uuid.UUID, error) {
	id := uuid.Must(uuid.NewV7())
	if _, err := tx.Exec(ctx, `INSERT INTO journal_entries (id, kind, reference, at) VALUES ($1, 'adjustment', $1, now())`, id); err != nil {
		return id, err
	}
	for i, side := range sides {
		kind := []string{"lender_cash", "lender_receivable_from_buyer", "lender_fee_expense"}[i%3]
		if _, err := tx.Exec(ctx, `INSERT INTO ledger_accounts (party_id, currency, kind) VALUES ($1, 'MXN', $2) ON CONFLICT DO NOTHING`, owner, kind); err != nil {
			return id, err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO journal_lines (entry_id, line_no, account_id, currency, side, amount)
			SELECT $1, $2, id, 'MXN', $3, $4::numeric FROM ledger_accounts WHERE party_id = $5 AND currency = 'MXN' AND kind = $6`,
			id, i+1, side, amounts[i], owner, kind); err != nil {
			return id, err
		}
	}
	return id, nil
}

func TestDatabaseRefusesUnbalancedAtCommit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	cases := []struct {
		name    string
		sides   []string
		amounts []string
	}{
		{"unbalanced", []string{"D", "C"}, []string{"100.00", "99.99"}},
		{"one line", []string{"D"}, []string{"100.00"}},
		{"no lines", nil, nil},
		{"three lines off by a cent", []string{"D", "C", "C"}, []string{"100.00", "60.00", "40.01"}},
	}
	for _, c := range cases {
		tx, err := w.pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := insertRaw(ctx, tx, w.lender, c.sides, c.amounts); err != nil {
			t.Fatalf("%s: refused before commit: %v", c.name, err)
		}
		err = tx.Commit(ctx)
		if !ledgerdb.IsUnbalanced(err) {
			t.Fatalf("%s: commit gave %v", c.name, err)
		}
	}
	if n := count(t, w.pool, "journal_entries"); n != 0 {
		t.Fatalf("%d refused entries stored", n)
	}

	// A balanced raw entry commits; lines added to it later are refused.
	var id uuid.UUID
	err := pgx.BeginFunc(ctx, w.pool, func(tx pgx.Tx) error {
		var err error
		id, err = insertRaw(ctx, tx, w.lender, []string{"D", "C"}, []string{"5.00", "5.00"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = w.pool.Exec(ctx, `INSERT INTO journal_lines (entry_id, line_no, account_id, currency, side, amount)
		SELECT $1, 3, account_id, currency, 'D', 1 FROM journal_lines WHERE entry_id = $1 AND line_no = 1`, id)
	if pgtest.Code(err) != "23001" {
		t.Fatalf("line added to a committed entry: %v", err)
	}
}

func TestJournalIsAppendOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	f := w.financing(money.MXN)
	post(t, w.pool, must(t)(ledger.Funding(uuid.Must(uuid.NewV7()), f, amt("100.00"), amt("99.00"), t0)))
	for _, stmt := range []string{
		"UPDATE journal_lines SET amount = amount + 1",
		"DELETE FROM journal_lines",
		"UPDATE journal_entries SET at = now()",
		"DELETE FROM journal_entries",
		"UPDATE ledger_accounts SET kind = 'lender_cash'",
		"DELETE FROM ledger_accounts",
		"TRUNCATE journal_lines",
		"TRUNCATE journal_entries CASCADE",
		"TRUNCATE ledger_accounts CASCADE",
	} {
		if _, err := w.pool.Exec(ctx, stmt); pgtest.Code(err) != "23001" {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	// The application's role may post but has no UPDATE or DELETE at all.
	err := pgx.BeginFunc(ctx, w.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL ROLE cadena_app"); err != nil {
			return err
		}
		g := w.financing(money.USD)
		if err := ledgerdb.Post(ctx, tx, must(t)(ledger.Funding(uuid.Must(uuid.NewV7()), g, amt("10.00"), amt("9.50"), t0))); err != nil {
			return fmt.Errorf("post as cadena_app: %w", err)
		}
		if _, err := ledgerdb.TrialBalance(ctx, tx); err != nil {
			return err
		}
		return pgtest.Denied(ctx, tx, "UPDATE journal_lines SET amount = amount + 1", "DELETE FROM journal_entries", "UPDATE ledger_accounts SET kind = kind")
	})
	if err != nil {
		t.Fatal(err)
	}
}

func randomID(r *rand.Rand) uuid.UUID {
	var u uuid.UUID
	binary.BigEndian.PutUint64(u[:8], r.Uint64())
	binary.BigEndian.PutUint64(u[8:], r.Uint64())
	return u
}

func TestTrialBalanceAfterManyEntries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, _ := pgtest.NewPool(t)
	lenders := newParties(t, pool, "lender", 3)
	suppliers := newParties(t, pool, "supplier", 4)
	buyers := newParties(t, pool, "buyer", 2)
	operator := newParties(t, pool, "operator", 1)[0]
	r := rand.New(rand.NewPCG(7, 11))
	currencies := []money.Currency{money.MXN, money.COP, money.USD}
	var all []ledger.Entry
	for batch := range 10 {
		var es []ledger.Entry
		for range 30 {
			f := ledger.Financing{ID: randomID(r), Lender: lenders[r.IntN(3)], Supplier: suppliers[r.IntN(4)], Buyer: buyers[r.IntN(2)], Currency: currencies[r.IntN(3)]}
			face := 1 + r.Int64N(1_000_000_000)
			at := t0.Add(time.Duration(batch*30+len(es)) * time.Hour)
			var e ledger.Entry
			var err error
			switch r.IntN(5) {
			case 0, 1:
				e, err = ledger.Funding(randomID(r), f, cents(face), cents(1+r.Int64N(face)), at)
			case 2:
				e, err = ledger.Repayment(randomID(r), f, cents(face), at)
			case 3:
				e, err = ledger.PlatformFee(randomID(r), f, operator, cents(face), at)
			default:
				if len(all) == 0 {
					continue
				}
				e, err = ledger.Reverse(all[r.IntN(len(all))], at)
				if err == nil {
					if _, err2 := ledgerdb.Get(ctx, pool, e.ID); err2 == nil || slicesHasID(es, e.ID) {
						continue // already reversed
					}
				}
			}
			if err != nil {
				t.Fatal(err)
			}
			es = append(es, e)
		}
		post(t, pool, es...)
		all = append(all, es...)
	}
	rows, err := ledgerdb.TrialBalance(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	want := map[money.Currency][2]decimal.Decimal{}
	for _, l := range ledger.LinesOf(all...) {
		v := want[l.Account.Currency]
		if l.Side == ledger.Debit {
			v[0] = v[0].Add(l.Amount)
		} else {
			v[1] = v[1].Add(l.Amount)
		}
		want[l.Account.Currency] = v
	}
	if len(rows) != len(want) {
		t.Fatalf("%d currencies, want %d", len(rows), len(want))
	}
	for _, row := range rows {
		if !row.Balance.IsZero() || !row.Debits.Equal(row.Credits) {
			t.Fatalf("%s does not sum to zero: %+v", row.Currency, row)
		}
		if !row.Debits.Equal(want[row.Currency][0]) || !row.Credits.Equal(want[row.Currency][1]) {
			t.Fatalf("%s: %+v, want %v", row.Currency, row, want[row.Currency])
		}
	}
	// Every party's own books balance too.
	naive := ledger.Balances(ledger.LinesOf(all...))
	for _, p := range append(append(append(lenders, suppliers...), buyers...), operator) {
		for _, c := range currencies {
			bs, err := ledgerdb.Balances(ctx, pool, p, c, time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			sum := decimal.Zero
			for _, b := range bs {
				sum = sum.Add(b.Balance)
				if !b.Balance.Equal(naive[b.Account]) {
					t.Fatalf("%v: %s, naive %s", b.Account, b.Balance, naive[b.Account])
				}
			}
			if !sum.IsZero() {
				t.Fatalf("party %v %s nets %s", p, c, sum)
			}
		}
	}
}

func slicesHasID(es []ledger.Entry, id uuid.UUID) bool {
	for _, e := range es {
		if e.ID == id {
			return true
		}
	}
	return false
}

func TestStatementRunningBalance(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	ok := must(t)
	var es []ledger.Entry
	for i := range 12 {
		f := w.financing(money.MXN)
		face := cents(int64(100_000_00 + i*1_000_00))
		at := t0.AddDate(0, 0, i)
		es = append(es, ok(ledger.Funding(uuid.Must(uuid.NewV7()), f, face, face.Sub(cents(2_020_00)), at)))
		if i%3 == 0 {
			es = append(es, ok(ledger.Repayment(uuid.Must(uuid.NewV7()), f, face, at.Add(time.Hour))))
		}
	}
	// Posted out of time order: the statement follows entry time, not posting order.
	for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
		es[i], es[j] = es[j], es[i]
	}
	post(t, w.pool, es...)
	// Another currency and another party stay out of the statement.
	post(t, w.pool, ok(ledger.Funding(uuid.Must(uuid.NewV7()), w.financing(money.USD), amt("1.00"), amt("0.50"), t0)))

	full, err := ledgerdb.Statement(ctx, w.pool, w.lender, money.MXN, time.Time{}, time.Time{}, ledgerdb.Cursor{}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var lenderLines int
	for _, e := range es {
		for _, l := range e.Lines {
			if l.Account.Party == w.lender {
				lenderLines++
			}
		}
	}
	if len(full) != lenderLines {
		t.Fatalf("%d statement lines, want %d", len(full), lenderLines)
	}
	running := map[ledger.AccountKind]decimal.Decimal{}
	for i, s := range full {
		if i > 0 && s.At.Before(full[i-1].At) {
			t.Fatal("statement out of time order")
		}
		d := s.Amount
		if s.Side == ledger.Credit {
			d = d.Neg()
		}
		running[s.Account] = running[s.Account].Add(d)
		if !running[s.Account].Equal(s.Balance) {
			t.Fatalf("line %d %s: balance %s, recomputed %s", i, s.Account, s.Balance, running[s.Account])
		}
	}
	closing, err := ledgerdb.Balances(ctx, w.pool, w.lender, money.MXN, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range closing {
		if !b.Balance.Equal(running[b.Account.Kind]) {
			t.Fatalf("%s closing %s, statement %s", b.Account.Kind, b.Balance, running[b.Account.Kind])
		}
	}

	// Pages of three give the same lines.
	var paged []ledgerdb.StatementLine
	for cur := (ledgerdb.Cursor{}); ; {
		page, err := ledgerdb.Statement(ctx, w.pool, w.lender, money.MXN, time.Time{}, time.Time{}, cur, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		cur = page[len(page)-1].Cursor()
	}
	if len(paged) != len(full) {
		t.Fatalf("paged %d lines, full %d", len(paged), len(full))
	}
	for i := range full {
		if full[i].EntryID != paged[i].EntryID || full[i].LineNo != paged[i].LineNo || !full[i].Balance.Equal(paged[i].Balance) {
			t.Fatalf("page line %d differs", i)
		}
	}

	// A window keeps the running balance from before it; Balances gives the opening.
	from, to := t0.AddDate(0, 0, 4), t0.AddDate(0, 0, 8)
	window, err := ledgerdb.Statement(ctx, w.pool, w.lender, money.MXN, from, to, ledgerdb.Cursor{}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	opening, err := ledgerdb.Balances(ctx, w.pool, w.lender, money.MXN, from)
	if err != nil {
		t.Fatal(err)
	}
	bal := map[ledger.AccountKind]decimal.Decimal{}
	for _, b := range opening {
		bal[b.Account.Kind] = b.Balance
	}
	if len(window) == 0 {
		t.Fatal("empty window")
	}
	for _, s := range window {
		if s.At.Before(from) || !s.At.Before(to) {
			t.Fatalf("line at %v outside [%v, %v)", s.At, from, to)
		}
		bal[s.Account] = bal[s.Account].Add(map[ledger.Side]decimal.Decimal{ledger.Debit: s.Amount, ledger.Credit: s.Amount.Neg()}[s.Side])
		if !bal[s.Account].Equal(s.Balance) {
			t.Fatalf("window balance %s, recomputed %s", s.Balance, bal[s.Account])
		}
	}
}

// Concurrent first posts to the same new accounts neither deadlock nor fail.
// Each funding of 100.00 at 98.00 debits 300.00 in all (100 + 98 + 2 + 100).
func TestConcurrentPosts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := w.financing(money.MXN)
			e, err := ledger.Funding(uuid.Must(uuid.NewV7()), f, amt("100.00"), amt("98.00"), t0)
			if err == nil {
				err = db.Runner{Pool: w.pool}.InTx(ctx, func(tx pgx.Tx) error { return ledgerdb.Post(ctx, tx, e) })
			}
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
	rows, err := ledgerdb.TrialBalance(ctx, w.pool)
	if err != nil || len(rows) != 1 || !rows[0].Debits.Equal(amt("6000.00")) || !rows[0].Balance.IsZero() {
		t.Fatalf("%+v %v", rows, err)
	}
}
