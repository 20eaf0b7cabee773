// Pleroma's config API for the federation settings (simple and keyword policies, which policies run): its wire
// format, what is stored over the configuration file, who may use it, the moderation log, and that a change made on
// another connection reaches this process by notification.
import { afterEach, beforeAll, describe, expect, test } from 'bun:test'
import { sql } from 'drizzle-orm'
import { forgetStoredSettings } from '../../src/core/admin/settings'
import type { Ctx } from '../../src/core/context'
import { mrfSettings } from '../../src/core/federation/mrf'
import { domainPolicy } from '../../src/core/instance/domain-policy'
import { adminSettings } from '../../src/db/schema'
import { elsewhere, getTestContext } from '../support/context'
import { makeUser, uniqueName, type MadeUser } from '../support/factories'
import { call } from '../support/http'

let ctx: Ctx
let admin: MadeUser
let moderator: MadeUser
let readOnly: MadeUser

beforeAll(async () => {
  ctx = await getTestContext()
  admin = await makeUser(ctx, { scopes: ['admin:read', 'admin:write'], user: { isAdmin: true } })
  moderator = await makeUser(ctx, { scopes: ['admin:read', 'admin:write'], user: { isModerator: true } })
  readOnly = await makeUser(ctx, { scopes: ['admin:read'], user: { isAdmin: true } })
})

afterEach(async () => {
  await ctx.db.delete(adminSettings)
  forgetStoredSettings(ctx.database)
  ctx.config.federation.mrf.simple.reject.length = 0
})

const PATH = '/api/v1/pleroma/admin/config'
const as = (who: MadeUser, method: string, path: string, json?: unknown) => call(method, path, { token: who.token, ...(json !== undefined ? { json } : {}) })
const post = (configs: unknown[], who = admin) => as(who, 'POST', PATH, { configs })
const domainName = () => `${uniqueName('mrf').toLowerCase().replace(/_/g, '-')}.example`
const tuple = (...items: unknown[]) => ({ tuple: items })
const setting = (json: any, key: string) => json.configs.find((c: any) => c.group === ':pleroma' && c.key === key)
const subkey = (entry: any, name: string) => entry.value.find((t: any) => t.tuple[0] === name)?.tuple[1]

describe('GET /api/v1/pleroma/admin/config', () => {
  test('every federation setting in force, the configuration file\'s included, in Pleroma\'s wire format', async () => {
    ctx.config.federation.mrf.simple.reject.push({ domain: 'from-file.example', reason: 'spam' })
    const res = await as(admin, 'GET', PATH)
    expect(res.status).toBe(200)
    expect(res.json.need_reboot).toBe(false)
    expect(res.json.configs.map((c: any) => c.key).sort()).toEqual([':mrf', ':mrf_keyword', ':mrf_simple'])
    const simple = setting(res.json, ':mrf_simple')
    expect(simple.db).toBeUndefined()
    expect(subkey(simple, ':reject')).toEqual([tuple('from-file.example', 'spam')])
    expect(subkey(simple, ':media_nsfw')).toEqual([])
    expect(subkey(setting(res.json, ':mrf'), ':policies')).toEqual(['Pleroma.Web.ActivityPub.MRF.SimplePolicy', 'Pleroma.Web.ActivityPub.MRF.KeywordPolicy'])
    expect((await as(admin, 'GET', `${PATH}?only_db=true`)).json.configs).toEqual([])
  })

  test('admins only, with admin:read', async () => {
    expect((await as(moderator, 'GET', PATH)).status).toBe(403)
    expect((await call('GET', PATH)).status).toBe(401)
    expect((await as(readOnly, 'GET', PATH)).status).toBe(200)
    expect((await as(readOnly, 'POST', PATH, { configs: [] })).status).toBe(403)
  })

  test('descriptions of the groups it takes', async () => {
    const res = await as(admin, 'GET', `${PATH}/descriptions`)
    expect(res.status).toBe(200)
    const simple = res.json.find((d: any) => d.key === ':mrf_simple')
    expect(simple).toMatchObject({ group: ':pleroma', type: 'group', related_policy: 'Pleroma.Web.ActivityPub.MRF.SimplePolicy' })
    expect(simple.children.map((c: any) => c.key)).toContain(':reject')
    expect(res.json.find((d: any) => d.key === ':mrf_keyword').children.map((c: any) => c.key)).toEqual([':reject', ':federated_timeline_removal', ':replace'])
  })
})

