// Package partydb is the only place with SQL for parties, their accounts,
// users and API clients.
package partydb

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/platform/db"
)

const partyCols = "id, kind, legal_name, country, tax_id, coalesce(tax_id_warning, ''), created_at, deactivated_at"

func scanParty(r pgx.Row) (party.Party, error) {
	var p party.Party
	var kind string
	err := r.Scan(&p.ID, &kind, &p.LegalName, &p.Country, &p.TaxID, &p.TaxIDWarning, &p.CreatedAt, &p.DeactivatedAt)
	p.Kind = party.Kind(kind)
	if errors.Is(err, pgx.ErrNoRows) {
		return p, party.ErrNotFound
	}
	return p, err
}

// Insert stores a new party.
func Insert(ctx context.Context, q db.Querier, p party.Party) error {
	_, err := q.Exec(ctx, `INSERT INTO parties (id, kind, legal_name, country, tax_id, tax_id_warning, created_at)
		VALUES ($1, $2, $3, $4, $5, nullif($6, ''), $7)`, p.ID, string(p.Kind), p.LegalName, p.Country, p.TaxID, p.TaxIDWarning, p.CreatedAt)
	if db.IsUniqueViolation(err, "") {
		return party.ErrDuplicate
	}
	return err
}

// Get loads one party.
func Get(ctx context.Context, q db.Querier, id uuid.UUID) (party.Party, error) {
	return scanParty(q.QueryRow(ctx, "SELECT "+partyCols+" FROM parties WHERE id = $1", id))
}

// Deactivate marks a party deactivated at at, once: it returns the party
// and whether this call changed it.
func Deactivate(ctx context.Context, q db.Querier, id uuid.UUID, at time.Time) (party.Party, bool, error) {
	p, err := scanParty(q.QueryRow(ctx, "UPDATE parties SET deactivated_at = $2 WHERE id = $1 AND deactivated_at IS NULL RETURNING "+partyCols, id, at))
	if errors.Is(err, party.ErrNotFound) {
		p, err = Get(ctx, q, id)
		return p, false, err
	}
	return p, err == nil, err
}

// FindByTaxID loads the party of a kind with that normalised tax id.
func FindByTaxID(ctx context.Context, q db.Querier, kind party.Kind, country, taxID string) (party.Party, error) {
	return scanParty(q.QueryRow(ctx, "SELECT "+partyCols+" FROM parties WHERE kind = $1 AND country = $2 AND tax_id = $3", string(kind), country, taxID))
}

// Filter narrows List; zero fields match everything.
type Filter struct {
	Kind  party.Kind
	Only  *uuid.UUID // restrict to one party (tenant scope)
	After uuid.UUID  // keyset cursor: ids are time-ordered UUIDv7
	Limit int
}

// List returns parties in id order after the cursor.
func List(ctx context.Context, q db.Querier, f Filter) ([]party.Party, error) {
	rows, err := q.Query(ctx, "SELECT "+partyCols+` FROM parties
		WHERE ($1 = '' OR kind = $1) AND ($2::uuid IS NULL OR id = $2) AND id > $3
		ORDER BY id LIMIT $4`, string(f.Kind), f.Only, f.After, f.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (party.Party, error) { return scanParty(r) })
}

// InsertAccount stores a bank account.
func InsertAccount(ctx context.Context, q db.Querier, a party.BankAccount) error {
	_, err := q.Exec(ctx, `INSERT INTO bank_accounts (id, party_id, currency, scheme, bank_code, number, account_type, iban, holder_name, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		a.ID, a.PartyID, string(a.Currency), a.Scheme, a.BankCode, a.Number, a.AccountType, a.IBAN, a.HolderName, a.CreatedAt)
	if db.IsUniqueViolation(err, "") {
		return party.ErrAccountTaken
	}
	return err
}

// ListAccounts returns a party's accounts, oldest first.
func ListAccounts(ctx context.Context, q db.Querier, partyID uuid.UUID) ([]party.BankAccount, error) {
	rows, err := q.Query(ctx, `SELECT id, party_id, currency, scheme, bank_code, number, account_type, iban, holder_name, created_at
		FROM bank_accounts WHERE party_id = $1 ORDER BY created_at, id`, partyID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (party.BankAccount, error) {
		var a party.BankAccount
		var cur string
		err := r.Scan(&a.ID, &a.PartyID, &cur, &a.Scheme, &a.BankCode, &a.Number, &a.AccountType, &a.IBAN, &a.HolderName, &a.CreatedAt)
		a.Currency = money.Currency(cur)
		return a, err
	})
}

// InsertUser stores a person's login.
func InsertUser(ctx context.Context, q db.Querier, u party.User) error {
	_, err := q.Exec(ctx, `INSERT INTO users (id, party_id, email, password_hash, role, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		u.ID, u.PartyID, u.Email, u.PasswordHash, string(u.Role), u.CreatedAt)
	if db.IsUniqueViolation(err, "") {
		return party.ErrEmailTaken
	}
	return err
}

// UserByEmail loads a login by normalised email.
func UserByEmail(ctx context.Context, q db.Querier, email string) (party.User, error) {
	var u party.User
	var role string
	err := q.QueryRow(ctx, `SELECT id, party_id, email, password_hash, role, created_at FROM users WHERE lower(email) = lower($1)`, email).
		Scan(&u.ID, &u.PartyID, &u.Email, &u.PasswordHash, &role, &u.CreatedAt)
	u.Role = party.Kind(role)
	if errors.Is(err, pgx.ErrNoRows) {
		return u, party.ErrNotFound
	}
	return u, err
}

// InsertAPIClient stores a machine credential (hash only).
func InsertAPIClient(ctx context.Context, q db.Querier, c party.APIClient) error {
	_, err := q.Exec(ctx, `INSERT INTO api_clients (id, client_id, secret_hash, party_id, role, name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		c.ID, c.ClientID, c.SecretHash, c.PartyID, string(c.Role), c.Name, c.CreatedAt)
	return err
}

// APIClientByClientID loads an active credential.
func APIClientByClientID(ctx context.Context, q db.Querier, clientID string) (party.APIClient, error) {
	var c party.APIClient
	var role string
	err := q.QueryRow(ctx, `SELECT id, client_id, secret_hash, party_id, role, name, created_at, revoked_at
		FROM api_clients WHERE client_id = $1 AND revoked_at IS NULL`, clientID).
		Scan(&c.ID, &c.ClientID, &c.SecretHash, &c.PartyID, &role, &c.Name, &c.CreatedAt, &c.RevokedAt)
	c.Role = party.Kind(role)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, party.ErrNotFound
	}
	return c, err
}

// CounterpartyName is the legal name of party id when it shares an offer
// with caller (as supplier, lender or buyer), or auctions in a program
// where caller lends; otherwise party.ErrNotFound.
func CounterpartyName(ctx context.Context, q db.Querier, caller, id uuid.UUID) (string, error) {
	var name string
	err := q.QueryRow(ctx, `SELECT p.legal_name FROM parties p WHERE p.id = $2 AND (EXISTS (SELECT 1 FROM offers o
		WHERE $1 IN (o.supplier_id, o.lender_id, o.buyer_id) AND $2 IN (o.supplier_id, o.lender_id, o.buyer_id))
		OR EXISTS (SELECT 1 FROM auctions au JOIN program_lenders pl ON pl.program_id = au.program_id
		WHERE pl.lender_id = $1 AND au.supplier_id = $2))`, caller, id).Scan(&name)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", party.ErrNotFound
	}
	return name, err
}
