package administration_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/administration"
	"github.com/cadena-finance/cadena/internal/app/apptest"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/program"
	"github.com/cadena-finance/cadena/internal/validation"
)

// as is p acting in its own role.
var as = apptest.Actor

func TestAdministration(t *testing.T) {
	apptest.Shared(t, map[string]func(t *testing.T, e *apptest.Env){
		"only operators create parties, with the event in the same transaction": createParty,
		"another tenant's party or program is not found":                        tenantScoping,
		"programs belong to buyers; a buyer opens only its own":                 createProgram,
		"enrolling a supplier finds or creates it and is said once":             enrollSupplier,
		"enrolling a lender is the operator's, for lenders only":                enrollLender,
		"deactivation refuses self and changes a party once":                    deactivateParty,
		"an API client's secret is shown once and never stored":                 apiClientSecret,
		"users are the operator's, with a strong password and a unique email":   createUser,
	})
}

func createParty(t *testing.T, e *apptest.Env) {
	w := e.World()
	d := party.Draft{Kind: string(party.Supplier), LegalName: "Nuevo SA de CV", Country: "MX", TaxID: apptest.RFC()}
	for _, p := range []party.Party{w.Buyer, w.Supplier, w.Lender} {
		if _, err := e.Administration.CreateParty(e.Ctx, as(p), d); !errors.Is(err, app.ErrForbidden) {
			t.Fatalf("CreateParty as %s: %v, want ErrForbidden", p.Kind, err)
		}
	}
	p, err := e.Administration.CreateParty(e.Ctx, as(w.Operator), d)
	if err != nil {
		t.Fatal(err)
	}
	if n := e.Events(event.PartyCreated, "party_id", p.ID.String()); n != 1 {
		t.Fatalf("%d party.created events for the new party, want 1", n)
	}
	// A refused creation rolls its event back with it.
	if _, err := e.Administration.CreateParty(e.Ctx, as(w.Operator), d); !errors.Is(err, party.ErrDuplicate) {
		t.Fatalf("same kind and tax id again: %v, want ErrDuplicate", err)
	}
	if n := e.Events(event.PartyCreated, "tax_id", p.TaxID); n != 1 {
		t.Fatalf("%d party.created events for the tax id after a refused duplicate, want 1", n)
	}
}

func tenantScoping(t *testing.T, e *apptest.Env) {
	w, other := e.World(), e.World()
	if _, err := e.Administration.GetParty(e.Ctx, as(w.Buyer), other.Buyer.ID); !errors.Is(err, party.ErrNotFound) {
		t.Fatalf("another buyer's party: %v", err)
	}
	if p, err := e.Administration.GetParty(e.Ctx, as(w.Operator), other.Buyer.ID); err != nil || p.ID != other.Buyer.ID {
		t.Fatalf("operator reads any party: %v", err)
	}
	page, err := e.Administration.ListParties(e.Ctx, as(w.Lender), "", uuid.Nil, 50)
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != w.Lender.ID {
		t.Fatalf("a lender lists %d parties (%v), want only itself", len(page.Items), err)
	}
	for _, p := range []party.Party{w.Buyer, w.Supplier, w.Lender} {
		if _, err := e.Administration.GetProgram(e.Ctx, as(p), other.Program.ID); !errors.Is(err, program.ErrNotFound) {
			t.Fatalf("%s reads another buyer's program: %v", p.Kind, err)
		}
		if _, err := e.Administration.GetProgram(e.Ctx, as(p), w.Program.ID); err != nil {
			t.Fatalf("%s reads its own program: %v", p.Kind, err)
		}
	}
	if _, err := e.Administration.AddBankAccount(e.Ctx, as(w.Supplier), other.Supplier.ID,
		party.AccountDraft{Currency: "MXN", Scheme: "CLABE", Number: "002180002345678903"}); !errors.Is(err, party.ErrNotFound) {
		t.Fatalf("an account for another party: %v", err)
	}
	if _, err := e.Administration.EnrollSupplier(e.Ctx, as(w.Buyer), other.Program.ID, administration.SupplierInvite{TaxID: w.Supplier.TaxID}); !errors.Is(err, program.ErrNotFound) {
		t.Fatalf("enrolling into another buyer's program: %v", err)
	}
	if _, err := e.Administration.ListProgramSuppliers(e.Ctx, as(w.Buyer), other.Program.ID); !errors.Is(err, program.ErrNotFound) {
		t.Fatalf("another buyer's suppliers: %v", err)
	}
	if _, err := e.Administration.ListProgramSuppliers(e.Ctx, as(w.Supplier), w.Program.ID); !errors.Is(err, app.ErrForbidden) {
		t.Fatalf("a supplier lists its program's suppliers: %v", err)
	}
	// A lender sees its own line only; the buyer every line.
	_, lines, err := e.Administration.ProgramLenders(e.Ctx, as(w.Lender), w.Program.ID)
	if err != nil || len(lines) != 1 || lines[0].LenderID != w.Lender.ID {
		t.Fatalf("lender's lines %+v %v", lines, err)
	}
	if _, lines, err = e.Administration.ProgramLenders(e.Ctx, as(w.Buyer), w.Program.ID); err != nil || len(lines) != 2 {
		t.Fatalf("buyer's lines %+v %v", lines, err)
	}
	if _, err := e.Administration.PartyName(e.Ctx, as(w.Supplier), other.Buyer.ID); !errors.Is(err, party.ErrNotFound) {
		t.Fatalf("a supplier names a buyer it has no program with: %v", err)
	}
	if name, err := e.Administration.PartyName(e.Ctx, as(w.Supplier), w.Buyer.ID); err != nil || name != w.Buyer.LegalName {
		t.Fatalf("a supplier names its program's buyer: %q %v", name, err)
	}
}

