import { beforeAll, describe, expect, test } from 'bun:test'
import { and, eq, inArray, not, sql } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { newId } from '../../src/core/ids'
import { blockAccount } from '../../src/core/relationships/block'
import { blockDomain } from '../../src/core/relationships/domain-blocks'
import { hiddenAuthorsSql, type HiddenAuthorsOptions } from '../../src/core/relationships/filters'
import { followAccount } from '../../src/core/relationships/follow'
import { muteAccount } from '../../src/core/relationships/mute'
import { accounts, mutes, notifications, type AccountRow } from '../../src/db/schema'
import { getTestContext } from '../support/context'
import { makeUser, uniqueName } from '../support/factories'

let ctx: Ctx

beforeAll(async () => {
  ctx = await getTestContext()
})

async function remote(domain: string): Promise<AccountRow> {
  const [row] = await ctx.db.insert(accounts).values({ username: uniqueName('r'), domain, uri: `https://${domain}/u/${newId()}` }).returning()
  return row
}

/** Which of the candidate accounts the viewer hides, by evaluating the condition against the accounts table. */
async function hidden(viewerId: string | null, candidates: AccountRow[], opts?: HiddenAuthorsOptions): Promise<string[]> {
  const rows = await ctx.db.select({ id: accounts.id }).from(accounts)
    .where(and(inArray(accounts.id, candidates.map((c) => c.id)), hiddenAuthorsSql(viewerId, sql`${accounts.id}`, opts)))
  return rows.map((r) => r.id).sort()
}

const ids = (...rows: AccountRow[]) => rows.map((r) => r.id).sort()

describe('hiddenAuthorsSql', () => {
  test('hides blocked, muted (unexpired) and domain-blocked authors; a follow overrides the domain block', async () => {
    const [viewer, blocked, muted, quietMuted, expired, plain, blocker] = await Promise.all(Array.from({ length: 7 }, () => makeUser(ctx)))
    const domain = `${uniqueName('d').toLowerCase().replace(/_/g, '-')}.example`
    const [onDomain, followedOnDomain] = [await remote(domain), await remote(domain)]
    await blockAccount(ctx, viewer.account.id, blocked.account)
    await muteAccount(ctx, viewer.account.id, muted.account, { notifications: true, durationSeconds: null })
    await muteAccount(ctx, viewer.account.id, quietMuted.account, { notifications: false, durationSeconds: 600 })
    await muteAccount(ctx, viewer.account.id, expired.account, { notifications: true, durationSeconds: 60 })
    await ctx.db.update(mutes).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(mutes.targetAccountId, expired.account.id))
    await blockDomain(ctx, viewer.account.id, domain)
    await followAccount(ctx, viewer.account.id, followedOnDomain)
    await blockAccount(ctx, blocker.account.id, viewer.account)

    const all = [blocked, muted, quietMuted, expired, plain, blocker].map((u) => u.account).concat(onDomain, followedOnDomain)
    // Being blocked by an author is the visibility rule's business, not the viewer's own filter.
    expect(await hidden(viewer.account.id, all)).toEqual(ids(blocked.account, muted.account, quietMuted.account, onDomain))
    expect(await hidden(viewer.account.id, all, { withMuted: true })).toEqual(ids(blocked.account, onDomain))
    expect(await hidden(viewer.account.id, all, { notifications: true })).toEqual(ids(blocked.account, muted.account, onDomain))
    expect(await hidden(null, all)).toEqual([])
    expect(await hidden(plain.account.id, all)).toEqual([])
  })

  test('filters notifications by their sender', async () => {
    const [viewer, friend, muted] = await Promise.all(Array.from({ length: 3 }, () => makeUser(ctx)))
    await ctx.db.insert(notifications).values([
      { accountId: viewer.account.id, fromAccountId: friend.account.id, type: 'follow' },
      { accountId: viewer.account.id, fromAccountId: muted.account.id, type: 'follow' },
    ])
    await muteAccount(ctx, viewer.account.id, muted.account, { notifications: true, durationSeconds: null })
    const shown = await ctx.db.select({ from: notifications.fromAccountId }).from(notifications).where(and(
      eq(notifications.accountId, viewer.account.id),
      not(hiddenAuthorsSql(viewer.account.id, sql`${notifications.fromAccountId}`, { notifications: true })),
    ))
    expect(shown.map((n) => n.from)).toEqual([friend.account.id])
  })
})
