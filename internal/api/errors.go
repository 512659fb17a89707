package api

import "github.com/cadena-finance/cadena/internal/errcatalog"

// Domain errors map to their status and stable code through the one table,
// internal/errcatalog; this file holds the codes the HTTP layer raises itself.

// Codes lists every stable code the API can answer, for the contract test.
func Codes() []string {
	out := []string{"validation.failed", "route.not_found", "route.method_not_allowed", "request.too_large",
		"request.unsupported_media_type", "request.invalid", "request.cancelled", "internal"}
	for _, e := range errcatalog.Entries() {
		out = append(out, e.Code)
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
