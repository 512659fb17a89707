package api

import (
	"mime"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/cadena-finance/cadena/internal/app/settling"
	"github.com/cadena-finance/cadena/internal/calendar"
	"github.com/cadena-finance/cadena/internal/money"
	"github.com/cadena-finance/cadena/internal/settlement"
)

// statementRoute takes camt.054 files of up to iso20022.MaxCamt054Bytes,
// above the ordinary body limit, so it has its own.
const statementRoute = "/v1/bank-statements"

type statementEntryJSON struct {
	Line           int     `json:"line"`
	EntryReference string  `json:"entry_reference"`
	BankReference  string  `json:"bank_reference"`
	EndToEndID     string  `json:"end_to_end_id"`
	Amount         string  `json:"amount"`
	Currency       string  `json:"currency"`
	CreditDebit    string  `json:"credit_debit"`
	Status         string  `json:"status"`
	Outcome        string  `json:"outcome"`
	Reason         string  `json:"reason"`
	FinancingID    *string `json:"financing_id"`
	Leg            string  `json:"leg,omitempty"`
}

// statementHeadJSON is what the list and the single read share.
type statementHeadJSON struct {
	ID            string         `json:"id"`
	MessageID     string         `json:"message_id"`
	UploadedBy    string         `json:"uploaded_by"`
	DuplicateOf   *string        `json:"duplicate_of"`
	CreatedAt     time.Time      `json:"created_at"`
	Counts        map[string]int `json:"counts"`
	HeldForReview bool           `json:"held_for_review"`
}

type statementJSON struct {
	statementHeadJSON
	Entries []statementEntryJSON `json:"entries"`
}

func toStatementHead(s settlement.StatementSummary) statementHeadJSON {
	out := statementHeadJSON{ID: s.ID.String(), MessageID: s.MessageID, UploadedBy: s.UploadedByParty.String(), CreatedAt: s.CreatedAt.UTC(),
		Counts: s.Outcomes, HeldForReview: s.Held()}
	if s.DuplicateOf != nil {
		d := s.DuplicateOf.String()
		out.DuplicateOf = &d
	}
	return out
}

func toStatementJSON(s settlement.Statement) statementJSON {
	out := statementJSON{statementHeadJSON: toStatementHead(settlement.StatementSummary{Statement: s, Outcomes: s.Counts()}),
		Entries: make([]statementEntryJSON, len(s.Entries))}
	for i, e := range s.Entries {
		j := statementEntryJSON{Line: e.Line, EntryReference: e.EntryReference, BankReference: e.BankReference, EndToEndID: e.EndToEndID,
			Amount: money.Format(e.Amount, e.Currency), Currency: string(e.Currency), CreditDebit: string(e.CreditDebit), Status: e.Status,
			Outcome: string(e.Outcome), Reason: e.Reason, Leg: string(e.Leg)}
		if e.FinancingID != nil {
			id := e.FinancingID.String()
			j.FinancingID = &id
		}
		out.Entries[i] = j
	}
	return out
}

// uploadStatement takes a camt.054.001.08 (application/xml) and answers
// with the outcome of every item.
func (h *handlers) uploadStatement(c echo.Context) error {
	if ct := c.Request().Header.Get(echo.HeaderContentType); !mediaIs(ct, "application/xml", "text/xml") {
		return fail(http.StatusUnsupportedMediaType, codeMediaType, "Unsupported media type", "send a camt.054.001.08 as application/xml")
	}
	s, err := h.app.Settling.UploadStatement(c.Request().Context(), actor(c), c.Request().Body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toStatementJSON(s))
}

func (h *handlers) getStatement(c echo.Context) error {
	id, err := pathID(c, "id", settlement.ErrStatementNotFound)
	if err != nil {
		return err
	}
	s, err := h.app.Settling.GetStatement(c.Request().Context(), actor(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toStatementJSON(s))
}

// listStatements answers GET /v1/bank-statements?status=&held_for_review=&from=&to=.
func (h *handlers) listStatements(c echo.Context) error {
	limit, cursor, err := pageParams(c)
	if err != nil {
		return err
	}
	q := settling.StatementListQuery{Outcome: settlement.Outcome(c.QueryParam("status")), Cursor: cursor, Limit: limit}
	switch q.Outcome {
	case "", settlement.Matched, settlement.Duplicated, settlement.Unmatched, settlement.Mismatched:
	default:
		return fail(http.StatusBadRequest, codeBadParameter, "Bad query parameter", "status must be matched, duplicate, unmatched or mismatched")
	}
	switch c.QueryParam("held_for_review") {
	case "":
	case "true", "false":
		held := c.QueryParam("held_for_review") == "true"
		q.Held = &held
	default:
		return fail(http.StatusBadRequest, codeBadParameter, "Bad query parameter", "held_for_review is true or false")
	}
	for _, d := range []struct {
		name string
		to   *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		if s := c.QueryParam(d.name); s != "" {
			if *d.to, err = calendar.ParseDate(s); err != nil {
				return fail(http.StatusBadRequest, codeBadParameter, "Bad query parameter", d.name+" is YYYY-MM-DD")
			}
		}
	}
	if !q.From.IsZero() && !q.To.IsZero() && q.To.Before(q.From) {
		return fail(http.StatusBadRequest, codeBadParameter, "Bad query parameter", "to must not be before from")
	}
	page, err := h.app.Settling.ListStatements(c.Request().Context(), actor(c), q)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toList(page.Items, page.Next, toStatementHead))
}

// mediaIs reports whether the Content-Type ct is one of types.
func mediaIs(ct string, types ...string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	return err == nil && slices.Contains(types, mt)
}
