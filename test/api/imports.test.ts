import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { newId } from '../../src/core/ids'
import { parseImportList } from '../../src/core/imports/parse'
import { registerImportJobs } from '../../src/core/imports/start-import'
import { startJobs, type Jobs } from '../../src/core/jobs'
import { accounts, blocks, follows, mutes, type AccountRow } from '../../src/db/schema'
import { createApp } from '../../src/server/app'
import { getTestContext, TEST_DOMAIN } from '../support/context'
import { makeUser, uniqueName, type MadeUser } from '../support/factories'
import { call } from '../support/http'

let ctx: Ctx

beforeAll(async () => {
  ctx = await getTestContext()
})

const users = (n: number, opts: Parameters<typeof makeUser>[1] = {}) => Promise.all(Array.from({ length: n }, () => makeUser(ctx, opts)))

async function remoteAccount(): Promise<AccountRow> {
  const domain = `${uniqueName('h').toLowerCase().replace(/_/g, '-')}.example`
  const [row] = await ctx.db.insert(accounts).values({ username: uniqueName('r'), domain, uri: `https://${domain}/u/${newId()}` }).returning()
  return row
}

const followedBy = async (who: MadeUser) =>
  (await ctx.db.select().from(follows).where(eq(follows.accountId, who.account.id))).map((f) => f.targetAccountId).sort()
const sorted = (...ids: string[]) => [...ids].sort()

