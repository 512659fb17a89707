// Package settling holds settlement: funding and repayment confirmations, the
// maturity schedule, ISO 20022 payment files and bank statements, assignment
// notices, reconciliation and the ledger's reads.
package settling

import "github.com/cadena-finance/cadena/internal/app"

// App is this capability's use cases over the shared base.
type App struct {
	*app.Base
}
