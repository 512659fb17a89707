// Package event defines the versioned envelope every Cadena event travels in,
// and the catalogue of subjects. Payload schemas live in contracts/events/.
package event

import (
	"encoding/json"
	"fmt"
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
)

// Types lists every event type the platform emits; the contract test checks
// each has a schema in contracts/events.
var Types = []string{PartyCreated, PartyBankAccountAdded, ProgramCreated, ProgramSupplierEnrolled, ProgramLenderEnrolled,
	ReferenceRatePublished, CalendarOverrideChanged,
	InvoicePublished, InvoiceBatchPublished, InvoiceCancelled, InvoiceExpired, InvoiceNetted}

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
