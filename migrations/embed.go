// Package migrations embeds the SQL migrations applied by tern.
package migrations

import "embed"

// FS holds NNN_name.sql files; tern applies them in order under an advisory lock.
//
//go:embed *.sql
var FS embed.FS
