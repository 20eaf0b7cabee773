import { beforeAll, describe, expect, test } from 'bun:test'
import { getTableColumns, sql } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { idToUuid } from '../../src/core/ids'
import { resultRows } from '../../src/db/client'
import { accounts, remoteActors, statuses, users } from '../../src/db/schema'
import { ACCOUNT_USER_KEYS } from '../../src/server/render/account'
import { renderCacheOf } from '../../src/server/render/cache'
import { elsewhere, getTestContext } from '../support/context'
import { makeUser, uniqueName, type MadeUser } from '../support/factories'
import { call, postStatus } from '../support/http'

let ctx: Ctx

beforeAll(async () => {
  ctx = await getTestContext()
})

async function remoteAccount(acceptsChats: boolean | null) {
  const username = uniqueName('far')
  const [account] = await ctx.db.insert(accounts).values({
    username, domain: 'page-authors.example', uri: `https://page-authors.example/users/${username}`, url: `https://page-authors.example/@${username}`,
    displayName: 'Far away', note: '<p>elsewhere</p>', fields: [{ name: 'site', value: 'https://page-authors.example' }],
  }).returning()
  if (acceptsChats !== null) {
    await ctx.db.insert(remoteActors).values({ accountId: account.id, inboxUrl: `https://page-authors.example/users/${username}/inbox`, acceptsChatMessages: acceptsChats })
  }
  const [status] = await ctx.db.insert(statuses).values({ accountId: account.id, local: false, content: '<p>from afar</p>', text: 'from afar' }).returning()
  return { account, status }
}

// A page reads its authors with only the columns an Account entity shows (beside the viewer's state); each must be
// the entity the account's own endpoint gives the same viewer, whoever that is.
describe("a page's authors", () => {
  test('are rendered as their accounts are, for anonymous readers, strangers, themselves and staff', async () => {
    const target = await makeUser(ctx)
    const admin = await makeUser(ctx, {
      user: { isAdmin: true, showRole: true, tags: ['moderation'] },
      account: { note: '<p>bio</p>', fields: [{ name: 'web', value: 'https://example.com' }], hideFollowersCount: true, bot: true },
    })
    const moderator = await makeUser(ctx, { user: { isModerator: true, showRole: false, acceptsChatMessages: false, allowFollowingMove: false } })
    const moved = await makeUser(ctx, { account: { movedToId: target.account.id, locked: true } })
    const [takesChats, refusesChats, unknownActor] = [await remoteAccount(true), await remoteAccount(false), await remoteAccount(null)]
    const ours = [
      (await postStatus<{ id: string }>(admin, { status: 'from the admin' })).id,
      (await postStatus<{ id: string }>(moderator, { status: 'a reply far away', in_reply_to_id: takesChats.status.id })).id,
      (await postStatus<{ id: string }>(moved, { status: 'moved on' })).id,
      takesChats.status.id, refusesChats.status.id, unknownActor.status.id,
    ]
    const stranger = await makeUser(ctx)
    const readers: (MadeUser | null)[] = [null, stranger, admin, moderator, moved]
    for (const reader of readers) {
      const page = await call('GET', '/api/v1/timelines/public', { token: reader?.token, query: { limit: '40' } })
      expect(page.status).toBe(200)
      const shown = new Map((page.json as any[]).map((s) => [s.id, s]))
      for (const id of ours) {
        const status = shown.get(id)
        expect(status).toBeDefined()
        const own = await call('GET', `/api/v1/accounts/${status.account.id}`, { token: reader?.token })
        expect(own.status).toBe(200)
        expect(status.account).toEqual(own.json)
      }
      expect(shown.get(ours[1]).pleroma.in_reply_to_account_acct).toBe(`${takesChats.account.username}@page-authors.example`)
      expect(shown.get(takesChats.status.id).account.pleroma.accepts_chat_messages).toBe(true)
      expect(shown.get(refusesChats.status.id).account.pleroma.accepts_chat_messages).toBe(false)
      expect(shown.get(unknownActor.status.id).account.pleroma.accepts_chat_messages).toBeNull()
      expect(shown.get(ours[2]).account.moved.id).toBe(target.account.id)
      expect(shown.get(ours[0]).account.roles).toEqual([{ id: '3', name: 'Admin', color: '' }])
    }
    // what only the account itself or staff see
    const asItself = (await call('GET', '/api/v1/timelines/public', { token: moderator.token, query: { limit: '40' } })).json as any[]
    expect(asItself.find((s) => s.id === ours[1]).account.pleroma).toMatchObject({ allow_following_move: false, accepts_chat_messages: false, is_moderator: true })
    const asStaff = (await call('GET', '/api/v1/timelines/public', { token: admin.token, query: { limit: '40' } })).json as any[]
    expect(asStaff.find((s) => s.id === ours[0]).account.pleroma).toMatchObject({ tags: ['moderation'], is_approved: true, deactivated: false })
    const anonymous = (await call('GET', '/api/v1/timelines/public', { query: { limit: '40' } })).json as any[]
    expect(anonymous.find((s) => s.id === ours[0]).account.pleroma).not.toHaveProperty('email')
    expect(anonymous.find((s) => s.id === ours[0]).account.pleroma.tags).toEqual([])
  })
})

