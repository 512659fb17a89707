package app

import (
	"context"

	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/program"
)

// DemoPassword is the password of every demo user; the demo is for local use only.
const DemoPassword = "cadena-demo-2026"

// DemoParty is one seeded party with its login.
type DemoParty struct {
	Party party.Party
	Email string
}

// Demo is what SeedDemo loaded.
type Demo struct {
	Operator, Buyer    DemoParty
	Suppliers, Lenders []DemoParty
	Program            program.Program
}

type demoSpec struct {
	kind         party.Kind
	name, rfc    string
	email, clabe string
}

var demoParties = []demoSpec{
	{party.Operator, "Cadena Operaciones SAPI de CV", "CAD250101GGA", "operador@cadena.demo", ""},
	{party.Buyer, "Abarrotes del Bajío SA de CV", "ABA010203BB4", "tesoreria@abarrotes.demo", "012180001234567899"},
	{party.Supplier, "Tostadora del Sur SA de CV", "TSE150505CC4", "cobranza@tostadora.demo", "002180002345678903"},
	{party.Supplier, "Empaques y Papel SA de CV", "MPA180808DD4", "cobranza@empaques.demo", "014180003456789011"},
	{party.Lender, "Banco del Norte SA", "BNO900101EEA", "factoraje@banconorte.demo", "072180004567890128"},
	{party.Lender, "Financiera Mexicana SA de CV SOFOM", "FMX950615FF7", "fondeo@finmex.demo", "021180005678901231"},
}

// SeedDemo loads the demo through the same use cases an operator would call.
// It does nothing if the demo buyer exists already.
func (a *App) SeedDemo(ctx context.Context) (Demo, bool, error) {
	var d Demo
	if _, err := a.ResolveParty(ctx, "ABA010203BB4", party.Buyer); err == nil {
		return d, false, nil
	}
	for _, s := range demoParties {
		var p party.Party
		var err error
		if s.kind == party.Operator {
			p, _, err = a.Bootstrap(ctx, party.Draft{LegalName: s.name, Country: "MX", TaxID: s.rfc})
		} else {
			p, err = a.CreateParty(ctx, System, party.Draft{Kind: string(s.kind), LegalName: s.name, Country: "MX", TaxID: s.rfc})
		}
		if err != nil {
			return d, false, err
		}
		if s.clabe != "" {
			if _, err := a.AddBankAccount(ctx, System, p.ID, party.AccountDraft{Currency: "MXN", Scheme: "CLABE", Number: s.clabe}); err != nil {
				return d, false, err
			}
		}
		if _, err := a.CreateUser(ctx, System, p.ID, s.email, DemoPassword); err != nil {
			return d, false, err
		}
		dp := DemoParty{Party: p, Email: s.email}
		switch s.kind {
		case party.Operator:
			d.Operator = dp
		case party.Buyer:
			d.Buyer = dp
		case party.Supplier:
			d.Suppliers = append(d.Suppliers, dp)
		case party.Lender:
			d.Lenders = append(d.Lenders, dp)
		}
	}
	prog, err := a.CreateProgram(ctx, System, d.Buyer.Party.ID, program.Draft{Name: "Cadena Abarrotes MXN", MaxInvoiceAmount: "5000000.00"})
	if err != nil {
		return d, false, err
	}
	d.Program = prog
	for _, s := range d.Suppliers {
		if _, err := a.EnrollSupplier(ctx, System, prog.ID, SupplierInvite{TaxID: s.Party.TaxID}); err != nil {
			return d, false, err
		}
	}
	for i, l := range d.Lenders {
		limit := []string{"50000000.00", "25000000.00"}[i]
		if _, err := a.EnrollLender(ctx, System, prog.ID, l.Party.ID, limit); err != nil {
			return d, false, err
		}
	}
	return d, true, nil
}
