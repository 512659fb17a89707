package webdb

// An internal test: the stores lint rule denies imports of internal/web/...,
// which an external test package would need.

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
)

func party(t *testing.T, pool *pgxpool.Pool, kind string) uuid.UUID {
	t.Helper()
	id := uuid.New()
	if _, err := pool.Exec(context.Background(), `INSERT INTO parties (id, kind, legal_name, country, tax_id) VALUES ($1, $2, $3, 'MX', $4)`,
		id, kind, kind+" "+id.String()[:8], id.String()[:13]); err != nil {
		t.Fatal(err)
	}
	return id
}

// A session is stored under its hash, read back, touched, swept when
// expired or idle, and deleted.
func TestSessions(t *testing.T) {
	t.Parallel()
	pool, _ := pgtest.NewPool(t)
	s, ctx := New(pool), context.Background()
	now := time.Now().UTC().Truncate(time.Microsecond)
	p := party(t, pool, "supplier")
	live := Session{PartyID: p, Role: "supplier", Subject: "user:1", CSRF: "tok", CreatedAt: now, ExpiresAt: now.Add(8 * time.Hour), LastSeen: now}
	idle := live
	idle.LastSeen = now.Add(-time.Hour)
	expired := live
	expired.ExpiresAt = now.Add(-time.Minute)
	for h, r := range map[string]Session{"live": live, "idle": idle, "expired": expired} {
		if err := s.InsertSession(ctx, []byte(h), r); err != nil {
			t.Fatal(err)
		}
	}
	got, found, err := s.Session(ctx, []byte("live"))
	if err != nil || !found || got.PartyID != p || got.Role != "supplier" || got.Subject != "user:1" || got.CSRF != "tok" ||
		!got.CreatedAt.Equal(now) || !got.ExpiresAt.Equal(live.ExpiresAt) || !got.LastSeen.Equal(now) {
		t.Fatalf("read back: %+v %v %v", got, found, err)
	}
	later := now.Add(2 * time.Minute)
	if err := s.TouchSession(ctx, []byte("live"), later); err != nil {
		t.Fatal(err)
	}
	if got, _, _ = s.Session(ctx, []byte("live")); !got.LastSeen.Equal(later) {
		t.Fatalf("touched: %v, want %v", got.LastSeen, later)
	}
	if err := s.SweepSessions(ctx, now, now.Add(-30*time.Minute)); err != nil {
		t.Fatal(err)
	}
	for h, want := range map[string]bool{"live": true, "idle": false, "expired": false, "unknown": false} {
		if _, found, err := s.Session(ctx, []byte(h)); err != nil || found != want {
			t.Errorf("%s after sweep: found %v %v, want %v", h, found, err, want)
		}
	}
	if err := s.DeleteSession(ctx, []byte("live")); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSession(ctx, []byte("unknown")); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := s.Session(ctx, []byte("live")); found {
		t.Fatal("deleted session still found")
	}
}

