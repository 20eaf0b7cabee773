// The instance identity (domain and base URL) is fixed at first start and shared by the server and every command.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { cliEnvironment, rookery, startServe, unique, type CliEnv, type ServeProcess } from './run'

let cli: CliEnv
let server: ServeProcess | null = null

beforeAll(async () => {
  cli = await cliEnvironment()
  delete cli.env.ROOKERY_DOMAIN // derived from the port, as for someone trying Rookery out
})

afterAll(async () => {
  if (server) await server.stop()
  await cli?.cleanup()
})

async function selfLink(baseUrl: string, acct: string): Promise<string | undefined> {
  const res = await fetch(`${baseUrl}/.well-known/webfinger?resource=acct:${acct}`)
  expect(res.status).toBe(200)
  const jrd = await res.json() as { links: { rel: string; href?: string }[] }
  return jrd.links.find((l) => l.rel === 'self')?.href
}

describe('instance identity', () => {
  let first: string

  test('serve --port 0 on a new database stores the port it got', async () => {
    server = await startServe(cli)
    first = server.startLine.base_url as string
    const port = new URL(server.url).port
    expect(first).toBe(`http://localhost:${port}`)
  }, 120_000)

  test('a user made on the command line meanwhile gets the server\'s domain, not the CLI\'s default', async () => {
    const nick = unique('id')
    const made = await rookery(cli, ['user', 'new', nick, `${nick}@example.com`, '--password', 'identity test pw', '--json'])
    expect(made.code).toBe(0)
    const host = new URL(first).host
    expect(await selfLink(server!.url, `${nick}@${host}`)).toBe(`${first}/users/${nick}`)
  }, 120_000)

  test('a later start without a domain keeps the stored one, even on another port', async () => {
    await server!.stop()
    server = await startServe(cli)
    expect(server.startLine.base_url).toBe(first)
    expect(new URL(server.url).port).not.toBe(new URL(first).port)
  }, 120_000)

  test('a start with another ROOKERY_DOMAIN is refused, by the server and by commands', async () => {
    await server!.stop()
    server = null
    const moved = await rookery(cli, ['serve', '--port', '0'], { env: { ROOKERY_DOMAIN: 'elsewhere.example' } })
    expect(moved.code).toBe(1)
    expect(moved.stderr).toContain(`this instance's domain is ${new URL(first).host}`)
    expect(moved.stderr).toContain('but ROOKERY_DOMAIN is elsewhere.example')
    const listed = await rookery(cli, ['user', 'list', '--json'], { env: { ROOKERY_DOMAIN: 'elsewhere.example' } })
    expect(listed.code).toBe(1)
    expect(listed.stderr).toContain('would break every federated identity')
    const same = await rookery(cli, ['user', 'list', '--json'], { env: { ROOKERY_DOMAIN: new URL(first).host } })
    expect(same.code).toBe(0)
    expect(same.json()).toHaveLength(1)
  }, 120_000)

  test('a changed ROOKERY_BASE_URL is refused too', async () => {
    const r = await rookery(cli, ['user', 'list', '--json'], { env: { ROOKERY_BASE_URL: 'https://elsewhere.example' } })
    expect(r.code).toBe(1)
    expect(r.stderr).toContain(`this instance's base URL is ${first}`)
  }, 120_000)
})
