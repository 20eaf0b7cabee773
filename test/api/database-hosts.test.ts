// A DATABASE_URL may name several hosts (`postgres://h1:5432,h2:5433/db`): a new connection tries them in order and
// uses the first that answers, as libpq does, so a standby promoted behind the second address takes over. Two loopback
// proxies stand for the two hosts, both in front of the test's PostgreSQL.
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { createServer, type Server } from 'node:net'
import { isUnavailableError } from '../../src/db/availability'
import { openPostgres, type Database } from '../../src/db/client'
import { getTestContext } from '../support/context'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy'

const onPostgres = !!process.env.TEST_DATABASE_URL

describe.skipIf(!onPostgres)('a DATABASE_URL with several hosts', () => {
  let first: TcpProxy
  let second: TcpProxy
  let target: { user: string; database: string }
  const opened: Database[] = []

  beforeAll(async () => {
    const ctx = await getTestContext()
    const options = (ctx.db as unknown as { $client: { options: { host: string[]; port: number[]; database: string; user: string } } }).$client.options
    first = await startTcpProxy({ host: options.host[0], port: options.port[0] })
    second = await startTcpProxy({ host: options.host[0], port: options.port[0] })
    target = { user: options.user, database: options.database }
  })

  afterEach(async () => {
    for (const d of opened.splice(0)) await d.close()
    first.restore()
    second.restore()
  })

  afterAll(async () => {
    await first?.close()
    await second?.close()
  })

  const open = (ports: number[], query = '') => {
    const hosts = ports.map((p) => `127.0.0.1:${p}`).join(',')
    const database = openPostgres(`postgres://${encodeURIComponent(target.user)}@${hosts}/${target.database}${query}`, 2)
    opened.push(database)
    return database
  }
  const answer = async (d: Database) => ((await d.db.execute('select current_database() as name')) as unknown as { name: string }[])[0]?.name
  const counts = () => ({ first: first.accepted, second: second.accepted })
  const since = (before: { first: number; second: number }) => ({ first: first.accepted - before.first, second: second.accepted - before.second })

  test('with every host up, connections go to the first', async () => {
    const before = counts()
    const d = open([first.port, second.port])
    expect(await answer(d)).toBe(target.database)
    expect(since(before)).toEqual({ first: 1, second: 0 })
    expect(d.availability!.up).toBe(true)
  })

  test('a first host that closes every connection is passed over for the second', async () => {
    first.cut('refuse')
    const before = counts()
    const d = open([first.port, second.port])
    expect(await answer(d)).toBe(target.database)
    expect(since(before)).toEqual({ first: 1, second: 1 })
    expect(d.availability!.up).toBe(true)
  })

  test('a first host where nothing listens is passed over for the second', async () => {
    const closed: Server = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as { port: number }).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const before = counts()
    const d = open([port, second.port])
    expect(await answer(d)).toBe(target.database)
    expect(since(before)).toEqual({ first: 0, second: 1 })
  })

  test('a first host that never answers is passed over after the connect timeout', async () => {
    first.cut('blackhole')
    const d = open([first.port, second.port])
    expect(await answer(d)).toBe(target.database)
    expect(d.availability!.up).toBe(true)
  }, 30_000)

  test('when the first host goes away, new connections fail over to the second', async () => {
    const d = open([first.port, second.port])
    expect(await answer(d)).toBe(target.database)
    first.cut('refuse')
    const before = counts()
    // the query on the cut connection may fail; the next connection reaches the second host
    await answer(d).catch(() => null)
    expect(await answer(d)).toBe(target.database)
    expect(since(before).second).toBeGreaterThanOrEqual(1)
    expect(d.availability!.up).toBe(true)
  })

  test('with every host gone the query fails as unavailable, and it recovers once one is back', async () => {
    first.cut('refuse')
    second.cut('refuse')
    const d = open([first.port, second.port])
    const failure = await answer(d).then(() => null, (e) => e)
    expect(isUnavailableError(failure)).toBe(true)
    expect(d.availability!.up).toBe(false)
    second.restore()
    let back = false
    for (let i = 0; i < 100 && !back; i++) {
      back = await d.availability!.probeNow()
      if (!back) await Bun.sleep(100)
    }
    expect(back).toBe(true)
    expect(await answer(d)).toBe(target.database)
  }, 30_000)

  test('target_session_attrs: a primary is refused when only a standby will do, and taken when one is preferred', async () => {
    const standby = open([first.port, second.port], '?target_session_attrs=standby')
    const before = counts()
    await expect(answer(standby)).rejects.toThrow()
    expect(since(before)).toEqual({ first: 1, second: 1 })
    const preferred = open([first.port, second.port], '?target_session_attrs=prefer-standby')
    expect(await answer(preferred)).toBe(target.database)
  }, 30_000)
})
