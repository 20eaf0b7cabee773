// Preloaded by bun test (bunfig.toml): one migrated database per test process, shared by every test file.
// With TEST_DATABASE_URL set, a fresh PostgreSQL database is created from it and dropped at the end; otherwise in-memory PGlite.
import { afterAll } from 'bun:test'
import { closeTestContext, getTestContext } from './context'

await getTestContext()
// closing waits for connections pg-boss reserved (up to 5 s on postgres.js), and dropping the database takes a while on a busy machine
afterAll(closeTestContext, 30_000)
