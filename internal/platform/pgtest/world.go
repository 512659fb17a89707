package pgtest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/platform/db"
)

// T0 is the fixtures' clock: 10:00 in Mexico City, the programs' zone, on
// 2026-11-23.
var T0 = time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)

// Day is the date s (YYYY-MM-DD) at midnight UTC; a bad literal panics.
func Day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// Amount is the decimal s; a bad literal panics.
func Amount(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// Exec runs a fixture statement and fails the test if it fails.
func Exec(t testing.TB, q db.Querier, sql string, args ...any) {
	t.Helper()
	if _, err := q.Exec(context.Background(), sql, args...); err != nil {
		t.Fatal(err)
	}
}

// NewParty stores a Mexican party of kind with a tax id of its own.
func NewParty(t testing.TB, q db.Querier, kind string) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	Exec(t, q, `INSERT INTO parties (id, kind, legal_name, country, tax_id) VALUES ($1, $2, $3, 'MX', $4)`, id, kind, "Party "+id.String()[:8], id.String())
	return id
}

// World is one buyer's MXN program on TIIE_FONDEO (Mexico City, cut-off
// 13:00, 7 to 180 days, grace 3 days) with an enrolled supplier and a lender
// whose line is 10,000.00. Each test makes its own, so a package's tests
// share its database in parallel.
type World struct {
	Pool                             *pgxpool.Pool
	Buyer, Supplier, Lender, Program uuid.UUID
}

// NewWorld stores a new World in pool.
func NewWorld(t testing.TB, pool *pgxpool.Pool) World {
	t.Helper()
	w := World{Pool: pool, Buyer: NewParty(t, pool, "buyer"), Supplier: NewParty(t, pool, "supplier"), Program: uuid.Must(uuid.NewV7())}
	Exec(t, pool, `INSERT INTO programs (id, buyer_id, name, currency, reference_index, max_spread_bps, day_count, calendar,
		business_day_rule, time_zone, funding_cutoff, min_days, max_tenor_days, grace_days) VALUES ($1, $2, 'P', 'MXN', 'TIIE_FONDEO', 800,
		'ACT/360', 'MX', 'modified_following', 'America/Mexico_City', '13:00', 7, 180, 3)`, w.Program, w.Buyer)
	w.Enroll(t, w.Supplier)
	w.Lender = w.NewLender(t, "10000.00")
	return w
}

// NewLender enrols a new lender in the program with a line of limit.
func (w World) NewLender(t testing.TB, limit string) uuid.UUID {
	t.Helper()
	id := NewParty(t, w.Pool, "lender")
	Exec(t, w.Pool, `INSERT INTO program_lenders (program_id, lender_id, credit_limit) VALUES ($1, $2, $3)`, w.Program, id, Amount(limit))
	return id
}

// Enroll enrols supplier in the program.
func (w World) Enroll(t testing.TB, supplier uuid.UUID) {
	t.Helper()
	Exec(t, w.Pool, `INSERT INTO program_suppliers (program_id, supplier_id) VALUES ($1, $2)`, w.Program, supplier)
}

// Invoice stores an invoice of the world's supplier, issued 2026-11-01 and
// published by the buyer at T0, already in status.
func (w World) Invoice(t testing.TB, status, face, due string) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	Exec(t, w.Pool, `INSERT INTO invoices (id, program_id, buyer_id, supplier_id, kind, document_number, einvoice_id, issue_date, due_date,
		currency, face_amount, status, published_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, 'invoice', $5, $5, '2026-11-01', $6, 'MXN', $7, $8, 'user:b', $9, $9)`,
		id, w.Program, w.Buyer, w.Supplier, id.String(), Day(due), Amount(face), status, T0)
	return id
}

// AcceptedQuote stores the world's lender's accepted quote (350 bps over
// 7.12% fixed 2026-11-20, value date 2026-11-24) of face for net.
func (w World) AcceptedQuote(t testing.TB, face, net string) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	Exec(t, w.Pool, `INSERT INTO offers (id, source, program_id, lender_id, supplier_id, buyer_id, currency, spread_bps, reference_index,
		reference_date, reference_rate, value_date, face, discount, net, status, expires_at, created_at, updated_at)
		VALUES ($1, 'quote', $2, $3, $4, $5, 'MXN', 350, 'TIIE_FONDEO', '2026-11-20', 7.12, '2026-11-24', $6, $6::numeric - $7::numeric, $7, 'accepted', $8, $8, $8)`,
		id, w.Program, w.Lender, w.Supplier, w.Buyer, Amount(face), Amount(net), T0)
	return id
}

// Viewer is a party acting in a role, as each store's Viewer holds it (a
// store converts it to its own type).
type Viewer struct {
	PartyID uuid.UUID
	Role    string
}

// As is the world's party in role, or no party for any other role (the
// operator's).
func (w World) As(role string) Viewer {
	switch role {
	case "buyer":
		return Viewer{PartyID: w.Buyer, Role: role}
	case "supplier":
		return Viewer{PartyID: w.Supplier, Role: role}
	case "lender":
		return Viewer{PartyID: w.Lender, Role: role}
	}
	return Viewer{Role: role}
}

// Sight is one viewer of a tenant-scoping test and whether it must see the
// world's object.
type Sight struct {
	Name   string
	Viewer Viewer
	Sees   bool
}

// Sights are the viewers every scoping test tries: the operator and the
// world's parties in roles see its object, its other parties do not, nor do
// other's parties in roles.
func (w World) Sights(other World, roles ...string) []Sight {
	out := []Sight{{"operator", w.As("operator"), true}}
	for _, r := range []string{"buyer", "supplier", "lender"} {
		sees := false
		for _, s := range roles {
			sees = sees || s == r
		}
		out = append(out, Sight{r, w.As(r), sees})
		if sees {
			out = append(out, Sight{"other " + r, other.As(r), false})
		}
	}
	return out
}

// Blind is a viewer who must not see the world's object: party in role.
func Blind(name string, party uuid.UUID, role string) Sight {
	return Sight{Name: name, Viewer: Viewer{PartyID: party, Role: role}}
}

// Check requires the error of a scoped read as s: none when s sees the
// object, else notFound, never a leak nor another failure.
func (s Sight) Check(t testing.TB, read string, err, notFound error) {
	t.Helper()
	if s.Sees != (err == nil) || (!s.Sees && !errors.Is(err, notFound)) {
		t.Errorf("%s as %s: %v, sees %v", read, s.Name, err, s.Sees)
	}
}

// CheckListed requires a scoped list as s to hold the object exactly when s
// sees it.
func (s Sight) CheckListed(t testing.TB, list string, listed bool) {
	t.Helper()
	if listed != s.Sees {
		t.Errorf("%s as %s lists it: %v, want %v", list, s.Name, listed, s.Sees)
	}
}

// ForUpdate runs read, a store's locking read, in a transaction on pool and
// returns its error.
func ForUpdate[R any](pool *pgxpool.Pool, read func(pgx.Tx) (R, error)) error {
	return db.Runner{Pool: pool}.InTx(context.Background(), func(tx pgx.Tx) error {
		_, err := read(tx)
		return err
	})
}

// Parallel runs each of tests as a parallel subtest of t on pool, the
// database they share.
func Parallel(t *testing.T, pool *pgxpool.Pool, tests map[string]func(*testing.T, *pgxpool.Pool)) {
	t.Helper()
	for name, fn := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fn(t, pool)
		})
	}
}
