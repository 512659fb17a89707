// Package event defines the versioned envelope every Cadena event travels in,
// and the catalogue of subjects. Payload schemas live in contracts/events/.
package event

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Envelope is the JSON document published on NATS and stored in the outbox.
type Envelope struct {
	ID         uuid.UUID       `json:"id"`
	Type       string          `json:"type"`
	Version    int             `json:"version"`
	OccurredAt time.Time       `json:"occurred_at"`
	Data       json.RawMessage `json:"data"`
}

// Event is an envelope plus the subject it is published on. The subject may
// be narrower than the type (e.g. routed to one party) but always starts with it.
type Event struct {
	Subject  string
	Envelope Envelope
}

// Subjects follow cadena.<aggregate>.<event>.
const (
	PartyCreated            = "cadena.party.created"
	PartyBankAccountAdded   = "cadena.party.bank_account_added"
	PartyUserCreated        = "cadena.party.user_created"
	PartyAPIClientCreated   = "cadena.party.api_client_created"
	PartyTokenMinted        = "cadena.party.token_minted"
	PartyDeactivated        = "cadena.party.deactivated"
	AuthLoginThrottled      = "cadena.auth.login_throttled"
	ProgramCreated          = "cadena.program.created"
	ProgramSupplierEnrolled = "cadena.program.supplier_enrolled"
	ProgramLenderEnrolled   = "cadena.program.lender_enrolled"
	ReferenceRatePublished  = "cadena.reference_rate.published"
	CalendarOverrideChanged = "cadena.calendar.override_changed"
	InvoicePublished        = "cadena.invoice.published"
	InvoiceBatchPublished   = "cadena.invoice.batch_published"
	InvoiceCancelled        = "cadena.invoice.cancelled"
	InvoiceExpired          = "cadena.invoice.expired"
	InvoiceNetted           = "cadena.invoice.netted"
	StandingOfferChanged    = "cadena.offer.standing_changed"
	AuctionOpened           = "cadena.auction.opened"
	AuctionBidPlaced        = "cadena.auction.bid_placed"
	AuctionClosed           = "cadena.auction.closed"
	AuctionWon              = "cadena.auction.won"
	AuctionLost             = "cadena.auction.lost"
	FinancingAccepted       = "cadena.financing.accepted"
	OfferExpired            = "cadena.offer.expired"
	// Settlement (docs/settlement.md): one event per status change, and the reminder.
	FinancingFundingInstructed = "cadena.financing.funding_instructed"
	FinancingFunded            = "cadena.financing.funded"
	FinancingFundingFailed     = "cadena.financing.funding_failed"
	FinancingDue               = "cadena.financing.due"
	FinancingRepaymentReminder = "cadena.financing.repayment_reminder"
	FinancingRepaid            = "cadena.financing.repaid"
	FinancingOverdue           = "cadena.financing.overdue"
	BankStatementUploaded      = "cadena.bank_statement.uploaded"
)

// Types lists every event type the platform emits; the contract test checks
// each has a schema in contracts/events.
var Types = []string{PartyCreated, PartyBankAccountAdded, PartyUserCreated, PartyAPIClientCreated, PartyTokenMinted, PartyDeactivated, AuthLoginThrottled, ProgramCreated, ProgramSupplierEnrolled, ProgramLenderEnrolled,
	ReferenceRatePublished, CalendarOverrideChanged,
	InvoicePublished, InvoiceBatchPublished, InvoiceCancelled, InvoiceExpired, InvoiceNetted,
	StandingOfferChanged, AuctionOpened, AuctionBidPlaced, AuctionClosed, AuctionWon, AuctionLost, FinancingAccepted, OfferExpired,
	FinancingFundingInstructed, FinancingFunded, FinancingFundingFailed, FinancingDue, FinancingRepaymentReminder, FinancingRepaid, FinancingOverdue, BankStatementUploaded}

// RoutedCopy is e with a new id on a narrower subject, such as a party's
// own copy; the payload, already encoded, is shared.
func RoutedCopy(e Event, subject string) Event {
	e.Subject = subject
	e.Envelope.ID = uuid.Must(uuid.NewV7())
	return e
}

// ForLender is the subject of one lender's copy of an event of type typ:
// cadena.lender.<id>.<aggregate>.<event>, the layout natsauth grants each
// lender (natsauth.LenderSubject; a test keeps the two equal).
func ForLender(lenderID, typ string) string {
	return "cadena.lender." + lenderID + "." + strings.TrimPrefix(typ, "cadena.")
}

// ForParty is the subject of a buyer's or supplier's copy of an event:
// cadena.<kind>.<id>.<aggregate>.<event>. They hold no NATS credentials yet;
// the copies are in the stream for when they do.
func ForParty(kind, partyID, typ string) string {
	return "cadena." + kind + "." + partyID + "." + strings.TrimPrefix(typ, "cadena.")
}

// New builds a version-1 event of type typ, published on the subject of the same name.
func New(typ string, data any, at time.Time) (Event, error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return Event{}, fmt.Errorf("event %s: %w", typ, err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Event{}, err
	}
	return Event{Subject: typ, Envelope: Envelope{ID: id, Type: typ, Version: 1, OccurredAt: at.UTC(), Data: raw}}, nil
}
