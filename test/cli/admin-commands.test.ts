// The administration commands as real processes, with a running server: on PGlite they go through its socket, on
// PostgreSQL straight to the database. `top` reads the server's own figures from its control socket.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { issueToken } from '../../src/core/oauth/tokens'
import { moderationLog, oauthTokens, users } from '../../src/db/schema'
import { cliEnvironment, inspect, rookery, startServe, unique, type CliEnv, type ServeProcess } from './run'

let cli: CliEnv
let server: ServeProcess | null = null
let ctx: Ctx

beforeAll(async () => {
  cli = await cliEnvironment()
  server = await startServe(cli)
  ctx = await inspect(cli)
})

afterAll(async () => {
  await ctx?.database.close()
  if (server) expect((await server.stop()).code).toBe(0)
  await cli?.cleanup()
})

function csv(name: string, text: string): string {
  const path = join(tmpdir(), `${unique(name)}.csv`)
  writeFileSync(path, text)
  return path
}

async function newUser() {
  const nick = unique('a')
  const r = await rookery(cli, ['user', 'new', nick, `${nick}@example.com`, '--password', 'correct horse', '--json'])
  expect(r.code).toBe(0)
  return r.json()
}

describe('user import', () => {
  test('creates users, reports generated passwords, and skips them when run again', async () => {
    const [a, b] = [unique('imp'), unique('imp')]
    const file = csv('people', `nickname,email,password,admin,moderator,tags\n${a},${a}@example.com,,yes,,\n${b},${b}@example.com,a good password,,1,"mrf_tag:x;friends"\n`)
    const first = await rookery(cli, ['user', 'import', file, '--json'])
    expect(first.stderr).not.toContain('error')
    expect(first.code).toBe(0)
    const report = first.json()
    expect(report).toMatchObject({ created: 2, skipped: 0, failed: 0 })
    expect(report.users[0]).toMatchObject({ line: 2, nickname: a, status: 'created', password: expect.stringMatching(/^\S{24}$/) })
    expect(report.users[1].password).toBeUndefined()
    const [row] = await ctx.db.select().from(users).where(eq(users.email, `${b}@example.com`))
    expect(row).toMatchObject({ isModerator: true, isAdmin: false, tags: ['mrf_tag:x', 'friends'] })
    expect(row.confirmedAt).not.toBeNull()

    const again = await rookery(cli, ['user', 'import', file])
    expect(again.code).toBe(0)
    expect(again.stdout).toContain(`skipped  ${a}: already exists`)
    expect(again.stdout).toContain('Created 0 users, skipped 2 (already there), failed 0')
  })

  test('rows that fail are reported with the reason and make the exit code 1; the others are created', async () => {
    const ok = unique('imp')
    const file = csv('mixed', `email,nickname,admin\nbad-address,${unique('imp')},\n${ok}@example.com,${ok},\n${unique('imp')}@example.com,${unique('imp')},perhaps\n`)
    const r = await rookery(cli, ['user', 'import', file])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('email is invalid')
    expect(r.stdout).toContain(`created  ${ok}`)
    expect(r.stdout).toContain('admin must be yes or no, got "perhaps"')
    expect(r.stderr).toContain('error: 2 rows could not be imported (see above)')
  })

  test('a bad header, an empty file or a missing file is a clear error', async () => {
    const header = await rookery(cli, ['user', 'import', csv('hdr', 'nick,mail\nx,y\n')])
    expect(header.code).toBe(1)
    expect(header.stderr).toContain('unknown columns "nick", "mail"')
    const noEmail = await rookery(cli, ['user', 'import', csv('hdr', 'nickname\nx\n')])
    expect(noEmail.stderr).toContain('the header row has no "email" column')
    const empty = await rookery(cli, ['user', 'import', csv('empty', 'nickname,email\n')])
    expect(empty.stderr).toContain('has a header row but no users')
    const missing = await rookery(cli, ['user', 'import', '/nonexistent/people.csv'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('cannot read /nonexistent/people.csv: no such file')
    expect((await rookery(cli, ['user', 'import'])).code).toBe(2)
  })
})

describe('user tag, untag and confirm', () => {
  test('tags are added, removed and shown; unknown users fail', async () => {
    const user = await newUser()
    const tagged = await rookery(cli, ['user', 'tag', user.nickname, 'mrf_tag:media-force-nsfw', 'staff', '--json'])
    expect(tagged.code).toBe(0)
    expect(tagged.json().tags).toEqual(['mrf_tag:media-force-nsfw', 'staff'])
    const untagged = await rookery(cli, ['user', 'untag', user.nickname, 'staff'])
    expect(untagged.stdout).toContain(`Untagged @${user.nickname}; tags now: mrf_tag:media-force-nsfw`)
    const unknown = await rookery(cli, ['user', 'tag', 'nobody_at_all', 'x'])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain('User nobody_at_all not found')
    expect((await rookery(cli, ['user', 'tag', user.nickname])).code).toBe(2)
  })

  test('confirm marks the address confirmed', async () => {
    const user = await newUser()
    await ctx.db.update(users).set({ confirmedAt: null }).where(eq(users.id, user.user_id))
    const r = await rookery(cli, ['user', 'confirm', user.nickname, '--json'])
    expect(r.code).toBe(0)
    expect(r.json().is_confirmed).toBe(true)
  })
})

describe('user sessions', () => {
  test('lists live sessions and revokes one or all', async () => {
    const user = await newUser()
    const one = await issueToken(ctx, { appId: null, userId: user.user_id, scopes: ['read'] })
    const two = await issueToken(ctx, { appId: null, userId: user.user_id, scopes: ['read', 'write'] })
    const listed = await rookery(cli, ['user', 'sessions', 'list', user.nickname, '--json'])
    expect(listed.code).toBe(0)
    expect(listed.json().map((s: any) => s.id).sort()).toEqual([one.row.id, two.row.id].sort())
    const plain = await rookery(cli, ['user', 'sessions', 'list', user.nickname])
    expect(plain.stdout).toContain('(browser login)')

    const revokedOne = await rookery(cli, ['user', 'sessions', 'revoke', user.nickname, one.row.id, '--json'])
    expect(revokedOne.json().revoked).toEqual([one.row.id])
    const unknown = await rookery(cli, ['user', 'sessions', 'revoke', user.nickname, one.row.id])
    expect(unknown.code).toBe(1)
    expect(unknown.stderr).toContain(`Session ${one.row.id} not found`)
    const all = await rookery(cli, ['user', 'sessions', 'revoke', user.nickname])
    expect(all.stdout).toContain(`Revoked 1 session of @${user.nickname}`)
    const live = (await ctx.db.select().from(oauthTokens).where(eq(oauthTokens.userId, user.user_id))).filter((t) => !t.revokedAt)
    expect(live).toEqual([])
    const none = await rookery(cli, ['user', 'sessions', 'list', user.nickname])
    expect(none.stderr).toContain('has no live sessions')
  })
})

describe('invite new --email', () => {
  test('without SMTP the link is printed to pass on; bad addresses are usage errors', async () => {
    const r = await rookery(cli, ['invite', 'new', '--max-use', '1', '--email', 'sam@example.com', '--name', 'Sam', '--json'])
    expect(r.code).toBe(0)
    expect(r.json()).toMatchObject({ email: 'sam@example.com', mailed: false, max_use: 1 })
    const plain = await rookery(cli, ['invite', 'new', '--email', 'sam@example.com'])
    expect(plain.stderr).toContain('No SMTP server is configured (ROOKERY_SMTP_URL): pass the link on to sam@example.com yourself')
    const bad = await rookery(cli, ['invite', 'new', '--email', 'nope'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--email: "nope" is not an e-mail address')
    expect((await rookery(cli, ['invite', 'new', '--name', 'Sam'])).code).toBe(2)
  })
})

describe('db, instance and config', () => {
  test('db status shows migrations, tables and the connection without secrets', async () => {
    const r = await rookery(cli, ['db', 'status', '--json'])
    expect(r.code).toBe(0)
    const status = r.json()
    expect(status.migrations.pending).toEqual([])
    expect(status.migrations.applied).toBe(status.migrations.total)
    expect(status.tables.map((t: any) => t.name)).toContain('users')
    expect(status.size_bytes).toBeGreaterThan(0)
    expect(JSON.stringify(status)).not.toMatch(/:[^:@/]+@/) // no user:password@
    const plain = await rookery(cli, ['db', 'status'])
    expect(plain.stdout).toMatch(/Migrations:\s+\d+ of \d+ applied/)
  })

  test('db vacuum runs; --full warns first', async () => {
    const r = await rookery(cli, ['db', 'vacuum', '--json'])
    expect(r.code).toBe(0)
    expect(r.json()).toMatchObject({ full: false, after_bytes: expect.any(Number) })
    const full = await rookery(cli, ['db', 'vacuum', '--full'])
    expect(full.code).toBe(0)
    expect(full.stderr).toContain('warning: VACUUM FULL locks each table')
    expect(full.stdout).toContain('VACUUM FULL ANALYZE done')
  })

  test('instance show counts users and statuses', async () => {
    const r = await rookery(cli, ['instance', 'show', '--json'])
    expect(r.code).toBe(0)
    expect(r.json()).toMatchObject({ domain: 'cli.rookery.test', registrations: 'open', version: expect.any(String) })
    expect(r.json().users).toBeGreaterThan(0)
  })

  test('config show masks secrets, also inside URLs', async () => {
    const r = await rookery(cli, ['config', 'show', '--json'], { env: { ROOKERY_SMTP_URL: 'smtps://mailer:hunter2@mail.example:465' } })
    expect(r.code).toBe(0)
    expect(r.json().mail.smtpUrl).toBe('smtps://mailer:********@mail.example:465')
    expect(r.stdout).not.toContain('hunter2')
    const plain = await rookery(cli, ['config', 'show'])
    expect(plain.stdout).toMatch(/registrations:\s+open/)
  })
})

describe('top', () => {
  test('without a terminal it prints one snapshot, with the server figures from its control socket', async () => {
    const r = await rookery(cli, ['top', '--json'])
    expect(r.code).toBe(0)
    const snap = r.json()
    expect(snap.server).toMatchObject({ pid: server!.pid })
    expect(snap.users.local).toBeGreaterThan(0)
    expect(snap.queue).toEqual(expect.any(Object))
    expect(snap.federation).toEqual({ queued: expect.any(Number), retrying: expect.any(Number), failed: expect.any(Number), unavailable_domains: expect.any(Number), failing: expect.any(Array) })
    const plain = await rookery(cli, ['top'])
    expect(plain.stdout).toMatch(/Federation:\s+\d+ deliveries queued \(\d+ retrying\) · \d+ failed · \d+ domains unavailable/)
    expect(plain.stdout).toMatch(/Requests:\s+\d+\.\d\/s/)
    expect(plain.stdout).toMatch(/Streams:\s+0 open/)
    expect((await rookery(cli, ['top', '--interval', '0'])).code).toBe(2)
    expect((await rookery(cli, ['top', '--help'])).stdout).toContain('Examples:')
  })

  test('the commands log what they did in the moderation log', async () => {
    const rows = await ctx.db.select().from(moderationLog)
    expect(rows.some((r) => r.action === 'tag' && r.actorAccountId === null && r.message.startsWith('The command line added tags'))).toBe(true)
  })
})

describe('top without a server', () => {
  test('shows n/a for what only a running server knows', async () => {
    await ctx.database.close()
    expect((await server!.stop()).code).toBe(0)
    server = null
    const r = await rookery(cli, ['top'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('n/a (no server running for this configuration)')
    expect(r.stdout).toMatch(/Users:\s+\d+ local/)
    ctx = await inspect(cli)
  })
})
