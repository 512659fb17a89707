package api

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/validation"
)

// decodeJSON reads exactly one JSON value into v, refusing unknown fields,
// wrong types and trailing data with a 4xx that names the field.
func decodeJSON(c echo.Context, v any) error {
	if mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)); mt != echo.MIMEApplicationJSON {
		return fail(http.StatusUnsupportedMediaType, codeMediaType, "Unsupported media type", "send the body as application/json")
	}
	return decodeBody(c.Request().Body, v)
}

// decodeBody is decodeJSON without the header check; the fuzz target calls it.
func decodeBody(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		return fail(http.StatusBadRequest, codeMalformedJSON, "Malformed JSON", "the body must hold exactly one JSON value")
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return fail(http.StatusRequestEntityTooLarge, "request.too_large", "Request body too large",
			"the body exceeds "+strconv.FormatInt(tooBig.Limit, 10)+" bytes")
	case errors.As(err, &syn):
		return fail(http.StatusBadRequest, codeMalformedJSON, "Malformed JSON", "syntax error at byte "+strconv.FormatInt(syn.Offset, 10))
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			field = "(body)"
		}
		return validation.Errors{{Field: field, Code: "wrong_type", Message: "must be a JSON " + jsonKind(typ.Type.Kind().String())}}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fail(http.StatusBadRequest, codeMalformedJSON, "Malformed JSON", "the body is empty or cut short")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return validation.Errors{{Field: name, Code: "unknown_field", Message: "this field is not part of the request"}}
	}
	return fail(http.StatusBadRequest, codeMalformedJSON, "Malformed JSON", "the body is not valid JSON for this request")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string (amounts and rates are strings such as \"1250.00\")"
	case "int", "int32", "int64", "uint", "uint32", "uint64":
		return "integer"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "struct", "map":
		return "object"
	}
	return "value of another type"
}

// pathID reads a UUID path parameter; a malformed id is simply not found.
func pathID(c echo.Context, name string, notFound error) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param(name))
	if err != nil {
		return uuid.Nil, notFound
	}
	return id, nil
}

// pageParams reads limit (1..500, default 100) and cursor.
func pageParams(c echo.Context) (int, uuid.UUID, error) {
	limit := 100
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 500 {
			return 0, uuid.Nil, fail(http.StatusBadRequest, codeBadParameter, "Bad query parameter", "limit must be an integer from 1 to 500")
		}
		limit = n
	}
	var cur uuid.UUID
	if s := c.QueryParam("cursor"); s != "" {
		var err error
		if cur, err = uuid.Parse(s); err != nil {
			return 0, uuid.Nil, fail(http.StatusBadRequest, codeBadParameter, "Bad query parameter", "cursor is not one this API returned")
		}
	}
	return limit, cur, nil
}
