// Package tools pins what the build runs but the server never links: the
// oapi-codegen generator (a `tool` in go.mod) and the runtime its generated
// clients import, so contracts' client test compiles them at known versions.
package tools

import (
	_ "github.com/oapi-codegen/runtime"
	_ "github.com/oapi-codegen/runtime/types"
)
