package api

import (
	"encoding/hex"
	"net/http"

	"github.com/labstack/echo/v4"
)

// auditVerify re-reads the audit chain and reports whether it is intact.
func (h *handlers) auditVerify(c echo.Context) error {
	st, err := h.app.Auditing.AuditVerify(c.Request().Context(), actor(c))
	if err != nil {
		return err
	}
	out := map[string]any{"ok": st.Verify.OK(), "checked": st.Verify.Checked, "problems": st.Verify.Problems,
		"head_seq": st.Head.Seq, "head_hash": hex.EncodeToString(st.Head.Hash), "pending": st.Pending}
	if !st.Verify.OK() {
		out["first_bad_seq"], out["reason"] = *st.Verify.FirstBad, st.Verify.Reason
	}
	return c.JSON(http.StatusOK, out)
}
