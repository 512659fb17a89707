package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/audit/auditdb"
	"github.com/cadena-finance/cadena/internal/platform/db"
)

// Every token `cadena token` mints is in the audit log: the command as
// actor, the party, role, subject, token id and expiry, never the token.
func TestTokenIsAudited(t *testing.T) {
	url := seededDemo(t)
	if code, _, stderr := runReported(t, "keygen"); code != 0 {
		t.Fatal(stderr)
	}
	code, out, stderr := runReported(t, "token", "--party", "ABA010203BB4", "--role", "buyer", "--subject", "ana@ops", "--json")
	if code != 0 {
		t.Fatal(stderr)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresAt   string `json:"expires_at"`
		PartyID     string `json:"party_id"`
	}
	if err := json.Unmarshal([]byte(out), &tok); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	s, ctx, err := openApp(ctx, newFlagSet(), nil, &strings.Builder{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(context.Background()) //nolint:errcheck
	if _, err := s.App.Auditing.AuditPending(ctx, 10000); err != nil {
		t.Fatal(err)
	}
	pool, err := db.Open(ctx, url, 2)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	recs, err := auditdb.ForObject(ctx, pool, "party", tok.PartyID)
	if err != nil {
		t.Fatal(err)
	}
	var found int
	for _, r := range recs {
		if r.Action != "party.token_minted" {
			continue
		}
		found++
		var data map[string]any
		_ = json.Unmarshal(r.After, &data)
		payload := string(r.After)
		if r.Actor.Subject != "cli:token" || data["role"] != "buyer" || data["subject"] != "ana@ops" || data["expires_at"] != tok.ExpiresAt ||
			data["token_id"] == "" || strings.Contains(payload, tok.AccessToken) || strings.Contains(payload, "eyJ") {
			t.Errorf("record %+v: %s", r.Actor, payload)
		}
	}
	if found != 1 {
		t.Fatalf("%d token records among %d for the party", found, len(recs))
	}

	// A deactivated party gets no token: every request would refuse it.
	id, _ := uuid.Parse(tok.PartyID)
	if _, err := s.App.Administration.DeactivateParty(ctx, app.System, id); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runReported(t, "token", "--party", "ABA010203BB4", "--role", "buyer"); code == 0 || !strings.Contains(stderr, "deactivated") {
		t.Fatalf("token for a deactivated party: exit %d, %s", code, stderr)
	}
}
