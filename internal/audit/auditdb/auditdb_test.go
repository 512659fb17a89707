package auditdb_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cadena-finance/cadena/internal/audit"
	"github.com/cadena-finance/cadena/internal/audit/auditdb"
	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
)

var t0 = time.Date(2026, 11, 23, 16, 30, 0, 0, time.UTC)

func record(i int) audit.Record {
	r := audit.Record{
		At:     t0.Add(time.Duration(i) * time.Millisecond),
		Actor:  audit.Actor{Subject: fmt.Sprintf("user:%d@demo", i%4), PartyID: uuid.MustParse("01936b2e-0000-7000-8000-000000000001"), Role: "operator"},
		Action: "reference_rate.published",
		Object: audit.Object{Type: "reference_rate", ID: fmt.Sprintf("TIIE_FONDEO/2026-11-%02d", 1+i%28)},
		After:  json.RawMessage(fmt.Sprintf(`{"rate": "7.%02d", "index": "TIIE_FONDEO"}`, i%100)),
	}
	if i%3 == 0 {
		r.Before = json.RawMessage(`{"rate":"7.00","index":"TIIE_FONDEO"}`)
	}
	if i%5 == 0 {
		r.Actor = audit.Actor{Subject: "system:scheduler", Role: "system"}
	}
	return r
}

