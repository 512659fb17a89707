package administration

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/party/partydb"
	"github.com/cadena-finance/cadena/internal/program"
	"github.com/cadena-finance/cadena/internal/program/programdb"
	"github.com/cadena-finance/cadena/internal/validation"
)

// ProgramEvent is the payload of cadena.program.created.
type ProgramEvent struct {
	ProgramID      uuid.UUID `json:"program_id"`
	BuyerID        uuid.UUID `json:"buyer_id"`
	Name           string    `json:"name"`
	Currency       string    `json:"currency"`
	ReferenceIndex string    `json:"reference_index"`
	MaxSpreadBps   int       `json:"max_spread_bps"`
}

// CreateProgram opens a program for a buyer: an operator names the buyer, a
// buyer opens its own.
func (a *App) CreateProgram(ctx context.Context, act app.Actor, buyerID uuid.UUID, d program.Draft) (program.Program, error) {
	switch {
	case act.Is(auth.RoleBuyer):
		buyerID = act.PartyID
	case !act.Is(auth.RoleOperator):
		return program.Program{}, app.ErrForbidden
	case buyerID == uuid.Nil:
		return program.Program{}, validation.Errors{{Field: "buyer_id", Code: "required", Message: "buyer_id is required"}}
	}
	var p program.Program
	err := a.InTx(ctx, func(tx pgx.Tx) error {
		buyer, err := partydb.Get(ctx, tx, buyerID)
		if errors.Is(err, party.ErrNotFound) {
			return validation.Errors{{Field: "buyer_id", Code: "not_found", Message: "no such buyer"}}
		}
		if err != nil {
			return err
		}
		if buyer.Kind != party.Buyer {
			return program.ErrNotABuyer
		}
		if p, err = program.New(buyer.ID, buyer.Country, d, a.PlatformMaxBps, a.Clock()); err != nil {
			return err
		}
		if err := programdb.Insert(ctx, tx, p); err != nil {
			return err
		}
		return a.Emit(ctx, tx, event.ProgramCreated, ProgramEvent{ProgramID: p.ID, BuyerID: p.BuyerID, Name: p.Name,
			Currency: string(p.Currency), ReferenceIndex: p.ReferenceIndex, MaxSpreadBps: p.MaxSpreadBps})
	})
	return p, err
}

// GetProgram loads a program the caller may see.
func (a *App) GetProgram(ctx context.Context, act app.Actor, id uuid.UUID) (program.Program, error) {
	return programdb.Get(ctx, a.Pool, app.ProgramViewer(act), id)
}

// ListPrograms pages through the programs the caller may see.
func (a *App) ListPrograms(ctx context.Context, act app.Actor, cursor uuid.UUID, limit int) (app.Page[program.Program], error) {
	items, err := programdb.List(ctx, a.Pool, app.ProgramViewer(act), cursor, limit)
	return app.PageOf(items, limit, func(p program.Program) uuid.UUID { return p.ID }), err
}

// ownProgram loads a program the caller administers: operators any, buyers their own.
func (a *App) ownProgram(ctx context.Context, q pgx.Tx, act app.Actor, id uuid.UUID) (program.Program, error) {
	if !act.Is(auth.RoleOperator, auth.RoleBuyer) {
		return program.Program{}, app.ErrForbidden
	}
	return programdb.Get(ctx, q, app.ProgramViewer(act), id)
}

// SupplierInvite enrolls a supplier by tax id; the party is created if new.
type SupplierInvite struct {
	TaxID     string
	Country   string // defaults to the buyer's
	LegalName string // needed only when the supplier is new
}

// Enrollment is the result of enrolling a supplier.
type Enrollment struct {
	Supplier party.Party
	Created  bool // the supplier party was new
	program.SupplierEnrollment
}

// EnrollmentEvent is the payload of cadena.program.supplier_enrolled.
type EnrollmentEvent struct {
	ProgramID  uuid.UUID `json:"program_id"`
	BuyerID    uuid.UUID `json:"buyer_id"`
	SupplierID uuid.UUID `json:"supplier_id"`
	TaxID      string    `json:"tax_id"`
}

