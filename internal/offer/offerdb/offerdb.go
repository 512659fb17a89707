// Package offerdb is the only place with SQL for standing offers, offers,
// auctions and bids.
package offerdb

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/platform/db"
)

// PutStanding creates or replaces a lender's standing offer in a program.
func PutStanding(ctx context.Context, q db.Querier, s offer.Standing) error {
	b, err := json.Marshal(s.Buckets)
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, `INSERT INTO standing_offers (program_id, lender_id, status, buckets, valid_from, valid_until, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (program_id, lender_id) DO UPDATE SET status = EXCLUDED.status,
		buckets = EXCLUDED.buckets, valid_from = EXCLUDED.valid_from, valid_until = EXCLUDED.valid_until, updated_at = EXCLUDED.updated_at`,
		s.ProgramID, s.LenderID, s.Status, b, s.ValidFrom, s.ValidUntil, s.UpdatedAt)
	return err
}

const standingCols = `program_id, lender_id, status, buckets, valid_from, valid_until, updated_at`

func scanStanding(r pgx.Row) (offer.Standing, error) {
	var s offer.Standing
	var raw []byte
	err := r.Scan(&s.ProgramID, &s.LenderID, &s.Status, &raw, &s.ValidFrom, &s.ValidUntil, &s.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return s, offer.ErrNoStandingOffer
	}
	if err != nil {
		return s, err
	}
	return s, json.Unmarshal(raw, &s.Buckets)
}

// GetStanding loads one standing offer.
func GetStanding(ctx context.Context, q db.Querier, programID, lenderID uuid.UUID) (offer.Standing, error) {
	return scanStanding(q.QueryRow(ctx, "SELECT "+standingCols+" FROM standing_offers WHERE program_id = $1 AND lender_id = $2", programID, lenderID))
}

// SetStandingStatus pauses or resumes a standing offer.
func SetStandingStatus(ctx context.Context, q db.Querier, programID, lenderID uuid.UUID, status string, at time.Time) (offer.Standing, error) {
	return scanStanding(q.QueryRow(ctx, `UPDATE standing_offers SET status = $3, updated_at = $4 WHERE program_id = $1 AND lender_id = $2
		RETURNING `+standingCols, programID, lenderID, status, at))
}

// DeleteStanding withdraws a standing offer.
func DeleteStanding(ctx context.Context, q db.Querier, programID, lenderID uuid.UUID) error {
	tag, err := q.Exec(ctx, "DELETE FROM standing_offers WHERE program_id = $1 AND lender_id = $2", programID, lenderID)
	if err == nil && tag.RowsAffected() == 0 {
		return offer.ErrNoStandingOffer
	}
	return err
}

// QuotingLender is a standing offer with its lender's available limit.
type QuotingLender struct {
	offer.Standing
	Available decimal.Decimal
}

// QuotingLenders returns the program's standing offers quotable at now, with
// each lender's available limit.
func QuotingLenders(ctx context.Context, q db.Querier, programID uuid.UUID, now time.Time) ([]QuotingLender, error) {
	rows, err := q.Query(ctx, `SELECT s.program_id, s.lender_id, s.status, s.buckets, s.valid_from, s.valid_until, s.updated_at,
		l.credit_limit - l.exposure FROM standing_offers s JOIN program_lenders l USING (program_id, lender_id)
		WHERE s.program_id = $1 AND s.status = 'active' AND s.valid_from <= $2 AND s.valid_until > $2 ORDER BY s.lender_id`, programID, now)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (QuotingLender, error) {
		var l QuotingLender
		var raw []byte
		if err := r.Scan(&l.ProgramID, &l.LenderID, &l.Status, &raw, &l.ValidFrom, &l.ValidUntil, &l.UpdatedAt, &l.Available); err != nil {
			return l, err
		}
		return l, json.Unmarshal(raw, &l.Buckets)
	})
}

