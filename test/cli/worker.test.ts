// `rookery serve --no-jobs` only sends jobs; `rookery worker` runs them. A status scheduled through the API of a
// jobs-less server stays pending until a worker runs, which then posts it. On PostgreSQL two servers and a worker run
// side by side; the embedded database serves one process, so there the worker takes over the folder after the server.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { resultRows } from '../../src/db/client'
import { cliEnvironment, inspect, rookery, startServe, startWorker, unique, type CliEnv, type ServeProcess } from './run'

let cli: CliEnv
const running: ServeProcess[] = []

beforeAll(async () => {
  cli = await cliEnvironment()
})

afterAll(async () => {
  for (const p of running) await p.stop()
  await cli?.cleanup()
})

async function form(url: string, body: Record<string, string>, token?: string) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: new URLSearchParams(body),
  })
  return { status: res.status, json: await res.json() as any }
}

async function query<T>(text: string): Promise<T[]> {
  const ctx = await inspect(cli)
  try {
    return resultRows<T>(await ctx.db.execute(sql.raw(text)))
  } finally {
    await ctx.database.close()
  }
}

async function stop(p: ServeProcess) {
  running.splice(running.indexOf(p), 1)
  const r = await p.stop()
  expect(r.code).toBe(0)
  return r
}

describe('serve --no-jobs and worker', () => {
  test('a job sent by a jobs-less server waits for a worker, which runs it', async () => {
    const server = await startServe(cli, ['--no-jobs'])
    running.push(server)
    expect(server.startLine.jobs).toBe(false)

    const nick = unique('sched')
    expect((await rookery(cli, ['user', 'new', nick, `${nick}@example.com`, '--password', 'a long enough password'])).code).toBe(0)
    const app = await form(`${server.url}/api/v1/apps`, { client_name: 'worker test', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read write' })
    const token = await form(`${server.url}/oauth/token`, {
      grant_type: 'password', client_id: app.json.client_id, client_secret: app.json.client_secret,
      username: nick, password: 'a long enough password', scope: 'read write',
    })
    expect(token.status).toBe(200)
    const text = `posted by a worker ${nick}`
    const scheduled = await form(`${server.url}/api/v1/statuses`, {
      status: text, scheduled_at: new Date(Date.now() + 10 * 60_000).toISOString(),
    }, token.json.access_token)
    expect(scheduled.status).toBe(200)
    expect(scheduled.json.params.text).toBe(text)

    // Make it due now, for the database and for the queue.
    await query(`update scheduled_statuses set scheduled_at = now() - interval '1 second'`)
    await query(`update pgboss.job set start_after = now() where name = 'statuses.scheduled'`)
    // pg-boss polls every 2 s: a server running jobs would have posted it well within this wait.
    await Bun.sleep(5_000)
    expect(await query(`select state from pgboss.job where name = 'statuses.scheduled'`)).toEqual([{ state: 'created' }])
    expect(await query(`select id from statuses where text = '${text}'`)).toEqual([])

    // The embedded database takes one process at a time: the worker opens it once the server has stopped.
    if (cli.dataDir) await stop(server)
    const worker = await startWorker(cli)
    running.push(worker)
    expect(worker.startLine).toMatchObject({ worker: true, pid: worker.pid })

    let posted: unknown[] = []
    for (const until = Date.now() + 30_000; Date.now() < until && posted.length === 0; await Bun.sleep(500)) {
      posted = await query(`select id from statuses where text = '${text}'`)
    }
    expect(posted).toHaveLength(1)
    expect(await query(`select id from scheduled_statuses`)).toEqual([])

    if (!cli.dataDir) {
      // a second HTTP-only server on the same database; both answer with what the worker posted
      const second = await startServe(cli, ['--no-jobs'])
      running.push(second)
      const auth = { headers: { authorization: `Bearer ${token.json.access_token}` } }
      const me = await fetch(`${server.url}/api/v1/accounts/verify_credentials`, auth)
      const account = await me.json() as any
      expect(me.status).toBe(200)
      const accountId = String(account.id)
      for (const url of [server.url, second.url]) {
        const res = await fetch(`${url}/api/v1/accounts/${accountId}/statuses`, auth)
        const statuses = await res.json() as any[]
        expect({ status: res.status, contents: Array.isArray(statuses) ? statuses.map((s) => s.content) : statuses })
          .toEqual({ status: 200, contents: [expect.stringContaining(text)] })
      }
      await stop(second)
      await stop(server)
    }
    const stopped = await stop(worker)
    expect(stopped.stderr).toBe('SIGTERM received: stopping\nstopped\n')
  })

  test.if(!process.env.TEST_DATABASE_URL)('on the embedded database a worker is refused while a server holds the folder', async () => {
    const server = await startServe(cli)
    running.push(server)
    const r = await rookery(cli, ['worker'])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`is in use by a running Rookery server, pid ${server.pid}`)
    await stop(server)
  })
})
