import { and, count, eq, not } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { notificationPolicies, notificationRequests, notifications, users, type PolicyValue } from '../../db/schema'
import type { Ctx } from '../context'
import { NotFoundError, ValidationError } from '../errors'
import { parseBool } from '../params'
import { hiddenFromViewerSql } from './rules'

const POLICY_VALUES: readonly PolicyValue[] = ['accept', 'filter', 'drop']

/** The policy's settings, in Mastodon's v2 names. */
export const POLICY_KEYS = ['for_not_following', 'for_not_followers', 'for_new_accounts', 'for_private_mentions', 'for_limited_accounts'] as const
export type PolicyKey = (typeof POLICY_KEYS)[number]
export type PolicySettings = Record<PolicyKey, PolicyValue>

const COLUMNS = {
  for_not_following: 'forNotFollowing',
  for_not_followers: 'forNotFollowers',
  for_new_accounts: 'forNewAccounts',
  for_private_mentions: 'forPrivateMentions',
  for_limited_accounts: 'forLimitedAccounts',
} as const satisfies Record<PolicyKey, keyof typeof notificationPolicies.$inferInsert>

export const DEFAULT_POLICY: PolicySettings = {
  for_not_following: 'accept', for_not_followers: 'accept', for_new_accounts: 'accept', for_private_mentions: 'accept', for_limited_accounts: 'filter',
}

/** Mastodon's v1 policy: booleans, `true` for `filter` (v1 knows no `drop`). */
const V1_KEYS: Record<string, PolicyKey> = {
  filter_not_following: 'for_not_following',
  filter_not_followers: 'for_not_followers',
  filter_new_accounts: 'for_new_accounts',
  filter_private_mentions: 'for_private_mentions',
}

export interface NotificationPolicy {
  settings: PolicySettings
  summary: { pendingRequests: number; pendingNotifications: number }
}

/** Mastodon counts pending requests up to this many. */
const MAX_PENDING_REQUESTS = 100

async function readSettings(db: DbLike, accountId: string): Promise<PolicySettings> {
  const [[row], [user]] = await Promise.all([
    db.select().from(notificationPolicies).where(eq(notificationPolicies.accountId, accountId)).limit(1),
    db.select({ settings: users.notificationSettings }).from(users).where(eq(users.accountId, accountId)).limit(1),
  ])
  const settings = { ...DEFAULT_POLICY }
  if (row) for (const key of POLICY_KEYS) settings[key] = row[COLUMNS[key]]
  // Pleroma's block_from_strangers is what dropping notifications from accounts one does not follow means.
  if (user?.settings.block_from_strangers) settings.for_not_following = 'drop'
  else if (settings.for_not_following === 'drop') settings.for_not_following = 'accept'
  return settings
}

/** `GET /api/v2/notifications/policy`: the viewer's policy, with how many requests and filtered notifications wait. */
export async function getNotificationPolicy(ctx: Ctx, accountId: string): Promise<NotificationPolicy> {
  const pendingRequests = ctx.db.select({ id: notificationRequests.id }).from(notificationRequests)
    .where(eq(notificationRequests.accountId, accountId)).limit(MAX_PENDING_REQUESTS)
  const [settings, [requests], [pending]] = await Promise.all([
    readSettings(ctx.db, accountId),
    ctx.db.select({ n: count() }).from(pendingRequests.as('pending_requests')),
    ctx.db.select({ n: count() }).from(notifications).where(and(
      eq(notifications.accountId, accountId), eq(notifications.filtered, true), not(hiddenFromViewerSql(accountId)),
    )),
  ])
  return { settings, summary: { pendingRequests: Number(requests.n), pendingNotifications: Number(pending.n) } }
}

/** Writes the policy and keeps Pleroma's `block_from_strangers` in agreement with `for_not_following: drop`. */
export async function savePolicy(tx: DbLike, accountId: string, settings: PolicySettings): Promise<void> {
  const values = Object.fromEntries(POLICY_KEYS.map((k) => [COLUMNS[k], settings[k]])) as Omit<typeof notificationPolicies.$inferInsert, 'accountId'>
  await tx.insert(notificationPolicies).values({ accountId, ...values })
    .onConflictDoUpdate({ target: notificationPolicies.accountId, set: { ...values, updatedAt: new Date() } })
}

/**
 * `PATCH /api/v2/notifications/policy` (`for_*`: accept, filter or drop) and, with `v1`, `PUT /api/v1/notifications/policy`
 * (`filter_*` booleans). Settings not given keep their value; an unknown value is 422.
 */
export async function updateNotificationPolicy(ctx: Ctx, accountId: string, input: Record<string, unknown>, opts: { v1?: boolean } = {}): Promise<NotificationPolicy> {
  const changes: Partial<PolicySettings> = {}
  if (opts.v1) {
    for (const [name, key] of Object.entries(V1_KEYS)) {
      if (input[name] === undefined) continue
      const flag = parseBool(input[name])
      if (flag === undefined) throw new ValidationError(`Validation failed: ${name} must be a boolean`)
      changes[key] = flag ? 'filter' : 'accept'
    }
  } else {
    for (const key of POLICY_KEYS) {
      const value = input[key]
      if (value === undefined) continue
      if (!POLICY_VALUES.includes(value as PolicyValue)) throw new ValidationError(`Validation failed: ${key} must be one of accept, filter, drop`)
      changes[key] = value as PolicyValue
    }
  }
  await ctx.db.transaction(async (tx) => {
    const [user] = await tx.select({ settings: users.notificationSettings }).from(users).where(eq(users.accountId, accountId)).for('update')
    if (!user) throw new NotFoundError()
    const current = await readSettings(tx, accountId)
    const next = { ...current, ...changes }
    await savePolicy(tx, accountId, next)
    const blockFromStrangers = next.for_not_following === 'drop'
    if (blockFromStrangers !== !!user.settings.block_from_strangers) {
      await tx.update(users).set({ notificationSettings: { ...user.settings, block_from_strangers: blockFromStrangers }, updatedAt: new Date() })
        .where(eq(users.accountId, accountId))
    }
  })
  return getNotificationPolicy(ctx, accountId)
}

/** After Pleroma's `block_from_strangers` was written: the policy's `for_not_following` follows it (see `readSettings`). */
export async function syncPolicyWithStrangers(tx: DbLike, accountId: string): Promise<void> {
  await savePolicy(tx, accountId, await readSettings(tx, accountId))
}