// InsertOffers stores offers with their lines: one statement an offer and
// one for all the lines, queued in one round trip when q is a db.Batch.
func InsertOffers(ctx context.Context, q db.Execer, offers []offer.Offer) error {
	for _, o := range offers {
		if _, err := q.Exec(ctx, `INSERT INTO offers (id, source, auction_id, program_id, lender_id, supplier_id, buyer_id, currency, spread_bps,
			reference_index, reference_date, reference_rate, value_date, face, discount, net, status, expires_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19)`,
			o.ID, o.Source, o.AuctionID, o.ProgramID, o.LenderID, o.SupplierID, o.BuyerID, string(o.Currency), o.SpreadBps,
			o.ReferenceIndex, o.ReferenceDate, o.ReferenceRate, o.ValueDate, o.Face, o.Discount, o.Net, o.Status, o.ExpiresAt, o.CreatedAt); err != nil {
			return err
		}
	}
	var n int
	for _, o := range offers {
		n += len(o.Lines)
	}
	ids, inv := make([]uuid.UUID, 0, n), make([]uuid.UUID, 0, n)
	face, disc, net := make([]decimal.Decimal, 0, n), make([]decimal.Decimal, 0, n), make([]decimal.Decimal, 0, n)
	due, mat, days := make([]time.Time, 0, n), make([]time.Time, 0, n), make([]int32, 0, n)
	spread, allIn, eff := make([]int32, 0, n), make([]decimal.Decimal, 0, n), make([]decimal.Decimal, 0, n)
	for _, o := range offers {
		for _, l := range o.Lines {
			ids, inv = append(ids, o.ID), append(inv, l.InvoiceID)
			face, disc, net = append(face, l.Face), append(disc, l.Discount), append(net, l.Net)
			due, mat, days = append(due, l.DueDate), append(mat, l.Maturity), append(days, int32(l.Days))
			spread, allIn, eff = append(spread, int32(l.SpreadBps)), append(allIn, l.AllInRate), append(eff, l.EffectiveRate)
		}
	}
	_, err := q.Exec(ctx, `INSERT INTO offer_lines (offer_id, invoice_id, face, discount, net, due_date, maturity, days, spread_bps, all_in_rate, effective_rate)
		SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::numeric[], $4::numeric[], $5::numeric[], $6::date[], $7::date[], $8::int[],
			$9::int[], $10::numeric[], $11::numeric[])`,
		ids, inv, face, disc, net, due, mat, days, spread, allIn, eff)
	return err
}

const offerCols = `o.id, o.source, o.auction_id, o.program_id, o.lender_id, o.supplier_id, o.buyer_id, o.currency, o.spread_bps,
	o.reference_index, o.reference_date, o.reference_rate, o.value_date, o.face, o.discount, o.net, o.status, o.expires_at, o.created_at`

func scanOffer(r pgx.Row) (offer.Offer, error) {
	var o offer.Offer
	var cur string
	err := r.Scan(&o.ID, &o.Source, &o.AuctionID, &o.ProgramID, &o.LenderID, &o.SupplierID, &o.BuyerID, &cur, &o.SpreadBps,
		&o.ReferenceIndex, &o.ReferenceDate, &o.ReferenceRate, &o.ValueDate, &o.Face, &o.Discount, &o.Net, &o.Status, &o.ExpiresAt, &o.CreatedAt)
	o.Currency = money.Currency(cur)
	if errors.Is(err, pgx.ErrNoRows) {
		return o, offer.ErrNotFound
	}
	return o, err
}

// Viewer scopes reads: operators see all, a supplier the offers made to it,
// a lender its own, a buyer those on its invoices.
type Viewer struct {
	PartyID uuid.UUID
	Role    string
}

const offerVisible = `($2 = 'operator' OR ($2 = 'supplier' AND o.supplier_id = $1) OR ($2 = 'lender' AND o.lender_id = $1)
	OR ($2 = 'buyer' AND o.buyer_id = $1))`

// Get loads an offer the viewer may see, with its lines, in one round trip.
func Get(ctx context.Context, q db.Querier, v Viewer, id uuid.UUID) (offer.Offer, error) {
	b := &pgx.Batch{}
	b.Queue("SELECT "+offerCols+" FROM offers o WHERE o.id = $3 AND "+offerVisible, v.PartyID, v.Role, id)
	b.Queue(linesSQL, id)
	br := q.SendBatch(ctx, b)
	defer func() { _ = br.Close() }() // both results are read below, which report their errors
	o, err := scanOffer(br.QueryRow())
	if err != nil {
		return o, err
	}
	rows, err := br.Query()
	if err != nil {
		return o, err
	}
	o.Lines, err = scanLines(rows)
	return o, err
}

const linesSQL = `SELECT invoice_id, face, discount, net, due_date, maturity, days, spread_bps, all_in_rate, effective_rate
	FROM offer_lines WHERE offer_id = $1 ORDER BY invoice_id`

