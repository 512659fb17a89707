package web

import (
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/errcatalog"
	"github.com/cadena-finance/cadena/internal/validation"
)

// errCSRF: a POST without the form's token (or a stale tab after logout).
var errCSRF = errors.New("csrf token missing or wrong")

// errorPage is the error page's data.
type errorPage struct {
	Status int
	Key    string // message key of the page's title
	Code   string // the error's code in the one catalog, empty when it has none
	Detail string // the refusal in the person's language
}

// classify maps an error through the one catalog (internal/errcatalog),
// as the API does. The page keeps the catalog's status, except that every
// rule refusal (a 409 or 422 in the API) answers 409: the person meets the
// same page, which says why in words. Another tenant's object is the
// domain's not-found, so the page cannot tell "absent" from "not yours".
func classify(err error) errorPage {
	if errors.Is(err, errCSRF) {
		return errorPage{Status: http.StatusForbidden, Key: "error.csrf"}
	}
	if e, ok := errcatalog.Lookup(err); ok {
		ep := errorPage{Status: e.Status, Key: "error.refused", Code: e.Code}
		switch e.Status {
		case http.StatusForbidden:
			ep.Key = "error.forbidden"
		case http.StatusNotFound:
			ep.Key = "error.not_found"
		case http.StatusUnprocessableEntity:
			ep.Status = http.StatusConflict
		}
		return ep
	}
	var ve validation.Errors
	if errors.As(err, &ve) {
		return errorPage{Status: http.StatusUnprocessableEntity, Key: "error.refused"}
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

// detail is a refusal in the person's language: the catalog code's
// message, or the first field error's. Not-found and forbidden pages say
// nothing more than their title.
func (p *portal) detail(pg *page, err error, ep errorPage) string {
	if ep.Key != "error.refused" {
		return ""
	}
	if ep.Code != "" {
		return pg.T("code." + ep.Code)
	}
	var ve validation.Errors
	if errors.As(err, &ve) && len(ve) > 0 {
		return pg.FieldError(ve[0])
	}
	return ""
}

// refusal is a use case's refusal as an error beside the form's field, or
// nil when err is no rule refusal (a 409 or 422 of the catalog).
func refusal(err error, field string) validation.Errors {
	if e, ok := errcatalog.Lookup(err); ok && (e.Status == http.StatusConflict || e.Status == http.StatusUnprocessableEntity) {
		return validation.Errors{{Field: field, Code: e.Code, Message: err.Error()}}
	}
	return nil
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
