// The authorisation matrix, generated from the route table (each route's `detail['x-auth']`), so routes added later are
// covered without touching this file: missing token → 401, a token without the route's scope → 403, an unknown or
// malformed id → 404, and another user's private resource → 404, always as `{"error": "..."}`.
import { beforeAll, describe, expect, test } from 'bun:test'
import { newId } from '../../src/core/ids'
import { hasAnyScope } from '../../src/core/oauth/scopes'
import type { AuthRule } from '../../src/server/base'
import { testApp } from '../support/context'
import { makeUser, type MadeUser } from '../support/factories'
import { call } from '../support/http'
import { fileOf, pngFixture } from '../support/media-fixtures'

interface Route {
  method: string
  path: string
  rule: AuthRule
}

const ALL_SCOPES = ['read', 'write', 'follow', 'push', 'admin']
/** Scopes to try as "the wrong one": the first that covers none of a route's scopes is used. */
const WRONG_SCOPE_CANDIDATES = ['push', 'read:statuses', 'write:reports', 'read:lists', 'write:lists', 'admin:read:reports']
/** Parameters that name a record by id (others, like `:emoji` or `:token`, get a harmless value). */
const isIdParam = (name: string) => name === 'id' || name.endsWith('_id')

async function routes(): Promise<Route[]> {
  const app = await testApp()
  return app.routes
    .filter((r) => !['WS', 'HEAD', 'OPTIONS'].includes(r.method))
    .map((r) => ({ method: r.method, path: r.path, rule: (r.hooks as any)?.detail?.['x-auth'] as AuthRule }))
}

function params(path: string): string[] {
  return [...path.matchAll(/:([A-Za-z_]+)/g)].map((m) => m[1])
}

/** The route's path with every id parameter set to `id` and the others to something plausible. */
function fill(path: string, id: string): string {
  return path
    .replace(/:([A-Za-z_]+)/g, (_, name: string) => (isIdParam(name) ? encodeURIComponent(id) : name === 'emoji' ? encodeURIComponent('👍') : 'x'))
    .replace(/\*/g, 'x')
}

const label = (r: Route) => `${r.method} ${r.path}`
const send = (r: Route, path: string, token?: string) =>
  call(r.method, path, { token, ...(r.method === 'GET' || r.method === 'DELETE' ? {} : { json: {} }) })

function expectJsonError(res: { status: number; json: any; headers: Headers }, status: number, what: string) {
  if (res.status !== status) throw new Error(`${what}: expected ${status}, got ${res.status} ${JSON.stringify(res.json)}`)
  expect(res.headers.get('content-type') ?? '').toContain('application/json')
  if (typeof res.json?.error !== 'string') throw new Error(`${what}: no {"error"} in ${JSON.stringify(res.json)}`)
}

describe('authorisation matrix', () => {
  let all: Route[] = []
  let admin: MadeUser
  const wrongTokens = new Map<string, string>()

  beforeAll(async () => {
    all = await routes()
    admin = await makeUser(undefined, { isAdmin: true, scopes: ALL_SCOPES })
  })

  async function wrongToken(scopes: string[]): Promise<string | null> {
    const scope = WRONG_SCOPE_CANDIDATES.find((c) => !hasAnyScope([c], scopes))
    if (!scope) return null
    if (!wrongTokens.has(scope)) wrongTokens.set(scope, (await makeUser(undefined, { scopes: [scope] })).token)
    return wrongTokens.get(scope)!
  }

  test('every route with scopes: no token → 401, a token without the scope → 403', async () => {
    const checked: string[] = []
    for (const r of all) {
      if (typeof r.rule !== 'object') continue
      const path = fill(r.path, newId())
      if (!r.rule.optional) expectJsonError(await send(r, path), 401, `${label(r)} without a token`)
      const token = await wrongToken(r.rule.scopes)
      if (token) expectJsonError(await send(r, path, token), 403, `${label(r)} with a token lacking ${r.rule.scopes.join('|')}`)
      checked.push(label(r))
    }
    expect(checked.length).toBeGreaterThan(50)
  })

  test('admin routes refuse a user with the right scopes but no role → 403', async () => {
    const user = await makeUser(undefined, { scopes: ALL_SCOPES })
    for (const r of all) {
      if (typeof r.rule !== 'object' || !r.rule.role) continue
      expectJsonError(await send(r, fill(r.path, newId()), user.token), 403, `${label(r)} as a non-staff user`)
    }
  })

  test('routes addressing a record by id: unknown and malformed ids → 404', async () => {
    for (const r of all) {
      if (!params(r.path).some(isIdParam)) continue
      for (const id of [newId(), 'not-an-id', '1234567890123456789012345']) {
        const res = await send(r, fill(r.path, id), admin.token)
        const what = `${label(r)} with id ${id}`
        if ((res.headers.get('content-type') ?? '').includes('text/html')) {
          if (res.status !== 404) throw new Error(`${what}: expected 404, got ${res.status}`)
        } else {
          expectJsonError(res, 404, what)
        }
      }
    }
  })
})

