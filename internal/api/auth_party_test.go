package api_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/api"
	"github.com/cadena-finance/cadena/internal/api/apitest"
	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/usecases"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/web"
	"github.com/cadena-finance/cadena/internal/web/webdb"
)

func init() {
	// A party of its own, so the other producers' world is untouched.
	eventProducers = append(eventProducers, func(t *testing.T, env *apitest.Env, w apitest.World) {
		op := app.Actor{Subject: "test", PartyID: w.Operator.ID, Role: auth.RoleOperator}
		p, err := env.App.Administration.CreateParty(context.Background(), op, party.Draft{Kind: "lender", LegalName: "Banco Cerrado", Country: "MX", TaxID: "BCE010203AB1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := env.App.Administration.DeactivateParty(context.Background(), op, p.ID); err != nil {
			t.Fatal(err)
		}
	})
}

// signed mints a validly signed token for any party and role, as a leaked
// signing key or a bug elsewhere could: MintToken would refuse these.
func signed(t *testing.T, env *apitest.Env, partyID uuid.UUID, role auth.Role) string {
	t.Helper()
	tok, _, err := env.App.Issuer.Issue(auth.Principal{Subject: "test", PartyID: partyID.String(), Role: role})
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// A signed token is not enough: its party must exist and be of its role.
func TestTokenPartyMustExistAndFitTheRole(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.Seed()
	for name, c := range map[string]struct {
		tok  string
		path string
	}{
		"unknown party":          {signed(t, env, uuid.Must(uuid.NewV7()), auth.RoleBuyer), "/v1/invoices"},
		"operator on a supplier": {signed(t, env, w.Supplier.ID, auth.RoleOperator), "/v1/parties"},
		"lender on a buyer":      {signed(t, env, w.Buyer.ID, auth.RoleLender), "/v1/offers"},
	} {
		r := env.Do(apitest.Req{Method: "GET", Path: c.path, Token: c.tok})
		if r.Status != 401 || r.Problem(t).Code != "auth.party_mismatch" || r.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
	}
	// The right role on the same party still works.
	if r := env.Do(apitest.Req{Method: "GET", Path: "/v1/parties", Token: signed(t, env, w.Supplier.ID, auth.RoleSupplier)}); r.Status != 200 {
		t.Fatalf("supplier: %d %s", r.Status, r.Body)
	}
}

// An operator deactivates a party: its tokens stop at once on this replica
// and within app.ActorCheckTTL on another that had it cached; its people
// and API clients cannot log in; its NATS bids are refused.
func TestDeactivatedPartyIsLockedOut(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	clk := &clock{}
	clk.Set(friday10)
	env.App.Now = clk.Now
	w := env.Seed()
	ctx := context.Background()
	op := env.Token(w.Operator.ID, auth.RoleOperator)
	lenderTok := env.Token(w.Lender.ID, auth.RoleLender)
	if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/parties/" + w.Lender.ID.String() + "/users", Token: op,
		Body: map[string]string{"email": "tesoreria@banco.mx", "password": "una clave larga"}}); r.Status != 201 {
		t.Fatalf("user: %d %s", r.Status, r.Body)
	}
	var client struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	env.Do(apitest.Req{Method: "POST", Path: "/v1/parties/" + w.Lender.ID.String() + "/api-clients", Token: op, Body: map[string]string{"name": "bot"}}).JSON(t, &client)
	// Another replica over the same database, which has seen the lender.
	replica := usecases.New(&app.Base{Pool: env.Pool, Issuer: env.App.Issuer, PlatformMaxBps: 700, Now: clk.Now})
	lender := app.Actor{Subject: "test", PartyID: w.Lender.ID, Role: auth.RoleLender}
	if err := replica.CheckActor(ctx, lender); err != nil {
		t.Fatal(err)
	}

	// Roles: only operators deactivate, and not their own party.
	for _, tok := range []string{lenderTok, env.Token(w.Buyer.ID, auth.RoleBuyer), env.Token(w.Supplier.ID, auth.RoleSupplier)} {
		if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/parties/" + w.Lender.ID.String() + "/deactivate", Token: tok}); r.Status != 403 {
			t.Fatalf("non-operator deactivates: %d", r.Status)
		}
	}
	if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/parties/" + w.Operator.ID.String() + "/deactivate", Token: op}); r.Status != 409 || r.Problem(t).Code != "party.self_deactivation" {
		t.Fatalf("self deactivation: %d %s", r.Status, r.Body)
	}
	if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/parties/" + uuid.NewString() + "/deactivate", Token: op}); r.Status != 404 {
		t.Fatalf("unknown party: %d", r.Status)
	}

	var p struct {
		Status        string     `json:"status"`
		DeactivatedAt *time.Time `json:"deactivated_at"`
	}
	r := env.Do(apitest.Req{Method: "POST", Path: "/v1/parties/" + w.Lender.ID.String() + "/deactivate", Token: op})
	if r.Status != 200 {
		t.Fatalf("deactivate: %d %s", r.Status, r.Body)
	}
	r.JSON(t, &p)
	if p.Status != "deactivated" || p.DeactivatedAt == nil {
		t.Fatalf("deactivated party %s", r.Body)
	}
	// Again: nothing changes, and one event only.
	if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/parties/" + w.Lender.ID.String() + "/deactivate", Token: op}); r.Status != 200 {
		t.Fatalf("again: %d", r.Status)
	}
	if n := count(t, env, "SELECT count(*) FROM outbox WHERE subject = 'cadena.party.deactivated'"); n != 1 {
		t.Fatalf("%d deactivation events", n)
	}

	// At once on this replica.
	if r := env.Do(apitest.Req{Method: "GET", Path: "/v1/offers", Token: lenderTok}); r.Status != 401 || r.Problem(t).Code != "auth.party_inactive" {
		t.Fatalf("deactivated token: %d %s", r.Status, r.Body)
	}
	// Within the check's lifetime on the other.
	clk.Advance(app.ActorCheckTTL)
	if err := replica.CheckActor(ctx, lender); !errors.Is(err, app.ErrPartyInactive) {
		t.Fatalf("replica after %s: %v", app.ActorCheckTTL, err)
	}
	if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/auth/login", Body: map[string]string{"email": "tesoreria@banco.mx", "password": "una clave larga"}}); r.Status != 401 || r.Problem(t).Code != "auth.party_inactive" {
		t.Fatalf("login: %d %s", r.Status, r.Body)
	}
	if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/auth/token", Body: map[string]string{"client_id": client.ClientID, "client_secret": client.ClientSecret}}); r.Status != 401 || r.Problem(t).Code != "auth.party_inactive" {
		t.Fatalf("client token: %d %s", r.Status, r.Body)
	}
	if rep, err := api.AnswerBid(ctx, env.App, w.Lender.ID, []byte(`{"auction_id":"`+uuid.NewString()+`","spread_bps":100}`)); err != nil || rep.Code != "auth.party_inactive" {
		t.Fatalf("NATS bid: %+v %v", rep, err)
	}
	// Others are untouched, and the operator still sees the party.
	if r := env.Do(apitest.Req{Method: "GET", Path: "/v1/parties/" + w.Lender.ID.String(), Token: op}); r.Status != 200 {
		t.Fatalf("operator read: %d", r.Status)
	}
	if r := env.Do(apitest.Req{Method: "GET", Path: "/v1/offers", Token: env.Token(w.Lender2.ID, auth.RoleLender)}); r.Status != 200 {
		t.Fatalf("other lender: %d", r.Status)
	}
}

// A portal session of a deactivated party ends.
func TestDeactivatedPartyLosesPortalSession(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.Seed()
	ctx := context.Background()
	opAct := app.Actor{Subject: "test", PartyID: w.Operator.ID, Role: auth.RoleOperator}
	if _, err := env.App.Administration.CreateUser(ctx, opAct, w.Supplier.ID, "ventas@proveedor.mx", "una clave larga"); err != nil {
		t.Fatal(err)
	}
	sessions := web.NewSessions(env.App, webdb.New(env.Pool))
	id, _, err := sessions.Start(ctx, "ventas@proveedor.mx", "una clave larga", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sessions.Get(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := env.App.Administration.DeactivateParty(ctx, opAct, w.Supplier.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := sessions.Get(ctx, id); !errors.Is(err, web.ErrNoSession) {
		t.Fatalf("session after deactivation: %v", err)
	}
	if _, _, err := sessions.Start(ctx, "ventas@proveedor.mx", "una clave larga", ""); !errors.Is(err, app.ErrPartyInactive) {
		t.Fatalf("portal login after deactivation: %v", err)
	}
}
