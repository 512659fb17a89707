package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/party"
)

type natsCredentialsJSON struct {
	LenderID    string    `json:"lender_id"`
	Creds       string    `json:"creds,omitempty"`
	URL         string    `json:"url"`
	InboxPrefix string    `json:"inbox_prefix"`
	APIPrefix   string    `json:"api_prefix"`
	Stream      string    `json:"stream"`
	Consumer    string    `json:"consumer"`
	ExpiresAt   time.Time `json:"expires_at"`
}

// issueNATSCredentials returns a lender's .creds once: a replay under the
// same Idempotency-Key gets the connection details without the secret.
func (h *handlers) issueNATSCredentials(c echo.Context) error {
	id, err := pathID(c, "id", party.ErrNotFound)
	if err != nil {
		return err
	}
	lc, err := h.app.Administration.IssueNATSCredentials(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	out := natsCredentialsJSON{LenderID: id.String(), URL: lc.URL, InboxPrefix: lc.InboxPrefix, APIPrefix: lc.APIPrefix,
		Stream: lc.Stream, Consumer: lc.Consumer, ExpiresAt: lc.ExpiresAt.UTC()}
	redacted, err := json.Marshal(out)
	if err != nil {
		return err
	}
	c.Set(idemReplayBody, redacted)
	out.Creds = string(lc.Creds)
	return c.JSON(http.StatusCreated, out)
}
