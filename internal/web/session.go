package web

import (
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/event"
	"github.com/cadena-finance/cadena/internal/validation"
)

const (
	sessionCookie = "cadena_session"
	// preCookie carries the CSRF token of forms shown before login (double
	// submit): the login and language forms.
	preCookie  = "cadena_pre"
	langCookie = "cadena_lang"
	csrfField  = "csrf"
)

// page is what every template receives.
type page struct {
	Lang      string
	Page      string
	Session   *Session
	PartyName string
	CSRF      string
	Path      string // the request's path and query, for the language switch's return
	Flash     string // a message key, from ?ok=
	Errors    validation.Errors
	Data      any
}

func (pg *page) Role() string {
	if pg.Session == nil {
		return ""
	}
	return string(pg.Session.Actor.Role)
}

// navItem is one entry of the signed-in navigation.
type navItem struct {
	Href, Key string
}

// Nav lists what the role can use today; a page not built has no entry.
func (pg *page) Nav() []navItem {
	switch pg.Role() {
	case string(auth.RoleSupplier):
		return []navItem{{"/invoices", "nav.invoices"}, {"/financings", "nav.financings"}, {"/statement", "nav.statement"}}
	case string(auth.RoleBuyer):
		return []navItem{{"/dashboard", "nav.dashboard"}, {"/invoices", "nav.invoices"}, {"/upload", "nav.upload"}, {"/programs", "nav.programs"},
			{"/financings", "nav.financings"}, {"/statement", "nav.statement"}}
	case string(auth.RoleLender):
		return []navItem{{"/programs", "nav.lending"}, {"/portfolio", "nav.portfolio"}, {"/auctions", "nav.auctions"},
			{"/invoices", "nav.invoices"}, {"/financings", "nav.financings"},
			{"/payment-files", "nav.payment_files"}, {"/statement", "nav.statement"}}
	case string(auth.RoleOperator):
		return []navItem{{"/parties", "nav.parties"}, {"/programs", "nav.programs"}, {"/invoices", "nav.invoices"},
			{"/rates", "nav.rates"}, {"/holidays", "nav.holidays"}, {"/financings", "financings.title"},
			{"/reconciliation", "nav.reconciliation"}, {"/audit", "nav.audit"}}
	}
	return nil
}

// Current reports whether href is the section being shown, for aria-current.
func (pg *page) Current(href string) bool {
	p := strings.SplitN(pg.Path, "?", 2)[0]
	return p == href || strings.HasPrefix(p, href+"/")
}

// secure: the cookie gets the Secure flag under TLS, or behind a proxy that
// says the browser spoke HTTPS. The header needs no trust: a forged one can
// only make the forger's own cookie stricter.
func (p *portal) secure(c echo.Context) bool {
	r := c.Request()
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

func (p *portal) setCookie(c echo.Context, name, value string, maxAge time.Duration) {
	ck := &http.Cookie{Name: name, Value: value, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: p.secure(c)}
	switch {
	case maxAge < 0:
		ck.MaxAge = -1
	case maxAge > 0:
		ck.MaxAge = int(maxAge / time.Second)
	}
	c.SetCookie(ck)
}

func cookie(c echo.Context, name string) string {
	if ck, err := c.Cookie(name); err == nil {
		return ck.Value
	}
	return ""
}

// basePage builds the page of a request: language and flash.
func (p *portal) basePage(c echo.Context) *page {
	pg := &page{Lang: language(c), Path: c.Request().URL.RequestURI()}
	if c.Request().Method != http.MethodGet {
		pg.Path = "/" // a form's result page has no address to return to
	}
	if f := c.QueryParam("ok"); f != "" && hasKey("flash."+f) {
		pg.Flash = "flash." + f
	}
	return pg
}

// checkCSRF compares the form's token with the expected one in constant time.
func checkCSRF(c echo.Context, want string) bool {
	got := c.FormValue(csrfField)
	return want != "" && len(got) == len(want) && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// anon wraps pages shown without a session: the pre-session cookie supplies
// their forms' CSRF token, and every POST must echo it.
func (p *portal) anon(fn func(echo.Context, *page) error) echo.HandlerFunc {
	return func(c echo.Context) error {
		pg := p.basePage(c)
		if s, err := p.sessions.Get(c.Request().Context(), cookie(c, sessionCookie)); err == nil {
			pg.Session, pg.CSRF = &s, s.CSRF
		} else {
			pg.CSRF = cookie(c, preCookie)
			if pg.CSRF == "" {
				pg.CSRF = RandomToken()
				p.setCookie(c, preCookie, pg.CSRF, 0)
			}
		}
		if c.Request().Method == http.MethodPost && !checkCSRF(c, pg.CSRF) {
			return p.fail(c, pg, errCSRF)
		}
		return p.run(c, pg, fn)
	}
}

// user wraps pages that need a session and, when roles are given, one of
// those roles. Every POST must carry the session's CSRF token.
func (p *portal) user(fn func(echo.Context, *page) error, roles ...auth.Role) echo.HandlerFunc {
	return func(c echo.Context) error {
		pg := p.basePage(c)
		s, err := p.sessions.Get(c.Request().Context(), cookie(c, sessionCookie))
		if errors.Is(err, ErrNoSession) {
			if c.Request().Method != http.MethodGet {
				return p.fail(c, pg, errCSRF) // a POST without a session is a forgery or a stale tab
			}
			return c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request().URL.RequestURI()))
		}
		if err != nil {
			return p.fail(c, pg, err)
		}
		pg.Session, pg.CSRF = &s, s.CSRF
		// The outbox records who caused each event, as for API calls.
		c.SetRequest(c.Request().WithContext(event.WithActor(c.Request().Context(),
			event.Actor{Subject: s.Actor.Subject, PartyID: s.Actor.PartyID.String(), Role: string(s.Actor.Role)})))
		if len(roles) > 0 && !s.Actor.Is(roles...) {
			return p.fail(c, pg, app.ErrForbidden)
		}
		if c.Request().Method == http.MethodPost && !checkCSRF(c, s.CSRF) {
			return p.fail(c, pg, errCSRF)
		}
		if name, err := p.app.Administration.PartyName(c.Request().Context(), s.Actor, s.Actor.PartyID); err == nil {
			pg.PartyName = name
		}
		return p.run(c, pg, fn)
	}
}

func (p *portal) run(c echo.Context, pg *page, fn func(echo.Context, *page) error) error {
	if err := fn(c, pg); err != nil {
		return p.fail(c, pg, err)
	}
	return nil
}

func (pg *page) actor() app.Actor { return pg.Session.Actor }

// localPath keeps redirects on this site: only a path starting with one
// slash (not "//host") is followed.
func localPath(s, def string) string {
	if strings.HasPrefix(s, "/") && !strings.HasPrefix(s, "//") && !strings.HasPrefix(s, "/\\") {
		return s
	}
	return def
}

// home sends each role to its first page.
func (p *portal) home(c echo.Context) error {
	s, err := p.sessions.Get(c.Request().Context(), cookie(c, sessionCookie))
	if err != nil {
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	return c.Redirect(http.StatusSeeOther, homeOf(s.Actor.Role))
}

func homeOf(r auth.Role) string {
	switch r {
	case auth.RoleBuyer:
		return "/dashboard"
	case auth.RoleOperator:
		return "/parties"
	case auth.RoleLender:
		return "/programs"
	}
	return "/invoices"
}
