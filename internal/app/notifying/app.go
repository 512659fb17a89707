// Package notifying turns delivered events into the parties' notices, exactly once.
package notifying

import "github.com/cadena-finance/cadena/internal/app"

// App is this capability's use cases over the shared base.
type App struct {
	*app.Base
}
