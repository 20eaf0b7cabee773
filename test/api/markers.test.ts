import { beforeAll, describe, expect, test } from 'bun:test'
import type { Ctx } from '../../src/core/context'
import { getTestContext } from '../support/context'
import { makeUser, type MadeUser } from '../support/factories'
import { call } from '../support/http'
import { expectShape } from '../support/shape'

let ctx: Ctx

beforeAll(async () => {
  ctx = await getTestContext()
})

const markers = (who: MadeUser, timelines: string[]) => call('GET', '/api/v1/markers', { token: who.token, query: { 'timeline[]': timelines } })

describe('markers', () => {
  test('start empty; POST (form) creates them, version 0; a move raises the version, the same position does not', async () => {
    const alice = await makeUser(ctx)
    expect((await markers(alice, ['home', 'notifications'])).json).toEqual({})
    const status = (await call('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'read up to here' } })).json

    const created = await call('POST', '/api/v1/markers', { token: alice.token, form: { 'home[last_read_id]': status.id } })
    expect(created.status).toBe(200)
    expect(Object.keys(created.json)).toEqual(['home'])
    expectShape(created.json.home, 'Marker')
    expect(created.json.home).toMatchObject({ last_read_id: status.id, version: 0 })

    const same = await call('POST', '/api/v1/markers', { token: alice.token, json: { home: { last_read_id: status.id } } })
    expect(same.json.home.version).toBe(0)
    const later = (await call('POST', '/api/v1/statuses', { token: alice.token, json: { status: 'and here' } })).json
    const moved = await call('POST', '/api/v1/markers', { token: alice.token, json: { home: { last_read_id: later.id } } })
    expect(moved.json.home).toMatchObject({ last_read_id: later.id, version: 1 })

    const got = await markers(alice, ['home', 'notifications'])
    expect(Object.keys(got.json)).toEqual(['home'])
    expect(got.json.home).toEqual(moved.json.home)
    expect((await call('GET', '/api/v1/markers', { token: alice.token })).json).toEqual({})
  })

  test('the notifications marker carries pleroma.unread_count and marks notifications up to it seen', async () => {
    const [alice, bob] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    for (let i = 0; i < 3; i++) await call('POST', '/api/v1/statuses', { token: bob.token, json: { status: `m${i} @${alice.account.username}` } })
    const ids = (await call('GET', '/api/v1/notifications', { token: alice.token })).json.map((n: any) => n.id)

    const set = await call('POST', '/api/v1/markers', { token: alice.token, json: { notifications: { last_read_id: ids[1] } } })
    expect(set.status).toBe(200)
    expectShape(set.json.notifications, 'Marker')
    expect(set.json.notifications.pleroma.unread_count).toBe(1)
    const seen = (await call('GET', '/api/v1/notifications', { token: alice.token })).json.map((n: any) => n.pleroma.is_seen)
    expect(seen).toEqual([false, true, true])
    expect((await call('GET', '/api/v1/notifications/unread_count', { token: alice.token })).json.count).toBe(1)

    const both = await call('POST', '/api/v1/markers', { token: alice.token, form: { 'home[last_read_id]': ids[0], 'notifications[last_read_id]': ids[0] } })
    expect(both.json.notifications).toMatchObject({ last_read_id: ids[0], version: 1, pleroma: { unread_count: 0 } })
    expect(both.json.home.pleroma).toBeUndefined()
  })

  test('a missing or malformed last_read_id is 422; unknown timelines are ignored', async () => {
    const alice = await makeUser(ctx)
    expect((await call('POST', '/api/v1/markers', { token: alice.token, json: { home: {} } })).status).toBe(422)
    expect((await call('POST', '/api/v1/markers', { token: alice.token, json: { home: { last_read_id: '' } } })).status).toBe(422)
    expect((await call('POST', '/api/v1/markers', { token: alice.token, json: { notifications: 'abc' } })).status).toBe(422)
    expect((await call('POST', '/api/v1/markers', { token: alice.token, json: { home: { last_read_id: 'not/an/id' } } })).status).toBe(422)
    const ignored = await call('POST', '/api/v1/markers', { token: alice.token, json: { elsewhere: { last_read_id: 'AAAAAAAAAAAAAAAAAB' } } })
    expect(ignored.status).toBe(200)
    expect(ignored.json).toEqual({})
  })

  test('markers are one\'s own, and need read:statuses / write:statuses', async () => {
    const [alice, bob] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    await call('POST', '/api/v1/markers', { token: alice.token, json: { home: { last_read_id: 'AAAAAAAAAAAAAAAAAB' } } })
    expect((await markers(bob, ['home'])).json).toEqual({})
    expect((await call('GET', '/api/v1/markers', { query: { 'timeline[]': 'home' } })).status).toBe(401)
    const writer = await makeUser(ctx, { scopes: ['write:statuses'] })
    expect((await markers(writer, ['home'])).status).toBe(403)
    const reader = await makeUser(ctx, { scopes: ['read:statuses'] })
    expect((await call('POST', '/api/v1/markers', { token: reader.token, json: { home: { last_read_id: 'AAAAAAAAAAAAAAAAAB' } } })).status).toBe(403)
    expect((await call('POST', '/api/v1/markers', { token: writer.token, json: { home: { last_read_id: 'AAAAAAAAAAAAAAAAAB' } } })).status).toBe(200)
  })
})