func createProgram(t *testing.T, e *apptest.Env) {
	w, other := e.World(), e.World()
	p, err := e.Administration.CreateProgram(e.Ctx, as(w.Buyer), other.Buyer.ID, program.Draft{Name: "Propio"})
	if err != nil || p.BuyerID != w.Buyer.ID {
		t.Fatalf("a buyer naming another buyer opens %v for %s, want its own", err, p.BuyerID)
	}
	if _, err := e.Administration.CreateProgram(e.Ctx, as(w.Operator), w.Lender.ID, program.Draft{Name: "X"}); !errors.Is(err, program.ErrNotABuyer) {
		t.Fatalf("a program for a lender: %v", err)
	}
	for _, a := range []party.Party{w.Supplier, w.Lender} {
		if _, err := e.Administration.CreateProgram(e.Ctx, as(a), w.Buyer.ID, program.Draft{Name: "Y"}); !errors.Is(err, app.ErrForbidden) {
			t.Fatalf("%s opens a program: %v", a.Kind, err)
		}
	}
	if _, err := e.Administration.CreateProgram(e.Ctx, as(w.Buyer), uuid.Nil, program.Draft{Name: "Propio"}); !errors.Is(err, program.ErrDuplicateName) {
		t.Fatalf("same name twice: %v", err)
	}
	if n := e.Events(event.ProgramCreated, "buyer_id", w.Buyer.ID.String()); n != 2 {
		t.Fatalf("%d program.created events for the buyer, want 2 (the world's and its own)", n)
	}
}

