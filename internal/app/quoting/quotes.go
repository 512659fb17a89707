package quoting

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/offer/offerdb"
	"github.com/cadena-finance/cadena/internal/platform/db"
	"github.com/cadena-finance/cadena/internal/program"
	"github.com/cadena-finance/cadena/internal/program/programdb"
	"github.com/cadena-finance/cadena/internal/refrate"
)

// StandingEvent is the payload of cadena.offer.standing_changed.
type StandingEvent struct {
	ProgramID uuid.UUID      `json:"program_id"`
	LenderID  uuid.UUID      `json:"lender_id"`
	Status    string         `json:"status"` // active, paused or withdrawn
	Buckets   []offer.Bucket `json:"buckets"`
}

// lenderProgram loads a program the caller (a lender) is enrolled in.
func (a *App) lenderProgram(ctx context.Context, q db.Querier, act app.Actor, programID uuid.UUID) (program.Program, error) {
	if !act.Is(auth.RoleLender) {
		return program.Program{}, app.ErrForbidden
	}
	return programdb.Get(ctx, q, app.ProgramViewer(act), programID)
}

// PutStandingOffer sets the caller's (a lender's) spreads by tenor bucket in
// a program it is enrolled in; spreads above the program cap are refused.
func (a *App) PutStandingOffer(ctx context.Context, act app.Actor, programID uuid.UUID, buckets []offer.Bucket, from, until time.Time) (offer.Standing, error) {
	var s offer.Standing
	err := a.InTx(ctx, func(tx pgx.Tx) error {
		p, err := a.lenderProgram(ctx, tx, act, programID)
		if err != nil {
			return err
		}
		if s, err = offer.NewStanding(p.ID, act.PartyID, buckets, from, until, p.MaxSpreadBps, a.Clock()); err != nil {
			return err
		}
		if err := offerdb.PutStanding(ctx, tx, s); err != nil {
			return err
		}
		return a.Emit(ctx, tx, event.StandingOfferChanged, StandingEvent{ProgramID: p.ID, LenderID: act.PartyID, Status: s.Status, Buckets: s.Buckets})
	})
	return s, err
}

// GetStandingOffer returns the caller's standing offer in a program.
func (a *App) GetStandingOffer(ctx context.Context, act app.Actor, programID uuid.UUID) (offer.Standing, error) {
	if _, err := a.lenderProgram(ctx, a.Pool, act, programID); err != nil {
		return offer.Standing{}, err
	}
	return offerdb.GetStanding(ctx, a.Pool, programID, act.PartyID)
}

// SetStandingOfferStatus pauses (active=false) or resumes the caller's standing offer.
func (a *App) SetStandingOfferStatus(ctx context.Context, act app.Actor, programID uuid.UUID, active bool) (offer.Standing, error) {
	status := offer.Paused
	if active {
		status = offer.Active
	}
	var s offer.Standing
	err := a.InTx(ctx, func(tx pgx.Tx) error {
		p, err := a.lenderProgram(ctx, tx, act, programID)
		if err != nil {
			return err
		}
		if s, err = offerdb.SetStandingStatus(ctx, tx, p.ID, act.PartyID, status, a.Clock()); err != nil {
			return err
		}
		return a.Emit(ctx, tx, event.StandingOfferChanged, StandingEvent{ProgramID: p.ID, LenderID: act.PartyID, Status: s.Status, Buckets: s.Buckets})
	})
	return s, err
}

// WithdrawStandingOffer deletes the caller's standing offer; open quotes stay valid until they expire.
func (a *App) WithdrawStandingOffer(ctx context.Context, act app.Actor, programID uuid.UUID) error {
	return a.InTx(ctx, func(tx pgx.Tx) error {
		p, err := a.lenderProgram(ctx, tx, act, programID)
		if err != nil {
			return err
		}
		if err := offerdb.DeleteStanding(ctx, tx, p.ID, act.PartyID); err != nil {
			return err
		}
		return a.Emit(ctx, tx, event.StandingOfferChanged, StandingEvent{ProgramID: p.ID, LenderID: act.PartyID, Status: "withdrawn", Buckets: []offer.Bucket{}})
	})
}

