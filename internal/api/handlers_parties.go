package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/party"
)

type partyJSON struct {
	ID            string     `json:"id"`
	Kind          string     `json:"kind"`
	LegalName     string     `json:"legal_name"`
	Country       string     `json:"country"`
	TaxID         string     `json:"tax_id"`
	TaxIDWarning  string     `json:"tax_id_warning,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
	Status        string     `json:"status"`
	DeactivatedAt *time.Time `json:"deactivated_at"`
}

func toPartyJSON(p party.Party) partyJSON {
	out := partyJSON{ID: p.ID.String(), Kind: string(p.Kind), LegalName: p.LegalName, Country: p.Country,
		TaxID: p.TaxID, TaxIDWarning: p.TaxIDWarning, CreatedAt: p.CreatedAt.UTC(), Status: p.Status()}
	if p.DeactivatedAt != nil {
		t := p.DeactivatedAt.UTC()
		out.DeactivatedAt = &t
	}
	return out
}

type listJSON[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func toList[S, T any](items []S, next string, conv func(S) T) listJSON[T] {
	out := listJSON[T]{Items: make([]T, len(items)), NextCursor: next}
	for i, x := range items {
		out.Items[i] = conv(x)
	}
	return out
}

func (h *handlers) createParty(c echo.Context) error {
	var req struct {
		Kind      string `json:"kind"`
		LegalName string `json:"legal_name" in:"max=300"`
		Country   string `json:"country"`
		TaxID     string `json:"tax_id"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	p, err := h.app.Administration.CreateParty(c.Request().Context(), actor(c), party.Draft{Kind: req.Kind, LegalName: req.LegalName, Country: req.Country, TaxID: req.TaxID})
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/parties/"+p.ID.String())
	return c.JSON(http.StatusCreated, toPartyJSON(p))
}

func (h *handlers) listParties(c echo.Context) error {
	limit, cursor, err := pageParams(c)
	if err != nil {
		return err
	}
	kind := party.Kind(c.QueryParam("kind"))
	page, err := h.app.Administration.ListParties(c.Request().Context(), actor(c), kind, cursor, limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toList(page.Items, page.Next, toPartyJSON))
}

func (h *handlers) getParty(c echo.Context) error {
	id, err := pathID(c, "id", party.ErrNotFound)
	if err != nil {
		return err
	}
	p, err := h.app.Administration.GetParty(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toPartyJSON(p))
}

// deactivateParty stops a party acting on the platform (operators only).
func (h *handlers) deactivateParty(c echo.Context) error {
	id, err := pathID(c, "id", party.ErrNotFound)
	if err != nil {
		return err
	}
	p, err := h.app.Administration.DeactivateParty(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toPartyJSON(p))
}

type bankAccountJSON struct {
	ID          string    `json:"id"`
	PartyID     string    `json:"party_id"`
	Currency    string    `json:"currency"`
	Scheme      string    `json:"scheme"`
	BankCode    string    `json:"bank_code"`
	Number      string    `json:"number"`
	AccountType string    `json:"account_type,omitempty"`
	IBAN        string    `json:"iban,omitempty"`
	HolderName  string    `json:"holder_name"`
	CreatedAt   time.Time `json:"created_at"`
}

func toBankAccountJSON(a party.BankAccount) bankAccountJSON {
	return bankAccountJSON{ID: a.ID.String(), PartyID: a.PartyID.String(), Currency: string(a.Currency), Scheme: a.Scheme,
		BankCode: a.BankCode, Number: a.Number, AccountType: a.AccountType, IBAN: a.IBAN, HolderName: a.HolderName, CreatedAt: a.CreatedAt.UTC()}
}

func (h *handlers) addBankAccount(c echo.Context) error {
	id, err := pathID(c, "id", party.ErrNotFound)
	if err != nil {
		return err
	}
	var req struct {
		Currency    string `json:"currency"`
		Scheme      string `json:"scheme"`
		BankCode    string `json:"bank_code"`
		Number      string `json:"number"`
		AccountType string `json:"account_type"`
		IBAN        string `json:"iban"`
		HolderName  string `json:"holder_name"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	a, err := h.app.Administration.AddBankAccount(c.Request().Context(), actor(c), id, party.AccountDraft{Currency: req.Currency, Scheme: req.Scheme,
		BankCode: req.BankCode, Number: req.Number, AccountType: req.AccountType, IBAN: req.IBAN, HolderName: req.HolderName})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toBankAccountJSON(a))
}

func (h *handlers) listBankAccounts(c echo.Context) error {
	id, err := pathID(c, "id", party.ErrNotFound)
	if err != nil {
		return err
	}
	accts, err := h.app.Administration.ListBankAccounts(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toList(accts, "", toBankAccountJSON))
}

func (h *handlers) createUser(c echo.Context) error {
	id, err := pathID(c, "id", party.ErrNotFound)
	if err != nil {
		return err
	}
	var req struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	u, err := h.app.Administration.CreateUser(c.Request().Context(), actor(c), id, req.Email, req.Password)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"id": u.ID, "party_id": u.PartyID, "email": u.Email, "role": u.Role, "created_at": u.CreatedAt.UTC()})
}

func (h *handlers) createAPIClient(c echo.Context) error {
	id, err := pathID(c, "id", party.ErrNotFound)
	if err != nil {
		return err
	}
	var req struct {
		Name string `json:"name"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	cl, err := h.app.Administration.CreateAPIClient(c.Request().Context(), actor(c), id, req.Name)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	body := map[string]any{"id": cl.ID, "client_id": cl.ClientID, "party_id": cl.PartyID, "role": cl.Role, "name": cl.Name, "created_at": cl.CreatedAt.UTC()}
	// The secret is shown once: a replay under the same Idempotency-Key gets the client without it.
	redacted, err := json.Marshal(body)
	if err != nil {
		return err
	}
	c.Set(idemReplayBody, redacted)
	body["client_secret"] = cl.Secret
	return c.JSON(http.StatusCreated, body)
}
