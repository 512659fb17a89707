// Package access turns credentials into actors: logins and client tokens
// behind the login throttle, the portal's password check, and tokens minted
// by the operator's CLI.
package access

import "github.com/cadena-finance/cadena/internal/app"

// App is this capability's use cases over the shared base.
type App struct {
	*app.Base
}
