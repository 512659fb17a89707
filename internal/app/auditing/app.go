// Package auditing copies the outbox into the hash-chained audit log and verifies it.
package auditing

import "github.com/cadena-finance/cadena/internal/app"

// App is this capability's use cases over the shared base.
type App struct {
	*app.Base
}
