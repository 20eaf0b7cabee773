// The profile directory: discoverable accounts only, newest or most recently active first, local or all.
import { beforeAll, describe, expect, test } from 'bun:test'
import type { Ctx } from '../../src/core/context'
import { blockAccount } from '../../src/core/relationships/block'
import { muteAccount } from '../../src/core/relationships/mute'
import { accounts } from '../../src/db/schema'
import { getTestContext } from '../support/context'
import { makeUser, uniqueName, type MadeUser } from '../support/factories'
import { call } from '../support/http'
import { expectShape } from '../support/shape'

let ctx: Ctx

/** Every page of the directory for the query, bounded. */
async function everything(who: MadeUser | null, query: Record<string, string> = {}): Promise<any[]> {
  const all: any[] = []
  for (let page = 0; page < 50; page++) {
    const res = await call('GET', '/api/v1/directory', { token: who?.token, query: { ...query, limit: '80', offset: String(page * 80) } })
    expect(res.status).toBe(200)
    all.push(...res.json)
    if (res.json.length < 80) return all
  }
  throw new Error('directory did not end within 50 pages')
}

beforeAll(async () => {
  ctx = await getTestContext()
})

describe('directory', () => {
  test('order=active by last status, order=new by creation; local leaves remote accounts out', async () => {
    const old = await makeUser(undefined, { account: { lastStatusAt: new Date(Date.now() - 86_400_000) } })
    const recent = await makeUser(undefined, { account: { lastStatusAt: new Date(Date.now() + 60_000) } })
    const [remote] = await ctx.db.insert(accounts).values({
      username: uniqueName('far'), domain: 'remote.example', lastStatusAt: new Date(Date.now() + 120_000),
    }).returning()

    const active = await call('GET', '/api/v1/directory', { query: { order: 'active', limit: '3' } })
    expect(active.status).toBe(200)
    for (const a of active.json) expectShape(a, 'Account')
    expect(active.json.map((a: any) => a.id).slice(0, 2)).toEqual([remote.id, recent.account.id])
    const activeIds = (await everything(null)).map((a) => a.id)
    expect(activeIds.indexOf(recent.account.id)).toBeLessThan(activeIds.indexOf(old.account.id))

    const local = (await everything(null, { local: 'true' })).map((a) => a.id)
    expect(local).not.toContain(remote.id)
    expect(local).toContain(recent.account.id)

    const newest = await makeUser()
    const byNew = await call('GET', '/api/v1/directory', { query: { order: 'new', local: 'true', limit: '1' } })
    expect(byNew.json.map((a: any) => a.id)).toEqual([newest.account.id])
    const second = await call('GET', '/api/v1/directory', { query: { order: 'new', local: 'true', limit: '1', offset: '1' } })
    expect(second.json).toHaveLength(1)
    expect(second.json[0].id).not.toBe(newest.account.id)
  })

  test('never hidden, suspended, not discoverable, blocked either way or muted accounts', async () => {
    const me = await makeUser()
    const shown = await makeUser()
    const hidden = {
      undiscoverable: await makeUser(undefined, { account: { discoverable: false } }),
      suspended: await makeUser(undefined, { account: { suspendedAt: new Date() } }),
      deactivated: await makeUser(undefined, { user: { isActive: false } }),
      unapproved: await makeUser(undefined, { user: { isApproved: false } }),
      deleted: await makeUser(undefined, { account: { deletedAt: new Date() } }),
      silenced: await makeUser(undefined, { account: { silencedAt: new Date() } }),
    }
    const blocked = await makeUser()
    const blocker = await makeUser()
    const muted = await makeUser()
    await blockAccount(ctx, me.account.id, blocked.account)
    await blockAccount(ctx, blocker.account.id, me.account)
    await muteAccount(ctx, me.account.id, muted.account, { notifications: true, durationSeconds: null })

    const anonymous = (await everything(null)).map((a) => a.id)
    expect(anonymous).toContain(shown.account.id)
    for (const [why, who] of Object.entries(hidden)) expect(anonymous, why).not.toContain(who.account.id)
    // anonymous readers see those the viewer hides
    expect(anonymous).toContain(blocked.account.id)

    const mine = (await everything(me)).map((a) => a.id)
    expect(mine).toContain(shown.account.id)
    for (const who of [blocked, blocker, muted, ...Object.values(hidden)]) expect(mine).not.toContain(who.account.id)
  })

  test('bad parameters are 422, the limit is capped', async () => {
    for (const query of [{ order: 'random' }, { limit: '0' }, { limit: 'x' }, { offset: '-1' }] as Record<string, string>[]) {
      const res = await call('GET', '/api/v1/directory', { query })
      expect(res.status).toBe(422)
      expect(typeof res.json.error).toBe('string')
    }
    for (let i = 0; i < 3; i++) await makeUser()
    const capped = await call('GET', '/api/v1/directory', { query: { limit: '1000' } })
    expect(capped.status).toBe(200)
    expect(capped.json.length).toBeLessThanOrEqual(80)
    expect((await call('GET', '/api/v1/directory', { token: 'not-a-token' })).status).toBe(401)
  })
})

describe('advertised', () => {
  test('the directory and v2 suggestions are listed among the Pleroma features', async () => {
    const features = (await call('GET', '/api/v1/instance')).json.pleroma.metadata.features
    expect(features).toContain('profile_directory')
    expect(features).toContain('v2_suggestions')
  })
})
