package api_test

import (
	"context"
	"testing"

	"github.com/cadena-finance/cadena/internal/api/apitest"
	"github.com/cadena-finance/cadena/internal/auth"
)

// Every event reaches the hash chain with who caused it, and tampering with
// a stored record is reported with its seq.
func TestAuditFeedAndVerify(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	w := env.Seed()
	ctx := context.Background()
	op := env.Token(w.Operator.ID, auth.RoleOperator)
	if r := env.Do(apitest.Req{Method: "POST", Path: "/v1/parties/" + w.Buyer.ID.String() + "/users", Token: op,
		Body: map[string]string{"email": "tesoreria@comprador.mx", "password": "una clave larga"}}); r.Status != 201 {
		t.Fatalf("user: %d", r.Status)
	}
	for {
		n, err := env.App.Auditing.AuditPending(ctx, 7) // small claims, to cross batch boundaries
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	var events int
	if err := env.Pool.QueryRow(ctx, "SELECT count(*) FROM outbox WHERE subject LIKE 'cadena.%' AND audited_at IS NOT NULL").Scan(&events); err != nil {
		t.Fatal(err)
	}
	var st struct {
		OK          bool   `json:"ok"`
		Checked     int    `json:"checked"`
		HeadSeq     int64  `json:"head_seq"`
		Pending     int64  `json:"pending"`
		FirstBadSeq *int64 `json:"first_bad_seq"`
	}
	env.Do(apitest.Req{Method: "GET", Path: "/v1/audit/verify", Token: op}).JSON(t, &st)
	if !st.OK || st.Checked != events || st.Pending != 0 || st.HeadSeq != int64(events) {
		t.Fatalf("status %+v with %d events", st, events)
	}
	var subject, role, action string
	var party *string
	err := env.Pool.QueryRow(ctx, `SELECT actor_subject, actor_role, actor_party_id::text, action FROM audit_log
		WHERE action = 'party.user_created'`).Scan(&subject, &role, &party, &action)
	if err != nil || subject != "test" || role != "operator" || party == nil || *party != w.Operator.ID.String() {
		t.Fatalf("actor %s/%s/%v %v", subject, role, party, err)
	}
	if _, err := env.Pool.Exec(ctx, "UPDATE audit_log SET action = 'x' WHERE seq = 2"); err == nil {
		t.Fatal("an audit row was updated")
	}
	// A superuser who disables the triggers can edit, but verify catches it.
	for _, sql := range []string{"ALTER TABLE audit_log DISABLE TRIGGER ALL",
		`UPDATE audit_log SET after_state = '{"forged":true}' WHERE seq = 3`, "ALTER TABLE audit_log ENABLE TRIGGER ALL"} {
		if _, err := env.Pool.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	env.Do(apitest.Req{Method: "GET", Path: "/v1/audit/verify", Token: op}).JSON(t, &st)
	if st.OK || st.FirstBadSeq == nil || *st.FirstBadSeq != 3 {
		t.Fatalf("tampering not caught: %+v", st)
	}
}
