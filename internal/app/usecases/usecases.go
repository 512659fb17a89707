// Package usecases wires the capability packages over one shared base, for
// the surfaces that offer them: the API, the portal, the NATS services and
// the CLI. It holds no rule of its own; a use case is found in the package
// its field names.
package usecases

import (
	"github.com/cadena-finance/cadena/internal/app"
	"github.com/cadena-finance/cadena/internal/app/acceptance"
	"github.com/cadena-finance/cadena/internal/app/access"
	"github.com/cadena-finance/cadena/internal/app/administration"
	"github.com/cadena-finance/cadena/internal/app/auctions"
	"github.com/cadena-finance/cadena/internal/app/auditing"
	"github.com/cadena-finance/cadena/internal/app/invoicing"
	"github.com/cadena-finance/cadena/internal/app/notifying"
	"github.com/cadena-finance/cadena/internal/app/quoting"
	"github.com/cadena-finance/cadena/internal/app/settling"
)

// Set is every capability over one base. The base's fields (Pool, Now,
// Committed…) and methods (Clock, CheckActor, Calendar…) are reached
// through it directly.
type Set struct {
	*app.Base
	Access         *access.App
	Administration *administration.App
	Invoicing      *invoicing.App
	Quoting        *quoting.App
	Acceptance     *acceptance.App
	Auctions       *auctions.App
	Settling       *settling.App
	Auditing       *auditing.App
	Notifying      *notifying.App
}

// New builds every capability over base; they share its pool, clock and caches.
func New(base *app.Base) *Set {
	return &Set{
		Base:           base,
		Access:         &access.App{Base: base},
		Administration: &administration.App{Base: base},
		Invoicing:      &invoicing.App{Base: base},
		Quoting:        &quoting.App{Base: base},
		Acceptance:     &acceptance.App{Base: base},
		Auctions:       &auctions.App{Base: base},
		Settling:       &settling.App{Base: base},
		Auditing:       &auditing.App{Base: base},
		Notifying:      &notifying.App{Base: base},
	}
}
