package api

// Domain errors map to their status and stable code through the one table,
// internal/errcatalog; this file holds the codes the HTTP layer raises itself.

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