// Lines returns an offer's lines in invoice id order (the lock order).
func Lines(ctx context.Context, q db.Querier, offerID uuid.UUID) ([]offer.Line, error) {
	rows, err := q.Query(ctx, linesSQL, offerID)
	if err != nil {
		return nil, err
	}
	return scanLines(rows)
}

func scanLines(rows pgx.Rows) ([]offer.Line, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (offer.Line, error) {
		var l offer.Line
		err := r.Scan(&l.InvoiceID, &l.Face, &l.Discount, &l.Net, &l.DueDate, &l.Maturity, &l.Days, &l.SpreadBps, &l.AllInRate, &l.EffectiveRate)
		return l, err
	})
}

// List pages through the offers the viewer may see, newest id last.
func List(ctx context.Context, q db.Querier, v Viewer, status string, after uuid.UUID, limit int) ([]offer.Offer, error) {
	rows, err := q.Query(ctx, "SELECT "+offerCols+" FROM offers o WHERE "+offerVisible+
		" AND o.id > $3 AND ($4 = '' OR o.status = $4) ORDER BY o.id LIMIT $5", v.PartyID, v.Role, after, status, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (offer.Offer, error) { return scanOffer(r) })
}

// Accept marks the offer keep accepted and the offers in supersede (its
// open siblings, locked by QueueLockOnInvoices) superseded, in one
// statement by primary key.
func Accept(ctx context.Context, q db.Execer, keep uuid.UUID, supersede []uuid.UUID, at time.Time) error {
	_, err := q.Exec(ctx, `UPDATE offers SET status = CASE WHEN id = $1 THEN 'accepted' ELSE 'superseded' END, updated_at = $3
		WHERE id = $1 OR id = ANY($2)`, keep, supersede, at)
	return err
}

// QueueLockOnInvoices queues on b the locking, in id order, of every offer
// the viewer may see on any of the invoices; into is filled when b is sent.
// The offers are found through the lines' invoice index and fetched by
// primary key with no status condition: one on status let the planner
// combine the small partial index of open offers with the key, and with
// statistics that lag a burst of quotes it read every open offer on the
// platform for each acceptance.
func QueueLockOnInvoices(b *db.Batch, v Viewer, invoiceIDs []uuid.UUID, into *[]offer.Offer) {
	b.QueueRows("SELECT "+offerCols+" FROM offers o WHERE o.id = ANY(ARRAY(SELECT offer_id FROM offer_lines WHERE invoice_id = ANY($3))) AND "+
		offerVisible+" ORDER BY o.id FOR UPDATE", []any{v.PartyID, v.Role, invoiceIDs}, func(rows pgx.Rows) (err error) {
		*into, err = scanOffers(rows)
		return err
	})
}

// scanOffers reads offer rows (without their lines).
func scanOffers(rows pgx.Rows) ([]offer.Offer, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (offer.Offer, error) { return scanOffer(r) })
}

// AsyncCommit lets the calling transaction commit without waiting for its
// WAL flush. Only for quotes: a crash can lose offers made in the last few
// milliseconds, which then answer 404 and are asked for again; nothing is
// financed or reserved by a quote, and acceptance commits synchronously.
func AsyncCommit(ctx context.Context, q db.Execer) error {
	_, err := q.Exec(ctx, "SET LOCAL synchronous_commit = off")
	return err
}

// ExpireDue marks up to limit open offers past their expiry expired and
// returns those that came from auctions (their invoices wait in offered).
// SKIP LOCKED: an offer being accepted right now is left to its acceptance,
// which refuses it as expired.
func ExpireDue(ctx context.Context, tx pgx.Tx, now time.Time, limit int) (int, []offer.Offer, error) {
	rows, err := tx.Query(ctx, `UPDATE offers o SET status = 'expired', updated_at = $1 WHERE o.id IN (
		SELECT id FROM offers WHERE status = 'open' AND expires_at <= $1 ORDER BY expires_at LIMIT $2 FOR UPDATE SKIP LOCKED)
		RETURNING `+offerCols, now, limit)
	if err != nil {
		return 0, nil, err
	}
	all, err := scanOffers(rows)
	if err != nil {
		return 0, nil, err
	}
	var auction []offer.Offer
	for _, o := range all {
		if o.Source == offer.SourceAuction {
			if o.Lines, err = Lines(ctx, tx, o.ID); err != nil {
				return 0, nil, err
			}
			auction = append(auction, o)
		}
	}
	return len(all), auction, nil
}
