// Package web is the portal: server-rendered pages for suppliers, buyers,
// lenders and operators. Handlers call internal/app with the actor of the
// server-side session, so authorization and tenant scoping are the API's.
// The portal's own rows (sessions, the dashboard's query) are its store's,
// internal/web/webdb, and its one-time form keys run on platform/idempotency;
// both are passed in, so this package imports no store. See docs/portal.md.
package web

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/app/acceptance"
	"github.com/cadena-finance/cadena/internal/app/usecases"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/platform/idempotency"
)

//go:embed templates static
var files embed.FS

// Deps is what the portal needs from the process.
type Deps struct {
	App   *usecases.Set
	Store Store             // webdb.New(pool)
	Keys  *idempotency.Keys // the API's duplicate-request keys, for the one-time form keys
	Log   *slog.Logger
}

type portal struct {
	app      *usecases.Set
	store    Store
	sessions *Sessions
	keys     *idempotency.Keys
	log      *slog.Logger
	pages    map[string]*template.Template
}

// Mount adds the portal's routes to e, at / beside the API's /v1.
func Mount(e *echo.Echo, d Deps) {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	p := &portal{app: d.App, store: d.Store, sessions: NewSessions(d.App, d.Store), keys: d.Keys, log: d.Log, pages: parsePages()}
	static, _ := fs.Sub(files, "static")
	fileServer := http.StripPrefix("/static/", http.FileServer(http.FS(static)))
	e.GET("/static/*", func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "public, max-age=3600")
		fileServer.ServeHTTP(c.Response(), c.Request())
		return nil
	})

	// Browsers ask for /favicon.ico whatever the page links; both answer the SVG.
	favicon, _ := files.ReadFile("static/favicon.svg")
	e.GET("/favicon.ico", func(c echo.Context) error {
		c.Response().Header().Set("Cache-Control", "public, max-age=86400")
		return c.Blob(http.StatusOK, "image/svg+xml", favicon)
	})

	e.RouteNotFound("/*", p.notFound)
	e.GET("/", p.home)
	e.GET("/login", p.anon(p.loginForm))
	e.POST("/login", p.anon(p.login))
	e.POST("/lang", p.anon(p.setLang))
	e.POST("/logout", p.user(p.logout))

	every := []auth.Role{auth.RoleOperator, auth.RoleBuyer, auth.RoleSupplier, auth.RoleLender}
	e.GET("/invoices", p.user(p.listInvoices, every...))
	e.GET("/invoices/:id", p.user(p.showInvoice, every...))
	e.POST("/invoices/:id/cancel", p.user(p.cancelInvoice, auth.RoleBuyer))

	e.GET("/upload", p.user(p.uploadForm, auth.RoleBuyer))
	e.POST("/upload", p.user(p.previewUpload, auth.RoleBuyer))
	e.POST("/upload/publish", p.user(p.publishUpload, auth.RoleBuyer))
	e.GET("/batches/:id", p.user(p.showBatch, auth.RoleBuyer))
	e.GET("/dashboard", p.user(p.dashboard, auth.RoleBuyer, auth.RoleOperator))

	e.GET("/programs", p.user(p.listPrograms, auth.RoleOperator, auth.RoleBuyer, auth.RoleLender))
	e.GET("/programs/:id", p.user(p.showProgram, auth.RoleOperator, auth.RoleBuyer, auth.RoleLender))

	e.POST("/paynow", p.user(p.quote, auth.RoleSupplier))
	e.POST("/offers/:id/accept", p.user(p.accept, acceptance.OfferAcceptors()...))
	e.GET("/receipts/:id", p.user(p.receipt, acceptance.OfferAcceptors()...)) // the receipt of an acceptance
	e.GET("/financings", p.user(p.listFinancings, every...))
	e.GET("/financings/:id", p.user(p.showFinancing, every...))
	e.GET("/financings/:id/notice", p.user(p.notice, every...))
	e.POST("/financings/:id/fund", p.user(p.fund, auth.RoleLender))
	e.GET("/statement", p.user(p.statement, auth.RoleSupplier, auth.RoleLender, auth.RoleBuyer))
	e.GET("/statement.csv", p.user(p.statementCSV, auth.RoleSupplier, auth.RoleLender, auth.RoleBuyer))
	e.GET("/portfolio", p.user(p.portfolio, auth.RoleLender))
	e.GET("/auctions", p.user(p.auctions, auth.RoleLender))
	e.POST("/auctions/:id/bids", p.user(p.bid, auth.RoleLender))
	e.GET("/payment-files", p.user(p.paymentFileForm, auth.RoleLender))
	e.POST("/payment-files", p.user(p.paymentFile, auth.RoleLender))
	e.GET("/reconciliation", p.user(p.reconciliation, auth.RoleOperator))
	e.GET("/audit", p.user(p.auditStatus, auth.RoleOperator))

	e.GET("/parties", p.user(p.listParties, auth.RoleOperator))
	e.GET("/parties/new", p.user(p.newPartyForm, auth.RoleOperator))
	e.POST("/parties", p.user(p.createParty, auth.RoleOperator))
	e.GET("/parties/:id", p.user(p.showParty, auth.RoleOperator))
	e.POST("/parties/:id/users", p.user(p.createUser, auth.RoleOperator))
	e.GET("/rates", p.user(p.listRates, auth.RoleOperator))
	e.POST("/rates", p.user(p.putRate, auth.RoleOperator))
	e.GET("/holidays", p.user(p.listHolidays, auth.RoleOperator))
	e.POST("/holidays", p.user(p.putOverride, auth.RoleOperator))
	e.POST("/holidays/delete", p.user(p.deleteOverride, auth.RoleOperator))
}

