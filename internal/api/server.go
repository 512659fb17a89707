// Package api is the HTTP surface: echo routes, middleware (auth, roles,
// idempotency, problem+json) and thin handlers that call internal/app.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/cadena-finance/cadena/internal/app/acceptance"
	"github.com/cadena-finance/cadena/internal/app/usecases"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/iso20022"
	"github.com/cadena-finance/cadena/internal/platform/idempotencydb"
	"github.com/cadena-finance/cadena/internal/settlement"
)

// Deps is what the API needs from the process.
type Deps struct {
	App *usecases.Set
	// Pool is the database, pinged by /readyz.
	Pool         interface{ Ping(context.Context) error }
	Verifier     *auth.Verifier
	Keys         *auth.KeyRing
	Log          *slog.Logger
	MaxBodyBytes int64
	// MaxBatchBytes limits invoice batch uploads (default 64 MiB).
	MaxBatchBytes int64
	// NATSReady reports whether the NATS connection is up, for /readyz.
	NATSReady func() bool
	// Idempotency stores the Idempotency-Key rows; the server gives it a
	// pool whose sessions commit without waiting for the WAL flush
	// (db.OpenAsyncCommit).
	Idempotency *idempotencydb.Store
}

var requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
	Name: "cadena_http_request_duration_seconds", Help: "HTTP request latency by route and status.",
	Buckets: prometheus.ExponentialBuckets(0.0005, 2, 16),
}, []string{"method", "route", "status"})

func init() { prometheus.MustRegister(requestDuration) }

// New builds the echo server with every route.
func New(d Deps) *echo.Echo {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	// Login throttling counts by client address: X-Forwarded-For is believed
	// only from loopback and private peers (a proxy in front), so a client on
	// the internet cannot pick its own address.
	e.IPExtractor = echo.ExtractIPFromXFFHeader()
	e.HTTPErrorHandler = errorHandler(d.Log)
	e.Use(middleware.RequestID())
	e.Use(accessLog(d.Log))
	e.Use(middleware.Recover())
	if d.MaxBodyBytes > 0 {
		// Batch uploads get their own, larger limit on their route.
		e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Limit: strconv.FormatInt(d.MaxBodyBytes, 10) + "B",
			Skipper: func(c echo.Context) bool { return c.Path() == batchRoute || c.Path() == statementRoute }}))
	}
	if d.MaxBatchBytes <= 0 {
		d.MaxBatchBytes = 64 << 20
	}

	h := &handlers{app: d.App}
	e.GET("/healthz", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) })
	e.GET("/readyz", readiness(d))
	e.GET("/metrics", echo.WrapHandler(promhttp.Handler()))
	e.GET("/.well-known/jwks.json", func(c echo.Context) error {
		b, err := d.Keys.JWKS()
		if err != nil {
			return err
		}
		c.Response().Header().Set("Cache-Control", "public, max-age=300")
		return c.Blob(http.StatusOK, "application/jwk-set+json", b)
	})
	e.POST("/v1/auth/token", h.clientToken)
	e.POST("/v1/auth/login", h.login)

	v1 := e.Group("/v1", authenticate(d.Verifier, d.App), checkQuery)
	idem := idempotent(d.Idempotency)
	v1.GET("/me", h.me, allow(anyRole...))

	v1.POST("/parties", h.createParty, allow(operatorOnly...), idem)
	v1.GET("/parties", h.listParties, allow(anyRole...))
	v1.GET("/parties/:id", h.getParty, allow(anyRole...))
	v1.POST("/parties/:id/deactivate", h.deactivateParty, allow(operatorOnly...), idem)
	v1.POST("/parties/:id/bank-accounts", h.addBankAccount, allow(anyRole...), idem)
	v1.GET("/parties/:id/bank-accounts", h.listBankAccounts, allow(anyRole...))
	v1.POST("/parties/:id/users", h.createUser, allow(operatorOnly...), idem)
	v1.POST("/parties/:id/api-clients", h.createAPIClient, allow(anyRole...), idem)

	v1.POST("/programs", h.createProgram, allow(operatorBuyer...), idem)
	v1.GET("/programs", h.listPrograms, allow(anyRole...))
	v1.GET("/programs/:id", h.getProgram, allow(anyRole...))
	v1.POST("/programs/:id/suppliers", h.enrollSupplier, allow(operatorBuyer...), idem)
	v1.GET("/programs/:id/suppliers", h.listProgramSuppliers, allow(operatorBuyer...))
	v1.POST("/programs/:id/lenders", h.enrollLender, allow(operatorOnly...), idem)
	v1.GET("/programs/:id/lenders", h.listProgramLenders, allow(operatorLender...))

	buyerOnly := []auth.Role{auth.RoleBuyer}
	v1.POST("/invoices", h.publishInvoice, allow(buyerOnly...), idem)
	v1.GET("/invoices", h.listInvoices, allow(anyRole...))
	v1.GET("/invoices/:id", h.getInvoice, allow(anyRole...))
	v1.POST("/invoices/:id/cancel", h.cancelInvoice, allow(buyerOnly...), idem)
	e.POST(batchRoute, h.publishBatch, authenticate(d.Verifier, d.App), checkQuery, allow(buyerOnly...),
		middleware.BodyLimit(strconv.FormatInt(d.MaxBatchBytes, 10)+"B"), idem)
	v1.GET("/invoice-batches/:id", h.getBatch, allow(operatorBuyer...))

	v1.GET("/audit/verify", h.auditVerify, allow(operatorOnly...))
	v1.POST("/pricing/preview", h.previewPrice, allow(anyRole...))
	v1.PUT("/reference-rates/:index/:date", h.putReferenceRate, allow(operatorOnly...))
	v1.GET("/reference-rates/:index", h.listReferenceRates, allow(anyRole...))
	v1.GET("/calendars/:name/holidays", h.listHolidays, allow(anyRole...))
	v1.PUT("/calendars/:name/overrides/:date", h.putCalendarOverride, allow(operatorOnly...))
	v1.DELETE("/calendars/:name/overrides/:date", h.deleteCalendarOverride, allow(operatorOnly...))

	// Offers, auctions and acceptance (docs/offers.md).
	lenderOnly, supplierOnly := []auth.Role{auth.RoleLender}, []auth.Role{auth.RoleSupplier}
	v1.PUT("/programs/:id/standing-offer", h.putStandingOffer, allow(lenderOnly...))
	v1.GET("/programs/:id/standing-offer", h.getStandingOffer, allow(lenderOnly...))
	v1.DELETE("/programs/:id/standing-offer", h.deleteStandingOffer, allow(lenderOnly...))
	v1.POST("/programs/:id/standing-offer/pause", h.pauseStandingOffer, allow(lenderOnly...), idem)
	v1.POST("/programs/:id/standing-offer/resume", h.resumeStandingOffer, allow(lenderOnly...), idem)
	v1.POST("/quotes", h.createQuote, allow(supplierOnly...), idem)
	v1.GET("/offers", h.listOffers, allow(anyRole...))
	v1.GET("/offers/:id", h.getOffer, allow(anyRole...))
	v1.POST("/offers/:id/accept", h.acceptOffer, allow(acceptance.OfferAcceptors()...), idem)
	v1.POST("/early-payment-requests", h.openAuction, allow(supplierOnly...), idem)
	v1.GET("/auctions/:id", h.getAuction, allow(auth.RoleOperator, auth.RoleSupplier, auth.RoleLender))
	v1.POST("/auctions/:id/bids", h.placeBid, allow(lenderOnly...), idem)
	v1.GET("/financings", h.listFinancings, allow(anyRole...))
	v1.GET("/financings/:id", h.getFinancing, allow(anyRole...))
	v1.POST("/parties/:id/nats-credentials", h.issueNATSCredentials, allow(auth.RoleOperator, auth.RoleLender), idem)

	// Settlement, ledger and reconciliation (docs/settlement.md).
	operatorLenderOnly := []auth.Role{auth.RoleOperator, auth.RoleLender}
	v1.GET("/financings/:id/assignment-notice", h.assignmentNotice, allow(anyRole...))
	v1.POST("/financings/:id/funding-confirmation", h.confirmLeg(settlement.Disbursement), allow(lenderOnly...), idem)
	v1.POST("/financings/:id/repayment-confirmation", h.confirmLeg(settlement.Repayment), allow(lenderOnly...), idem)
	v1.GET("/payment-files", h.paymentFile, allow(auth.RoleOperator, auth.RoleBuyer, auth.RoleLender))
	v1.GET("/payment-files/:id", h.paymentFileByID, allow(auth.RoleOperator, auth.RoleBuyer, auth.RoleLender))
	e.POST(statementRoute, h.uploadStatement, authenticate(d.Verifier, d.App), checkQuery, allow(operatorLenderOnly...),
		middleware.BodyLimit(strconv.Itoa(iso20022.MaxCamt054Bytes)+"B"), idem)
	v1.GET("/bank-statements", h.listStatements, allow(operatorLenderOnly...))
	v1.GET("/bank-statements/:id", h.getStatement, allow(operatorLenderOnly...))
	v1.GET("/ledger/trial-balance", h.trialBalance, allow(operatorOnly...))
	v1.GET("/statements", h.ledgerStatement, allow(anyRole...))
	v1.GET("/reconciliation", h.reconciliation, allow(operatorOnly...))
	return e
}

