package access_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/access"
	"github.com/cadena-finance/cadena/internal/app/apptest"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/validation"
)

const password = "correct horse battery"

var as = apptest.Actor

// policy is small so a test reaches it quickly: three failures lock an
// account for a minute, doubling; five lock an address.
var policy = auth.Throttle{Failures: 3, AddressFailures: 5, Window: 15 * time.Minute, Backoff: time.Minute, MaxBackoff: 10 * time.Minute}

// user is a login of a new party of kind.
func user(t *testing.T, e *apptest.Env, kind party.Kind) (party.Party, string) {
	t.Helper()
	p := e.Party(kind)
	u, err := e.Administration.CreateUser(e.Ctx, app.System, p.ID, apptest.Email(), password)
	if err != nil {
		t.Fatal(err)
	}
	return p, u.Email
}

// address is a client address no other test uses.
func address() string { return fmt.Sprintf("2001:db8::%x", apptest.Seq()) }

func TestAccess(t *testing.T) {
	apptest.Shared(t, map[string]func(t *testing.T, e *apptest.Env){
		"a bad login never says which half was wrong":               badCredentials,
		"an account is locked after repeated failures, then let in": accountThrottle,
		"an address is locked after failures across accounts":       addressThrottle,
		"client tokens are throttled as logins are":                 clientThrottle,
		"a deactivated party's right credentials are refused":       deactivated,
		"MintToken checks the party's kind and status, and records": mintToken,
	})
}

func badCredentials(t *testing.T, e *apptest.Env) {
	e.Throttle = policy
	p, email := user(t, e, party.Buyer)
	_, unknown := e.Access.Login(e.Ctx, "nobody"+apptest.Email(), password, address())
	_, wrong := e.Access.Login(e.Ctx, email, password+"!", address())
	if !errors.Is(unknown, access.ErrBadCredentials) || !errors.Is(wrong, access.ErrBadCredentials) || unknown.Error() != wrong.Error() {
		t.Fatalf("unknown email: %v; wrong password: %v; want the same ErrBadCredentials", unknown, wrong)
	}
	tok, err := e.Access.Login(e.Ctx, "  "+strings.ToUpper(email)+" ", password, address())
	if err != nil || tok.PartyID != p.ID || tok.Role != auth.RoleBuyer || tok.AccessToken == "" {
		t.Fatalf("login: %+v %v", tok, err)
	}
	if _, err := e.Access.ClientToken(e.Ctx, "no-such-client", "secret", address()); !errors.Is(err, access.ErrBadCredentials) {
		t.Fatalf("unknown client: %v", err)
	}
}