/**
 * Private records of one user, made through the API, by the route family that addresses them. A route with an id
 * parameter must belong to a family here or to PUBLIC_RECORDS; a new kind of record needs a line in one of them.
 */
type Fixtures = Record<string, string>

const FAMILIES: [RegExp, string][] = [
  [/^\/api\/v1\/(pleroma\/)?statuses\/:id(\/|$)/, 'status'],
  [/^\/api\/v1\/polls\/:id(\/|$)/, 'poll'],
  [/^\/api\/v1\/(lists|timelines\/list)\/:id(\/|$)/, 'list'],
  [/^\/api\/v1\/filters\/:id(\/|$)/, 'filterV1'],
  [/^\/api\/v2\/filters\/:id(\/|$)/, 'filter'],
  [/^\/api\/v2\/(filters\/keywords|filter_keywords)\/:id(\/|$)/, 'filterKeyword'],
  [/^\/api\/v2\/(filters\/statuses|filter_statuses)\/:id(\/|$)/, 'filterStatus'],
  [/^\/api\/v1\/scheduled_statuses\/:id(\/|$)/, 'scheduled'],
  [/^\/api\/v1\/media\/:id(\/|$)/, 'media'],
  [/^\/api\/v1\/featured_tags\/:id(\/|$)/, 'featuredTag'],
  [/^\/api\/v1\/notifications\/:id(\/|$)/, 'notification'],
  [/^\/api\/v1\/notifications\/requests\/:id(\/|$)/, 'notificationRequest'],
  [/^\/api\/v1\/(pleroma\/)?conversations\/:id(\/|$)/, 'conversation'],
  [/^\/api\/(v1|v0\/pleroma)\/reports\/:id(\/|$)/, 'report'],
  [/^\/api\/v1\/pleroma\/bookmark_folders\/:id(\/|$)/, 'bookmarkFolder'],
  [/^\/api\/v1\/pleroma\/chats\/:id(\/|$)/, 'chat'],
  // authorising or rejecting someone who never asked to follow
  [/^\/api\/v1\/follow_requests\/:id(\/|$)/, 'nonRequester'],
]

/**
 * Records anyone may address (accounts are public; hiding one is the visibility rule's job, tested elsewhere;
 * announcements are written for every user).
 */
const PUBLIC_RECORDS = [
  /^\/api\/v1\/(pleroma\/)?accounts\/:id(\/|$)/, /^\/api\/account\/confirm_email\/:user_id\//, /^\/api\/v1\/announcements\/:id\//,
  /^\/api\/v1\/suggestions\/:account_id$/, /^\/api\/v1\/pleroma\/chats\/by-account-id\/:id$/,
]

async function ok(res: Promise<{ status: number; json: any; text: string }>, what: string) {
  const r = await res
  if (r.status !== 200) throw new Error(`fixture ${what}: ${r.status} ${r.text}`)
  return r.json
}