// notFound answers unknown portal paths with the portal's 404 page; the
// API's paths keep their problem+json answer.
func (p *portal) notFound(c echo.Context) error {
	path := c.Request().URL.Path
	if path == "/v1" || strings.HasPrefix(path, "/v1/") || strings.HasPrefix(path, "/.well-known/") {
		return echo.ErrNotFound
	}
	pg := p.basePage(c)
	if s, err := p.sessions.Get(c.Request().Context(), cookie(c, sessionCookie)); err == nil {
		pg.Session, pg.CSRF = &s, s.CSRF
	}
	return p.fail(c, pg, invoice.ErrNotFound)
}

// parsePages parses each page with the shared layout: each page defines
// "title" and "content", so every page is its own template set.
func parsePages() map[string]*template.Template {
	out := map[string]*template.Template{}
	pages, err := fs.Glob(files, "templates/pages/*.html")
	if err != nil {
		panic(err)
	}
	for _, pg := range pages {
		t := template.New("layout.html").Funcs(funcs)
		t = template.Must(t.ParseFS(files, "templates/layout.html", "templates/partials/*.html", pg))
		out[strings.TrimSuffix(path.Base(pg), ".html")] = t
	}
	return out
}

// render writes a page; a template error is logged and answered as a bare 500
// rather than half a page.
func (p *portal) render(c echo.Context, status int, name string, pg *page) error {
	t, ok := p.pages[name]
	if !ok {
		p.log.Error("web: no such page", "page", name)
		return c.String(http.StatusInternalServerError, "internal error")
	}
	pg.Page = name
	var buf bytes.Buffer
	if err := t.Execute(&buf, pg); err != nil {
		p.log.Error("web: render", "page", name, "err", err)
		return c.String(http.StatusInternalServerError, "internal error")
	}
	securityHeaders(c, pg.Session != nil)
	return c.HTMLBlob(status, buf.Bytes())
}

// securityHeaders: no framing, no inline script, no sniffing; signed-in pages
// are never cached (a shared office computer's back button shows nothing).
func securityHeaders(c echo.Context, private bool) {
	h := c.Response().Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	if private {
		h.Set("Cache-Control", "no-store")
	}
}
