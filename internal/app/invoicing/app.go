// Package invoicing holds the buyers' invoice use cases: publishing one invoice or a
// batch (with its dry-run preview), listing, cancelling, and expiring invoices past due.
package invoicing

import "github.com/cadena-finance/cadena/internal/app"

// App is this capability's use cases over the shared base.
type App struct {
	*app.Base
}
