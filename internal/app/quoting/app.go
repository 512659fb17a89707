// Package quoting holds pricing and quotes: reference rates, holiday calendars and
// their overrides, lenders' standing offers, price previews, quotes and the
// portal's early-payment verdicts.
package quoting

import "github.com/cadena-finance/cadena/internal/app"

// App is this capability's use cases over the shared base.
type App struct {
	*app.Base
}