describe('POST /api/pleroma/follow_import', () => {
  test('whitespace-separated addresses in every form; answers "job started" and follows the known ones', async () => {
    const [me, a, b, c] = await users(4)
    const remote = await remoteAccount()
    const list = `@${a.account.username}\n${b.account.username}@${TEST_DOMAIN}  ${c.account.username}\n\n`
      + `@${remote.username}@${remote.domain}\nnobody_here@nowhere.example ${uniqueName('ghost')}`
    const res = await call('POST', '/api/pleroma/follow_import', { token: me.token, form: { list } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('application/json')
    expect(res.json).toBe('job started')
    expect(await followedBy(me)).toEqual(sorted(a.account.id, b.account.id, c.account.id, remote.id))
    const [counted] = await ctx.db.select().from(accounts).where(eq(accounts.id, me.account.id))
    expect(counted.followingCount).toBe(4)
  })

  test('Mastodon CSV with its columns, as an uploaded file on the /api/v1/pleroma path', async () => {
    const [me, a, b] = await users(3)
    const csv = 'Account address,Show boosts,Notify on new posts,Languages\n'
      + `${a.account.username}@${TEST_DOMAIN},false,true,"en, de"\n`
      + `${b.account.username}@${TEST_DOMAIN},true,false,\n`
    const res = await call('POST', '/api/v1/pleroma/follow_import', {
      token: me.token, multipart: { list: new File([csv], 'following_accounts.csv', { type: 'text/csv' }) },
    })
    expect(res.status).toBe(200)
    expect(res.json).toBe('job started')
    const rows = await ctx.db.select().from(follows).where(eq(follows.accountId, me.account.id))
    const byTarget = new Map(rows.map((r) => [r.targetAccountId, r]))
    expect(byTarget.get(a.account.id)).toMatchObject({ showReblogs: false, notify: true, languages: ['en', 'de'] })
    expect(byTarget.get(b.account.id)).toMatchObject({ showReblogs: true, notify: false, languages: null })
  })

  test('locked accounts get follow requests; accounts that block the importer are left alone', async () => {
    const [me, blocker] = await users(2)
    const [locked] = await users(1, { account: { locked: true } })
    await call('POST', `/api/v1/accounts/${me.account.id}/block`, { token: blocker.token })
    const res = await call('POST', '/api/pleroma/follow_import', { token: me.token, json: { list: `${locked.account.username} ${blocker.account.username}` } })
    expect(res.status).toBe(200)
    expect(await followedBy(me)).toEqual([])
    const rel = await call('GET', '/api/v1/accounts/relationships', { token: me.token, query: { 'id[]': locked.account.id } })
    expect(rel.json[0].requested).toBe(true)
  })

  test('unhappy paths: no list 400, an empty list 422, no token 401, a read-only token 403', async () => {
    const [me] = await users(1)
    const missing = await call('POST', '/api/pleroma/follow_import', { token: me.token, json: {} })
    expect(missing.status).toBe(400)
    expect(missing.json.error).toBeString()
    expect((await call('POST', '/api/pleroma/follow_import', { token: me.token, json: { list: ' \n ' } })).status).toBe(422)
    expect((await call('POST', '/api/pleroma/follow_import', { token: me.token, json: { list: ['a', 'b'] } })).status).toBe(400)
    expect((await call('POST', '/api/pleroma/follow_import', { form: { list: 'a' } })).status).toBe(401)
    const [reader] = await users(1, { scopes: ['read'] })
    expect((await call('POST', '/api/pleroma/follow_import', { token: reader.token, form: { list: 'a' } })).status).toBe(403)
    const [blocksOnly] = await users(1, { scopes: ['write:blocks'] })
    expect((await call('POST', '/api/pleroma/follow_import', { token: blocksOnly.token, form: { list: 'a' } })).status).toBe(403)
    expect((await call('POST', '/api/pleroma/blocks_import', { token: blocksOnly.token, form: { list: 'a' } })).status).toBe(200)
  })
})

describe('POST /api/pleroma/blocks_import and mutes_import', () => {
  test('blocks: a Mastodon single-column export; following stops both ways', async () => {
    const [me, a, b] = await users(3)
    await call('POST', `/api/v1/accounts/${a.account.id}/follow`, { token: me.token })
    const res = await call('POST', '/api/pleroma/blocks_import', { token: me.token, form: { list: `${a.account.username}@${TEST_DOMAIN}\n${b.account.username}@${TEST_DOMAIN}\n` } })
    expect(res.json).toBe('job started')
    const rows = await ctx.db.select().from(blocks).where(eq(blocks.accountId, me.account.id))
    expect(rows.map((r) => r.targetAccountId).sort()).toEqual(sorted(a.account.id, b.account.id))
    expect(await followedBy(me)).toEqual([])
  })

  test('mutes: Mastodon CSV with Hide notifications; plain lists mute notifications too', async () => {
    const [me, a, b, c] = await users(4)
    const csv = `Account address,Hide notifications\n${a.account.username}@${TEST_DOMAIN},false\n${b.account.username}@${TEST_DOMAIN},true\n`
    expect((await call('POST', '/api/v1/pleroma/mutes_import', { token: me.token, form: { list: csv } })).status).toBe(200)
    expect((await call('POST', '/api/pleroma/mutes_import', { token: me.token, form: { list: `@${c.account.username}` } })).status).toBe(200)
    const rows = await ctx.db.select().from(mutes).where(eq(mutes.accountId, me.account.id))
    const hide = Object.fromEntries(rows.map((r) => [r.targetAccountId, r.hideNotifications]))
    expect(hide).toEqual({ [a.account.id]: false, [b.account.id]: true, [c.account.id]: true })
  })
})

describe('CSV exports', () => {
  test('Mastodon headers and rows; served under /api/v1/exports and /settings/exports, with a token or the session cookie', async () => {
    const [me, a, b, c] = await users(4)
    await call('POST', `/api/v1/accounts/${a.account.id}/follow`, { token: me.token, json: { reblogs: false, notify: true, languages: ['en', 'fr'] } })
    await call('POST', `/api/v1/accounts/${b.account.id}/block`, { token: me.token })
    await call('POST', `/api/v1/accounts/${c.account.id}/mute`, { token: me.token, json: { notifications: false } })

    const following = await call('GET', '/api/v1/exports/following.csv', { token: me.token })
    expect(following.status).toBe(200)
    expect(following.headers.get('content-type')).toContain('text/csv')
    expect(following.headers.get('content-disposition')).toContain('following.csv')
    expect(following.text).toBe(`Account address,Show boosts,Notify on new posts,Languages\n${a.account.username}@${TEST_DOMAIN},false,true,"en, fr"\n`)
    const blocked = await call('GET', '/settings/exports/blocks.csv', { headers: { cookie: `_pleroma_key=${encodeURIComponent(me.token)}` } })
    expect(blocked.status).toBe(200)
    expect(blocked.text).toBe(`${b.account.username}@${TEST_DOMAIN}\n`)
    const muted = await call('GET', '/api/v1/exports/mutes.csv', { token: me.token })
    expect(muted.text).toBe(`Account address,Hide notifications\n${c.account.username}@${TEST_DOMAIN},false\n`)
    expect((await call('GET', '/settings/exports/follows.csv', { token: me.token })).text).toBe(following.text)

    expect((await call('GET', '/api/v1/exports/following.csv')).status).toBe(401)
    const [blocksReader] = await users(1, { scopes: ['read:blocks'] })
    expect((await call('GET', '/api/v1/exports/following.csv', { token: blocksReader.token })).status).toBe(403)
    expect((await call('GET', '/api/v1/exports/blocks.csv', { token: blocksReader.token })).status).toBe(200)
  })

  test('round trip: what one account exports, another imports, and then exports the same', async () => {
    const [alice, bob, f1, f2, blocked, muted] = await users(6)
    const remote = await remoteAccount()
    await call('POST', `/api/v1/accounts/${f1.account.id}/follow`, { token: alice.token, json: { notify: true, languages: ['de'] } })
    await call('POST', `/api/v1/accounts/${f2.account.id}/follow`, { token: alice.token, json: { reblogs: false } })
    await call('POST', `/api/v1/accounts/${remote.id}/follow`, { token: alice.token })
    await call('POST', `/api/v1/accounts/${blocked.account.id}/block`, { token: alice.token })
    await call('POST', `/api/v1/accounts/${muted.account.id}/mute`, { token: alice.token, json: { notifications: false } })

    for (const [file, endpoint] of [['following', 'follow_import'], ['blocks', 'blocks_import'], ['mutes', 'mutes_import']]) {
      const exported = await call('GET', `/api/v1/exports/${file}.csv`, { token: alice.token })
      const imported = await call('POST', `/api/pleroma/${endpoint}`, {
        token: bob.token, multipart: { list: new File([exported.text], `${file}.csv`, { type: 'text/csv' }) },
      })
      expect(imported.status).toBe(200)
      const again = await call('GET', `/api/v1/exports/${file}.csv`, { token: bob.token })
      expect(again.text).toBe(exported.text)
    }
  })
})

describe('imports as durable jobs', () => {
  let jobs: Jobs
  let jobCtx: Ctx & { jobs: Jobs }

  beforeAll(async () => {
    jobs = await startJobs(ctx.database, { supervise: false, queues: ['imports'] })
    jobCtx = { ...ctx, jobs }
  })
  afterAll(async () => { await jobs.stop() })

  test('with a queue the endpoint answers at once and a worker does the work', async () => {
    const [me, a, b] = await users(3)
    const app = createApp(jobCtx)
    const res = await call('POST', '/api/pleroma/follow_import', { app, token: me.token, form: { list: `${a.account.username} ${b.account.username}` } })
    expect(res.status).toBe(200)
    expect(res.json).toBe('job started')
    expect(await followedBy(me)).toEqual([])
    await registerImportJobs(jobCtx)
    const until = Date.now() + 15_000
    while ((await followedBy(me)).length < 2 && Date.now() < until) await Bun.sleep(100)
    expect(await followedBy(me)).toEqual(sorted(a.account.id, b.account.id))
    const [row] = await ctx.db.select().from(follows).where(and(eq(follows.accountId, me.account.id), eq(follows.targetAccountId, a.account.id)))
    expect(row.showReblogs).toBe(true)
  })
})

describe('parseImportList', () => {
  test('reads whitespace lists, headerless CSV and Mastodon CSV; drops repeats and blank lines', () => {
    expect(parseImportList('@a@x.example\n b \n\nA@X.example c').map((e) => e.address)).toEqual(['a@x.example', 'b', 'c'])
    expect(parseImportList('a@x.example,true\r\nb@y.example,false\r\n').map((e) => e.address)).toEqual(['a@x.example', 'b@y.example'])
    expect(parseImportList('\uFEFFAccount address,Show boosts,Notify on new posts,Languages\n"a@x.example",no,yes,"en,pt"\n')).toEqual([
      { address: 'a@x.example', reblogs: false, notify: true, languages: ['en', 'pt'] },
    ])
    expect(parseImportList('Account address,Hide notifications\na@x.example,\n')).toEqual([{ address: 'a@x.example', notifications: undefined }])
    expect(() => parseImportList('Account address\n')).toThrow('names no accounts')
    expect(() => parseImportList(Array.from({ length: 20_001 }, (_, i) => `u${i}`).join('\n'))).toThrow('at most')
  })
})
