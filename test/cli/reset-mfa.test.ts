// `rookery user reset-mfa` as a real process.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { users } from '../../src/db/schema'
import { cliEnvironment, inspect, rookery, startServe, unique, type CliEnv, type ServeProcess } from './run'

let cli: CliEnv
let server: ServeProcess | null = null
let ctx: Ctx

beforeAll(async () => {
  cli = await cliEnvironment()
  if (cli.dataDir) server = await startServe(cli)
  else expect((await rookery(cli, ['migrate'])).code).toBe(0)
  ctx = await inspect(cli)
})

afterAll(async () => {
  await ctx?.database.close()
  if (server) expect((await server.stop()).code).toBe(0)
  await cli?.cleanup()
})

test('reset-mfa turns two-factor authentication off, and says when there was none', async () => {
  const nick = unique('m')
  const made = await rookery(cli, ['user', 'new', nick, `${nick}@example.com`, '--password', 'correct horse', '--json'])
  expect(made.code).toBe(0)
  const userId = made.json().user_id
  await ctx.db.update(users).set({ totpSecret: 'JBSWY3DPEHPK3PXP', backupCodeHashes: ['x'] }).where(eq(users.id, userId))

  const r = await rookery(cli, ['user', 'reset-mfa', nick])
  expect(r.code).toBe(0)
  expect(r.stdout).toBe(`Turned off two-factor authentication of @${nick}\n`)
  const [row] = await ctx.db.select().from(users).where(eq(users.id, userId))
  expect(row.totpSecret).toBeNull()
  expect(row.backupCodeHashes).toEqual([])

  const again = await rookery(cli, ['user', 'reset-mfa', nick, '--json'])
  expect(again.code).toBe(0)
  expect(again.json()).toMatchObject({ nickname: nick, mfa_was_enabled: false })
  expect((await rookery(cli, ['user', 'reset-mfa', 'nobody_like_this'])).code).toBe(1)
})