func appendN(t *testing.T, pool *pgxpool.Pool, n int) []audit.Record {
	t.Helper()
	out := make([]audit.Record, 0, n)
	for i := range n {
		err := db.Runner{Pool: pool}.InTx(context.Background(), func(tx pgx.Tx) error {
			r, err := auditdb.Append(context.Background(), tx, record(i))
			if err == nil {
				out = append(out, r)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func verify(t *testing.T, pool *pgxpool.Pool) audit.VerifyResult {
	t.Helper()
	res, err := auditdb.Verify(context.Background(), pool)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestConcurrentAppendsKeepOneChain(t *testing.T) {
	t.Parallel()
	pool, _ := pgtest.NewPool(t)
	ctx := context.Background()
	if res := verify(t, pool); !res.OK() || res.Checked != 0 {
		t.Fatalf("empty log: %+v", res)
	}
	const workers, each = 20, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				err := db.Runner{Pool: pool}.InTx(ctx, func(tx pgx.Tx) error {
					// Some business work before the append, as in a real transaction.
					if _, err := tx.Exec(ctx, "SELECT pg_sleep(0.001)"); err != nil {
						return err
					}
					_, err := auditdb.Append(ctx, tx, record(w*each+i))
					return err
				})
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	res := verify(t, pool)
	if !res.OK() || res.Checked != workers*each || res.Last.Seq != workers*each {
		t.Fatalf("%+v", res)
	}
	var scanned int64
	err := auditdb.Scan(ctx, pool, func(r audit.Record) error {
		scanned++
		if r.Seq != scanned {
			return fmt.Errorf("seq %d at position %d", r.Seq, scanned)
		}
		return nil
	})
	if err != nil || scanned != workers*each {
		t.Fatalf("scan: %d records, %v", scanned, err)
	}
}

func TestRoundTripAndHistory(t *testing.T) {
	t.Parallel()
	pool, _ := pgtest.NewPool(t)
	ctx := context.Background()
	appended := appendN(t, pool, 30)
	var stored []audit.Record
	if err := auditdb.Scan(ctx, pool, func(r audit.Record) error { stored = append(stored, r); return nil }); err != nil {
		t.Fatal(err)
	}
	for i, r := range stored {
		a := appended[i]
		if r.Seq != a.Seq || !r.At.Equal(a.At) || r.Actor != a.Actor || string(r.Before) != string(a.Before) ||
			string(r.After) != string(a.After) || string(r.Hash) != string(a.Hash) || string(audit.ComputeHash(r)) != string(r.Hash) {
			t.Fatalf("record %d changed in the round trip:\n%+v\n%+v", i, r, a)
		}
	}
	hist, err := auditdb.ForObject(ctx, pool, "reference_rate", "TIIE_FONDEO/2026-11-01")
	if err != nil || len(hist) != 2 || hist[0].Seq != 1 || hist[1].Seq != 29 {
		t.Fatalf("history %v %v", hist, err)
	}
	if _, err := auditdb.Append(ctx, pool, audit.Record{At: t0}); err == nil {
		t.Fatal("invalid record appended")
	}
}

func TestAuditRowsCannotChange(t *testing.T) {
	t.Parallel()
	pool, _ := pgtest.NewPool(t)
	ctx := context.Background()
	appendN(t, pool, 3)
	// Even the owner is refused by the triggers.
	for _, stmt := range []string{
		"UPDATE audit_log SET after_state = '{\"rate\":\"9.99\"}' WHERE seq = 2",
		"UPDATE audit_log SET hash = hash",
		"DELETE FROM audit_log WHERE seq = 3",
		"TRUNCATE audit_log",
		"UPDATE audit_chain_head SET seq = 2",
		"DELETE FROM audit_chain_head",
	} {
		if _, err := pool.Exec(ctx, stmt); pgtest.Code(err) != "23001" {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	// A row that does not extend the head is refused too.
	for _, stmt := range []string{
		`INSERT INTO audit_log SELECT seq + 2, at, actor_subject, actor_party_id, actor_role, action, object_type, object_id,
			before_state, after_state, hash, sha256(hash) FROM audit_log WHERE seq = 3`,
		`INSERT INTO audit_log SELECT seq + 1, at, actor_subject, actor_party_id, actor_role, action, object_type, object_id,
			before_state, after_state, prev_hash, sha256(hash) FROM audit_log WHERE seq = 3`,
	} {
		if _, err := pool.Exec(ctx, stmt); pgtest.Code(err) != "40001" {
			t.Fatalf("off-chain insert: %v", err)
		}
	}
	// The application's role appends, and may not update or delete at all.
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL ROLE cadena_app"); err != nil {
			return err
		}
		if _, err := auditdb.Append(ctx, tx, record(3)); err != nil {
			return fmt.Errorf("append as cadena_app: %w", err)
		}
		return pgtest.Denied(ctx, tx,
			"UPDATE audit_log SET after_state = NULL WHERE seq = 1",
			"DELETE FROM audit_log WHERE seq = 1",
			"TRUNCATE audit_log",
			"UPDATE audit_chain_head SET seq = seq + 1",
			"SELECT seq FROM audit_chain_head FOR UPDATE")
	})
	if err != nil {
		t.Fatal(err)
	}
	if res := verify(t, pool); !res.OK() || res.Checked != 4 {
		t.Fatalf("%+v", res)
	}
}

// tamper runs statements as the superuser with every audit_log trigger off,
// the way an intruder with the database owner's powers would.
func tamper(t *testing.T, pool *pgxpool.Pool, stmts ...string) {
	t.Helper()
	ctx := context.Background()
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		for _, s := range append(append([]string{"ALTER TABLE audit_log DISABLE TRIGGER ALL"}, stmts...), "ALTER TABLE audit_log ENABLE TRIGGER ALL") {
			if _, err := tx.Exec(ctx, s); err != nil {
				return fmt.Errorf("%s: %w", s, err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func hexOf(b []byte) string { return fmt.Sprintf(`'\x%x'::bytea`, b) }

func TestVerifyCatchesForgery(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		forge func(rs []audit.Record) []string
		bad   int64
	}{
		{"edited state", func([]audit.Record) []string {
			return []string{`UPDATE audit_log SET after_state = '{"index":"TIIE_FONDEO","rate":"1.00"}' WHERE seq = 5`}
		}, 5},
		{"edited actor", func([]audit.Record) []string {
			return []string{`UPDATE audit_log SET actor_subject = 'user:someone-else' WHERE seq = 7`}
		}, 7},
		{"edited and rehashed", func(rs []audit.Record) []string {
			r := rs[4]
			r.After = json.RawMessage(`{"index":"TIIE_FONDEO","rate":"1.00"}`)
			return []string{fmt.Sprintf(`UPDATE audit_log SET after_state = '%s', hash = %s WHERE seq = 5`, r.After, hexOf(audit.ComputeHash(r)))}
		}, 5},
		{"deleted", func([]audit.Record) []string { return []string{"DELETE FROM audit_log WHERE seq = 3"} }, 3},
		{"deleted from the end", func([]audit.Record) []string { return []string{"DELETE FROM audit_log WHERE seq = 10"} }, 10},
		{"forged at the end, chained", func(rs []audit.Record) []string {
			f, err := audit.Chain(audit.Head{Seq: 10, Hash: rs[9].Hash}, record(99))
			if err != nil {
				panic(err)
			}
			return []string{fmt.Sprintf(`INSERT INTO audit_log VALUES (11, %s, 'user:mallory', NULL, 'operator', 'x.y', 'invoice', '1', NULL, '%s', %s, %s)`,
				"'"+f.At.Format(time.RFC3339Nano)+"'", f.After, hexOf(f.PrevHash), hexOf(audit.ComputeHash(audit.Record{
					Seq: 11, At: f.At, Actor: audit.Actor{Subject: "user:mallory", Role: "operator"}, Action: "x.y",
					Object: audit.Object{Type: "invoice", ID: "1"}, After: f.After, PrevHash: f.PrevHash})))}
		}, 11},
		{"forged at the end, bogus hash", func(rs []audit.Record) []string {
			return []string{fmt.Sprintf(`INSERT INTO audit_log VALUES (11, now(), 'user:mallory', NULL, 'operator', 'x.y', 'invoice', '1', NULL, NULL, %s, sha256('x'))`, hexOf(rs[9].Hash))}
		}, 11},
		{"forged in place of a deleted row", func(rs []audit.Record) []string {
			return []string{
				"DELETE FROM audit_log WHERE seq = 6",
				fmt.Sprintf(`INSERT INTO audit_log VALUES (6, now(), 'user:mallory', NULL, 'operator', 'x.y', 'invoice', '1', NULL, NULL, %s, sha256('y'))`, hexOf(rs[4].Hash)),
			}
		}, 6},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			pool, _ := pgtest.NewPool(t)
			rs := appendN(t, pool, 10)
			if res := verify(t, pool); !res.OK() {
				t.Fatalf("intact log: %+v", res)
			}
			tamper(t, pool, c.forge(rs)...)
			res := verify(t, pool)
			if res.OK() || *res.FirstBad != c.bad {
				t.Fatalf("got %+v (first bad %v), want %d", res, res.FirstBad, c.bad)
			}
			t.Log(res.Reason)
		})
	}
}
