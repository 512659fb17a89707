package api

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/app/access"
	"github.com/cadena-finance/cadena/internal/errcatalog"
	"github.com/cadena-finance/cadena/internal/pricing"
	"github.com/cadena-finance/cadena/internal/validation"
)

// ProblemType prefixes every problem's type URI; the code completes it.
const ProblemType = "https://cadena.dev/problems/"

// Problem is an RFC 9457 problem document with Cadena's stable code.
type Problem struct {
	Type      string             `json:"type"`
	Title     string             `json:"title"`
	Status    int                `json:"status"`
	Code      string             `json:"code"`
	Detail    string             `json:"detail,omitempty"`
	Instance  string             `json:"instance,omitempty"`
	RequestID string             `json:"request_id,omitempty"`
	Errors    []validation.Error `json:"errors,omitempty"`
}

// apiError is an error raised by the HTTP layer itself (bad JSON, auth, idempotency).
type apiError struct {
	status int
	code   string
	title  string
	detail string
	fields []validation.Error
}

func (e *apiError) Error() string { return e.code + ": " + e.detail }

func fail(status int, code, title, detail string) error {
	return &apiError{status: status, code: code, title: title, detail: detail}
}

// toProblem maps any error to its problem through the one catalog (errcatalog).
func toProblem(err error) Problem {
	var ae *apiError
	if errors.As(err, &ae) {
		return Problem{Status: ae.status, Code: ae.code, Title: ae.title, Detail: ae.detail, Errors: ae.fields}
	}
	var fe pricing.FieldErrors
	if errors.As(err, &fe) {
		ve := make(validation.Errors, len(fe))
		for i, f := range fe {
			ve[i] = validation.Error{Field: f.Field, Code: codeOf(f.Err), Message: f.Err.Error()}
		}
		err = ve
	}
	var ve validation.Errors
	if errors.As(err, &ve) {
		return Problem{Status: http.StatusUnprocessableEntity, Code: "validation.failed", Title: "The request has invalid fields",
			Detail: "See errors for each field.", Errors: ve}
	}
	if e, ok := errcatalog.Lookup(err); ok {
		return Problem{Status: e.Status, Code: e.Code, Title: e.Title, Detail: err.Error()}
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		switch he.Code {
		case http.StatusNotFound:
			return Problem{Status: 404, Code: "route.not_found", Title: "No such route"}
		case http.StatusMethodNotAllowed:
			return Problem{Status: 405, Code: "route.method_not_allowed", Title: "Method not allowed on this route"}
		case http.StatusRequestEntityTooLarge:
			return Problem{Status: 413, Code: "request.too_large", Title: "Request body too large"}
		case http.StatusUnsupportedMediaType:
			return Problem{Status: 415, Code: "request.unsupported_media_type", Title: "Unsupported media type"}
		}
		if he.Code >= 400 && he.Code < 500 {
			return Problem{Status: he.Code, Code: "request.invalid", Title: http.StatusText(he.Code)}
		}
	}
	if errors.Is(err, context.Canceled) {
		return Problem{Status: 499, Code: "request.cancelled", Title: "The client closed the request"}
	}
	return Problem{Status: 500, Code: "internal", Title: "Internal error", Detail: "Something failed on our side; the request id finds it in the logs."}
}

// codeOf is the catalog code of a field-level refusal.
func codeOf(err error) string {
	if e, ok := errcatalog.Lookup(err); ok {
		return e.Code
	}
	return "invalid"
}

// errorHandler renders every error as application/problem+json and logs 5xx.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		p := toProblem(err)
		p.Type = ProblemType + p.Code
		p.Instance = c.Request().URL.Path
		p.RequestID = c.Response().Header().Get(echo.HeaderXRequestID)
		if p.Status >= 500 {
			log.Error("request failed", "err", err, "request_id", p.RequestID, "path", p.Instance)
		}
		if p.Status == http.StatusUnauthorized {
			c.Response().Header().Set("WWW-Authenticate", `Bearer realm="cadena"`)
		}
		var throttled *access.ThrottledError
		if errors.As(err, &throttled) {
			c.Response().Header().Set("Retry-After", strconv.Itoa(throttled.RetryAfter()))
		}
		body, _ := json.Marshal(p)
		c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
		c.Response().WriteHeader(p.Status)
		_, _ = c.Response().Write(body)
	}
}
