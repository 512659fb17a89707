package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/app/access"
	"github.com/cadena-finance/cadena/internal/validation"
)

type loginData struct {
	Next, Email string
}

func (p *portal) loginForm(c echo.Context, pg *page) error {
	if pg.Session != nil {
		return c.Redirect(http.StatusSeeOther, homeOf(pg.Session.Actor.Role))
	}
	pg.Data = loginData{Next: localPath(c.QueryParam("next"), "")}
	return p.render(c, http.StatusOK, "login", pg)
}

func (p *portal) login(c echo.Context, pg *page) error {
	email := c.FormValue("email")
	id, s, err := p.sessions.Start(c.Request().Context(), email, c.FormValue("password"), c.RealIP())
	var throttled *access.ThrottledError
	switch {
	case errors.Is(err, access.ErrBadCredentials):
		pg.Errors = validation.Errors{{Field: "email", Code: "bad_credentials"}}
		pg.Data = loginData{Next: localPath(c.FormValue("next"), ""), Email: email}
		return p.render(c, http.StatusUnauthorized, "login", pg)
	case errors.As(err, &throttled):
		c.Response().Header().Set("Retry-After", strconv.Itoa(throttled.RetryAfter()))
		pg.Errors = validation.Errors{{Field: "email", Code: "throttled"}}
		pg.Data = loginData{Next: localPath(c.FormValue("next"), ""), Email: email}
		return p.render(c, http.StatusTooManyRequests, "login", pg)
	}
	if err != nil {
		return err
	}
	if old := cookie(c, sessionCookie); old != "" {
		_ = p.sessions.End(c.Request().Context(), old) // logging in again replaces, never stacks, sessions
	}
	p.setCookie(c, sessionCookie, id, 0)
	p.setCookie(c, preCookie, "", -1)
	return c.Redirect(http.StatusSeeOther, localPath(c.FormValue("next"), homeOf(s.Actor.Role)))
}

func (p *portal) logout(c echo.Context, pg *page) error {
	if err := p.sessions.End(c.Request().Context(), cookie(c, sessionCookie)); err != nil {
		return err
	}
	p.setCookie(c, sessionCookie, "", -1)
	return c.Redirect(http.StatusSeeOther, "/login?ok=logged_out")
}

// setLang stores the choice in a year-long cookie; it is a preference, not a secret.
func (p *portal) setLang(c echo.Context, pg *page) error {
	lang := c.FormValue("lang")
	if lang != "en" {
		lang = "es"
	}
	p.setCookie(c, langCookie, lang, 365*24*time.Hour)
	return c.Redirect(http.StatusSeeOther, localPath(c.FormValue("next"), "/"))
}
