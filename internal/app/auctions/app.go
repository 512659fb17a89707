// Package auctions holds auctions: opening one on a supplier's invoices, lenders'
// bids, closing due auctions into a winning offer, and expiring lapsed offers.
package auctions

import "github.com/cadena-finance/cadena/internal/app"

// App is this capability's use cases over the shared base.
type App struct {
	*app.Base
}