// Each process keeps what pages read of their authors under the account's render_version; a page sends the versions
// it holds and reads only the authors that changed, whichever process or connection changed them.
describe("a page's authors kept between pages", () => {
  const page = async (token?: string) => {
    const res = await call('GET', '/api/v1/timelines/public', { token, query: { limit: '40' } })
    expect(res.status).toBe(200)
    return new Map((res.json as any[]).map((s) => [s.id, s]))
  }
  /** The page, and how many of its authors it read anew rather than from what was kept. */
  const pageCounting = async (token?: string) => {
    const cache = renderCacheOf(ctx.database)
    const keep = cache.keepAccountView
    let fresh = 0
    cache.keepAccountView = (view) => { fresh++; keep.call(cache, view) }
    try {
      return { shown: await page(token), fresh }
    } finally {
      cache.keepAccountView = keep
    }
  }
  const ownAccount = async (id: string, token?: string) => (await call('GET', `/api/v1/accounts/${id}`, { token })).json

  test('are read again only when their account, its user or its remote actor changed, on any connection', async () => {
    const admin = await makeUser(ctx, { user: { isAdmin: true, showRole: true } })
    const far = await remoteAccount(true)
    const adminStatus = (await postStatus<{ id: string }>(admin, { status: 'kept author' })).id
    const stranger = await makeUser(ctx)
    await page(stranger.token)
    expect((await pageCounting(stranger.token)).fresh).toBe(0)

    const changes = [
      sql`update users set show_role = false where account_id = ${idToUuid(admin.account.id)}`,
      sql`update users set is_admin = false, is_moderator = true, show_role = true where account_id = ${idToUuid(admin.account.id)}`,
      sql`update remote_actors set accepts_chat_messages = false where account_id = ${idToUuid(far.account.id)}`,
      sql`update accounts set followers_count = followers_count + 5, display_name = 'Renamed far away' where id = ${idToUuid(far.account.id)}`,
      sql`delete from remote_actors where account_id = ${idToUuid(far.account.id)}`,
    ]
    for (const change of changes) {
      await elsewhere(ctx, change)
      const { shown, fresh } = await pageCounting(stranger.token)
      expect(fresh).toBe(1)
      expect(shown.get(adminStatus).account).toEqual(await ownAccount(admin.account.id, stranger.token))
      expect(shown.get(far.status.id).account).toEqual(await ownAccount(far.account.id, stranger.token))
    }
    const { shown } = await pageCounting(stranger.token)
    expect(shown.get(adminStatus).account.pleroma).toMatchObject({ is_admin: false, is_moderator: true })
    expect(shown.get(far.status.id).account).toMatchObject({ display_name: 'Renamed far away', pleroma: { accepts_chat_messages: null } })
  })

  test('a changed version is read in full for every viewer; the account itself and staff still see theirs', async () => {
    const author = await makeUser(ctx, { user: { tags: ['kept'] } })
    const status = (await postStatus<{ id: string }>(author, { status: 'seen by all' })).id
    const staff = await makeUser(ctx, { user: { isModerator: true } })
    await page()
    for (const reader of [null, author, staff]) {
      const { shown } = await pageCounting(reader?.token)
      expect(shown.get(status).account).toEqual(await ownAccount(author.account.id, reader?.token))
    }
    expect((await page(staff.token)).get(status).account.pleroma.tags).toEqual(['kept'])
    expect((await page()).get(status).account.pleroma.tags).toEqual([])
  })

  test('an unchanged author is not built again, and a custom emoji added to its name shows (told by notification)', async () => {
    const code = uniqueName('name')
    const author = await makeUser(ctx, { account: { displayName: `Named :${code}:` } })
    const status = (await postStatus<{ id: string }>(author, { status: 'my name has an emoji' })).id
    const cache = renderCacheOf(ctx.database)
    const keep = cache.keepAccountEntity
    let built = 0
    cache.keepAccountEntity = (...args) => { built++; keep.apply(cache, args) }
    try {
      // the cache keeps entities only once this process listens for emoji changes
      for (let i = 0; i < 40 && (built = 0, await page(), built) > 0; i++) await Bun.sleep(50)
      expect(built).toBe(0)
      const first = (await page()).get(status).account
      expect(first.emojis).toEqual([])
    } finally {
      cache.keepAccountEntity = keep
    }
    await elsewhere(ctx, sql`insert into custom_emojis (id, shortcode, file_key) values (${crypto.randomUUID()}, ${code}, ${`emoji/${code}.png`})`)
    let emojis: any[] = []
    for (const until = Date.now() + 10_000; Date.now() < until && !emojis.length; await Bun.sleep(25)) emojis = (await page()).get(status).account.emojis
    expect(emojis).toEqual([expect.objectContaining({ shortcode: code })])
    expect((await page()).get(status).account).toEqual(await ownAccount(author.account.id))
  })

  test("a single status's author is read in full only when it changed, and is shown as its account to every reader", async () => {
    const author = await makeUser(ctx, { user: { tags: ['single'] } })
    const status = (await postStatus<{ id: string }>(author, { status: 'one status' })).id
    const stranger = await makeUser(ctx)
    const staff = await makeUser(ctx, { user: { isAdmin: true } })
    const cache = renderCacheOf(ctx.database)
    const readCounting = async (token?: string) => {
      const keep = cache.keepAccountView
      let fresh = 0
      cache.keepAccountView = (view) => { fresh++; keep.call(cache, view) }
      try {
        const res = await call('GET', `/api/v1/statuses/${status}`, { token })
        expect(res.status).toBe(200)
        return { account: (res.json as any).account, fresh }
      } finally {
        cache.keepAccountView = keep
      }
    }
    cache.clear()
    expect((await readCounting(stranger.token)).fresh).toBe(1)
    for (const reader of [null, stranger, author, staff]) {
      const { account, fresh } = await readCounting(reader?.token)
      expect(fresh).toBe(0)
      expect(account).toEqual(await ownAccount(author.account.id, reader?.token))
    }
    await elsewhere(ctx, sql`update accounts set display_name = 'Renamed once' where id = ${idToUuid(author.account.id)}`)
    const renamed = await readCounting(stranger.token)
    expect(renamed.fresh).toBe(1)
    expect(renamed.account.display_name).toBe('Renamed once')
    await elsewhere(ctx, sql`update users set tags = '[]'::jsonb where account_id = ${idToUuid(author.account.id)}`)
    expect((await readCounting(staff.token)).account.pleroma.tags).toEqual([])
    for (const reader of [null, stranger, author, staff]) {
      const { account, fresh } = await readCounting(reader?.token)
      expect(fresh).toBe(0)
      expect(account).toEqual(await ownAccount(author.account.id, reader?.token))
    }
  })

  test('every user column an account shows bumps its version when it changes', async () => {
    const [trigger] = resultRows<{ definition: string }>(await ctx.db.execute(sql`select pg_get_triggerdef(oid) as definition from pg_trigger
      where tgname = 'users_account_render_updated'`))
    const columns = getTableColumns(users)
    for (const key of ACCOUNT_USER_KEYS) expect(trigger.definition).toContain(`new.${columns[key].name}`)
  })
})