func enrollSupplier(t *testing.T, e *apptest.Env) {
	w, other := e.World(), e.World()
	rfc := apptest.RFC()
	var ve validation.Errors
	if _, err := e.Administration.EnrollSupplier(e.Ctx, as(w.Buyer), w.Program.ID, administration.SupplierInvite{TaxID: rfc}); !errors.As(err, &ve) || ve[0].Field != "legal_name" {
		t.Fatalf("a new supplier without a legal name: %v", err)
	}
	en, err := e.Administration.EnrollSupplier(e.Ctx, as(w.Buyer), w.Program.ID, administration.SupplierInvite{TaxID: strings.ToLower(rfc), LegalName: "Nuevo"})
	if err != nil || !en.Created || en.Supplier.TaxID != rfc {
		t.Fatalf("new supplier: %+v %v", en, err)
	}
	// The same tax id in another program is the same party, not a new one.
	again, err := e.Administration.EnrollSupplier(e.Ctx, as(other.Buyer), other.Program.ID, administration.SupplierInvite{TaxID: rfc})
	if err != nil || again.Created || again.Supplier.ID != en.Supplier.ID {
		t.Fatalf("known supplier: %+v %v", again, err)
	}
	if _, err := e.Administration.EnrollSupplier(e.Ctx, as(w.Buyer), w.Program.ID, administration.SupplierInvite{TaxID: rfc}); !errors.Is(err, program.ErrAlreadyEnrolled) {
		t.Fatalf("enrolled twice: %v", err)
	}
	if n := e.Events(event.PartyCreated, "party_id", en.Supplier.ID.String()); n != 1 {
		t.Fatalf("%d party.created for the supplier, want 1", n)
	}
	if n := e.Events(event.ProgramSupplierEnrolled, "supplier_id", en.Supplier.ID.String()); n != 2 {
		t.Fatalf("%d supplier_enrolled events, want 2 (two programs; the refused one rolled back)", n)
	}
	for _, a := range []party.Party{w.Supplier, w.Lender} {
		if _, err := e.Administration.EnrollSupplier(e.Ctx, as(a), w.Program.ID, administration.SupplierInvite{TaxID: rfc}); !errors.Is(err, app.ErrForbidden) {
			t.Fatalf("%s enrolls a supplier: %v", a.Kind, err)
		}
	}
}

func enrollLender(t *testing.T, e *apptest.Env) {
	w := e.World()
	l := e.Party(party.Lender)
	if _, err := e.Administration.EnrollLender(e.Ctx, as(w.Buyer), w.Program.ID, l.ID, "1000.00"); !errors.Is(err, app.ErrForbidden) {
		t.Fatalf("a buyer enrolls a lender: %v", err)
	}
	if _, err := e.Administration.EnrollLender(e.Ctx, as(w.Operator), w.Program.ID, w.Supplier.ID, "1000.00"); !errors.Is(err, program.ErrNotALender) {
		t.Fatalf("a supplier as lender: %v", err)
	}
	var ve validation.Errors
	if _, err := e.Administration.EnrollLender(e.Ctx, as(w.Operator), w.Program.ID, uuid.New(), "1000.00"); !errors.As(err, &ve) {
		t.Fatalf("an unknown lender: %v", err)
	}
	if _, err := e.Administration.EnrollLender(e.Ctx, as(w.Operator), w.Program.ID, l.ID, "10.001"); err == nil {
		t.Fatal("a limit with three decimals in MXN was accepted")
	}
	got, err := e.Administration.EnrollLender(e.Ctx, as(w.Operator), w.Program.ID, l.ID, "250000.50")
	if err != nil || got.CreditLimit.String() != "250000.5" || !got.Exposure.IsZero() {
		t.Fatalf("enrol: %+v %v", got, err)
	}
	if _, err := e.Administration.EnrollLender(e.Ctx, as(w.Operator), w.Program.ID, l.ID, "1.00"); !errors.Is(err, program.ErrAlreadyEnrolled) {
		t.Fatalf("enrolled twice: %v", err)
	}
	if n := e.Events(event.ProgramLenderEnrolled, "lender_id", l.ID.String()); n != 1 {
		t.Fatalf("%d lender_enrolled events, want 1", n)
	}
	if n := e.Count("SELECT count(*) FROM outbox WHERE subject = $1 AND payload->'data'->>'lender_id' = $2 AND payload->'data'->>'credit_limit' = '250000.50'",
		event.ProgramLenderEnrolled, l.ID.String()); n != 1 {
		t.Fatal("the event does not carry the limit as a two-decimal string")
	}
}

