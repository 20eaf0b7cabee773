// Pleroma's extensions between two Rookery instances: downloading an emoji pack from the other instance's pack API,
// and follow imports naming accounts of the other instance, resolved over federation by the import job.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { addPackFile } from '../../src/core/emoji/pack-files'
import { createPack } from '../../src/core/emoji/packs'
import { makeAdmin, pngFile } from '../support/emoji'
import { uniqueName } from '../support/factories'
import { api, startTwoInstances, waitUntil, type TwoInstances } from '../support/two-instances'

let net: TwoInstances

beforeAll(async () => {
  net = await startTwoInstances()
}, 120_000)

afterAll(async () => {
  await net?.close()
}, 60_000)

describe('emoji pack download', () => {
  test('an admin installs a pack shared by the other instance under a name of their choosing', async () => {
    const pack = uniqueName('shared').toLowerCase()
    const shortcode = uniqueName('blob').toLowerCase()
    await createPack(net.b.ctx, pack, { description: 'from B', license: 'CC0' })
    await addPackFile(net.b.ctx, pack, { file: pngFile(), shortcode })
    const admin = await makeAdmin(net.a.ctx)
    const local = `${pack}_copy`

    const listed = await api(net.a, admin.token, 'GET', `/api/v1/pleroma/emoji/packs/remote?url=${encodeURIComponent(net.b.baseUrl)}`)
    expect(listed.status).toBe(200)
    expect(Object.keys(listed.json.packs)).toContain(pack)

    const res = await api(net.a, admin.token, 'POST', '/api/v1/pleroma/emoji/packs/download', { url: net.b.baseUrl, name: pack, as: local })
    expect(res.status).toBe(200)
    const shown = await api(net.a, null, 'GET', `/api/v1/pleroma/emoji/pack?name=${local}`)
    expect(shown.status).toBe(200)
    expect(shown.json).toMatchObject({ files_count: 1, pack: { description: 'from B', license: 'CC0' } })
    expect(Object.keys(shown.json.files)).toEqual([shortcode])
    const emojis = await api(net.a, null, 'GET', '/api/v1/custom_emojis')
    expect(emojis.json.map((e: { shortcode: string }) => e.shortcode)).toContain(shortcode)

    // unhappy paths: no admin, an unknown pack, an address that is no server
    const user = await net.makeUser(net.a)
    expect((await api(net.a, user.token, 'POST', '/api/v1/pleroma/emoji/packs/download', { url: net.b.baseUrl, name: pack, as: 'x' })).status).toBe(403)
    const unknown = await api(net.a, admin.token, 'POST', '/api/v1/pleroma/emoji/packs/download', { url: net.b.baseUrl, name: 'no_such_pack', as: 'y' })
    expect(unknown.status).toBeGreaterThanOrEqual(400)
    expect(unknown.status).toBeLessThan(500)
    expect(unknown.json.error).toBeString()
    const bad = await api(net.a, admin.token, 'POST', '/api/v1/pleroma/emoji/packs/download', { url: 'not a url', name: pack })
    expect(bad.status).toBe(400)
  }, 90_000)
})

describe('follow import', () => {
  test('remote user@domain addresses are resolved by the import job and followed; unknown ones are skipped', async () => {
    const alice = await net.makeUser(net.a)
    const bob = await net.makeUser(net.b)
    const carol = await net.makeUser(net.b)
    const list = `${net.acct(net.b, bob)}\n@${net.acct(net.b, carol)}\nnobody_here@${net.b.domain}\nbroken@@address`
    const res = await api(net.a, alice.token, 'POST', '/api/pleroma/follow_import', { list })
    expect(res.status).toBe(200)
    expect(res.json).toBe('job started')

    const followersOf = async (user: typeof bob) =>
      (await api(net.b, user.token, 'GET', `/api/v1/accounts/${user.account.id}/followers`)).json.map((a: { acct: string }) => a.acct)
    const aliceAcct = net.acct(net.a, alice)
    await waitUntil(async () => (await followersOf(bob)).includes(aliceAcct) && (await followersOf(carol)).includes(aliceAcct), 60_000, 'imported follows to arrive')
    // the Accepts come back and A counts the follows as its own
    const following = async () => (await api(net.a, alice.token, 'GET', `/api/v1/accounts/${alice.account.id}/following`)).json
      .map((a: { acct: string }) => a.acct).sort()
    const expected = [net.acct(net.b, bob), net.acct(net.b, carol)].sort()
    await waitUntil(async () => JSON.stringify(await following()) === JSON.stringify(expected), 60_000, 'the follows to be accepted')

    expect((await api(net.a, null, 'POST', '/api/pleroma/follow_import', { list })).status).toBe(401)
  }, 90_000)
})