// EnrollSupplier invites a supplier into a program of the caller's (buyer) or any (operator).
func (a *App) EnrollSupplier(ctx context.Context, act app.Actor, programID uuid.UUID, in SupplierInvite) (Enrollment, error) {
	var out Enrollment
	err := a.InTx(ctx, func(tx pgx.Tx) error {
		out = Enrollment{}
		p, err := a.ownProgram(ctx, tx, act, programID)
		if err != nil {
			return err
		}
		buyer, err := partydb.Get(ctx, tx, p.BuyerID)
		if err != nil {
			return err
		}
		country := in.Country
		if country == "" {
			country = buyer.Country
		}
		// Validate through the same rule as any new party, so the tax id is normalised before lookup.
		draft, err := party.New(party.Draft{Kind: string(party.Supplier), LegalName: nonEmpty(in.LegalName, "-"), Country: country, TaxID: in.TaxID}, a.Clock())
		if err != nil {
			return err
		}
		s, err := partydb.FindByTaxID(ctx, tx, party.Supplier, draft.Country, draft.TaxID)
		switch {
		case errors.Is(err, party.ErrNotFound):
			if in.LegalName == "" {
				return validation.Errors{{Field: "legal_name", Code: "required", Message: "the supplier is new to the platform: legal_name is required"}}
			}
			s, out.Created = draft, true
			if err := partydb.Insert(ctx, tx, s); err != nil {
				return err
			}
			if err := a.Emit(ctx, tx, event.PartyCreated, partyEvent(s)); err != nil {
				return err
			}
		case err != nil:
			return err
		}
		out.Supplier = s
		out.SupplierEnrollment = program.SupplierEnrollment{ProgramID: p.ID, SupplierID: s.ID, EnrolledAt: a.Clock()}
		if err := programdb.EnrollSupplier(ctx, tx, out.SupplierEnrollment); err != nil {
			return err
		}
		return a.Emit(ctx, tx, event.ProgramSupplierEnrolled, EnrollmentEvent{ProgramID: p.ID, BuyerID: p.BuyerID, SupplierID: s.ID, TaxID: s.TaxID})
	})
	return out, err
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// ListProgramSuppliers lists a program's suppliers (operators, or the owning buyer).
func (a *App) ListProgramSuppliers(ctx context.Context, act app.Actor, programID uuid.UUID) ([]program.EnrolledSupplier, error) {
	var rows []program.EnrolledSupplier
	err := a.InTx(ctx, func(tx pgx.Tx) error {
		if _, err := a.ownProgram(ctx, tx, act, programID); err != nil {
			return err
		}
		var err error
		rows, err = programdb.ListSuppliers(ctx, tx, programID)
		return err
	})
	return rows, err
}

// LenderEvent is the payload of cadena.program.lender_enrolled.
type LenderEvent struct {
	ProgramID   uuid.UUID `json:"program_id"`
	LenderID    uuid.UUID `json:"lender_id"`
	CreditLimit string    `json:"credit_limit"`
	Currency    string    `json:"currency"`
}

// EnrollLender admits a lender with a credit limit on the program's buyer (operators only).
func (a *App) EnrollLender(ctx context.Context, act app.Actor, programID, lenderID uuid.UUID, limit string) (program.LenderLimit, error) {
	if !act.Is(auth.RoleOperator) {
		return program.LenderLimit{}, app.ErrForbidden
	}
	var l program.LenderLimit
	err := a.InTx(ctx, func(tx pgx.Tx) error {
		p, err := programdb.Get(ctx, tx, app.ProgramViewer(act), programID)
		if err != nil {
			return err
		}
		lender, err := partydb.Get(ctx, tx, lenderID)
		if errors.Is(err, party.ErrNotFound) {
			return validation.Errors{{Field: "lender_id", Code: "not_found", Message: "no such lender"}}
		}
		if err != nil {
			return err
		}
		if lender.Kind != party.Lender {
			return program.ErrNotALender
		}
		amount, err := program.ParseLimit(limit, p.Currency)
		if err != nil {
			return err
		}
		l = program.LenderLimit{ProgramID: p.ID, LenderID: lender.ID, CreditLimit: amount, Exposure: decimal.Zero, EnrolledAt: a.Clock()}
		if err := programdb.EnrollLender(ctx, tx, l); err != nil {
			return err
		}
		return a.Emit(ctx, tx, event.ProgramLenderEnrolled, LenderEvent{ProgramID: p.ID, LenderID: lender.ID,
			CreditLimit: money.Format(amount, p.Currency), Currency: string(p.Currency)})
	})
	if err == nil && a.LenderNATS != nil {
		// The lender's consumer delivers from the start of the stream, so
		// creating it late loses nothing; issuing credentials ensures it again.
		// A failure here must not undo the committed enrolment.
		_ = a.LenderNATS.EnsureLender(ctx, lenderID.String())
	}
	return l, err
}

// ProgramLenders lists a program's lenders with limits: operators and the
// owning buyer see all, a lender only its own line.
func (a *App) ProgramLenders(ctx context.Context, act app.Actor, programID uuid.UUID) (program.Program, []program.LenderLimit, error) {
	p, err := programdb.Get(ctx, a.Pool, app.ProgramViewer(act), programID)
	if err != nil {
		return p, nil, err
	}
	var only *uuid.UUID
	switch {
	case act.Is(auth.RoleLender):
		only = &act.PartyID
	case !act.Is(auth.RoleOperator, auth.RoleBuyer):
		return p, nil, app.ErrForbidden
	}
	ls, err := programdb.ListLenders(ctx, a.Pool, programID, only)
	return p, ls, err
}