func deactivateParty(t *testing.T, e *apptest.Env) {
	w := e.World()
	if _, err := e.Administration.DeactivateParty(e.Ctx, as(w.Operator), w.Operator.ID); !errors.Is(err, party.ErrSelfDeactivation) {
		t.Fatalf("self-deactivation: %v", err)
	}
	if _, err := e.Administration.DeactivateParty(e.Ctx, as(w.Buyer), w.Supplier.ID); !errors.Is(err, app.ErrForbidden) {
		t.Fatalf("a buyer deactivates: %v", err)
	}
	if err := e.CheckActor(e.Ctx, as(w.Supplier)); err != nil {
		t.Fatalf("active supplier: %v", err)
	}
	for range 2 {
		p, err := e.Administration.DeactivateParty(e.Ctx, as(w.Operator), w.Supplier.ID)
		if err != nil || p.Active() {
			t.Fatalf("deactivate: %+v %v", p, err)
		}
	}
	if n := e.Events(event.PartyDeactivated, "party_id", w.Supplier.ID.String()); n != 1 {
		t.Fatalf("%d party.deactivated events after deactivating twice, want 1", n)
	}
	// The replica that deactivates refuses at once, its cache notwithstanding.
	if err := e.CheckActor(e.Ctx, as(w.Supplier)); !errors.Is(err, app.ErrPartyInactive) {
		t.Fatalf("deactivated supplier acts: %v", err)
	}
	if err := e.CheckActor(e.Ctx, app.Actor{PartyID: w.Buyer.ID, Role: "lender"}); !errors.Is(err, app.ErrActorMismatch) {
		t.Fatalf("a buyer as lender: %v", err)
	}
}

func apiClientSecret(t *testing.T, e *apptest.Env) {
	w, other := e.World(), e.World()
	if _, err := e.Administration.CreateAPIClient(e.Ctx, as(w.Lender), other.Lender.ID, "erp"); !errors.Is(err, party.ErrNotFound) {
		t.Fatalf("a client for another party: %v", err)
	}
	var ve validation.Errors
	if _, err := e.Administration.CreateAPIClient(e.Ctx, as(w.Lender), w.Lender.ID, "  "); !errors.As(err, &ve) {
		t.Fatalf("a nameless client: %v", err)
	}
	c, err := e.Administration.CreateAPIClient(e.Ctx, as(w.Lender), w.Lender.ID, "tesoreria")
	if err != nil || c.Secret == "" || c.Role != party.Lender {
		t.Fatalf("client: %+v %v", c, err)
	}
	if strings.Contains(c.SecretHash, c.Secret) {
		t.Fatal("the stored hash contains the secret")
	}
	if n := e.Count("SELECT count(*) FROM api_clients WHERE client_id = $1 AND strpos(secret_hash, $2) = 0", c.ClientID, c.Secret); n != 1 {
		t.Fatal("the secret is stored")
	}
	if n := e.Count("SELECT count(*) FROM outbox WHERE strpos(payload::text, $1) > 0", c.Secret); n != 0 {
		t.Fatal("an event carries the secret")
	}
	if n := e.Events(event.PartyAPIClientCreated, "credential_id", c.ID.String()); n != 1 {
		t.Fatalf("%d api_client_created events, want 1", n)
	}
	tok, err := e.Access.ClientToken(e.Ctx, c.ClientID, c.Secret, "")
	if err != nil || tok.PartyID != w.Lender.ID || tok.Role != "lender" {
		t.Fatalf("the shown secret does not work: %+v %v", tok, err)
	}
}

func createUser(t *testing.T, e *apptest.Env) {
	w := e.World()
	email := apptest.Email()
	if _, err := e.Administration.CreateUser(e.Ctx, as(w.Buyer), w.Buyer.ID, email, "correct horse battery"); !errors.Is(err, app.ErrForbidden) {
		t.Fatalf("a buyer creates a user: %v", err)
	}
	var ve validation.Errors
	if _, err := e.Administration.CreateUser(e.Ctx, as(w.Operator), w.Buyer.ID, email, "short"); !errors.As(err, &ve) || ve[0].Code != "weak_password" {
		t.Fatalf("weak password: %v", err)
	}
	u, err := e.Administration.CreateUser(e.Ctx, as(w.Operator), w.Buyer.ID, strings.ToUpper(email), "correct horse battery")
	if err != nil || u.Role != party.Buyer || u.Email != email {
		t.Fatalf("user: %+v %v (the role is the party's kind, the email normalised)", u, err)
	}
	if _, err := e.Administration.CreateUser(e.Ctx, as(w.Operator), w.Lender.ID, email, "correct horse battery"); !errors.Is(err, party.ErrEmailTaken) {
		t.Fatalf("the same email again: %v", err)
	}
	if _, err := e.Administration.CreateUser(e.Ctx, as(w.Operator), uuid.New(), apptest.Email(), "correct horse battery"); !errors.Is(err, party.ErrNotFound) {
		t.Fatalf("a user of no party: %v", err)
	}
}
