// Package administration holds parties, bank accounts, programs and their
// enrolments, and credentials: users, API clients and lenders' NATS access.
package administration

import "github.com/cadena-finance/cadena/internal/app"

// App is this capability's use cases over the shared base.
type App struct {
	*app.Base
	// LenderNATS creates lenders' consumers and credentials; set by
	// internal/server (nil without NATS: credentials answer ErrNATSUnavailable).
	LenderNATS LenderNATS
}
