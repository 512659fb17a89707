// Package errcatalog is the one table from domain errors to a status, a
// stable code and a title. The API renders it as problem+json, the portal
// shows the message its catalog holds for the code, and the NATS bid
// service replies with the code: one mapping for every surface.
package errcatalog

import (
	"errors"
	"net/http"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/access"
	"github.com/cadena-finance/cadena/internal/app/administration"
	"github.com/cadena-finance/cadena/internal/app/quoting"
	"github.com/cadena-finance/cadena/internal/app/settling"
	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/financing"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/offer"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/pricing"
	"github.com/cadena-finance/cadena/internal/program"
	"github.com/cadena-finance/cadena/internal/refrate"
	"github.com/cadena-finance/cadena/internal/settlement"
)

// Entry is one domain error with its HTTP status, stable code and title.
type Entry struct {
	Err    error
	Status int
	Code   string
	Title  string
}

// Lookup is the first entry err matches (errors.Is), if any.
func Lookup(err error) (Entry, bool) {
	for _, e := range entries {
		if errors.Is(err, e.Err) {
			return e, true
		}
	}
	return Entry{}, false
}

// Entries is every entry in order, for the tests that walk the catalog.
func Entries() []Entry { return append([]Entry(nil), entries...) }

// entries: order matters, the first entry an error matches wins.
// Codes are a public contract: add, never rename.
var entries = []Entry{
	{app.ErrForbidden, http.StatusForbidden, "auth.forbidden", "Your role may not do this"},
	{access.ErrBadCredentials, http.StatusUnauthorized, "auth.invalid_credentials", "Invalid credentials"},
	{access.ErrThrottled, http.StatusTooManyRequests, "auth.throttled", "Too many failed logins; retry after the time in Retry-After"},
	{app.ErrPartyInactive, http.StatusUnauthorized, "auth.party_inactive", "The credential's party is deactivated"},
	{app.ErrActorMismatch, http.StatusUnauthorized, "auth.party_mismatch", "The credential's party does not exist or does not take its role"},
	{party.ErrSelfDeactivation, http.StatusConflict, "party.self_deactivation", "An operator cannot deactivate its own party"},
	{party.ErrNotFound, http.StatusNotFound, "party.not_found", "Party not found"},
	{party.ErrDuplicate, http.StatusConflict, "party.duplicate", "A party of that kind with that tax id exists"},
	{party.ErrEmailTaken, http.StatusConflict, "user.email_taken", "Email already registered"},
	{party.ErrAccountTaken, http.StatusConflict, "bank_account.duplicate", "Bank account already registered"},
	{program.ErrNotFound, http.StatusNotFound, "program.not_found", "Program not found"},
	{program.ErrDuplicateName, http.StatusConflict, "program.duplicate_name", "The buyer already has a program with that name"},
	{program.ErrNotABuyer, http.StatusUnprocessableEntity, "program.not_a_buyer", "Programs belong to buyers"},
	{program.ErrNotALender, http.StatusUnprocessableEntity, "program.not_a_lender", "Only lenders can be enrolled as lenders"},
	{program.ErrNotASupplier, http.StatusUnprocessableEntity, "program.not_a_supplier", "Only suppliers can be enrolled as suppliers"},
	{program.ErrAlreadyEnrolled, http.StatusConflict, "program.already_enrolled", "Already enrolled in this program"},

	// Invoices and batches; per-document refusals are validation errors with invoice.* codes.
	{invoice.ErrNotFound, http.StatusNotFound, "invoice.not_found", "Invoice not found"},
	{invoice.ErrBatchNotFound, http.StatusNotFound, "invoice_batch.not_found", "Invoice batch not found"},
	{invoice.ErrNotCancellable, http.StatusConflict, "invoice.not_cancellable", "Only a published invoice not yet accepted by its supplier can be cancelled"},
	{invoice.ErrTransition, http.StatusConflict, "invoice.invalid_transition", "The invoice cannot make that status change"},
	{invoice.ErrNoProgram, http.StatusUnprocessableEntity, "invoice.program_required", "program_id is required: the buyer has several programs"},
	{invoice.ErrEmptyBatch, http.StatusUnprocessableEntity, "invoice_batch.empty", "The batch has no documents"},
	{invoice.ErrTooManyRows, http.StatusUnprocessableEntity, "invoice_batch.too_many_rows", "A batch holds at most 100,000 documents"},
	{invoice.ErrCSVEncoding, http.StatusUnprocessableEntity, "invoice_batch.bad_encoding", "The CSV file is not valid UTF-8"},
	{invoice.ErrCSVHeader, http.StatusUnprocessableEntity, "invoice_batch.bad_header", "The CSV header row is missing or names unknown columns"},
	{invoice.ErrCSVSyntax, http.StatusUnprocessableEntity, "invoice_batch.malformed_csv", "The file is not valid CSV"},

	// Pricing, reference rates and calendars.
	{refrate.ErrUnknownIndex, http.StatusNotFound, "reference_rate.unknown_index", "No such reference index"},
	{refrate.ErrNone, http.StatusUnprocessableEntity, "pricing.reference_rate_missing", "No reference rate published on or before the value date"},
	{refrate.ErrStale, http.StatusUnprocessableEntity, "pricing.reference_rate_stale", "The reference rate is stale; quoting stops until a fresh one is published"},
	{calendar.ErrUnknownCalendar, http.StatusNotFound, "calendar.not_found", "No such calendar"},
	{calendar.ErrYearOutOfRange, http.StatusUnprocessableEntity, "calendar.year_out_of_range", "Year outside the calendar's range"},
	{quoting.ErrNoOverride, http.StatusNotFound, "calendar.override_not_found", "No override on that day"},
	{pricing.ErrSpreadAboveCap, http.StatusUnprocessableEntity, "pricing.spread_above_cap", "Spread above the program's maximum spread"},
	{pricing.ErrMaxSpreadAbovePlatform, http.StatusUnprocessableEntity, "pricing.max_spread_above_platform", "Maximum spread above the platform maximum"},
	{pricing.ErrAboveRateCeiling, http.StatusUnprocessableEntity, "pricing.above_rate_ceiling", "Effective annual rate above the program's ceiling"},
	{pricing.ErrNegativeSpread, http.StatusUnprocessableEntity, "pricing.negative_spread", "Spread must not be negative"},
	{pricing.ErrRateOutOfRange, http.StatusUnprocessableEntity, "pricing.rate_out_of_range", "Reference rate out of range"},
	{pricing.ErrInvalidRateCeiling, http.StatusUnprocessableEntity, "pricing.invalid_rate_ceiling", "Effective-rate ceiling must be above zero"},
	{pricing.ErrValueDateNotBusinessDay, http.StatusUnprocessableEntity, "pricing.value_date_not_business_day", "Value date is not a business day"},
	{pricing.ErrNotAfterValueDate, http.StatusUnprocessableEntity, "pricing.due_not_after_value_date", "Due date not after the value date"},
	{pricing.ErrDiscountNotBelowFace, http.StatusUnprocessableEntity, "pricing.discount_not_below_face", "The discount would consume the whole face amount"},
	{pricing.ErrTenorTooShort, http.StatusUnprocessableEntity, "pricing.tenor_too_short", "Tenor below the program minimum"},
	{pricing.ErrTenorTooLong, http.StatusUnprocessableEntity, "pricing.tenor_too_long", "Tenor above the program maximum"},
	// Offers, auctions, acceptance and financings (docs/offers.md).
	{offer.ErrNotFound, http.StatusNotFound, "offer.not_found", "Offer not found"},
	{offer.ErrExpired, http.StatusConflict, "offer.expired", "The offer has expired"},
	{offer.ErrNotOpen, http.StatusConflict, "offer.not_open", "The offer is no longer open"},
	{offer.ErrInvoiceTaken, http.StatusConflict, "offer.invoice_taken", "An invoice of the offer is no longer available"},
	{offer.ErrLimitExceeded, http.StatusConflict, "offer.limit_exceeded", "The lender's available limit does not cover the offer"},
	{offer.ErrRepriced, http.StatusConflict, "offer.repriced", "The reference rate changed since the offer; ask for a new quote"},
	{offer.ErrNoStandingOffer, http.StatusNotFound, "standing_offer.not_found", "No standing offer"},
	{offer.ErrStandingAboveCap, http.StatusUnprocessableEntity, "standing_offer.above_cap", "A spread is above the program's maximum spread"},
	{offer.ErrNoQuotes, http.StatusUnprocessableEntity, "quote.no_lender", "No lender can quote these invoices now"},
	{offer.ErrMixedPrograms, http.StatusUnprocessableEntity, "quote.mixed_programs", "The invoices belong to different programs"},
	{offer.ErrAuctionNotFound, http.StatusNotFound, "auction.not_found", "Auction not found"},
	{offer.ErrAuctionClosed, http.StatusConflict, "auction.closed", "The auction is closed"},
	{offer.ErrBidAboveCap, http.StatusUnprocessableEntity, "bid.above_cap", "Spread above the program's maximum spread"},
	{offer.ErrBidOverLimit, http.StatusConflict, "bid.over_limit", "The auction's face exceeds the lender's available limit"},
	{offer.ErrBidNotEnrolled, http.StatusNotFound, "bid.not_enrolled", "The lender is not enrolled in the auction's program"},
	{offer.ErrBidNotImprovement, http.StatusConflict, "bid.not_improved", "A new bid must lower the spread"},
	{financing.ErrNotFound, http.StatusNotFound, "financing.not_found", "Financing not found"},
	{administration.ErrNATSUnavailable, http.StatusServiceUnavailable, "nats.unavailable", "NATS is not configured in this process"},
	{financing.ErrTransition, http.StatusConflict, "financing.invalid_transition", "The financing cannot make that status change"},
	// Settlement (docs/settlement.md).
	{settlement.ErrAmountMismatch, http.StatusUnprocessableEntity, "settlement.amount_mismatch", "The amount is not exactly the amount due"},
	{settlement.ErrAlreadyConfirmed, http.StatusConflict, "settlement.already_confirmed", "The payment is already confirmed with another bank reference"},
	{settlement.ErrPaidInFuture, http.StatusUnprocessableEntity, "settlement.date_in_future", "A confirmation is dated the day the money moved, never after today"},
	{settlement.ErrNoBankAccount, http.StatusUnprocessableEntity, "settlement.no_bank_account", "A party of the payment has no bank account in its currency"},
	{settling.ErrNoPayments, http.StatusNotFound, "payment_file.empty", "No payments due from you of that kind on that day"},
	{settlement.ErrFileNotFound, http.StatusNotFound, "payment_file.not_found", "Payment file not found"},
	{settlement.ErrFileRefused, http.StatusUnprocessableEntity, "payment_file.invalid", "The payment file cannot be built from the parties' data"},
	{settlement.ErrStatementInvalid, http.StatusUnprocessableEntity, "bank_statement.invalid", "The file is not a valid camt.054.001.08 notification"},
	{settlement.ErrStatementNotFound, http.StatusNotFound, "bank_statement.not_found", "Bank statement not found"},

	// Field-level parse refusals: their codes appear in a problem's errors[].code.
	{pricing.ErrMissing, http.StatusUnprocessableEntity, "required", "Required"},
	{pricing.ErrMalformedRate, http.StatusUnprocessableEntity, "malformed_rate", "Malformed percentage"},
	{pricing.ErrMalformedBps, http.StatusUnprocessableEntity, "malformed_bps", "Malformed basis points"},
	{pricing.ErrFieldTooLong, http.StatusUnprocessableEntity, "too_long", "Value too long"},
	{pricing.ErrUnknownBasis, http.StatusUnprocessableEntity, "unknown_basis", "Unknown day-count basis"},
	{pricing.ErrUnknownRounding, http.StatusUnprocessableEntity, "unknown_rounding", "Unknown rounding rule"},
	{calendar.ErrUnknownConvention, http.StatusUnprocessableEntity, "unknown_business_day_rule", "Unknown business-day rule"},
	{calendar.ErrMalformedDate, http.StatusUnprocessableEntity, "invalid_date", "Dates are YYYY-MM-DD"},
	{money.ErrUnknownCurrency, http.StatusUnprocessableEntity, "unsupported_currency", "Unsupported currency"},
	{money.ErrTooManyDecimals, http.StatusUnprocessableEntity, "too_many_decimals", "More decimals than the currency allows"},
	{money.ErrTooLarge, http.StatusUnprocessableEntity, "amount_too_large", "Amount above 999999999999999.99"},
	{money.ErrNotPositive, http.StatusUnprocessableEntity, "not_positive", "Amount must be positive"},
	{money.ErrMalformed, http.StatusUnprocessableEntity, "invalid_amount", "Malformed amount"},
}
