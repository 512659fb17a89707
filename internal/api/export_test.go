package api

import "github.com/cadena-finance/cadena/internal/errcatalog"

// Test-only exports for the external test package (api_test).

// Codes lists every stable code the API can answer, for the contract test.
func Codes() []string {
	out := []string{"validation.failed", "route.not_found", "route.method_not_allowed", "request.too_large",
		"request.unsupported_media_type", "request.invalid", "request.cancelled", "internal"}
	for _, e := range errcatalog.Entries() {
		out = append(out, e.Code)
	}
	return append(out, httpCodes...)
}

var httpCodes = []string{codeAuthRequired, codeTokenInvalid, codeTokenExpired, codeMalformedJSON, codeBadParameter,
	codeIdemReused, codeIdemInProgress, codeIdemKeyMalformed}