// spreads are a standing offer's spreads for invoices of these tenors
// totalling face, or why it cannot quote them (an Unavailable reason).
func spreads(l offerdb.QuotingLender, face decimal.Decimal, days []int) ([]int, string) {
	if l.Available.LessThan(face) {
		return nil, "limit_exceeded"
	}
	out := make([]int, len(days))
	for i, d := range days {
		s, ok := l.SpreadFor(d)
		if !ok {
			return nil, "no_bucket"
		}
		out[i] = s
	}
	return out, ""
}

// Unavailable is a lender with a standing offer that could not quote, and why.
type Unavailable struct {
	LenderID uuid.UUID
	Reason   string // limit_exceeded, no_bucket, above_cap, pricing_refused
}

// QuoteResult is every lender's priced offer, best net proceeds first.
type QuoteResult struct {
	Offers      []offer.Offer
	Unavailable []Unavailable
	Fixing      refrate.Rate
}

// Quote prices the caller's (a supplier's) eligible invoices with every
// standing offer that can take them, stores each as an open offer that
// expires after offer.QuoteTTL or at the funding cut-off, whichever is first.
func (a *App) Quote(ctx context.Context, act app.Actor, ids []uuid.UUID) (QuoteResult, error) {
	if !act.Is(auth.RoleSupplier) {
		return QuoteResult{}, app.ErrForbidden
	}
	// Reads go through the pool: a quote locks nothing, and only its offers are written.
	var out QuoteResult
	b, err := a.LoadBasket(ctx, a.Pool, act, ids, false, invoice.Published)
	if err != nil {
		return out, err
	}
	now := a.Clock()
	lenders, err := offerdb.QuotingLenders(ctx, a.Pool, b.Program.ID, now)
	if err != nil {
		return out, err
	}
	expires := offer.Expiry(now, offer.QuoteTTL, b.Cutoff)
	for _, l := range lenders {
		sp, why := spreads(l, b.Face, b.Days)
		if why != "" {
			out.Unavailable = append(out.Unavailable, Unavailable{LenderID: l.LenderID, Reason: why})
			continue
		}
		o, err := b.Price(l.LenderID, sp, offer.SourceQuote, nil, expires, now)
		if err != nil {
			out.Unavailable = append(out.Unavailable, Unavailable{LenderID: l.LenderID, Reason: "pricing_refused"})
			continue
		}
		out.Offers = append(out.Offers, o)
	}
	if len(out.Offers) == 0 {
		return out, offer.ErrNoQuotes
	}
	offer.SortByNet(out.Offers)
	out.Fixing = b.Fix
	// One round trip: BEGIN, the inserts and COMMIT.
	err = a.Tx().InTrips(ctx, func(ctx context.Context, _ *db.Trips) (*db.Batch, error) {
		w := &db.Batch{}
		if err := offerdb.AsyncCommit(ctx, w); err != nil {
			return nil, err
		}
		if _, err := w.Exec(ctx, db.GenericPlans); err != nil { // inserts from arrays: planned once
			return nil, err
		}
		return w, offerdb.InsertOffers(ctx, w, out.Offers)
	})
	return out, err
}

// GetOffer loads an offer the caller may see (its supplier, lender, buyer; operators).
func (a *App) GetOffer(ctx context.Context, act app.Actor, id uuid.UUID) (offer.Offer, error) {
	return offerdb.Get(ctx, a.Pool, app.OfferViewer(act), id)
}

// ListOffers pages through the offers the caller may see.
func (a *App) ListOffers(ctx context.Context, act app.Actor, status string, cursor uuid.UUID, limit int) (app.Page[offer.Offer], error) {
	items, err := offerdb.List(ctx, a.Pool, app.OfferViewer(act), status, cursor, limit)
	return app.PageOf(items, limit, func(o offer.Offer) uuid.UUID { return o.ID }), err
}
