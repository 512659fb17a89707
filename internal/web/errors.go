package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/pricing"
	"github.com/cadena-finance/cadena/internal/program"
	"github.com/cadena-finance/cadena/internal/refrate"
	"github.com/cadena-finance/cadena/internal/settlement"
	"github.com/cadena-finance/cadena/internal/validation"
)

// errCSRF: a POST without the form's token (or a stale tab after logout).
var errCSRF = errors.New("csrf token missing or wrong")

// errorPage is the error page's data.
type errorPage struct {
	Status int
	Key    string // message key
	Detail string // the domain's own message, for refusals that explain themselves
}

// notFound lists every "not found" of the domains: another tenant's object
// answers these too, so the page cannot tell "absent" from "not yours".
var notFound = []error{party.ErrNotFound, program.ErrNotFound, invoice.ErrNotFound, invoice.ErrBatchNotFound,
	refrate.ErrUnknownIndex, calendar.ErrUnknownCalendar, app.ErrNoOverride, offer.ErrNotFound, offer.ErrAuctionNotFound, financing.ErrNotFound}

// refusals are domain rules the person can act on; their message is shown.
var refusals = []error{invoice.ErrNotCancellable, invoice.ErrTransition, invoice.ErrNoProgram, invoice.ErrEmptyBatch,
	invoice.ErrTooManyRows, invoice.ErrCSVEncoding, invoice.ErrCSVHeader, invoice.ErrCSVSyntax, party.ErrDuplicate,
	party.ErrEmailTaken, calendar.ErrYearOutOfRange, offer.ErrExpired, offer.ErrNotOpen, offer.ErrInvoiceTaken,
	offer.ErrLimitExceeded, offer.ErrRepriced, offer.ErrNoQuotes, offer.ErrNotEligible, offer.ErrMixedPrograms, offer.ErrBidAboveCap,
	refrate.ErrNone, refrate.ErrStale, pricing.ErrTenorTooShort, pricing.ErrTenorTooLong, pricing.ErrNotAfterValueDate, financing.ErrTransition, settlement.ErrAmountMismatch, settlement.ErrAlreadyConfirmed,
	settlement.ErrNoBankAccount, settlement.ErrFileRefused, settlement.ErrPaidInFuture}

// reasons translate the refusals of the money flows a person meets in the
// portal; others show the domain's own (English) message.
var reasons = []struct {
	err error
	key string
}{{offer.ErrNoQuotes, "why.no_quotes"}, {offer.ErrExpired, "why.offer_expired"}, {offer.ErrNotOpen, "why.offer_not_open"},
	{offer.ErrInvoiceTaken, "why.invoice_taken"}, {offer.ErrRepriced, "why.repriced"}, {offer.ErrMixedPrograms, "why.mixed_programs"},
	{offer.ErrLimitExceeded, "why.limit_exceeded"}, {offer.ErrNotEligible, "why.not_eligible"}, {refrate.ErrNone, "why.no_rate"},
	{refrate.ErrStale, "why.no_rate"}, {pricing.ErrTenorTooShort, "why.not_eligible"}, {pricing.ErrTenorTooLong, "why.not_eligible"},
	{pricing.ErrNotAfterValueDate, "why.not_eligible"}, {financing.ErrTransition, "why.transition"}}

func classify(err error) errorPage {
	switch {
	case errors.Is(err, errCSRF):
		return errorPage{Status: http.StatusForbidden, Key: "error.csrf"}
	case errors.Is(err, app.ErrForbidden):
		return errorPage{Status: http.StatusForbidden, Key: "error.forbidden"}
	}
	for _, e := range notFound {
		if errors.Is(err, e) {
			return errorPage{Status: http.StatusNotFound, Key: "error.not_found"}
		}
	}
	for _, e := range refusals {
		if errors.Is(err, e) {
			return errorPage{Status: http.StatusConflict, Key: "error.refused", Detail: err.Error()}
		}
	}
	var ve validation.Errors
	if errors.As(err, &ve) {
		return errorPage{Status: http.StatusUnprocessableEntity, Key: "error.refused", Detail: err.Error()}
	}
	return errorPage{Status: http.StatusInternalServerError, Key: "error.internal"}
}

// fail renders the error page; a 500 says only to try again, the cause goes to the log.
func (p *portal) fail(c echo.Context, pg *page, err error) error {
	ep := classify(err)
	ep.Detail = p.detail(pg, err, ep)
	if ep.Status == http.StatusInternalServerError {
		p.log.Error("web", "path", c.Path(), "err", err)
	}
	pg.Data = ep
	return p.render(c, ep.Status, "error", pg)
}

// detail is a refusal in the person's language when the catalog has it,
// else the domain's own message.
func (p *portal) detail(pg *page, err error, ep errorPage) string {
	for _, r := range reasons {
		if errors.Is(err, r.err) {
			return pg.T(r.key)
		}
	}
	if ep.Status == http.StatusUnprocessableEntity {
		var ve validation.Errors
		if errors.As(err, &ve) && len(ve) > 0 {
			return pg.FieldError(ve[0])
		}
	}
	return ep.Detail
}

// formErrors splits a use case's error into field errors to show beside the
// form (a 422), or nil when it is another kind of failure.
func formErrors(err error) validation.Errors {
	var ve validation.Errors
	if errors.As(err, &ve) {
		return ve
	}
	return nil
}
