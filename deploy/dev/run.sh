#!/usr/bin/env bash
# `make run`: a working platform on embedded defaults. PostgreSQL as found or
# started by postgres.sh, an embedded NATS, migrations, the demo, then serve.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ -z "${DATABASE_URL:-}" ]; then
  admin=$(deploy/dev/postgres.sh)
  export DATABASE_URL="${admin%%/postgres\?*}/cadena?sslmode=disable"
fi
mkdir -p bin
echo "building bin/cadena (a first build downloads and compiles the dependencies: about two minutes)" >&2
go build -o bin/cadena ./cmd/cadena
bin/cadena migrate --create-db
bin/cadena seed-demo
port=${CADENA_HTTP_ADDR:-:8080}; port=${port##*:}
cat <<MSG

Cadena is starting on http://localhost:$port  (Ctrl-C stops it; make stop then stops a private PostgreSQL)
Database: $DATABASE_URL
Embedded NATS: nats://${CADENA_NATS_HOST:-127.0.0.1}:${CADENA_NATS_PORT:-4223} (operator mode: lenders connect with credentials from: bin/cadena nats-config --lender TAX-ID)

Log in at http://localhost:$port/ as cobranza@tostadora.demo (password cadena-demo-2026) to get paid now.

Try it, in another terminal:
  export DATABASE_URL='$DATABASE_URL'
  TOKEN=\$(bin/cadena token --party ABA010203BB4 --role buyer)
  curl -s -H "Authorization: Bearer \$TOKEN" http://localhost:$port/v1/programs
  curl -s -X POST http://localhost:$port/v1/auth/login -H 'Content-Type: application/json' \\
       -d '{"email":"cobranza@tostadora.demo","password":"cadena-demo-2026"}'

MSG
exec bin/cadena serve