describe('POST /api/v1/pleroma/admin/config', () => {
  test('a simple policy set here overrides the file\'s list, takes effect at once and is logged', async () => {
    const blocked = domainName()
    ctx.config.federation.mrf.simple.reject.push({ domain: 'from-file.example', reason: '' })
    const res = await post([{ group: ':pleroma', key: ':mrf_simple', value: [
      tuple(':reject', [tuple(`*.${blocked.toUpperCase()}`, 'spam'), 'plain.example']),
      tuple(':media_nsfw', [tuple('nsfw.example', '')]),
    ] }])
    expect(res.status).toBe(200)
    const simple = setting(res.json, ':mrf_simple')
    expect(simple.db).toEqual([':reject', ':media_nsfw'])
    expect(subkey(simple, ':reject')).toEqual([tuple(blocked, 'spam'), tuple('plain.example', '')])

    expect((await domainPolicy(ctx, `sub.${blocked}`)).reject).toBe(true)
    expect((await domainPolicy(ctx, 'from-file.example')).reject).toBe(false)
    expect((await domainPolicy(ctx, 'nsfw.example')).mediaNsfw).toBe(true)

    const shown = await as(admin, 'GET', PATH)
    expect(setting(shown.json, ':mrf_simple').db).toEqual([':reject', ':media_nsfw'])
    expect(subkey(setting(shown.json, ':mrf_simple'), ':reject')).toEqual([tuple(blocked, 'spam'), tuple('plain.example', '')])
    const onlyDb = await as(admin, 'GET', `${PATH}?only_db=true`)
    expect(onlyDb.json.configs).toHaveLength(1)
    expect(onlyDb.json.configs[0].value.map((t: any) => t.tuple[0])).toEqual([':reject', ':media_nsfw'])

    const log = await as(admin, 'GET', '/api/v1/pleroma/admin/moderation_log?search=mrf_simple')
    expect(log.json.items[0].message).toBe(`@${admin.account.username} updated :pleroma, :mrf_simple (:reject, :media_nsfw)`)
    expect(log.json.items[0].data).toMatchObject({ action: 'config_update', key: ':mrf_simple', subkeys: [':reject', ':media_nsfw'] })
  })

  test('a later change keeps the other subkeys; deleting subkeys returns them to the file\'s values', async () => {
    await post([{ group: ':pleroma', key: ':mrf_simple', value: [tuple(':reject', ['a.example']), tuple(':media_removal', ['b.example'])] }])
    const second = await post([{ group: ':pleroma', key: ':mrf_simple', value: [tuple(':reject', ['c.example'])] }])
    expect(setting(second.json, ':mrf_simple').db).toEqual([':reject', ':media_removal'])
    expect((await domainPolicy(ctx, 'a.example')).reject).toBe(false)
    expect((await domainPolicy(ctx, 'c.example')).reject).toBe(true)
    expect((await domainPolicy(ctx, 'b.example')).rejectMedia).toBe(true)

    const removed = await post([{ group: ':pleroma', key: ':mrf_simple', delete: true, subkeys: [':reject'] }])
    expect(removed.status).toBe(200)
    expect(setting(removed.json, ':mrf_simple').db).toEqual([':media_removal'])
    expect((await domainPolicy(ctx, 'c.example')).reject).toBe(false)

    const all = await post([{ group: ':pleroma', key: ':mrf_simple', delete: true }])
    expect(all.json.configs).toEqual([])
    expect((await domainPolicy(ctx, 'b.example')).rejectMedia).toBe(false)
    expect(await ctx.db.select().from(adminSettings)).toEqual([])
  })

  test('keyword policy: regular expressions in Pleroma\'s ~r notation, replacements; switching the policy off', async () => {
    const res = await post([{ group: ':pleroma', key: ':mrf_keyword', value: [
      tuple(':reject', ['casino', '~r/b[a4]d\\s+word/i']),
      tuple(':replace', [tuple('cloud', 'butt')]),
    ] }])
    expect(res.status).toBe(200)
    expect(subkey(setting(res.json, ':mrf_keyword'), ':reject')).toEqual(['casino', '~r/b[a4]d\\s+word/i'])
    let keyword = (await mrfSettings(ctx)).keyword
    expect(keyword.reject).toEqual(['casino', '/b[a4]d\\s+word/i'])
    expect(keyword.replace).toEqual([{ pattern: 'cloud', replacement: 'butt' }])

    const off = await post([{ group: ':pleroma', key: ':mrf', value: [tuple(':policies', ['Pleroma.Web.ActivityPub.MRF.SimplePolicy'])] }])
    expect(subkey(setting(off.json, ':mrf'), ':policies')).toEqual(['Pleroma.Web.ActivityPub.MRF.SimplePolicy'])
    const settings = await mrfSettings(ctx)
    expect(settings.policies).toEqual(['SimplePolicy'])
    keyword = settings.keyword
    expect(keyword.reject).toEqual([])
    // still shown as set, for the admin to switch back on
    expect(subkey(setting((await as(admin, 'GET', PATH)).json, ':mrf_keyword'), ':reject')).toEqual(['casino', '~r/b[a4]d\\s+word/i'])
  })

  test('unknown groups, keys, subkeys, policies and malformed values are 400 and change nothing', async () => {
    const bad = [
      { group: ':pleroma', key: ':instance', value: [tuple(':name', 'x')] },
      { group: ':web_push_encryption', key: ':vapid_details', value: [] },
      { group: ':pleroma', key: ':mrf_simple', value: [tuple(':obliterate', ['x.example'])] },
      { group: ':pleroma', key: ':mrf_simple', value: [tuple(':reject', 'x.example')] },
      { group: ':pleroma', key: ':mrf_simple', value: [tuple(':reject', ['not a domain'])] },
      { group: ':pleroma', key: ':mrf_simple', value: [tuple('reject', ['x.example'])] },
      { group: ':pleroma', key: ':mrf_simple', value: { reject: ['x.example'] } },
      { group: ':pleroma', key: ':mrf', value: [tuple(':policies', ['Pleroma.Web.ActivityPub.MRF.HashtagPolicy'])] },
      { group: ':pleroma', key: ':mrf_keyword', value: [tuple(':replace', ['no tuple'])] },
      'not an object',
    ]
    for (const config of bad) {
      const res = await post([{ group: ':pleroma', key: ':mrf_simple', value: [tuple(':reject', ['fine.example'])] }, config])
      expect(res.status).toBe(400)
      expect(typeof res.json.error).toBe('string')
    }
    for (const body of [{}, { configs: [] }, { configs: 'x' }]) expect((await as(admin, 'POST', PATH, body)).status).toBe(400)
    expect(await ctx.db.select().from(adminSettings)).toEqual([])
    expect((await post([{ group: ':pleroma', key: ':mrf_simple', value: [] }], moderator)).status).toBe(403)
  })

  test('a change made on another connection reaches this process by notification', async () => {
    await post([{ group: ':pleroma', key: ':mrf_simple', value: [tuple(':reject', ['elsewhere.example'])] }])
    expect((await domainPolicy(ctx, 'elsewhere.example')).reject).toBe(true)
    await elsewhere(ctx, sql`delete from admin_settings`)
    let rejected = true
    for (const until = Date.now() + 10_000; rejected && Date.now() < until; await Bun.sleep(25)) {
      rejected = (await domainPolicy(ctx, 'elsewhere.example')).reject
    }
    expect(rejected).toBe(false)
  })
})
