package settlementdb_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cadena-finance/cadena/internal/iso20022"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
	"github.com/cadena-finance/cadena/internal/platform/waittest"
	"github.com/cadena-finance/cadena/internal/settlement"
	"github.com/cadena-finance/cadena/internal/settlement/settlementdb"
)

func TestStore(t *testing.T) {
	pool, _ := pgtest.NewPool(t)
	pgtest.Parallel(t, pool, map[string]func(*testing.T, *pgxpool.Pool){
		"InstructKeepsTheRow":             testInstruct,
		"ConfirmOnce":                     testConfirmOnce,
		"ConfirmWithoutInstruction":       testConfirmUninstructed,
		"LegsOf":                          testLegsOf,
		"StatementRoundTripAndScope":      testStatement,
		"PreviousUploadSerialisesUploads": testPreviousUpload,
		"ListStatementsFiltersAndPages":   testListStatements,
		"FilesKeptOncePerMessageID":       testFiles,
	})
}

func leg(t *testing.T, pool *pgxpool.Pool, id uuid.UUID, l settlement.Leg) *settlement.Stored {
	t.Helper()
	s, err := settlementdb.Leg(context.Background(), pool, id, l)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testInstruct(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w := newWorld(t, pool)
	f := w.financing(t)
	if s := leg(t, pool, f, settlement.Disbursement); s != nil {
		t.Fatalf("leg before any file: %+v", s)
	}
	p := w.disbursement(f)
	if err := settlementdb.Instruct(ctx, pool, p, t0); err != nil {
		t.Fatal(err)
	}
	// A second file for the same leg keeps the first row.
	again := p
	again.Amount, again.ExecutionDate = pgtest.Amount("1.00"), pgtest.Day("2026-11-25")
	if err := settlementdb.Instruct(ctx, pool, again, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	s := leg(t, pool, f, settlement.Disbursement)
	if s == nil || s.Payment.Amount.StringFixed(2) != "1237.66" || !s.ExecutionDate.Equal(pgtest.Day("2026-11-24")) || !s.InstructedAt.Equal(t0) ||
		s.Status != settlement.StatusInstructed || s.Confirmation != nil || s.EndToEndID != p.EndToEndID || s.Debtor != w.Lender ||
		s.Creditor != w.Supplier || s.Currency != money.MXN || s.Leg != settlement.Disbursement {
		t.Fatalf("instructed leg %+v", s)
	}
	if s := leg(t, pool, f, settlement.Repayment); s != nil {
		t.Fatalf("repayment leg %+v, want none", s)
	}
	// An end-to-end id names one leg only.
	other := w.repayment(w.financing(t))
	other.EndToEndID = p.EndToEndID
	if err := settlementdb.Instruct(ctx, pool, other, t0); pgtest.Code(err) != "23505" {
		t.Fatalf("reused end-to-end id: %v, want a unique violation", err)
	}
}

func testConfirmOnce(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w := newWorld(t, pool)
	f := w.financing(t)
	p := w.disbursement(f)
	if err := settlementdb.Instruct(ctx, pool, p, t0); err != nil {
		t.Fatal(err)
	}
	stmt := uuid.Must(uuid.NewV7())
	c := settlement.Confirmation{Source: settlement.SourceCamt054, BankReference: "BANREF-1", Amount: pgtest.Amount("1237.66"), Currency: money.MXN, Date: pgtest.Day("2026-11-24")}
	if err := settlementdb.Confirm(ctx, pool, p, c, &stmt, "user:op", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	s := leg(t, pool, f, settlement.Disbursement)
	if s == nil || s.Status != settlement.StatusConfirmed || s.Confirmation == nil || !sameConfirmation(*s.Confirmation, c) || s.ConfirmedBy != "user:op" ||
		!s.ConfirmedAt.Equal(t0.Add(time.Hour)) || !s.InstructedAt.Equal(t0) {
		t.Fatalf("confirmed leg %+v (%+v)", s, s.Confirmation)
	}
	var sid *uuid.UUID
	if err := pool.QueryRow(ctx, "SELECT statement_id FROM payment_legs WHERE financing_id = $1 AND leg = 'disbursement'", f).Scan(&sid); err != nil || sid == nil || *sid != stmt {
		t.Fatalf("statement id %v, %v", sid, err)
	}
	other := c
	other.BankReference = "BANREF-2"
	if err := settlementdb.Confirm(ctx, pool, p, other, nil, "user:op", t0.Add(2*time.Hour)); !errors.Is(err, settlement.ErrAlreadyConfirmed) {
		t.Fatalf("second confirmation: %v, want ErrAlreadyConfirmed", err)
	}
	if s := leg(t, pool, f, settlement.Disbursement); s.Confirmation.BankReference != "BANREF-1" {
		t.Fatalf("confirmation overwritten: %+v", s.Confirmation)
	}
}

func sameConfirmation(a, b settlement.Confirmation) bool {
	return a.Source == b.Source && a.BankReference == b.BankReference && a.Amount.StringFixed(2) == b.Amount.StringFixed(2) &&
		a.Currency == b.Currency && a.Date.Equal(b.Date)
}

func testConfirmUninstructed(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w := newWorld(t, pool)
	f := w.financing(t)
	p := w.repayment(f)
	// A manual confirmation without a payment date, of a leg no file carried.
	c := settlement.Confirmation{Source: settlement.SourceManual, BankReference: "SPEI 1234", Amount: pgtest.Amount("1250.00"), Currency: money.MXN}
	if err := settlementdb.Confirm(ctx, pool, p, c, nil, "user:op", t0); err != nil {
		t.Fatal(err)
	}
	s := leg(t, pool, f, settlement.Repayment)
	if s == nil || s.Status != settlement.StatusConfirmed || !s.InstructedAt.IsZero() || s.Confirmation == nil || !s.Confirmation.Date.IsZero() ||
		s.Confirmation.Amount.StringFixed(2) != "1250.00" || s.Amount.StringFixed(2) != "1250.00" || s.Creditor != w.Lender {
		t.Fatalf("confirmed uninstructed leg %+v (%+v)", s, s.Confirmation)
	}
	// Instructing it afterwards changes nothing.
	if err := settlementdb.Instruct(ctx, pool, p, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if s := leg(t, pool, f, settlement.Repayment); s.Status != settlement.StatusConfirmed || !s.InstructedAt.IsZero() {
		t.Fatalf("after a late instruction: %+v", s)
	}
}

func testLegsOf(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w := newWorld(t, pool)
	a, b, none := w.financing(t), w.financing(t), w.financing(t)
	for _, p := range []settlement.Payment{w.repayment(a), w.disbursement(a), w.disbursement(b)} {
		if err := settlementdb.Instruct(ctx, pool, p, t0); err != nil {
			t.Fatal(err)
		}
	}
	got, err := settlementdb.LegsOf(ctx, pool, []uuid.UUID{a, b, none})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || len(got[a]) != 2 || got[a][0].Leg != settlement.Disbursement || got[a][1].Leg != settlement.Repayment ||
		len(got[b]) != 1 || len(got[none]) != 0 {
		t.Fatalf("legs %+v", got)
	}
}

// statement is a camt.054 upload by party with one entry per outcome given.
func statement(party uuid.UUID, msg string, at time.Time, fin uuid.UUID, outcomes ...settlement.Outcome) settlementdb.Statement {
	s := settlementdb.Statement{ID: uuid.Must(uuid.NewV7()), MessageID: msg, UploadedByParty: party, UploadedBySubject: "user:" + party.String()[:8],
		UploaderRole: "lender", CreatedAt: at}
	for i, o := range outcomes {
		e := settlementdb.StatementEntry{Outcome: o, Reason: string(o)}
		e.Line, e.EntryReference, e.BankReference, e.Status = 10*(i+1), "NTRY", "REF", "BOOK"
		e.Amount, e.Currency, e.CreditDebit = pgtest.Amount("1237.66"), money.MXN, iso20022.Debit
		if o == settlement.Matched {
			e.FinancingID, e.Leg, e.EndToEndID = &fin, settlement.Disbursement, settlement.EndToEndID(fin, settlement.Disbursement)
		}
		s.Entries = append(s.Entries, e)
	}
	return s
}

func insertStatement(t *testing.T, q db.Querier, s settlementdb.Statement) {
	t.Helper()
	if err := settlementdb.InsertStatement(context.Background(), q, s); err != nil {
		t.Fatal(err)
	}
}

func testStatement(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w, other := newWorld(t, pool), newWorld(t, pool)
	f := w.financing(t)
	s := statement(w.Lender, "MSG-1", t0, f, settlement.Matched, settlement.Unmatched)
	s.Entries = append(s.Entries, settlementdb.StatementEntry{Outcome: settlement.Unmatched, Reason: "no amount"}) // an entry without an amount
	s.Entries[2].Line = 99
	insertStatement(t, pool, s)
	got, err := settlementdb.GetStatement(ctx, pool, s.ID, w.Lender)
	if err != nil {
		t.Fatal(err)
	}
	if got.MessageID != "MSG-1" || got.UploadedByParty != w.Lender || got.UploaderRole != "lender" || got.DuplicateOf != nil || !got.CreatedAt.Equal(t0) || len(got.Entries) != 3 {
		t.Fatalf("statement %+v", got)
	}
	m := got.Entries[0]
	if m.Line != 10 || m.Amount.StringFixed(2) != "1237.66" || m.Currency != money.MXN || m.CreditDebit != iso20022.Debit || m.Outcome != settlement.Matched ||
		m.FinancingID == nil || *m.FinancingID != f || m.Leg != settlement.Disbursement || m.EndToEndID != s.Entries[0].EndToEndID || m.Status != "BOOK" {
		t.Fatalf("matched entry %+v", m)
	}
	if u := got.Entries[1]; u.Outcome != settlement.Unmatched || u.FinancingID != nil || u.Leg != "" {
		t.Fatalf("unmatched entry %+v", u)
	}
	if e := got.Entries[2]; e.Line != 99 || !e.Amount.IsZero() || e.Currency != "" {
		t.Fatalf("entry without amount %+v", e)
	}
	var nulls int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM bank_statement_entries WHERE statement_id = $1 AND amount IS NULL", s.ID).Scan(&nulls); err != nil || nulls != 1 {
		t.Fatalf("%d entries stored without an amount, want 1 (%v)", nulls, err)
	}
	if _, err := settlementdb.GetStatement(ctx, pool, s.ID, other.Lender); !errors.Is(err, settlementdb.ErrNotFound) || !errors.Is(err, settlement.ErrStatementNotFound) {
		t.Fatalf("another party's statement: %v, want ErrNotFound", err)
	}
	if got, err := settlementdb.GetStatement(ctx, pool, s.ID, uuid.Nil); err != nil || got.ID != s.ID {
		t.Fatalf("operator's view: %v", err)
	}
}

func testPreviousUpload(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w := newWorld(t, pool)
	first := statement(w.Lender, "MSG-A", t0, uuid.Nil, settlement.Unmatched)
	tx1, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx1.Rollback(ctx) //nolint:errcheck
	if prev, err := settlementdb.PreviousUpload(ctx, tx1, w.Lender, "MSG-A"); err != nil || prev != nil {
		t.Fatalf("first upload: previous %v, %v", prev, err)
	}
	// A second upload of the same message waits for the first to commit.
	tx2, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx2.Rollback(ctx) //nolint:errcheck
	var pid int
	if err := tx2.QueryRow(ctx, "SELECT pg_backend_pid()").Scan(&pid); err != nil {
		t.Fatal(err)
	}
	type result struct {
		prev *uuid.UUID
		err  error
	}
	done := make(chan result, 1)
	go func() {
		prev, err := settlementdb.PreviousUpload(ctx, tx2, w.Lender, "MSG-A")
		done <- result{prev, err}
	}()
	waittest.Until(t, "the second upload waits on the first's lock", func() bool {
		var waiting bool
		err := pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE pid = $1 AND locktype = 'advisory' AND NOT granted)", pid).Scan(&waiting)
		return err == nil && waiting
	})
	// Another message of the same party is not held up.
	if prev, err := settlementdb.PreviousUpload(ctx, pool, w.Lender, "MSG-B"); err != nil || prev != nil {
		t.Fatalf("another message: %v, %v", prev, err)
	}
	insertStatement(t, tx1, first)
	if err := tx1.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	r := waittest.Receive(t, "the second upload's answer", done)
	if r.err != nil || r.prev == nil || *r.prev != first.ID {
		t.Fatalf("second upload: previous %v, %v; want %v", r.prev, r.err, first.ID)
	}
	// A recorded duplicate is never the original.
	dup := statement(w.Lender, "MSG-A", t0.Add(time.Minute), uuid.Nil, settlement.Duplicated)
	dup.DuplicateOf = &first.ID
	insertStatement(t, tx2, dup)
	if err := tx2.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if prev, err := settlementdb.PreviousUpload(ctx, pool, w.Lender, "MSG-A"); err != nil || prev == nil || *prev != first.ID {
		t.Fatalf("after a duplicate: %v, %v; want the original", prev, err)
	}
	if prev, err := settlementdb.PreviousUpload(ctx, pool, w.Supplier, "MSG-A"); err != nil || prev != nil {
		t.Fatalf("another party's message: %v, %v", prev, err)
	}
}

func testListStatements(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w := newWorld(t, pool)
	f := w.financing(t)
	clean := statement(w.Lender, "M1", t0, f, settlement.Matched, settlement.Matched)
	held := statement(w.Lender, "M2", t0.Add(time.Hour), f, settlement.Matched, settlement.Mismatched, settlement.Unmatched)
	dup := statement(w.Lender, "M1", t0.Add(2*time.Hour), f, settlement.Duplicated)
	dup.DuplicateOf = &clean.ID
	empty := statement(w.Lender, "M3", t0.Add(3*time.Hour), f)
	for _, s := range []settlementdb.Statement{clean, held, dup, empty} {
		insertStatement(t, pool, s)
	}
	insertStatement(t, pool, statement(pgtest.NewParty(t, pool, "lender"), "M1", t0, f, settlement.Matched))
	list := func(f settlementdb.StatementFilter) []uuid.UUID {
		t.Helper()
		if f.Limit == 0 {
			f.Limit = 100
		}
		got, err := settlementdb.ListStatements(ctx, pool, f)
		if err != nil {
			t.Fatal(err)
		}
		var ids []uuid.UUID
		for _, s := range got {
			ids = append(ids, s.ID)
		}
		return ids
	}
	yes, no := true, false
	for _, c := range []struct {
		name string
		f    settlementdb.StatementFilter
		want []uuid.UUID
	}{
		{"all of the party's", settlementdb.StatementFilter{Party: w.Lender}, []uuid.UUID{clean.ID, held.ID, dup.ID, empty.ID}},
		{"with a duplicate", settlementdb.StatementFilter{Party: w.Lender, Outcome: settlement.Duplicated}, []uuid.UUID{dup.ID}},
		{"held for review", settlementdb.StatementFilter{Party: w.Lender, Held: &yes}, []uuid.UUID{held.ID}},
		{"nothing held", settlementdb.StatementFilter{Party: w.Lender, Held: &no}, []uuid.UUID{clean.ID, dup.ID, empty.ID}},
		{"uploaded in [t0+1h, t0+3h)", settlementdb.StatementFilter{Party: w.Lender, From: t0.Add(time.Hour), To: t0.Add(3 * time.Hour)}, []uuid.UUID{held.ID, dup.ID}},
		{"after the first", settlementdb.StatementFilter{Party: w.Lender, After: clean.ID, Limit: 2}, []uuid.UUID{held.ID, dup.ID}},
	} {
		got := list(c.f)
		if len(got) != len(c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
			continue
		}
		for i := range got {
			if got[i] != c.want[i] {
				t.Errorf("%s: %v, want %v", c.name, got, c.want)
				break
			}
		}
	}
	got, err := settlementdb.ListStatements(ctx, pool, settlementdb.StatementFilter{Party: w.Lender, Held: &yes, Limit: 10})
	if err != nil || len(got) != 1 {
		t.Fatalf("held: %+v, %v", got, err)
	}
	want := map[string]int{"matched": 1, "duplicate": 0, "unmatched": 1, "mismatched": 1}
	for k, n := range want {
		if got[0].Outcomes[k] != n {
			t.Fatalf("outcomes %v, want %v", got[0].Outcomes, want)
		}
	}
	if got[0].Entries != nil || got[0].MessageID != "M2" {
		t.Fatalf("summary %+v", got[0])
	}
}

func testFiles(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	w := newWorld(t, pool)
	msg := "PF-" + uuid.NewString()[:20]
	f := settlementdb.File{MessageID: msg, Leg: settlement.Disbursement, ExecutionDate: pgtest.Day("2026-11-24"), Initiator: w.Lender, Payments: 2,
		Document: []byte("<Document>first</Document>"), CreatedAt: t0}
	kept, err := settlementdb.SaveFile(ctx, pool, f)
	if err != nil || !bytes.Equal(kept.Document, f.Document) || kept.Leg != settlement.Disbursement || kept.Payments != 2 || !kept.ExecutionDate.Equal(f.ExecutionDate) ||
		kept.Initiator != w.Lender || !kept.CreatedAt.Equal(t0) {
		t.Fatalf("saved %+v, %v", kept, err)
	}
	// The same message id again returns the kept document, never a second one.
	again := f
	again.Document, again.Payments, again.CreatedAt = []byte("<Document>second</Document>"), 3, t0.Add(time.Hour)
	kept, err = settlementdb.SaveFile(ctx, pool, again)
	if err != nil || !bytes.Equal(kept.Document, f.Document) || kept.Payments != 2 || !kept.CreatedAt.Equal(t0) {
		t.Fatalf("saved again %+v, %v; want the first kept", kept, err)
	}
	if got, err := settlementdb.GetFile(ctx, pool, msg, w.Lender); err != nil || !bytes.Equal(got.Document, f.Document) {
		t.Fatalf("initiator's file: %v", err)
	}
	if _, err := settlementdb.GetFile(ctx, pool, msg, w.Buyer); !errors.Is(err, settlement.ErrFileNotFound) {
		t.Fatalf("another party's file: %v, want ErrFileNotFound", err)
	}
	if _, err := settlementdb.GetFile(ctx, pool, "PF-none-"+uuid.NewString()[:8], uuid.Nil); !errors.Is(err, settlement.ErrFileNotFound) {
		t.Fatalf("unknown file: %v, want ErrFileNotFound", err)
	}
}
