// Inbox activities are handled side by side, yet a note's Create, Update and Delete apply in order, and activities
// that arrive out of order (an Update or Delete before its Create) leave the state their author meant.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq, inArray } from 'drizzle-orm'
import { statuses, statusTombstones } from '../../src/db/schema'
import { inboxOrderKey, KeyedSerializer } from '../../src/federation/inbox/order'
import { startLiveServer, until, type LiveServer } from '../support/live-server'
import { startPeer, type Peer } from '../support/peer'

const PUBLIC = 'https://www.w3.org/ns/activitystreams#Public'

let rookery: LiveServer
let peer: Peer
let inbox: string
let seq = 0

const noteOf = (name: string, id: string, content: string, updated?: string) => {
  const actor = peer.actorUri(name).href
  return {
    id, type: 'Note', attributedTo: actor, content, published: new Date(Date.now() - 60_000).toISOString(),
    ...(updated ? { updated } : {}), to: [PUBLIC], cc: [`${actor}/followers`],
  }
}
const activity = (type: string, name: string, object: unknown) => ({
  '@context': 'https://www.w3.org/ns/activitystreams',
  id: `${peer.baseUrl}/users/${name}/activities/${type.toLowerCase()}-${Date.now()}-${++seq}`,
  type, actor: peer.actorUri(name).href, to: [PUBLIC], object,
})
async function deliver(json: unknown, name: string) {
  const res = await peer.sendJson(json, inbox, name)
  expect(res.status).toBeLessThan(300)
}
const rowsOf = (uris: string[]) => rookery.ctx.db.select({ uri: statuses.uri, content: statuses.content }).from(statuses).where(inArray(statuses.uri, uris))
const tombstoned = async (uris: string[]) => (await rookery.ctx.db.select({ uri: statusTombstones.uri }).from(statusTombstones)
  .where(inArray(statusTombstones.uri, uris))).length

beforeAll(async () => {
  rookery = await startLiveServer({ federation: { allowPrivate: true, inboxConcurrency: 8 } })
  peer = await startPeer(['ivy', 'jon'])
  inbox = `${rookery.baseUrl}/inbox`
}, 60_000)

afterAll(async () => {
  await peer?.stop()
  await rookery?.stop()
}, 60_000)

describe('ordering key', () => {
  test('Create, Update and Delete of one object share a key; other activities go by actor', () => {
    const note = 'https://peer.example/notes/1'
    const actor = 'https://peer.example/users/a'
    const msg = (activity: unknown) => ({ type: 'inbox', id: 'x', baseUrl: 'https://here.example', activity })
    expect(inboxOrderKey(msg({ type: 'Create', actor, object: { id: note, type: 'Note' } }))).toBe(`object ${note}`)
    expect(inboxOrderKey(msg({ type: 'Update', actor, object: { id: note, type: 'Note' } }))).toBe(`object ${note}`)
    expect(inboxOrderKey(msg({ type: 'Delete', actor, object: note }))).toBe(`object ${note}`)
    expect(inboxOrderKey(msg({ type: 'Follow', actor, object: 'https://here.example/users/b' }))).toBe(`actor ${actor}`)
    expect(inboxOrderKey(msg({ type: 'Undo', actor, object: { type: 'Follow', id: 'f' } }))).toBe(`actor ${actor}`)
    expect(inboxOrderKey(msg({ type: 'Create', actor }))).toBe(`actor ${actor}`)
    // outbox messages and garbage are not ordered
    expect(inboxOrderKey({ type: 'outbox', activity: {} })).toBeNull()
    expect(inboxOrderKey(null)).toBeNull()
    expect(inboxOrderKey(msg('nonsense'))).toBeNull()
  })

  test('tasks of one key run one after another, in the order started, even when one fails', async () => {
    const serializer = new KeyedSerializer()
    const log: string[] = []
    const task = (label: string, ms: number, fail = false) => async () => {
      log.push(`start ${label}`)
      await Bun.sleep(ms)
      log.push(`end ${label}`)
      if (fail) throw new Error(label)
    }
    const runs = [
      serializer.run('a', task('a1', 30, true)).catch(() => 'failed'),
      serializer.run('b', task('b1', 5)),
      serializer.run('a', task('a2', 1)),
      serializer.run(null, task('n1', 1)),
    ]
    expect(await runs[0]).toBe('failed')
    await Promise.all(runs)
    // b1 and n1 did not wait for a1; a2 started only after a1 ended
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'))
    expect(log.indexOf('start n1')).toBeLessThan(log.indexOf('end a1'))
    expect(log.indexOf('start a2')).toBeGreaterThan(log.indexOf('end a1'))
    expect(serializer.size).toBe(0)
  })
})

