import { describe, expect, test } from 'bun:test'
import { heapStats } from 'bun:jsc'
import { sql } from 'drizzle-orm'
import { resultRows } from '../../src/db/client'
import { getTestContext, testApp } from '../support/context'
import { makeUser } from '../support/factories'
import { seededRandom } from '../../scripts/seeded-random'

const SEED = 20261205
const MAX_CASES = 2500
const TIME_BUDGET_MS = 30_000

/** Browser pages, static files and the WebSocket endpoint answer errors in their own formats by design. */
const NON_JSON = /^\/(oauth\/(authorize|mfa)|api\/v1\/pleroma\/password_reset|api\/account\/confirm_email|media\/|api\/v1\/streaming|instance\/|emoji\/|static\/|proxy\/|auth\/|registration\/|ostatus_subscribe|authorize_interaction|@|users\/|notice\/|objects\/|tags\/|$)/

const IDS = ['abc', '-1', '0', '1'.repeat(30), '9223372036854775808', "1' OR '1'='1", '1;SELECT pg_sleep(5)', '%00', '%ED%A0%80', '%FF%FE', '%25', '__proto__', 'a'.repeat(3000), '..%2F..', '٣', '00000000-0000-0000-0000-000000000000']
const STRINGS = ['', ' ', 'a'.repeat(70_000), '\u0000', 'x\u0000y', '\ud800', '🦜'.repeat(500), '<script>alert(1)</script>', '-1', '1e309', 'null', 'true', '[]', '{}', '%', '../../etc/passwd']

