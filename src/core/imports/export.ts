import { and, asc, eq } from 'drizzle-orm'
import { accounts, blocks, follows, mutes } from '../../db/schema'
import type { Ctx } from '../context'
import { activeMuteSql } from '../relationships/mute'
import { toCsv } from './csv'
import type { ImportKind } from './parse'

/** Mastodon's column headers; its blocks export is a single column without a header. */
export const EXPORT_HEADERS: Record<ImportKind, string[] | null> = {
  follows: ['Account address', 'Show boosts', 'Notify on new posts', 'Languages'],
  blocks: null,
  mutes: ['Account address', 'Hide notifications'],
}

/** `user@domain`, local accounts with this instance's domain, as Mastodon writes them. */
function address(ctx: Ctx, row: { username: string; domain: string | null }): string {
  return `${row.username}@${row.domain ?? ctx.config.domain}`
}

/**
 * The account's follows, blocks or (unexpired) mutes as Mastodon's CSV export, oldest first,
 * so it can be imported here or on any Mastodon-compatible server.
 */
export async function exportCsv(ctx: Ctx, accountId: string, kind: ImportKind): Promise<string> {
  const header = EXPORT_HEADERS[kind]
  let rows: string[][]
  if (kind === 'follows') {
    const found = await ctx.db.select({ username: accounts.username, domain: accounts.domain, reblogs: follows.showReblogs, notify: follows.notify, languages: follows.languages })
      .from(follows).innerJoin(accounts, eq(accounts.id, follows.targetAccountId))
      .where(eq(follows.accountId, accountId)).orderBy(asc(follows.id))
    rows = found.map((r) => [address(ctx, r), String(r.reblogs), String(r.notify), (r.languages ?? []).join(', ')])
  } else if (kind === 'blocks') {
    const found = await ctx.db.select({ username: accounts.username, domain: accounts.domain })
      .from(blocks).innerJoin(accounts, eq(accounts.id, blocks.targetAccountId))
      .where(eq(blocks.accountId, accountId)).orderBy(asc(blocks.id))
    rows = found.map((r) => [address(ctx, r)])
  } else {
    const found = await ctx.db.select({ username: accounts.username, domain: accounts.domain, hide: mutes.hideNotifications })
      .from(mutes).innerJoin(accounts, eq(accounts.id, mutes.targetAccountId))
      .where(and(eq(mutes.accountId, accountId), activeMuteSql())).orderBy(asc(mutes.id))
    rows = found.map((r) => [address(ctx, r), String(r.hide)])
  }
  return toCsv(header ? [header, ...rows] : rows)
}