async function makeFixtures(owner: MadeUser, other: MadeUser): Promise<Fixtures> {
  const t = owner.token
  const secret = await ok(call('POST', '/api/v1/statuses', { token: t, json: { status: 'only me', visibility: 'direct' } }), 'direct status')
  const withPoll = await ok(call('POST', '/api/v1/statuses', {
    token: t, json: { status: 'a private poll', visibility: 'direct', poll: { options: ['a', 'b'], expires_in: 3600 } },
  }), 'poll')
  const list = await ok(call('POST', '/api/v1/lists', { token: t, json: { title: 'mine' } }), 'list')
  const filterV1 = await ok(call('POST', '/api/v1/filters', { token: t, json: { phrase: 'spoilers', context: ['home'] } }), 'v1 filter')
  const filter = await ok(call('POST', '/api/v2/filters', {
    token: t, json: { title: 'mine', context: ['home'], keywords_attributes: [{ keyword: 'spoilers' }] },
  }), 'v2 filter')
  const filterStatus = await ok(call('POST', `/api/v2/filters/${filter.id}/statuses`, { token: t, json: { status_id: secret.id } }), 'filter status')
  const scheduled = await ok(call('POST', '/api/v1/statuses', {
    token: t, json: { status: 'later', scheduled_at: new Date(Date.now() + 3600_000).toISOString() },
  }), 'scheduled status')
  const media = await ok(call('POST', '/api/v1/media', { token: t, multipart: { file: fileOf(pngFixture(), 'image/png', 'a.png') } }), 'media')
  await ok(call('POST', '/api/v1/statuses', { token: other.token, json: { status: `@${owner.account.username} hello` } }), 'mention')
  const notifications = await ok(call('GET', '/api/v1/notifications', { token: t }), 'notifications')
  await ok(call('PATCH', '/api/v2/notifications/policy', { token: t, json: { for_not_following: 'filter' } }), 'notification policy')
  await ok(call('POST', '/api/v1/statuses', { token: other.token, json: { status: `@${owner.account.username} filtered` } }), 'filtered mention')
  const [notificationRequest] = await ok(call('GET', '/api/v1/notifications/requests', { token: t }), 'notification requests')
  await ok(call('POST', '/api/v1/statuses', { token: t, json: { status: `@${other.account.username} just us`, visibility: 'direct' } }), 'dm')
  const conversations = await ok(call('GET', '/api/v1/conversations', { token: t }), 'conversations')
  const report = await ok(call('POST', '/api/v1/reports', { token: t, json: { account_id: other.account.id } }), 'report')
  const bookmarkFolder = await ok(call('POST', '/api/v1/pleroma/bookmark_folders', { token: t, json: { name: 'mine' } }), 'bookmark folder')
  const featuredTag = await ok(call('POST', '/api/v1/featured_tags', { token: t, json: { name: 'mine' } }), 'featured tag')
  const chat = await ok(call('POST', `/api/v1/pleroma/chats/by-account-id/${other.account.id}`, { token: t }), 'chat')
  return {
    status: secret.id,
    poll: withPoll.poll.id,
    list: list.id,
    filterV1: filterV1.id,
    filter: filter.id,
    filterKeyword: filter.keywords[0].id,
    filterStatus: filterStatus.id,
    scheduled: scheduled.id,
    media: media.id,
    notification: notifications[0].id,
    notificationRequest: notificationRequest.id,
    conversation: conversations[0].id,
    report: report.id,
    bookmarkFolder: bookmarkFolder.id,
    featuredTag: featuredTag.id,
    chat: chat.id,
    nonRequester: owner.account.id,
  }
}

describe('someone else\'s records', () => {
  test('every id-addressed route answers 404 for another user\'s private record', async () => {
    const owner = await makeUser(undefined, { scopes: ALL_SCOPES.filter((s) => s !== 'admin') })
    const bystander = await makeUser()
    const intruder = await makeUser(undefined, { scopes: ALL_SCOPES.filter((s) => s !== 'admin') })
    const fixtures = await makeFixtures(owner, bystander)
    const unclassified: string[] = []
    let checked = 0
    for (const r of await routes()) {
      if (typeof r.rule !== 'object' || r.rule.role || !params(r.path).some(isIdParam)) continue
      if (PUBLIC_RECORDS.some((p) => p.test(r.path))) continue
      const family = FAMILIES.find(([p]) => p.test(r.path))?.[1]
      if (!family) {
        unclassified.push(label(r))
        continue
      }
      const res = await send(r, fill(r.path, fixtures[family]), intruder.token)
      expectJsonError(res, 404, `${label(r)} on another user's ${family}`)
      checked++
    }
    expect(unclassified).toEqual([])
    expect(checked).toBeGreaterThan(40)
    // the owner still reaches them: the 404s above are about ownership, not broken fixtures
    for (const path of [`/api/v1/statuses/${fixtures.status}`, `/api/v1/lists/${fixtures.list}`, `/api/v1/reports/${fixtures.report}`, `/api/v1/media/${fixtures.media}`]) {
      expect((await call('GET', path, { token: owner.token })).status).toBe(200)
    }
  })
})
