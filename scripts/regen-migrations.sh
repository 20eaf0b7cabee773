#!/usr/bin/env bash
# Regenerates drizzle/ from the schema: 0000_extensions (hand-written, kept) + one generated migration,
# then the embedded list. Only for the pre-release period, before any migration has been shipped.
set -euo pipefail
cd "$(dirname "$0")/.."
ext=$(cat drizzle/0000_extensions.sql)
rm -rf drizzle
npx drizzle-kit generate --custom --name=extensions >/dev/null
printf '%s\n' "$ext" > drizzle/0000_extensions.sql
npx drizzle-kit generate --name=foundation
node_modules/.bin/bun scripts/gen-migrations.ts
