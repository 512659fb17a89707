package api

import (
	"net/http"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/party"
	"github.com/cadena-finance/cadena/internal/program"
)

// catalog is the one table from domain errors to HTTP status and stable code.
// Codes are a public contract: add, never rename.
var catalog = []struct {
	err    error
	status int
	code   string
	title  string
}{
	{app.ErrForbidden, http.StatusForbidden, "auth.forbidden", "Your role may not do this"},
	{app.ErrBadCredentials, http.StatusUnauthorized, "auth.invalid_credentials", "Invalid credentials"},
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
	{program.ErrLimitBelowExposure, http.StatusConflict, "program.limit_below_exposure", "Credit limit below current exposure"},
}

// Codes lists every stable code the API can answer, for the contract test.
func Codes() []string {
	out := []string{"validation.failed", "route.not_found", "route.method_not_allowed", "request.too_large",
		"request.unsupported_media_type", "request.invalid", "request.cancelled", "internal"}
	for _, e := range catalog {
		out = append(out, e.code)
	}
	return append(out, httpCodes...)
}

// Codes raised by the HTTP layer itself.
const (
	codeAuthRequired     = "auth.required"
	codeTokenInvalid     = "auth.token_invalid"
	codeTokenExpired     = "auth.token_expired"
	codeMalformedJSON    = "request.malformed_json"
	codeMediaType        = "request.unsupported_media_type"
	codeBadParameter     = "request.bad_parameter"
	codeIdemReused       = "idempotency.key_reused"
	codeIdemInProgress   = "idempotency.in_progress"
	codeIdemKeyMalformed = "idempotency.key_malformed"
)

var httpCodes = []string{codeAuthRequired, codeTokenInvalid, codeTokenExpired, codeMalformedJSON, codeBadParameter,
	codeIdemReused, codeIdemInProgress, codeIdemKeyMalformed}
