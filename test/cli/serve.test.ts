// `rookery serve` on an embedded (PGlite) data folder: startup line, the folder lock, other commands going through the
// running server, and a clean stop that keeps the data.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { cliEnvironment, rookery, startServe, unique, type CliEnv, type ServeProcess } from './run'

let cli: CliEnv
let server: ServeProcess | null = null

beforeAll(async () => {
  cli = await cliEnvironment({ embedded: true })
  server = await startServe(cli)
})

afterAll(async () => {
  if (server) await server.stop()
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

describe('serve on an embedded database', () => {
  test('prints where it listens and which database it uses', () => {
    expect(server!.startLine).toMatchObject({ url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), database: `embedded PGlite in ${cli.dataDir}` })
    const lock = JSON.parse(readFileSync(join(cli.dataDir!, 'rookery.lock'), 'utf8'))
    expect(lock).toMatchObject({ pid: server!.pid, role: 'serve' })
    expect(existsSync(lock.socket)).toBe(true)
  })

  test('a second server on the same data folder is refused', async () => {
    const second = await rookery(cli, ['serve', '--port', '0'])
    expect(second.code).toBe(1)
    expect(second.stdout).toBe('')
    expect(second.stderr).toContain(`error: the data folder ${cli.dataDir} is in use by a running Rookery server, pid ${server!.pid}`)
  })

  test('a command run meanwhile goes through the server, which sees the result at once', async () => {
    const nick = unique('live')
    const created = await rookery(cli, ['user', 'new', nick, `${nick}@example.com`, '--password', 'through the socket', '--json'])
    expect(created.code).toBe(0)
    expect(created.stderr).toBe('')

    const app = await form(`${server!.url}/api/v1/apps`, { client_name: 'cli test', redirect_uris: 'urn:ietf:wg:oauth:2.0:oob', scopes: 'read' })
    expect(app.status).toBe(200)
    const token = await form(`${server!.url}/oauth/token`, {
      grant_type: 'password', client_id: app.json.client_id, client_secret: app.json.client_secret,
      username: nick, password: 'through the socket', scope: 'read',
    })
    expect(token.status).toBe(200)
    const me = await fetch(`${server!.url}/api/v1/accounts/verify_credentials`, { headers: { authorization: `Bearer ${token.json.access_token}` } })
    expect(me.status).toBe(200)
    expect((await me.json() as any).username).toBe(nick)

    // and a change made over the socket applies to the running server right away
    const off = await rookery(cli, ['user', 'deactivate', nick, '--json'])
    expect(off.json().revoked_tokens).toBe(1)
    const denied = await fetch(`${server!.url}/api/v1/accounts/verify_credentials`, { headers: { authorization: `Bearer ${token.json.access_token}` } })
    expect(denied.status).toBe(401)
  })

  test('a port in use is a clear error', async () => {
    const blocker = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('busy') })
    try {
      const r = await rookery(cli, ['serve', '--port', String(blocker.port), '--host', '127.0.0.1'])
      expect(r.code).toBe(1)
      expect(r.stderr).toBe(`error: cannot listen on 127.0.0.1:${blocker.port}: the port is already in use\n`)
    } finally {
      blocker.stop(true)
    }
  })

  test('SIGTERM stops it cleanly; the data stays and the folder is free again', async () => {
    const nick = unique('kept')
    expect((await rookery(cli, ['user', 'new', nick, `${nick}@example.com`, '--password', 'password123'])).code).toBe(0)
    const { socket } = JSON.parse(readFileSync(join(cli.dataDir!, 'rookery.lock'), 'utf8'))
    const stopped = await server!.stop()
    server = null
    expect(stopped.code).toBe(0)
    expect(stopped.stderr).toContain('SIGTERM received: stopping\nstopped\n')
    expect(existsSync(join(cli.dataDir!, 'rookery.lock'))).toBe(false)
    expect(existsSync(socket)).toBe(false)

    const shown = await rookery(cli, ['user', 'show', nick, '--json'])
    expect(shown.code).toBe(0)
    expect(shown.json().nickname).toBe(nick)
  })
})