func accountThrottle(t *testing.T, e *apptest.Env) {
	e.Throttle = policy
	_, email := user(t, e, party.Supplier)
	for i := 1; i <= policy.Failures; i++ {
		if _, err := e.Access.Login(e.Ctx, email, "wrong password", address()); !errors.Is(err, access.ErrBadCredentials) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	// Locked: the right password from a fresh address is refused too.
	_, err := e.Access.Login(e.Ctx, email, password, address())
	var th *access.ThrottledError
	if !errors.Is(err, access.ErrThrottled) || !errors.As(err, &th) || th.RetryAfter() != 60 {
		t.Fatalf("after %d failures: %v, want ErrThrottled retrying after 60 s", policy.Failures, err)
	}
	e.SetNow(e.Now().Add(59 * time.Second))
	if _, err := e.Access.Login(e.Ctx, email, password, address()); !errors.As(err, &th) || th.RetryAfter() != 1 {
		t.Fatalf("a second before the lock ends: %v", err)
	}
	e.SetNow(e.Now().Add(time.Second))
	if _, err := e.Access.Login(e.Ctx, email, "wrong password", address()); !errors.Is(err, access.ErrBadCredentials) {
		t.Fatalf("when the lock ends: %v", err)
	}
	// The fourth failure in the window locks for twice as long.
	if _, err := e.Access.Login(e.Ctx, email, password, address()); !errors.As(err, &th) || th.RetryAfter() != 120 {
		t.Fatalf("after another failure: %v, want 120 s", err)
	}
	e.SetNow(e.Now().Add(2 * time.Minute))
	if _, err := e.Access.Login(e.Ctx, email, password, address()); err != nil {
		t.Fatalf("after the lock: %v", err)
	}
	// A success forgets the account's failures: one more is not a lock.
	if _, err := e.Access.Login(e.Ctx, email, "wrong password", address()); !errors.Is(err, access.ErrBadCredentials) {
		t.Fatal(err)
	}
	if _, err := e.Access.Login(e.Ctx, email, password, address()); err != nil {
		t.Fatalf("one failure after a success locked the account: %v", err)
	}
	if n := e.Events(event.AuthLoginThrottled, "key", "account:"+email); n != 2 {
		t.Fatalf("%d login_throttled events for the account, want 2", n)
	}
}

func addressThrottle(t *testing.T, e *apptest.Env) {
	e.Throttle = policy
	addr := address()
	for i := 1; i <= policy.AddressFailures; i++ { // a new account each time: only the address adds up
		if _, err := e.Access.Login(e.Ctx, apptest.Email(), password, addr); !errors.Is(err, access.ErrBadCredentials) {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	_, email := user(t, e, party.Lender)
	if _, err := e.Access.Login(e.Ctx, email, password, addr); !errors.Is(err, access.ErrThrottled) {
		t.Fatalf("a right login from the locked address: %v", err)
	}
	if _, err := e.Access.Login(e.Ctx, email, password, address()); err != nil {
		t.Fatalf("the same login from another address: %v", err)
	}
	if n := e.Events(event.AuthLoginThrottled, "key", "address:"+addr); n != 1 {
		t.Fatalf("%d login_throttled events for the address, want 1", n)
	}
}

func clientThrottle(t *testing.T, e *apptest.Env) {
	e.Throttle = policy
	l := e.Party(party.Lender)
	c, err := e.Administration.CreateAPIClient(e.Ctx, as(l), l.ID, "tesoreria")
	if err != nil {
		t.Fatal(err)
	}
	for range policy.Failures {
		if _, err := e.Access.ClientToken(e.Ctx, c.ClientID, c.Secret+"x", address()); !errors.Is(err, access.ErrBadCredentials) {
			t.Fatalf("wrong secret: %v", err)
		}
	}
	if _, err := e.Access.ClientToken(e.Ctx, c.ClientID, c.Secret, address()); !errors.Is(err, access.ErrThrottled) {
		t.Fatalf("right secret while locked: %v", err)
	}
	if n := e.Events(event.AuthLoginThrottled, "key", "client:"+strings.ToLower(c.ClientID)); n != 1 {
		t.Fatalf("%d login_throttled events for the client, want 1", n)
	}
	e.SetNow(e.Now().Add(policy.Backoff))
	if tok, err := e.Access.ClientToken(e.Ctx, c.ClientID, c.Secret, address()); err != nil || tok.PartyID != l.ID {
		t.Fatalf("after the lock: %+v %v", tok, err)
	}
}

func deactivated(t *testing.T, e *apptest.Env) {
	op := e.Party(party.Operator)
	p, email := user(t, e, party.Supplier)
	c, err := e.Administration.CreateAPIClient(e.Ctx, as(op), p.ID, "erp")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Administration.DeactivateParty(e.Ctx, as(op), p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Access.Login(e.Ctx, email, password, address()); !errors.Is(err, app.ErrPartyInactive) {
		t.Fatalf("login of a deactivated party: %v", err)
	}
	if _, err := e.Access.Login(e.Ctx, email, "wrong password", address()); !errors.Is(err, access.ErrBadCredentials) {
		t.Fatalf("a wrong password must not learn the party is deactivated: %v", err)
	}
	if _, err := e.Access.ClientToken(e.Ctx, c.ClientID, c.Secret, address()); !errors.Is(err, app.ErrPartyInactive) {
		t.Fatalf("client token of a deactivated party: %v", err)
	}
	if _, err := e.Access.MintToken(e.Ctx, "op", p.ID, auth.RoleSupplier); !errors.Is(err, app.ErrPartyInactive) {
		t.Fatalf("minting for a deactivated party: %v", err)
	}
}

func mintToken(t *testing.T, e *apptest.Env) {
	b := e.Party(party.Buyer)
	var ve validation.Errors
	if _, err := e.Access.MintToken(e.Ctx, "op", b.ID, auth.RoleLender); !errors.As(err, &ve) || ve[0].Code != "role_mismatch" {
		t.Fatalf("a buyer's token as lender: %v", err)
	}
	if n := e.Events(event.PartyTokenMinted, "party_id", b.ID.String()); n != 0 {
		t.Fatalf("a refused mint recorded %d events", n)
	}
	tok, err := e.Access.MintToken(e.Ctx, "op", b.ID, auth.RoleBuyer)
	if err != nil || tok.AccessToken == "" || tok.Role != auth.RoleBuyer {
		t.Fatalf("mint: %+v %v", tok, err)
	}
	if n := e.Events(event.PartyTokenMinted, "party_id", b.ID.String()); n != 1 {
		t.Fatalf("%d token_minted events, want 1", n)
	}
	if n := e.Count("SELECT count(*) FROM outbox WHERE strpos(payload::text, $1) > 0", tok.AccessToken); n != 0 {
		t.Fatal("the token itself is in an event")
	}
}
