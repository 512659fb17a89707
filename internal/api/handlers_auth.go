package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/app/access"
)

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	PartyID     string `json:"party_id"`
	Role        string `json:"role"`
}

func toTokenJSON(t access.Token) tokenResponse {
	return tokenResponse{AccessToken: t.AccessToken, TokenType: "Bearer", ExpiresIn: int(time.Until(t.ExpiresAt).Round(time.Second).Seconds()),
		PartyID: t.PartyID.String(), Role: string(t.Role)}
}

// clientToken is the OAuth 2.0 client-credentials exchange for API clients.
// It takes JSON or the form encoding OAuth clients send by default.
func (h *handlers) clientToken(c echo.Context) error {
	var req struct {
		GrantType    string `json:"grant_type" form:"grant_type"`
		ClientID     string `json:"client_id" form:"client_id"`
		ClientSecret string `json:"client_secret" form:"client_secret"`
	}
	if c.Request().Header.Get(echo.HeaderContentType) == echo.MIMEApplicationForm {
		req.GrantType, req.ClientID, req.ClientSecret = c.FormValue("grant_type"), c.FormValue("client_id"), c.FormValue("client_secret")
		if id, secret, ok := c.Request().BasicAuth(); ok && req.ClientID == "" {
			req.ClientID, req.ClientSecret = id, secret
		}
	} else if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if req.GrantType != "" && req.GrantType != "client_credentials" {
		return fail(http.StatusBadRequest, codeBadParameter, "Unsupported grant type", "grant_type must be client_credentials")
	}
	tok, err := h.app.Access.ClientToken(c.Request().Context(), req.ClientID, req.ClientSecret, c.RealIP())
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, toTokenJSON(tok))
}

// login exchanges a person's email and password for a token.
func (h *handlers) login(c echo.Context) error {
	var req struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	tok, err := h.app.Access.Login(c.Request().Context(), req.Email, req.Password, c.RealIP())
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.JSON(http.StatusOK, toTokenJSON(tok))
}

// me tells the caller who the token speaks for.
func (h *handlers) me(c echo.Context) error {
	a := actor(c)
	p, err := h.app.Administration.GetParty(c.Request().Context(), a, a.PartyID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"subject": a.Subject, "role": a.Role, "party": toPartyJSON(p)})
}
