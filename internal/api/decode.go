package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/validation"
)

// decodeJSON reads exactly one JSON value into v, refusing unknown fields,
// wrong types and trailing data with a 4xx that names the field, then checks
// every string in v by the input rules (checkInput).
func decodeJSON(c echo.Context, v any) error {
	if mt, _, _ := mime.ParseMediaType(c.Request().Header.Get(echo.HeaderContentType)); mt != echo.MIMEApplicationJSON {
		return fail(http.StatusUnsupportedMediaType, codeMediaType, "Unsupported media type", "send the body as application/json")
	}
	if err := decodeBody(c.Request().Body, v); err != nil {
		return err
	}
	return checkInput(v)
}

// decodeBody is decodeJSON without the header and input checks. The batch
// route calls it: invoice.Check applies the same text rule to each row, JSON
// or CSV, so a bad row is rejected alone. The fuzz target calls it too.
func decodeBody(r io.Reader, v any) error {
	body, err := io.ReadAll(r) // bounded by the body-limit middleware
	if err != nil {
		return jsonError(err)
	}
	if !utf8.Valid(body) { // the decoder would turn bad bytes into U+FFFD silently
		return fail(http.StatusBadRequest, codeMalformedJSON, "Malformed JSON", "the body is not valid UTF-8")
	}
	if bytes.HasPrefix(bytes.TrimLeft(body, " \t\r\n"), []byte("null")) { // decoding null into v changes nothing
		return validation.Errors{{Field: "(body)", Code: "wrong_type", Message: "must be a JSON " + jsonKind(reflect.TypeOf(v).Elem().Kind().String())}}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		return fail(http.StatusBadRequest, codeMalformedJSON, "Malformed JSON", "the body must hold exactly one JSON value")
	}
	return nil
}

// maxFieldErrors bounds a problem's errors[].
const maxFieldErrors = 100

// checkInput is the one place request strings are checked, for every JSON
// route: each must be text by validation.Errors.Text (valid UTF-8, no
// control character, at most validation.MaxText characters, or N with the
// tag in:"max=N"). An optional field is a *string: absent or null means
// "not given", so present it must not be empty. Amounts and percentages are
// parsed by money.ParseAmount and pricing.ParsePercent, the one parser of
// each, where the use case knows the currency.
func checkInput(v any) error {
	var errs validation.Errors
	walkInput(reflect.ValueOf(v), "", "", false, &errs)
	if len(errs) > maxFieldErrors {
		errs = errs[:maxFieldErrors]
	}
	return errs.Err()
}

func walkInput(v reflect.Value, path, tag string, optional bool, errs *validation.Errors) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkInput(v.Elem(), path, tag, v.Kind() == reflect.Pointer, errs)
		}
	case reflect.String:
		checkString(path, v.String(), tag, optional, errs)
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len() && len(*errs) <= maxFieldErrors; i++ {
			walkInput(v.Index(i), path+"["+strconv.Itoa(i)+"]", tag, false, errs)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			walkInput(iter.Value(), joinField(path, iter.Key().String()), tag, false, errs)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			switch {
			case f.Anonymous: // embedded: its fields are the parent's
				walkInput(v.Field(i), path, "", false, errs)
			case !f.IsExported() || name == "-":
			default:
				if name == "" {
					name = f.Name
				}
				walkInput(v.Field(i), joinField(path, name), f.Tag.Get("in"), false, errs)
			}
		}
	}
}

func checkString(field, s, tag string, optional bool, errs *validation.Errors) {
	if field == "" {
		field = "(body)"
	}
	max := validation.MaxText
	if n, ok := strings.CutPrefix(tag, "max="); ok {
		max, _ = strconv.Atoi(n)
	}
	if optional && s == "" {
		errs.Add(field, "empty", "%s is empty: leave it out (or send null) to give no value", field)
		return
	}
	errs.Text(field, s, max)
}

func joinField(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
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

// checkQuery refuses query values that break the text rule (a NUL would
// reach PostgreSQL through a filter), before any handler reads them.
func checkQuery(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		var errs validation.Errors
		for name, values := range c.QueryParams() {
			for _, v := range values {
				errs.Text(name, v, validation.MaxText)
			}
		}
		if len(errs) > 0 {
			return &apiError{status: http.StatusBadRequest, code: codeBadParameter, title: "Bad query parameter",
				detail: errs.Error(), fields: errs}
		}
		return next(c)
	}
}
