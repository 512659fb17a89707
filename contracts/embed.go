// Package contracts embeds the API and event contracts so the server can
// publish them and the tests can validate real traffic against them.
package contracts

import "embed"

// OpenAPI is contracts/openapi.yaml, the truth about the HTTP API.
//
//go:embed openapi.yaml
var OpenAPI []byte

// Events holds one JSON Schema per event type, named <type>.json.
//
//go:embed events/*.json
var Events embed.FS
