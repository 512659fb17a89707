package api

import (
	"encoding/csv"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/app/settling"
	"github.com/cadena-finance/cadena/internal/invoice"
	"github.com/cadena-finance/cadena/internal/money"
)

type balanceJSON struct {
	Account string `json:"account"`
	Normal  string `json:"normal_side"`
	Debits  string `json:"debits"`
	Credits string `json:"credits"`
	Balance string `json:"balance"`
}

type statementLineJSON struct {
	At          time.Time `json:"at"`
	EntryID     string    `json:"entry_id"`
	EntryKind   string    `json:"entry_kind"`
	FinancingID string    `json:"financing_id"`
	Account     string    `json:"account"`
	Side        string    `json:"side"`
	Amount      string    `json:"amount"`
	Balance     string    `json:"balance"`
}

// ledgerStatement answers GET /v1/statements?currency=&from=&to=: the
// caller's own movements, JSON or (Accept: text/csv) CSV.
func (h *handlers) ledgerStatement(c echo.Context) error {
	limit := 1000
	if s := c.QueryParam("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 1000 {
			return fail(http.StatusBadRequest, codeBadParameter, "Bad query parameter", "limit must be an integer from 1 to 1000")
		}
		limit = n
	}
	st, err := h.app.Settling.Statement(c.Request().Context(), actor(c), settling.StatementQuery{Currency: c.QueryParam("currency"),
		From: c.QueryParam("from"), To: c.QueryParam("to"), After: c.QueryParam("cursor"), Limit: limit})
	if errors.Is(err, settling.ErrBadCursor) {
		return fail(http.StatusBadRequest, codeBadParameter, "Bad query parameter", err.Error())
	}
	if err != nil {
		return err
	}
	cur := st.Currency
	lines := make([]statementLineJSON, len(st.Lines))
	for i, l := range st.Lines {
		lines[i] = statementLineJSON{At: l.At.UTC(), EntryID: l.EntryID.String(), EntryKind: string(l.EntryKind), FinancingID: l.FinancingID.String(),
			Account: string(l.Account), Side: string(l.Side), Amount: money.Format(l.Amount, cur), Balance: money.Format(l.Balance, cur)}
	}
	if accepts(c, "text/csv") {
		c.Response().Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		c.Response().Header().Set("Content-Disposition", `attachment; filename="statement-`+string(cur)+`.csv"`)
		c.Response().WriteHeader(http.StatusOK)
		w := csv.NewWriter(c.Response())
		_ = w.Write([]string{"at", "entry_id", "entry_kind", "financing_id", "account", "side", "amount", "currency", "balance"})
		for _, l := range lines {
			_ = w.Write([]string{l.At.Format(time.RFC3339), l.EntryID, invoice.SafeCell(l.EntryKind), l.FinancingID, invoice.SafeCell(l.Account),
				l.Side, l.Amount, string(cur), l.Balance})
		}
		w.Flush()
		return w.Error()
	}
	bal := func(bs []settling.Balance) []balanceJSON {
		out := make([]balanceJSON, len(bs))
		for i, b := range bs {
			out[i] = balanceJSON{Account: string(b.Account), Normal: string(b.Account.Normal()), Debits: money.Format(b.Debits, cur),
				Credits: money.Format(b.Credits, cur), Balance: money.Format(b.Balance, cur)}
		}
		return out
	}
	out := struct {
		PartyID    string              `json:"party_id"`
		Currency   string              `json:"currency"`
		From       *string             `json:"from"`
		To         *string             `json:"to"`
		Opening    []balanceJSON       `json:"opening"`
		Closing    []balanceJSON       `json:"closing"`
		Lines      []statementLineJSON `json:"lines"`
		NextCursor string              `json:"next_cursor"`
	}{PartyID: actor(c).PartyID.String(), Currency: string(cur), Opening: bal(st.Opening), Closing: bal(st.Closing), Lines: lines}
	if !st.From.IsZero() {
		s := st.From.Format(time.DateOnly)
		out.From = &s
	}
	if !st.To.IsZero() {
		s := st.To.AddDate(0, 0, -1).Format(time.DateOnly)
		out.To = &s
	}
	out.NextCursor = st.Next
	return c.JSON(http.StatusOK, out)
}
