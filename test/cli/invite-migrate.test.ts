// `rookery migrate` and `rookery invite ...` as real processes opening the database themselves
// (embedded PGlite in a temporary folder, or a fresh PostgreSQL database with TEST_DATABASE_URL).
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { MIGRATIONS } from '../../src/db/migrations.gen'
import { cliEnvironment, ROOT, rookery, type CliEnv } from './run'

let cli: CliEnv

beforeAll(async () => {
  cli = await cliEnvironment()
})

afterAll(async () => {
  await cli?.cleanup()
})

describe('migrate', () => {
  test('status lists every embedded migration, up applies them, status then shows them applied', async () => {
    const before = await rookery(cli, ['migrate', 'status', '--json'])
    expect(before.code).toBe(0)
    expect(before.json()).toEqual(MIGRATIONS.map((m) => ({ name: m.tag, applied: false })))

    const plainBefore = await rookery(cli, ['migrate', 'status'])
    expect(plainBefore.stdout.split('\n')[0]).toMatch(/^MIGRATION\s+STATUS$/)
    for (const m of MIGRATIONS) expect(plainBefore.stdout).toMatch(new RegExp(`^${m.tag} +pending$`, 'm'))
    expect(plainBefore.stderr).toContain(`warning: ${MIGRATIONS.length} pending`)

    const up = await rookery(cli, ['migrate', '--json'])
    expect(up.code).toBe(0)
    expect(up.json()).toMatchObject({ applied: MIGRATIONS.map((m) => m.tag), total: MIGRATIONS.length })

    const after = await rookery(cli, ['migrate', 'status', '--json'])
    expect(after.json().every((m: { applied: boolean }) => m.applied)).toBe(true)
    const again = await rookery(cli, ['migrate', 'up'])
    expect(again.code).toBe(0)
    expect(again.stdout).toBe(`The database schema is up to date (${MIGRATIONS.length} migrations applied)\n`)
  })
})

describe('invite', () => {
  test('new, list, revoke', async () => {
    const created = await rookery(cli, ['invite', 'new', '--max-use', '2', '--expires-in', '7d', '--json'])
    expect(created.code).toBe(0)
    const invite = created.json()
    expect(invite).toMatchObject({ state: 'active', max_use: 2, uses: 0, revoked_at: null })
    expect(invite.url).toBe(`https://cli.rookery.test/registration/${invite.token}`)
    const expiresIn = new Date(invite.expires_at).getTime() - Date.now()
    expect(expiresIn).toBeGreaterThan(7 * 86_400_000 - 60_000)
    expect(expiresIn).toBeLessThanOrEqual(7 * 86_400_000)

    const byDay = (await rookery(cli, ['invite', 'new', '--expires-at', '2099-12-31', '--json'])).json()
    expect(byDay).toMatchObject({ expires_at: '2100-01-01T00:00:00.000Z', max_use: null })
    const plain = await rookery(cli, ['invite', 'new', '--max-use', '1'])
    expect(plain.code).toBe(0)
    const plainUrl = /^Created invite (\S+)$/m.exec(plain.stdout)?.[1]
    expect(plainUrl).toStartWith('https://cli.rookery.test/registration/')

    const listed = await rookery(cli, ['invite', 'list', '--json'])
    expect(listed.json().map((i: any) => i.token)).toEqual([plainUrl!.split('/').pop(), byDay.token, invite.token])

    const revoked = await rookery(cli, ['invite', 'revoke', invite.token, '--json'])
    expect(revoked.code).toBe(0)
    expect(revoked.json()).toMatchObject({ token: invite.token, state: 'revoked' })
    const byUrl = await rookery(cli, ['invite', 'revoke', plainUrl!])
    expect(byUrl.stdout).toBe(`Revoked invite ${plainUrl!.split('/').pop()}\n`)
    const byId = await rookery(cli, ['invite', 'revoke', byDay.id, '--json'])
    expect(byId.json().state).toBe('revoked')

    const active = await rookery(cli, ['invite', 'list'])
    expect(active.stdout).toBe('')
    expect(active.stderr).toBe('No usable invites (list all with --all).\n')
    const all = await rookery(cli, ['invite', 'list', '--all'])
    const rows = all.stdout.trimEnd().split('\n')
    expect(rows[0]).toMatch(/^TOKEN\s+STATE\s+USES\s+EXPIRES\s+CREATED$/)
    expect(rows).toHaveLength(4)
    expect(rows.find((r) => r.startsWith(invite.token))).toMatch(/\srevoked\s+0\/2\s/)
    expect(all.stdout).not.toContain('\x1b[')

    const missing = await rookery(cli, ['invite', 'revoke', 'no-such-invite'])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe('error: Invite not found\n')
  })

  test('bad values are usage errors', async () => {
    for (const args of [
      ['--max-use', '0'], ['--max-use', 'lots'], ['--expires-in', '7 days'], ['--expires-at', '31/12/2099'],
      ['--expires-at', '2099-02-30'], ['--expires-at', '2099-12-31', '--expires-in', '7d'],
    ]) {
      const r = await rookery(cli, ['invite', 'new', ...args])
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr).toStartWith('error: ')
    }
    const past = await rookery(cli, ['invite', 'new', '--expires-at', '2001-01-01'])
    expect(past.code).toBe(1)
    expect(past.stderr).toBe('error: Validation failed: Expiry must be in the future\n')
  })
})

describe('on a terminal', () => {
  const script = Bun.which('script')
  test.skipIf(!script)('Ink draws a spinner, a bordered table and coloured lines', async () => {
    await rookery(cli, ['invite', 'new', '--max-use', '3'])
    // A terminal as a person has it: colour support is switched off by CI markers in the environment.
    const { NO_COLOR: _, CI: _ci, GITHUB_ACTIONS: _gha, ...env } = cli.env
    const proc = Bun.spawn([script!, '-qec', 'node_modules/.bin/bun src/cli/index.ts invite list --all', '/dev/null'], {
      cwd: ROOT, env: { ...env, TERM: 'xterm-256color', COLUMNS: '100' }, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe',
    })
    const [out, code] = await Promise.all([new Response(proc.stdout).text(), proc.exited])
    expect(code).toBe(0)
    expect(out).toContain('Opening the database') // spinner frame
    expect(out).toMatch(/\x1b\[\d+m/) // colours
    const text = out.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '')
    expect(text).toMatch(/╭─+╮/)
    expect(text).toMatch(/│ Token\s+State\s+Uses\s+Expires\s+Created\s+│/)
  })
})

describe('help and version', () => {
  test('--version prints the version; no command is a usage error', async () => {
    const version = await rookery(cli, ['--version'])
    expect(version.code).toBe(0)
    expect(version.stdout).toBe(`${(await Bun.file('package.json').json()).version}\n`)
    const none = await rookery(cli, [])
    expect(none.code).toBe(2)
    expect(none.stderr).toContain('Usage: rookery')
    const unknown = await rookery(cli, ['frobnicate'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("unknown command 'frobnicate'")
  })

  test('help of a command shows its examples and exits 0', async () => {
    const r = await rookery(cli, ['invite', 'new', '--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Usage: rookery invite new|create [options]')
    expect(r.stdout).toContain('Examples:\n  $ rookery invite new')
  })
})