// The dashboard totals a program's invoices per status (credit notes and
// other programs left out) and lists what falls due within the horizon and
// what is financed and overdue, soonest first, in the viewer's scope.
func TestDashboard(t *testing.T) {
	t.Parallel()
	pool, _ := pgtest.NewPool(t)
	s, ctx := New(pool), context.Background()
	buyer, other, supplier := party(t, pool, "buyer"), party(t, pool, "buyer"), party(t, pool, "supplier")
	program := func(b uuid.UUID) uuid.UUID {
		id := uuid.New()
		if _, err := pool.Exec(ctx, `INSERT INTO programs (id, buyer_id, name, currency, reference_index, max_spread_bps, day_count, calendar,
			business_day_rule, time_zone, funding_cutoff, min_days, max_tenor_days) VALUES ($1, $2, $3, 'MXN', 'TIIE_FONDEO', 500, 'ACT/360', 'MX',
			'following', 'America/Mexico_City', '14:00', 1, 365)`, id, b, "P "+id.String()[:8]); err != nil {
			t.Fatal(err)
		}
		return id
	}
	prog, otherProg := program(buyer), program(other)
	today := calendar.Date(2030, 6, 10)
	n := 0
	add := func(prog, buyer uuid.UUID, kind string, status invoice.Status, due time.Time, face, netted string) uuid.UUID {
		n++
		id := uuid.Must(uuid.NewV7())
		var credits *uuid.UUID
		var dueDate *time.Time
		if kind == "credit_note" {
			c := uuid.New()
			credits = &c
		} else {
			dueDate = &due
		}
		if _, err := pool.Exec(ctx, `INSERT INTO invoices (id, program_id, buyer_id, supplier_id, kind, document_number, einvoice_id, issue_date,
			due_date, currency, face_amount, netted_amount, credits_invoice_id, status, published_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'MXN', $10, $11, $12, $13, 'test', now(), now())`,
			id, prog, buyer, supplier, kind, "F-"+id.String(), id.String(), today.AddDate(0, 0, -30), dueDate, face, netted, credits, string(status)); err != nil {
			t.Fatal(err)
		}
		return id
	}
	in5 := add(prog, buyer, "invoice", invoice.Published, today.AddDate(0, 0, 5), "100.00", "10.00")
	in2 := add(prog, buyer, "invoice", invoice.Financed, today.AddDate(0, 0, 2), "200.00", "0")
	add(prog, buyer, "invoice", invoice.Offered, today.AddDate(0, 0, 31), "300.00", "0") // beyond the horizon
	late := add(prog, buyer, "invoice", invoice.Financed, today.AddDate(0, 0, -1), "400.00", "0")
	add(prog, buyer, "invoice", invoice.Published, today.AddDate(0, 0, -3), "50.00", "0")       // past due but not financed
	add(prog, buyer, "invoice", invoice.Cancelled, today.AddDate(0, 0, 3), "70.00", "0")        // not live
	at30 := add(prog, buyer, "invoice", invoice.Offered, today.AddDate(0, 0, 30), "80.00", "0") // the horizon's last day
	add(prog, buyer, "credit_note", invoice.Published, time.Time{}, "20.00", "0")
	add(otherProg, other, "invoice", invoice.Published, today.AddDate(0, 0, 4), "999.00", "0")

	totals, due, err := s.Dashboard(ctx, Viewer{PartyID: buyer, Role: "buyer"}, prog, today, today.AddDate(0, 0, 30), 100)
	if err != nil {
		t.Fatal(err)
	}
	want := map[invoice.Status][2]string{invoice.Published: {"2", "140"}, invoice.Financed: {"2", "600"}, invoice.Offered: {"2", "380"}, invoice.Cancelled: {"1", "70"}}
	if len(totals) != len(want) {
		t.Fatalf("totals: %+v", totals)
	}
	for _, tt := range totals {
		w := want[tt.Status]
		if strconv.Itoa(tt.Count) != w[0] || tt.Payable.String() != w[1] {
			t.Errorf("%s: %d %s, want %s %s", tt.Status, tt.Count, tt.Payable, w[0], w[1])
		}
	}
	var ids []uuid.UUID
	for _, d := range due {
		ids = append(ids, d.ID)
		if d.Overdue != (d.ID == late) {
			t.Errorf("%s overdue %v", d.DocumentNumber, d.Overdue)
		}
	}
	if wantIDs := []uuid.UUID{late, in2, in5, at30}; !slices.Equal(ids, wantIDs) {
		t.Fatalf("due %v, want %v", ids, wantIDs)
	}
	if d := due[2]; d.Payable.String() != "90" || d.Currency != "MXN" || d.Status != invoice.Published || d.SupplierID != supplier || !d.DueDate.Equal(today.AddDate(0, 0, 5)) {
		t.Errorf("row: %+v", d)
	}
	if _, due, _ := s.Dashboard(ctx, Viewer{PartyID: buyer, Role: "buyer"}, prog, today, today.AddDate(0, 0, 30), 2); len(due) != 2 {
		t.Errorf("limit 2 gave %d rows", len(due))
	}

	// Another buyer, a supplier or a lender sees nothing of it; an operator all.
	for _, v := range []Viewer{{PartyID: other, Role: "buyer"}, {PartyID: supplier, Role: "supplier"}, {PartyID: buyer, Role: "lender"}} {
		if totals, due, err := s.Dashboard(ctx, v, prog, today, today.AddDate(0, 0, 30), 100); err != nil || len(totals) != 0 || len(due) != 0 {
			t.Errorf("%s %s sees %d totals %d rows %v", v.Role, v.PartyID, len(totals), len(due), err)
		}
	}
	if _, due, err := s.Dashboard(ctx, Viewer{PartyID: uuid.New(), Role: "operator"}, prog, today, today.AddDate(0, 0, 30), 100); err != nil || len(due) != 4 {
		t.Errorf("operator: %d rows %v", len(due), err)
	}
}
