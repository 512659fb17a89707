package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/usecases"
	"github.com/cadena-finance/cadena/internal/auth"
	"github.com/cadena-finance/cadena/internal/event"
)

const actorKey = "cadena.actor"

// authenticate verifies the bearer token, checks that its party exists, is
// active and takes its role (app.CheckActor), and stores the actor.
func authenticate(v *auth.Verifier, a *usecases.Set) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			h := c.Request().Header.Get(echo.HeaderAuthorization)
			tok, ok := strings.CutPrefix(h, "Bearer ")
			if !ok || tok == "" {
				return fail(http.StatusUnauthorized, codeAuthRequired, "Authentication required", "send Authorization: Bearer <token>")
			}
			claims, err := v.Verify(strings.TrimSpace(tok))
			if errors.Is(err, auth.ErrTokenExpired) {
				return fail(http.StatusUnauthorized, codeTokenExpired, "Token expired", "get a new token")
			}
			if err != nil {
				return fail(http.StatusUnauthorized, codeTokenInvalid, "Invalid token", "the token is not one this platform accepts")
			}
			act, err := app.ActorFrom(claims.Principal())
			if err != nil {
				return fail(http.StatusUnauthorized, codeTokenInvalid, "Invalid token", "the token has no valid party")
			}
			if err := a.CheckActor(c.Request().Context(), act); err != nil {
				return err
			}
			c.Set(actorKey, act)
			// The outbox records who caused each event, for the audit log.
			ctx := event.WithActor(c.Request().Context(), event.Actor{Subject: act.Subject, PartyID: act.PartyID.String(), Role: string(act.Role)})
			c.SetRequest(c.Request().WithContext(ctx))
			return next(c)
		}
	}
}

// allow admits only the listed roles; every /v1 route declares its own.
func allow(roles ...auth.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if !actor(c).Is(roles...) {
				return app.ErrForbidden
			}
			return next(c)
		}
	}
}

func actor(c echo.Context) app.Actor {
	a, _ := c.Get(actorKey).(app.Actor)
	return a
}

// Role sets shared by several routes.
var (
	anyRole        = []auth.Role{auth.RoleOperator, auth.RoleBuyer, auth.RoleSupplier, auth.RoleLender}
	operatorOnly   = []auth.Role{auth.RoleOperator}
	operatorBuyer  = []auth.Role{auth.RoleOperator, auth.RoleBuyer}
	operatorLender = []auth.Role{auth.RoleOperator, auth.RoleBuyer, auth.RoleLender}
)
