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

// RPC holds the JSON Schemas of NATS request/reply services, named
// <subject>.request.json and <subject>.reply.json.
//
//go:embed rpc/*.json
var RPC embed.FS