type handlers struct{ app *usecases.Set }

// batchRoute takes uploads of up to invoice.MaxBatchRows documents, so it
// has its own body limit (Deps.MaxBatchBytes) instead of the global one.
const batchRoute = "/v1/invoice-batches"

func readiness(d Deps) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
		defer cancel()
		checks := map[string]string{"database": "ok", "nats": "ok"}
		status := http.StatusOK
		if err := d.Pool.Ping(ctx); err != nil {
			checks["database"], status = "unreachable", http.StatusServiceUnavailable
		}
		if d.NATSReady == nil || !d.NATSReady() {
			checks["nats"], status = "unreachable", http.StatusServiceUnavailable
		}
		return c.JSON(status, checks)
	}
}

// accessLog writes one JSON line a request and feeds the latency histogram.
func accessLog(log *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			status := c.Response().Status
			elapsed := time.Since(start)
			requestDuration.WithLabelValues(c.Request().Method, c.Path(), strconv.Itoa(status)).Observe(elapsed.Seconds())
			log.LogAttrs(c.Request().Context(), slog.LevelInfo, "http",
				slog.String("request_id", c.Response().Header().Get(echo.HeaderXRequestID)),
				slog.String("method", c.Request().Method), slog.String("route", c.Path()),
				slog.Int("status", status), slog.Duration("latency", elapsed),
				slog.String("party_id", actorParty(c)))
			return nil
		}
	}
}

func actorParty(c echo.Context) string {
	if a := actor(c); a.Role != "" {
		return a.PartyID.String()
	}
	return ""
}
