// Package acceptance turns an open offer into financings, one per invoice, in
// two round trips under the documented lock order.
package acceptance

import "github.com/cadena-finance/cadena/internal/app"

// App is this capability's use cases over the shared base.
type App struct {
	*app.Base
}