describe('scrobbles', () => {
  test('a scrobble is listed by visibility and reaches followers on the other instance as a Listen', async () => {
    const alice = await net.makeUser(net.a)
    const bob = await net.makeUser(net.b)
    const stranger = await net.makeUser(net.a)
    const aliceOnB = await net.resolve(net.b, bob.token, net.acct(net.a, alice))
    await api(net.b, bob.token, 'POST', `/api/v1/accounts/${aliceOnB.id}/follow`)
    await waitUntil(async () => (await api(net.b, bob.token, 'GET', `/api/v1/accounts/relationships?id[]=${aliceOnB.id}`)).json[0]?.following, 60_000, 'the follow')

    const posted = await api(net.a, alice.token, 'POST', '/api/v1/pleroma/scrobble', {
      title: 'Blue Monday', artist: 'New Order', album: 'Power, Corruption & Lies', length: 448000, external_link: 'https://music.example/blue-monday',
    })
    expect(posted.status).toBe(200)
    expect(posted.json).toMatchObject({
      title: 'Blue Monday', artist: 'New Order', album: 'Power, Corruption & Lies', length: 448000,
      externalLink: 'https://music.example/blue-monday', account: { id: alice.account.id },
    })
    const hidden = await api(net.a, alice.token, 'POST', '/api/v1/pleroma/scrobble', { title: 'Secret song', visibility: 'private' })
    expect(hidden.status).toBe(200)

    const listed = async (viewer: string | null) =>
      (await api(net.a, viewer, 'GET', `/api/v1/pleroma/accounts/${alice.account.id}/scrobbles`)).json.map((s: { title: string }) => s.title)
    expect(await listed(null)).toEqual(['Blue Monday'])
    expect(await listed(stranger.token)).toEqual(['Blue Monday'])
    expect(await listed(alice.token)).toEqual(['Secret song', 'Blue Monday'])

    // on B: both arrive (bob follows alice); the private one is listed for followers only
    const remote = async (viewer: string | null) =>
      (await api(net.b, viewer, 'GET', `/api/v1/pleroma/accounts/${aliceOnB.id}/scrobbles`)).json as { title: string; length: number; externalLink: string }[]
    await waitUntil(async () => (await remote(bob.token)).length === 2, 60_000, 'the Listens to arrive')
    const arrived = await remote(bob.token)
    expect(arrived.map((s) => s.title).sort()).toEqual(['Blue Monday', 'Secret song'])
    const song = arrived.find((s) => s.title === 'Blue Monday')
    expect(song).toMatchObject({ title: 'Blue Monday', length: 448000, externalLink: 'https://music.example/blue-monday' })
    expect((await remote(null)).map((s) => s.title)).toEqual(['Blue Monday'])

    // unhappy paths
    expect((await api(net.a, null, 'POST', '/api/v1/pleroma/scrobble', { title: 'x' })).status).toBe(401)
    for (const body of [{}, { title: '  ' }, { title: 'x', length: 'long' }, { title: 'x', visibility: 'everyone' }, { title: 'x', external_link: 'javascript:alert(1)' }]) {
      const bad = await api(net.a, alice.token, 'POST', '/api/v1/pleroma/scrobble', body)
      expect(bad.status).toBe(422)
      expect(bad.json.error).toBeString()
    }
    expect((await api(net.a, null, 'GET', '/api/v1/pleroma/accounts/nobody-at-all/scrobbles')).status).toBe(404)
  }, 120_000)
})