describe('a burst from an actor not known yet', () => {
  test('Create, Update and Delete of many notes end in the state the author left them in', async () => {
    const N = 12
    const ids = Array.from({ length: N }, (_, i) => `${peer.baseUrl}/users/ivy/statuses/burst-${Date.now()}-${i}`)
    const deleted = ids.filter((_, i) => i % 3 === 0)
    const kept = ids.filter((_, i) => i % 3 !== 0)
    const later = new Date(Date.now() - 30_000).toISOString()
    // per note in order, all notes at once: the inbox has many jobs of several keys to take side by side
    await Promise.all(ids.map(async (id, i) => {
      await deliver(activity('Create', 'ivy', noteOf('ivy', id, `<p>first ${i}</p>`)), 'ivy')
      await deliver(activity('Update', 'ivy', noteOf('ivy', id, `<p>edited ${i}</p>`, later)), 'ivy')
      if (deleted.includes(id)) await deliver(activity('Delete', 'ivy', { id, type: 'Tombstone' }), 'ivy')
    }))
    await until(async () => {
      const rows = await rowsOf(kept)
      return rows.length === kept.length && rows.every((r) => r.content.includes('edited')) && (await tombstoned(deleted)) === deleted.length
    }, 60_000)
    expect((await rowsOf(deleted)).length).toBe(0)
    const rows = await rowsOf(kept)
    for (const row of rows) expect(row.content).toBe(`<p>edited ${ids.indexOf(row.uri!)}</p>`)
  }, 90_000)
})

describe('out of order', () => {
  test('an Update before its Create stores the edited note; the late Create changes nothing', async () => {
    const id = `${peer.baseUrl}/users/jon/statuses/early-update-${Date.now()}`
    await deliver(activity('Update', 'jon', noteOf('jon', id, '<p>edited</p>', new Date().toISOString())), 'jon')
    const [stored] = await until(async () => { const r = await rowsOf([id]); return r.length ? r : null })
    expect(stored.content).toBe('<p>edited</p>')
    await deliver(activity('Create', 'jon', noteOf('jon', id, '<p>original</p>')), 'jon')
    // a sentinel note of the same actor after it: by the time it is stored, the Create was handled
    const sentinel = `${peer.baseUrl}/users/jon/statuses/sentinel-${Date.now()}`
    await deliver(activity('Create', 'jon', noteOf('jon', sentinel, '<p>sentinel</p>')), 'jon')
    await until(async () => (await rowsOf([sentinel])).length > 0)
    await Bun.sleep(300)
    const rows = await rowsOf([id])
    expect(rows.length).toBe(1)
    expect(rows[0].content).toBe('<p>edited</p>')
  }, 60_000)

  test('a Delete before its Create is remembered: neither the Create nor an Update brings the note back', async () => {
    const id = `${peer.baseUrl}/users/jon/statuses/early-delete-${Date.now()}`
    await deliver(activity('Delete', 'jon', id), 'jon')
    await until(async () => (await tombstoned([id])) === 1)
    await deliver(activity('Create', 'jon', noteOf('jon', id, '<p>too late</p>')), 'jon')
    await deliver(activity('Update', 'jon', noteOf('jon', id, '<p>too late, edited</p>', new Date().toISOString())), 'jon')
    const sentinel = `${peer.baseUrl}/users/jon/statuses/sentinel2-${Date.now()}`
    await deliver(activity('Create', 'jon', noteOf('jon', sentinel, '<p>sentinel</p>')), 'jon')
    await until(async () => (await rowsOf([sentinel])).length > 0)
    await Bun.sleep(500)
    expect((await rowsOf([id])).length).toBe(0)
  }, 60_000)

  test('a Delete of another host\'s object is not remembered', async () => {
    const id = `https://elsewhere.example/notes/${Date.now()}`
    await deliver(activity('Delete', 'jon', id), 'jon')
    const sentinel = `${peer.baseUrl}/users/jon/statuses/sentinel3-${Date.now()}`
    await deliver(activity('Create', 'jon', noteOf('jon', sentinel, '<p>sentinel</p>')), 'jon')
    await until(async () => (await rowsOf([sentinel])).length > 0)
    expect(await tombstoned([id])).toBe(0)
    await rookery.ctx.db.delete(statusTombstones).where(eq(statusTombstones.uri, id))
  }, 60_000)
})
