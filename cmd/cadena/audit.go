package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/cadena-finance/cadena/internal/app"
)

// runAudit is `cadena audit verify`: it re-reads the hash chain and exits
// non-zero when any record was edited, deleted or forged.
func runAudit(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("audit verify", stdout)
	if len(args) > 0 && isHelp(args[0]) {
		return parseFlags(fs, args)
	}
	if len(args) == 0 || args[0] != "verify" {
		return usageErr("audit: name the verb: cadena audit verify (cadena audit --help)")
	}
	s, ctx, err := openApp(ctx, fs, args[1:], stderr)
	if err != nil {
		return err
	}
	defer s.Shutdown(context.Background()) //nolint:errcheck
	st, err := s.App.Auditing.AuditVerify(ctx, app.System)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "checked %d records; head seq %d hash %s; %d events not yet audited\n",
		st.Verify.Checked, st.Head.Seq, hex.EncodeToString(st.Head.Hash), st.Pending)
	if !st.Verify.OK() {
		return fmt.Errorf("audit log tampered: first bad record seq %d: %s (%d problems)", *st.Verify.FirstBad, st.Verify.Reason, st.Verify.Problems)
	}
	_, err = fmt.Fprintln(stdout, "audit log intact")
	return err
}
