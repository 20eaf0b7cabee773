import { beforeAll, describe, expect, test } from 'bun:test'
import { createLocalUser } from '../../src/core/accounts/create-user'
import type { Ctx } from '../../src/core/context'
import { NotFoundError } from '../../src/core/errors'
import { newId } from '../../src/core/ids'
import { filterVisibleStatusIds, getVisibleStatus } from '../../src/core/visibility'
import { accounts, blocks, follows, listAccounts, lists, statusMentions, statuses, type StatusVisibility } from '../../src/db/schema'
import { eq } from 'drizzle-orm'
import { getTestContext } from '../support/context'

let ctx: Ctx
let seq = 0
const person = async (label: string) => {
  const nick = `vis_${label}_${Date.now().toString(36)}${seq++}`
  return (await createLocalUser(ctx, { nickname: nick, email: `${nick}@example.com`, password: 'correct horse' })).account.id
}

const VISIBILITIES: StatusVisibility[] = ['public', 'unlisted', 'local', 'private', 'direct', 'list']
type Role = 'author' | 'mentioned' | 'follower' | 'listMember' | 'stranger' | 'blocked' | 'anonymous'
const EXPECTED: Record<StatusVisibility, Role[]> = {
  public: ['author', 'mentioned', 'follower', 'listMember', 'stranger', 'anonymous'],
  unlisted: ['author', 'mentioned', 'follower', 'listMember', 'stranger', 'anonymous'],
  local: ['author', 'mentioned', 'follower', 'listMember', 'stranger', 'anonymous'],
  private: ['author', 'mentioned', 'follower'],
  direct: ['author', 'mentioned'],
  // `list:ID`: the members of the author's list; a follower outside it does not see it
  list: ['author', 'mentioned', 'listMember'],
}

describe('visibility rule', () => {
  const ids: Record<string, string> = {}
  const who: Record<Role, string | null> = { author: '', mentioned: '', follower: '', listMember: '', stranger: '', blocked: '', anonymous: null }

  beforeAll(async () => {
    ctx = await getTestContext()
    for (const role of ['author', 'mentioned', 'follower', 'listMember', 'stranger', 'blocked'] as const) who[role] = await person(role)
    await ctx.db.insert(follows).values([
      { accountId: who.follower!, targetAccountId: who.author! },
      { accountId: who.blocked!, targetAccountId: who.author! },
    ])
    await ctx.db.insert(blocks).values({ accountId: who.author!, targetAccountId: who.blocked! })
    // The author's list holds listMember (and blocked, whom the block still keeps out).
    const [list] = await ctx.db.insert(lists).values({ accountId: who.author!, title: 'inner circle' }).returning()
    await ctx.db.insert(listAccounts).values([{ listId: list.id, accountId: who.listMember! }, { listId: list.id, accountId: who.blocked! }])
    for (const visibility of VISIBILITIES) {
      const id = newId()
      ids[visibility] = id
      await ctx.db.insert(statuses).values({ id, accountId: who.author!, visibility, listId: visibility === 'list' ? list.id : null, text: visibility, content: visibility })
      await ctx.db.insert(statusMentions).values({ statusId: id, accountId: who.mentioned! })
    }
  })

  for (const visibility of VISIBILITIES) {
    for (const role of ['author', 'mentioned', 'follower', 'listMember', 'stranger', 'blocked', 'anonymous'] as Role[]) {
      const allowed = EXPECTED[visibility].includes(role)
      test(`${visibility} status ${allowed ? 'is' : 'is not'} visible to ${role}`, async () => {
        const visible = await filterVisibleStatusIds(ctx, who[role], [ids[visibility]])
        expect(visible.has(ids[visibility])).toBe(allowed)
        const single = getVisibleStatus(ctx, who[role], ids[visibility])
        if (allowed) expect((await single).id).toBe(ids[visibility])
        else expect(single).rejects.toBeInstanceOf(NotFoundError)
      })
    }
  }

  test('a reblog of a private status stays hidden from those who cannot see the original', async () => {
    const reblogger = await person('reblogger')
    const reblogId = newId()
    await ctx.db.insert(statuses).values({ id: reblogId, accountId: reblogger, visibility: 'public', reblogOfId: ids.private })
    expect((await filterVisibleStatusIds(ctx, who.stranger, [reblogId])).size).toBe(0)
    expect((await filterVisibleStatusIds(ctx, null, [reblogId])).size).toBe(0)
    expect((await filterVisibleStatusIds(ctx, who.follower, [reblogId])).size).toBe(1)
  })

  test('statuses of a suspended author are hidden from everyone but the author', async () => {
    const author = await person('suspended')
    const id = newId()
    await ctx.db.insert(statuses).values({ id, accountId: author, visibility: 'public' })
    await ctx.db.update(accounts).set({ suspendedAt: new Date() }).where(eq(accounts.id, author))
    expect((await filterVisibleStatusIds(ctx, null, [id])).size).toBe(0)
    expect((await filterVisibleStatusIds(ctx, who.stranger, [id])).size).toBe(0)
    expect((await filterVisibleStatusIds(ctx, author, [id])).size).toBe(1)
  })

  test('a list status reaches only the members of its own list, and only while they are members', async () => {
    const [author, member, otherListMember] = [await person('listauthor'), await person('member'), await person('othermember')]
    const [list, otherList] = await ctx.db.insert(lists).values([{ accountId: author, title: 'a' }, { accountId: author, title: 'b' }]).returning()
    await ctx.db.insert(listAccounts).values([{ listId: list.id, accountId: member }, { listId: otherList.id, accountId: otherListMember }])
    const id = newId()
    await ctx.db.insert(statuses).values({ id, accountId: author, visibility: 'list', listId: list.id })
    expect((await filterVisibleStatusIds(ctx, member, [id])).size).toBe(1)
    expect((await filterVisibleStatusIds(ctx, otherListMember, [id])).size).toBe(0)
    await ctx.db.delete(listAccounts).where(eq(listAccounts.accountId, member))
    expect((await filterVisibleStatusIds(ctx, member, [id])).size).toBe(0)
    expect((await filterVisibleStatusIds(ctx, author, [id])).size).toBe(1)
  })

  test('malformed and unknown ids are 404', async () => {
    expect(getVisibleStatus(ctx, null, 'not-an-id')).rejects.toBeInstanceOf(NotFoundError)
    expect(getVisibleStatus(ctx, null, newId())).rejects.toBeInstanceOf(NotFoundError)
  })
})
