// `rookery user ...` as a real process. On PGlite the commands run while `serve` holds the data folder, so they go
// through its socket (as an admin's would); on PostgreSQL they connect directly.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { verifyPassword } from '../../src/core/accounts/passwords'
import type { Ctx } from '../../src/core/context'
import { issueToken } from '../../src/core/oauth/tokens'
import { oauthTokens, users } from '../../src/db/schema'
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

async function newUser(extra: string[] = []) {
  const nick = unique('u')
  const r = await rookery(cli, ['user', 'new', nick, `${nick}@example.com`, '--password', 'correct horse', '--json', ...extra])
  expect(r.stderr).toBe('')
  expect(r.code).toBe(0)
  return { nick, json: r.json() }
}

async function liveTokens(userId: string) {
  const rows = await ctx.db.select().from(oauthTokens).where(eq(oauthTokens.userId, userId))
  return rows.filter((t) => !t.revokedAt).length
}

describe('user new', () => {
  test('creates a confirmed, approved user and prints it as JSON', async () => {
    const { nick, json } = await newUser(['--admin', '--display-name', 'Alice A.', '--bio', 'Hello\n\nthere', '--locale', 'de'])
    expect(json).toMatchObject({
      nickname: nick, acct: nick, local: true, email: `${nick}@example.com`, display_name: 'Alice A.',
      is_admin: true, is_moderator: false, is_active: true, is_confirmed: true, is_approved: true, locked: false, locale: 'de',
      url: `https://cli.rookery.test/@${nick}`,
    })
    expect(json.password).toBeUndefined()
    const [row] = await ctx.db.select().from(users).where(eq(users.id, json.user_id))
    expect(await verifyPassword('correct horse', row.passwordHash)).toBe(true)
  })

  test('generates a password when none is given and prints it once', async () => {
    const nick = unique('g')
    const r = await rookery(cli, ['user', 'new', nick, `${nick}@example.com`, '--json'])
    expect(r.code).toBe(0)
    const json = r.json()
    expect(json.password).toMatch(/^[A-Za-z0-9_-]{24}$/)
    const [row] = await ctx.db.select().from(users).where(eq(users.id, json.user_id))
    expect(await verifyPassword(json.password, row.passwordHash)).toBe(true)

    const plain = await rookery(cli, ['user', 'new', unique('p'), `${unique('p')}@example.com`])
    expect(plain.code).toBe(0)
    expect(plain.stdout).toMatch(/^Password: [A-Za-z0-9_-]{24}$/m)
    expect(plain.stderr).toContain('shown only this once')
  })

  test('reads the password from stdin', async () => {
    const nick = unique('s')
    const r = await rookery(cli, ['user', 'new', nick, `${nick}@example.com`, '--password-stdin', '--json'], { stdin: 'from stdin 123\n' })
    expect(r.code).toBe(0)
    const [row] = await ctx.db.select().from(users).where(eq(users.id, r.json().user_id))
    expect(await verifyPassword('from stdin 123', row.passwordHash)).toBe(true)
  })

  test('allows reserved names for admins', async () => {
    const taken = await rookery(cli, ['user', 'show', 'admin', '--json'])
    if (taken.code === 0) return // a shared database may already have one
    const r = await rookery(cli, ['user', 'new', 'admin', `${unique('a')}@example.com`, '--admin', '--json'])
    expect(r.code).toBe(0)
    expect(r.json().nickname).toBe('admin')
  })

  test('a duplicate nickname or e-mail exits 1 with one clear line', async () => {
    const { nick } = await newUser()
    const dupNick = await rookery(cli, ['user', 'new', nick.toUpperCase(), `${unique('d')}@example.com`, '--password', 'password123'])
    expect(dupNick.code).toBe(1)
    expect(dupNick.stdout).toBe('')
    expect(dupNick.stderr).toBe('error: Validation failed: Username has already been taken\n')

    const dupEmail = await rookery(cli, ['user', 'new', unique('d'), `${nick}@EXAMPLE.com`, '--password', 'password123', '--json'])
    expect(dupEmail.code).toBe(1)
    expect(dupEmail.stderr).toBe('error: Validation failed: Email has already been taken\n')
  })

  test('invalid input exits 1 with the validation message', async () => {
    const badEmail = await rookery(cli, ['user', 'new', unique('e'), 'not-an-email', '--password', 'password123'])
    expect(badEmail.code).toBe(1)
    expect(badEmail.stderr).toBe('error: Validation failed: Email is invalid\n')
    const shortPassword = await rookery(cli, ['user', 'new', unique('e'), `${unique('e')}@example.com`, '--password', 'short'])
    expect(shortPassword.code).toBe(1)
    expect(shortPassword.stderr).toContain('Password is too short')
    const badNick = await rookery(cli, ['user', 'new', 'no spaces!', `${unique('e')}@example.com`, '--password', 'password123'])
    expect(badNick.code).toBe(1)
    expect(badNick.stderr).toContain('Username must contain only letters, numbers and underscores')
  })

  test('usage errors exit 2', async () => {
    const both = await rookery(cli, ['user', 'new', unique('x'), 'x@example.com', '--password', 'password123', '--password-stdin'], { stdin: 'x' })
    expect(both.code).toBe(2)
    expect(both.stderr).toContain("cannot be used with option '--password-stdin'")
    const missing = await rookery(cli, ['user', 'new', unique('x')])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain("missing required argument 'email'")
    const unknown = await rookery(cli, ['user', 'new', unique('x'), 'x@example.com', '--superuser'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("unknown option '--superuser'")
    const emptyStdin = await rookery(cli, ['user', 'new', unique('x'), `${unique('x')}@example.com`, '--password-stdin'], { stdin: '' })
    expect(emptyStdin.code).toBe(1)
    expect(emptyStdin.stderr).toContain('nothing was read from standard input')
  })
})

describe('user list and show', () => {
  test('lists newest first with filters, as JSON and as a plain table', async () => {
    const tag = unique('l')
    const a = await newUser(['--display-name', `${tag} one`])
    const b = await newUser(['--display-name', `${tag} two`, '--moderator'])
    const all = await rookery(cli, ['user', 'list', '--query', tag, '--json'])
    expect(all.code).toBe(0)
    expect(all.json().map((u: any) => u.nickname)).toEqual([b.nick, a.nick])

    const mods = await rookery(cli, ['user', 'list', '--query', tag, '--moderators', '--local', '--json'])
    expect(mods.json().map((u: any) => u.nickname)).toEqual([b.nick])
    const admins = await rookery(cli, ['user', 'list', '--query', tag, '--admins', '--json'])
    expect(admins.json()).toEqual([])

    const limited = await rookery(cli, ['user', 'list', '--query', tag, '--limit', '1'])
    expect(limited.code).toBe(0)
    const lines = limited.stdout.trimEnd().split('\n')
    expect(lines[0]).toMatch(/^NICKNAME\s+EMAIL\s+ROLE\s+STATE\s+CREATED$/)
    expect(lines).toHaveLength(2)
    expect(lines[1]).toStartWith(b.nick)
    expect(limited.stdout).not.toContain('\x1b[')
    expect(limited.stderr).toContain('raise --limit')

    const none = await rookery(cli, ['user', 'list', '--query', unique('nobody'), '--json'])
    expect(none.json()).toEqual([])
    const nonePlain = await rookery(cli, ['user', 'list', '--query', unique('nobody')])
    expect(nonePlain.stdout).toBe('')
    expect(nonePlain.stderr).toBe('No users found.\n')
  })

  test('shows one user by nickname, @handle, local acct or id', async () => {
    const { nick, json } = await newUser()
    for (const handle of [`@${nick}`, json.id]) {
      const r = await rookery(cli, ['user', 'show', handle, '--json'])
      expect(r.code).toBe(0)
      expect(r.json().user_id).toBe(json.user_id)
    }
    const plain = await rookery(cli, ['user', 'show', nick])
    expect(plain.stdout).toContain(`Email:        ${nick}@example.com`)
    const missing = await rookery(cli, ['user', 'show', unique('ghost')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toMatch(/^error: User \w+ not found\n$/)
  })

  test('bad option values are usage errors', async () => {
    for (const args of [['--limit', '0'], ['--limit', 'ten'], ['--bogus']]) {
      const r = await rookery(cli, ['user', 'list', ...args])
      expect(r.code).toBe(2)
      expect(r.stderr).toContain('error:')
    }
  })
})

describe('changing users', () => {
  test('set changes roles and flags, and refuses to do nothing', async () => {
    const { nick } = await newUser(['--moderator'])
    const r = await rookery(cli, ['user', 'set', nick, '--admin', '--no-moderator', '--locked', '--no-confirmed', '--json'])
    expect(r.code).toBe(0)
    expect(r.json()).toMatchObject({ is_admin: true, is_moderator: false, locked: true, is_confirmed: false })
    const back = await rookery(cli, ['user', 'set', nick, '--no-admin', '--no-locked', '--confirmed'])
    expect(back.code).toBe(0)
    expect(back.stdout).toStartWith(`Updated @${nick}: not admin, not locked, confirmed\n`)
    const shown = (await rookery(cli, ['user', 'show', nick, '--json'])).json()
    expect(shown).toMatchObject({ is_admin: false, locked: false, is_confirmed: true })

    const nothing = await rookery(cli, ['user', 'set', nick])
    expect(nothing.code).toBe(2)
    expect(nothing.stderr).toContain('nothing to change')
    const ghost = await rookery(cli, ['user', 'set', unique('ghost'), '--admin'])
    expect(ghost.code).toBe(1)
  })

  test('deactivate revokes tokens; activate lets the user back in', async () => {
    const { nick, json } = await newUser()
    await issueToken(ctx, { appId: null, userId: json.user_id, scopes: ['read'] })
    await issueToken(ctx, { appId: null, userId: json.user_id, scopes: ['write'] })
    const off = await rookery(cli, ['user', 'deactivate', nick, '--json'])
    expect(off.code).toBe(0)
    expect(off.json()).toMatchObject({ is_active: false, revoked_tokens: 2 })
    expect(await liveTokens(json.user_id)).toBe(0)
    const listed = await rookery(cli, ['user', 'list', '--deactivated', '--query', nick, '--json'])
    expect(listed.json().map((u: any) => u.nickname)).toEqual([nick])

    const on = await rookery(cli, ['user', 'activate', nick])
    expect(on.code).toBe(0)
    expect(on.stdout).toBe(`Activated @${nick}\n`)
    expect((await rookery(cli, ['user', 'show', nick, '--json'])).json().is_active).toBe(true)
  })

  test('reset-password sets a new password and signs the user out', async () => {
    const { nick, json } = await newUser()
    await issueToken(ctx, { appId: null, userId: json.user_id, scopes: ['read'] })
    const r = await rookery(cli, ['user', 'reset-password', nick, '--json'])
    expect(r.code).toBe(0)
    const out = r.json()
    expect(out.revoked_tokens).toBe(1)
    expect(out.password).toMatch(/^[A-Za-z0-9_-]{24}$/)
    const [row] = await ctx.db.select().from(users).where(eq(users.id, json.user_id))
    expect(await verifyPassword(out.password, row.passwordHash)).toBe(true)
    expect(await verifyPassword('correct horse', row.passwordHash)).toBe(false)
    expect(await liveTokens(json.user_id)).toBe(0)

    const given = await rookery(cli, ['user', 'reset-password', nick, '--password', 'chosen password'])
    expect(given.code).toBe(0)
    expect(given.stdout).not.toContain('Password:')
    const [after] = await ctx.db.select().from(users).where(eq(users.id, json.user_id))
    expect(await verifyPassword('chosen password', after.passwordHash)).toBe(true)
  })

  test('sign-out revokes every token', async () => {
    const { nick, json } = await newUser()
    await issueToken(ctx, { appId: null, userId: json.user_id, scopes: ['read'] })
    const r = await rookery(cli, ['user', 'sign-out', nick])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(`Signed @${nick} out: revoked 1 token\n`)
    expect(await liveTokens(json.user_id)).toBe(0)
  })

  test('rm refuses without --yes when there is no terminal, and deletes with it', async () => {
    const { nick, json } = await newUser()
    const refused = await rookery(cli, ['user', 'rm', nick])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain('pass --yes')
    expect((await rookery(cli, ['user', 'show', nick])).code).toBe(0)

    const deleted = await rookery(cli, ['user', 'rm', nick, '--yes', '--json'])
    expect(deleted.code).toBe(0)
    expect(deleted.json()).toMatchObject({ nickname: nick, deleted: true })
    expect((await rookery(cli, ['user', 'show', nick])).code).toBe(1)
    expect(await ctx.db.select().from(users).where(eq(users.id, json.user_id))).toEqual([])
    const again = await rookery(cli, ['user', 'rm', nick, '--yes'])
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('not found')
  })
})