describe('request fuzzing', () => {
  test(`malformed params, bodies and headers on every route (seed ${SEED}): no 5xx, errors are JSON`, async () => {
    const app = await testApp()
    const user = await makeUser()
    const random = seededRandom(SEED)
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]
    const scalar = (): unknown => pick<() => unknown>([
      () => pick(STRINGS), () => Math.floor(random() * 2 ** 40) - 2 ** 20, () => random() < 0.5, () => null, () => 1e308,
      () => [pick(STRINGS)], () => ({ [pick(['__proto__', 'constructor', 'a', ''])]: pick(STRINGS) }),
    ])()
    const nested = (depth: number): unknown => (depth <= 0 ? scalar() : random() < 0.5 ? [nested(depth - 1)] : { a: nested(depth - 1) })

    const routes = app.routes.filter((r) => typeof r.path === 'string' && !r.path.includes('*') && r.method !== 'WS')
    expect(routes.length).toBeGreaterThan(100)
    const failures: string[] = []
    const started = performance.now()
    let sent = 0

    // every route gets at least one case however slow the machine; the time budget only bounds the rest
    for (let i = 0; i < MAX_CASES && (i <= routes.length || performance.now() - started < TIME_BUDGET_MS); i++) {
      const route = routes[i % routes.length]
      const method = route.method === 'ALL' ? 'POST' : route.method
      const path = route.path.replace(/:[A-Za-z_]+/g, () => (random() < 0.8 ? pick(IDS) : encodeURIComponent(pick(STRINGS).toWellFormed()) || 'x'))
      const url = new URL(`http://localhost${path}`)
      if (random() < 0.3) url.searchParams.append(pick(['limit', 'max_id', 'ids[]', 'a[b][c]', 'exclude_types[]', 'q', 'x\u0000']), String(scalar()))
      const headers = new Headers()
      const auth = random()
      if (auth < 0.45) headers.set('authorization', `Bearer ${user.token}`)
      else if (auth < 0.55) headers.set('authorization', pick(['Bearer ', `Bearer ${'t'.repeat(8000)}`, 'Basic !!!', `Basic ${btoa('a:b')}`, 'Bearer a b']))
      if (random() < 0.1) headers.set(pick(['x-forwarded-for', 'range', 'accept', 'idempotency-key', 'origin', 'cookie']), pick(['garbage', 'bytes=0-1,'.repeat(200), '*/*;q=abc', 'null', '_pleroma_key=%E0%A4%A']))
      let body: BodyInit | undefined
      if (method !== 'GET' && method !== 'HEAD') {
        const kind = Math.floor(random() * 8)
        if (kind === 0) {
          headers.set('content-type', 'application/json')
          body = JSON.stringify({ [pick(['status', 'id', 'ids', 'title', 'email', 'password', 'poll', 'media_ids', 'visibility'])]: nested(Math.floor(random() * 4)) })
        } else if (kind === 1) {
          headers.set('content-type', 'application/json')
          body = pick(['{', '{"a":', '[1,2', '{"a":1,"a":2}', '{"__proto__":{"admin":true}}', '1e309', '"\\ud800"', '{"email":"x\\u0000y"}', '['.repeat(5000) + ']'.repeat(5000), 'null'])
        } else if (kind === 2) {
          headers.set('content-type', 'application/x-www-form-urlencoded')
          body = pick(['a[[[[[b]=1', '__proto__[x]=1', 'a[]=1&a[b]=2', 'status=%', 'ids[]=1&'.repeat(50), `${'a[x]'.repeat(40)}=1`, 'email=x%00y', '=&&=', 'poll[options][]=&poll[expires_in]=-5'])
        } else if (kind === 3) {
          const form = new FormData()
          form.append(pick(['file', 'status', 'description', 'avatar', 'list']), random() < 0.5 ? new Blob([new Uint8Array(Math.floor(random() * 2000)).map(() => Math.floor(random() * 256))], { type: pick(['image/png', 'text/html', 'application/octet-stream']) }) : pick(STRINGS))
          body = form
        } else if (kind === 4) {
          headers.set('content-type', 'multipart/form-data; boundary=zzz')
          body = pick(['--zzz\r\nContent-Disposition: form-data; name="a"\r\n\r\n', '--zzz--', 'garbage', '--yyy\r\n\r\n--yyy--'])
        } else if (kind === 5) {
          headers.set('content-type', pick(['text/plain', 'application/xml', 'application/json; charset=utf-16', 'application/activity+json', 'application/octet-stream']))
          body = pick(['<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>', 'hello', '{"a":1}'])
        } else if (kind === 6) {
          headers.set('content-type', 'application/json')
          body = JSON.stringify(Object.fromEntries(Array.from({ length: 50 }, (_, k) => [`k${k}`, scalar()])))
        }
      }
      const response = await app.handle(new Request(url, { method, headers, body }))
      sent++
      const text = await response.text()
      const what = `${method} ${url.pathname.slice(0, 80)}${url.search.slice(0, 40)} → ${response.status}`
      if (response.status >= 500) failures.push(`${what}: ${text.slice(0, 120)}`)
      else if (response.status >= 400 && !NON_JSON.test(url.pathname) && response.status !== 431) {
        let error: unknown
        try {
          error = JSON.parse(text).error
        } catch {}
        if (typeof error !== 'string') failures.push(`${what}: not a JSON error: ${text.slice(0, 120)}`)
      }
    }
    expect(sent).toBeGreaterThan(routes.length)
    expect(failures).toEqual([])
  }, 240_000)

  test(`writes refused with 4xx change nothing in the database, and memory comes back (seed ${SEED + 1})`, async () => {
    const ctx = await getTestContext()
    const app = await testApp()
    const user = await makeUser()
    const random = seededRandom(SEED + 1)
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]
    const tables = resultRows<{ name: string }>(await ctx.db.execute(sql`
      select quote_ident(n.nspname) || '.' || quote_ident(c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where c.relkind in ('r', 'p') and n.nspname in ('public', 'pgboss') order by 1`)).map((r) => r.name)
    expect(tables.length).toBeGreaterThan(50)
    // Row counts of every table, in one statement.
    const fingerprint = async () => JSON.stringify(resultRows(await ctx.db.execute(sql.raw(
      // in a fixed order: a union's rows come in whatever order its plan produces them
      `${tables.map((t) => `select '${t.replace(/'/g, "''")}' as t, count(*)::int as n from ${t}`).join(' union all ')} order by t`,
    ))))
    const writes = app.routes.filter((r) => typeof r.path === 'string' && !r.path.includes('*') && ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method))
    expect(writes.length).toBeGreaterThan(50)
    const hostile = () => pick<() => { headers: Record<string, string>; body: BodyInit }>([
      () => ({ headers: { 'content-type': 'application/json' }, body: pick(['{', '[1,2', '{"__proto__":{"admin":true}}', '['.repeat(3000) + ']'.repeat(3000)]) }),
      () => ({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: pick(['a[[[[[b]=1', `${'a&'.repeat(5000)}`, 'status=%', '=&&=']) }),
      () => ({ headers: { 'content-type': 'multipart/form-data; boundary=zzz' }, body: pick(['--zzz--', 'garbage', '--zzz\r\nContent-Disposition: form-data; name="file"; filename="x.png"\r\n\r\n<svg/>']) }),
      () => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify({ status: 'x'.repeat(70_000), id: "1' OR '1'='1", email: 'a\u0000b' }) }),
    ])()
    const memory = () => {
      Bun.gc(true)
      return heapStats().heapSize
    }
    const heapBefore = memory()
    let before = await fingerprint()
    const changed: string[] = []
    const started = performance.now()
    let refused = 0
    let sent = 0
    for (let i = 0; i < 1500 && performance.now() - started < 20_000; i++) {
      sent++
      const route = writes[i % writes.length]
      const path = route.path.replace(/:[A-Za-z_]+/g, () => pick(IDS))
      const { headers, body } = hostile()
      const token = random()
      if (token < 0.5) headers.authorization = `Bearer ${user.token}`
      else if (token < 0.8) headers.authorization = pick(['Bearer not-a-token', 'Basic !!!', `Bearer ${'t'.repeat(5000)}`])
      const response = await app.handle(new Request(`http://localhost${path}`, { method: route.method, headers, body }))
      await response.arrayBuffer()
      const after = await fingerprint()
      if (response.status >= 400 && after !== before) {
        const was = new Map((JSON.parse(before) as Array<{ t: string; n: number }>).map((r) => [r.t, r.n]))
        const diff = (JSON.parse(after) as Array<{ t: string; n: number }>).filter((r) => was.get(r.t) !== r.n).map((r) => `${r.t} ${was.get(r.t)}→${r.n}`)
        changed.push(`${route.method} ${path.slice(0, 60)} → ${response.status}: ${diff.join(', ')}`)
      }
      if (response.status >= 400) refused++
      before = after
    }
    // Most of these requests are malformed: a route that took them would show here (how many run depends on the machine).
    expect(refused).toBeGreaterThan(sent / 2)
    expect(changed).toEqual([])
    // What the hostile bodies made is garbage once answered: the heap comes back near where it was.
    expect(memory() - heapBefore).toBeLessThan(150 * 1024 * 1024)
  }, 60_000)
})
