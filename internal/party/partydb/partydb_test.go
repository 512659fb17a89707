package partydb_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/party/partydb"
	"github.com/cadena-finance/cadena/internal/platform/pgtest"
)

var t0 = time.Date(2026, 11, 23, 16, 0, 0, 0, time.UTC)

// newParty stores a party of kind with a tax id of its own.
func newParty(t *testing.T, pool *pgxpool.Pool, kind party.Kind) party.Party {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	p := party.Party{ID: id, Kind: kind, LegalName: "Party " + id.String()[:8], Country: "MX",
		TaxID: strings.ToUpper(strings.ReplaceAll(id.String(), "-", "")[20:]), CreatedAt: t0}
	if err := partydb.Insert(context.Background(), pool, p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestStore(t *testing.T) {
	pool, _ := pgtest.NewPool(t)
	pgtest.Parallel(t, pool, map[string]func(*testing.T, *pgxpool.Pool){
		"InsertGetRoundTrip":           testInsertGetRoundTrip,
		"DuplicateTaxIDPerKindCountry": testDuplicateTaxID,
		"DeactivateOnce":               testDeactivateOnce,
		"ListScopesAndPages":           testListScopesAndPages,
		"Accounts":                     testAccounts,
		"UsersByEmailIgnoringCase":     testUsers,
		"APIClientsRevoked":            testAPIClients,
	})
}

func testInsertGetRoundTrip(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	p := newParty(t, pool, party.Supplier)
	got, err := partydb.Get(ctx, pool, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != p.ID || got.Kind != party.Supplier || got.LegalName != p.LegalName || got.Country != "MX" || got.TaxID != p.TaxID ||
		got.TaxIDWarning != "" || !got.CreatedAt.Equal(t0) || got.DeactivatedAt != nil {
		t.Fatalf("got %+v, want %+v", got, p)
	}
	w := party.Party{ID: uuid.Must(uuid.NewV7()), Kind: party.Buyer, LegalName: "Warned", Country: "CO", TaxID: "900" + p.TaxID[:6],
		TaxIDWarning: "check digit", CreatedAt: t0}
	if err := partydb.Insert(ctx, pool, w); err != nil {
		t.Fatal(err)
	}
	if got, err := partydb.FindByTaxID(ctx, pool, party.Buyer, "CO", w.TaxID); err != nil || got.ID != w.ID || got.TaxIDWarning != "check digit" {
		t.Fatalf("FindByTaxID: %+v, %v", got, err)
	}
	if _, err := partydb.FindByTaxID(ctx, pool, party.Supplier, "CO", w.TaxID); !errors.Is(err, party.ErrNotFound) {
		t.Fatalf("FindByTaxID of another kind: %v, want ErrNotFound", err)
	}
	if _, err := partydb.Get(ctx, pool, uuid.Must(uuid.NewV7())); !errors.Is(err, party.ErrNotFound) {
		t.Fatalf("Get unknown: %v, want ErrNotFound", err)
	}
}

func testDuplicateTaxID(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	p := newParty(t, pool, party.Lender)
	dup := p
	dup.ID = uuid.Must(uuid.NewV7())
	if err := partydb.Insert(ctx, pool, dup); !errors.Is(err, party.ErrDuplicate) {
		t.Fatalf("same kind, country and tax id: %v, want ErrDuplicate", err)
	}
	// The same tax id is another party as another kind, or in another country.
	asSupplier := dup
	asSupplier.Kind = party.Supplier
	if err := partydb.Insert(ctx, pool, asSupplier); err != nil {
		t.Fatalf("same tax id as a supplier: %v", err)
	}
	inCO := dup
	inCO.ID, inCO.Country = uuid.Must(uuid.NewV7()), "CO"
	if err := partydb.Insert(ctx, pool, inCO); err != nil {
		t.Fatalf("same tax id in CO: %v", err)
	}
}

func testDeactivateOnce(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	p := newParty(t, pool, party.Buyer)
	got, changed, err := partydb.Deactivate(ctx, pool, p.ID, t0.Add(time.Hour))
	if err != nil || !changed || got.DeactivatedAt == nil || !got.DeactivatedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("first deactivation: %+v, changed %v, %v", got, changed, err)
	}
	got, changed, err = partydb.Deactivate(ctx, pool, p.ID, t0.Add(2*time.Hour))
	if err != nil || changed || got.DeactivatedAt == nil || !got.DeactivatedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("second deactivation: %+v, changed %v, %v; want the first instant kept", got, changed, err)
	}
	if _, _, err := partydb.Deactivate(ctx, pool, uuid.Must(uuid.NewV7()), t0); !errors.Is(err, party.ErrNotFound) {
		t.Fatalf("deactivate unknown: %v, want ErrNotFound", err)
	}
}

func testListScopesAndPages(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	var mine []uuid.UUID
	for range 5 {
		mine = append(mine, newParty(t, pool, party.Lender).ID)
	}
	other := newParty(t, pool, party.Supplier)

	// Only restricts to one party, whatever else exists.
	got, err := partydb.List(ctx, pool, partydb.Filter{Only: &mine[2], Limit: 10})
	if err != nil || len(got) != 1 || got[0].ID != mine[2] {
		t.Fatalf("List Only: %+v, %v", got, err)
	}
	got, err = partydb.List(ctx, pool, partydb.Filter{Kind: party.Lender, Only: &other.ID, Limit: 10})
	if err != nil || len(got) != 0 {
		t.Fatalf("List Only a supplier among lenders: %+v, %v", got, err)
	}

	// Paging two at a time visits every lender once, in id order; other
	// cases add parties meanwhile, so only this case's must all appear.
	seen := map[uuid.UUID]bool{}
	var after uuid.UUID
	for {
		page, err := partydb.List(ctx, pool, partydb.Filter{Kind: party.Lender, After: after, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(page) > 2 {
			t.Fatalf("page of %d, limit 2", len(page))
		}
		for _, p := range page {
			if p.Kind != party.Lender || seen[p.ID] || strings.Compare(p.ID.String(), after.String()) <= 0 {
				t.Fatalf("page %+v after %v: wrong kind, repeated or out of order", p, after)
			}
			seen[p.ID], after = true, p.ID
		}
		if len(page) < 2 {
			break
		}
	}
	for _, id := range mine {
		if !seen[id] {
			t.Fatalf("lender %v never listed", id)
		}
	}
	if seen[other.ID] {
		t.Fatal("a supplier listed among lenders")
	}
}

func testAccounts(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	p, q := newParty(t, pool, party.Supplier), newParty(t, pool, party.Supplier)
	acct := func(owner uuid.UUID, number string, at time.Time) party.BankAccount {
		return party.BankAccount{ID: uuid.Must(uuid.NewV7()), PartyID: owner, Currency: money.MXN, Scheme: "CLABE", BankCode: "002",
			Number: number, HolderName: "Holder", CreatedAt: at}
	}
	second, first := acct(p.ID, "002180002345678903", t0.Add(time.Minute)), acct(p.ID, "012180001234567899", t0)
	for _, a := range []party.BankAccount{second, first, acct(q.ID, "002180002345678903", t0)} {
		if err := partydb.InsertAccount(ctx, pool, a); err != nil {
			t.Fatal(err)
		}
	}
	dup := acct(p.ID, first.Number, t0.Add(time.Hour))
	if err := partydb.InsertAccount(ctx, pool, dup); !errors.Is(err, party.ErrAccountTaken) {
		t.Fatalf("same scheme and number again: %v, want ErrAccountTaken", err)
	}
	got, err := partydb.ListAccounts(ctx, pool, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != first.ID || got[1].ID != second.ID {
		t.Fatalf("accounts %+v, want the party's two oldest first", got)
	}
	if g := got[0]; g.Currency != money.MXN || g.Scheme != "CLABE" || g.BankCode != "002" || g.Number != first.Number || g.HolderName != "Holder" || !g.CreatedAt.Equal(t0) {
		t.Fatalf("account round trip %+v, want %+v", g, first)
	}
}

func testUsers(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	p := newParty(t, pool, party.Buyer)
	email := "Ana." + uuid.NewString()[:8] + "@Example.MX"
	u := party.User{ID: uuid.Must(uuid.NewV7()), PartyID: p.ID, Email: email, PasswordHash: "$argon2id$x", Role: party.Buyer, CreatedAt: t0}
	if err := partydb.InsertUser(ctx, pool, u); err != nil {
		t.Fatal(err)
	}
	again := u
	again.ID, again.Email = uuid.Must(uuid.NewV7()), strings.ToLower(email)
	if err := partydb.InsertUser(ctx, pool, again); !errors.Is(err, party.ErrEmailTaken) {
		t.Fatalf("same email in another case: %v, want ErrEmailTaken", err)
	}
	got, err := partydb.UserByEmail(ctx, pool, strings.ToUpper(email))
	if err != nil || got.ID != u.ID || got.PartyID != p.ID || got.Email != email || got.PasswordHash != u.PasswordHash || got.Role != party.Buyer || !got.CreatedAt.Equal(t0) {
		t.Fatalf("UserByEmail: %+v, %v", got, err)
	}
	if _, err := partydb.UserByEmail(ctx, pool, "nobody."+uuid.NewString()+"@example.mx"); !errors.Is(err, party.ErrNotFound) {
		t.Fatalf("unknown email: %v, want ErrNotFound", err)
	}
}

func testAPIClients(t *testing.T, pool *pgxpool.Pool) {
	ctx := context.Background()
	p := newParty(t, pool, party.Lender)
	c := party.APIClient{ID: uuid.Must(uuid.NewV7()), ClientID: "cli_" + uuid.NewString()[:12], SecretHash: "hash", PartyID: p.ID,
		Role: party.Lender, Name: "treasury bot", CreatedAt: t0}
	if err := partydb.InsertAPIClient(ctx, pool, c); err != nil {
		t.Fatal(err)
	}
	got, err := partydb.APIClientByClientID(ctx, pool, c.ClientID)
	if err != nil || got.ID != c.ID || got.PartyID != p.ID || got.Role != party.Lender || got.SecretHash != "hash" || got.Name != c.Name || got.RevokedAt != nil {
		t.Fatalf("APIClientByClientID: %+v, %v", got, err)
	}
	dup := c
	dup.ID = uuid.Must(uuid.NewV7())
	if err := partydb.InsertAPIClient(ctx, pool, dup); pgtest.Code(err) != "23505" {
		t.Fatalf("same client id again: %v, want a unique violation", err)
	}
	if _, err := pool.Exec(ctx, "UPDATE api_clients SET revoked_at = $2 WHERE id = $1", c.ID, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := partydb.APIClientByClientID(ctx, pool, c.ClientID); !errors.Is(err, party.ErrNotFound) {
		t.Fatalf("revoked client: %v, want ErrNotFound", err)
	}
}
