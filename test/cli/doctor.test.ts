import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkConfiguration, checkQueue, type Check } from '../../src/core/admin/doctor'
import { startJobs } from '../../src/core/jobs'
import { getTestContext, testConfig } from '../support/context'
import { cliEnvironment, rookery, startServe, TEST_DOMAIN, type CliEnv } from './run'

const byId = (checks: Check[]) => Object.fromEntries(checks.map((c) => [c.id, c]))

function freePort(): number {
  const probe = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response(null) })
  const port = probe.port!
  probe.stop(true)
  return port
}

describe('rookery doctor', () => {
  let cli: CliEnv
  let port: number
  let env: Record<string, string>

  beforeAll(async () => {
    cli = await cliEnvironment()
    port = freePort()
    env = { ROOKERY_BASE_URL: `http://127.0.0.1:${port}` }
    // Any admin command stores the instance identity on a new database.
    const first = await rookery(cli, ['instance', 'show', '--json'], { env })
    expect(first.code).toBe(0)
  }, 120_000)
  afterAll(async () => { await cli?.cleanup() })

  test('a sound installation: every check ok or skipped, exit 0', async () => {
    const res = await rookery(cli, ['doctor', '--offline', '--json'], { env })
    expect(res.code).toBe(0)
    const result = res.json<{ ok: boolean; checks: Check[] }>()
    expect(result.ok).toBe(true)
    const checks = byId(result.checks)
    for (const id of ['database', 'migrations', 'identity', 'vapid', 'queue', 'clock', 'size', 'media', 'media_disk']) expect(checks[id]?.state).toBe('ok')
    expect(checks.database.detail).toContain('PostgreSQL')
    expect(checks.identity.detail).toContain(TEST_DOMAIN)
    expect(checks.url.state).toBe('skip')
    expect(result.checks.every((c) => c.state === 'ok' || c.state === 'skip' || c.fix)).toBe(true)
  }, 60_000)

  test('plain output when piped: one line per check, fixes on stderr', async () => {
    const res = await rookery(cli, ['doctor', '--offline'], { env })
    expect(res.code).toBe(0)
    expect(res.stdout).toMatch(/^CHECK +STATE +DETAIL\n/)
    expect(res.stdout).toMatch(/\nMigrations +ok +all \d+ applied\n/)
    expect(res.stdout).not.toContain('\x1b[')
  }, 60_000)

  test('a domain other than the stored one fails, with the fix', async () => {
    const res = await rookery(cli, ['doctor', '--offline', '--json'], { env: { ...env, ROOKERY_DOMAIN: 'elsewhere.example' } })
    expect(res.code).toBe(1)
    const checks = byId(res.json<{ checks: Check[] }>().checks)
    expect(checks.identity.state).toBe('fail')
    expect(checks.identity.detail).toContain('elsewhere.example')
    expect(checks.identity.fix).toContain(TEST_DOMAIN)
    expect(res.stderr).toContain('1 check failed: Instance identity')
  }, 60_000)

  test('a media folder that cannot be written fails', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'rookery-doctor-'))
    const file = join(scratch, 'not-a-folder')
    writeFileSync(file, 'x')
    try {
      const res = await rookery(cli, ['doctor', '--offline', '--json'], { env: { ...env, ROOKERY_MEDIA_DIR: join(file, 'media') } })
      expect(res.code).toBe(1)
      const checks = byId(res.json<{ checks: Check[] }>().checks)
      expect(checks.media.state).toBe('fail')
      expect(checks.media.fix).toContain('ROOKERY_MEDIA_DIR')
    } finally {
      rmSync(scratch, { recursive: true, force: true })
    }
  }, 60_000)

  test('the public URL: ok when the running server answers as this instance, through its database too', async () => {
    const server = await startServe({ ...cli, env: { ...cli.env, ...env } }, ['--port', String(port)])
    try {
      const res = await rookery(cli, ['doctor', '--json', '--timeout', '5'], { env })
      const checks = byId(res.json<{ checks: Check[] }>().checks)
      expect(checks.url.state).toBe('ok')
      expect(checks.url.detail).toContain(TEST_DOMAIN)
      expect(checks.database.state).toBe('ok')
      expect(res.code).toBe(0)
    } finally {
      await server.stop()
    }
    // Stopped: a warning with the fix, within the timeout.
    const started = performance.now()
    const res = await rookery(cli, ['doctor', '--json', '--timeout', '2'], { env })
    expect(byId(res.json<{ checks: Check[] }>().checks).url).toMatchObject({ state: 'warn' })
    expect(performance.now() - started).toBeLessThan(30_000)
  }, 180_000)
})

describe('rookery doctor without a database', () => {
  test('no embedded database in the folder: the database check fails and the ones needing it are skipped', async () => {
    const cli = await cliEnvironment({ embedded: true })
    try {
      const res = await rookery(cli, ['doctor', '--offline', '--json'])
      expect(res.code).toBe(1)
      const checks = byId(res.json<{ checks: Check[] }>().checks)
      expect(checks.database.state).toBe('fail')
      expect(checks.database.detail).toContain('no embedded database')
      for (const id of ['migrations', 'identity', 'queue', 'clock']) expect(checks[id].state).toBe('skip')
    } finally {
      await cli.cleanup()
    }
  }, 60_000)

  test('PostgreSQL that does not answer fails quickly', async () => {
    const cli = await cliEnvironment({ embedded: true })
    try {
      const started = performance.now()
      const res = await rookery(cli, ['doctor', '--offline', '--json', '--timeout', '2'], { env: { DATABASE_URL: `postgres://postgres@127.0.0.1:${freePort()}/nothing` } })
      expect(res.code).toBe(1)
      expect(byId(res.json<{ checks: Check[] }>().checks).database).toMatchObject({ state: 'fail' })
      expect(performance.now() - started).toBeLessThan(30_000)
    } finally {
      await cli.cleanup()
    }
  }, 60_000)
})

describe('doctor checks', () => {
  test('configuration: plain http on a public domain and a base URL on another host are warned about', () => {
    expect(checkConfiguration(testConfig({ domain: 'social.example', baseUrl: 'http://social.example' }))).toMatchObject({ state: 'warn' })
    expect(checkConfiguration(testConfig({ domain: 'social.example', baseUrl: 'https://other.example' })).detail).toContain('differs')
    expect(checkConfiguration(testConfig({ baseUrl: 'not a url' }))).toMatchObject({ state: 'fail' })
    const sound = testConfig({ domain: 'social.example', baseUrl: 'https://social.example' })
    sound.mail.smtpUrl = 'smtps://u:p@mail.example:465'
    expect(checkConfiguration(sound)).toMatchObject({ state: 'ok' })
  })

  test('job queue: a failed job in the last day is a warning', async () => {
    const ctx = await getTestContext()
    const jobs = await startJobs(ctx.database, { supervise: false, queues: ['imports'] })
    try {
      // jobs other test files of this process left behind (failed, or overdue in a long run) would count too
      await ctx.database.db.execute(`delete from pgboss.job` as never)
      const id = await jobs.send('imports', { doctor: true })
      expect((await checkQueue(ctx)).state).toBe('ok')
      await ctx.database.db.execute(`update pgboss.job set state = 'failed', completed_on = now() where id = '${id}'` as never)
      const check = await checkQueue(ctx)
      expect(check.state).toBe('warn')
      expect(check.detail).toContain('1 failed in the last day')
    } finally {
      await jobs.stop()
    }
  })
})
