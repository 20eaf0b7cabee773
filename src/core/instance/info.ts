import type { AccountRow } from '../../db/schema'
import { publishedFederationPolicy, type PublishedFederationPolicy } from './domain-blocks'
import type { Ctx } from '../context'
import { vapidPublicKey } from '../push/keys'
import type { InstanceRule } from './registration'
import { effectiveRules } from './texts'
import { findContactAccount, publishedInstanceStats, staffAccountUris, type InstanceStats } from './stats'

export interface InstanceInfo {
  stats: InstanceStats
  contactAccount: AccountRow | null
  /**
   * `ROOKERY_CONTACT_EMAIL`, else the contact admin's address, as Pleroma publishes the admin address it was
   * installed with; null when there is neither (Mastodon's schema has no room for an empty string).
   */
  contactEmail: string | null
  /** the Web Push VAPID public key */
  vapidKey: string
  rules: InstanceRule[]
}

/** Everything `/api/v1/instance` and `/api/v2/instance` read from the database. */
export async function loadInstanceInfo(ctx: Ctx): Promise<InstanceInfo> {
  const [stats, contact, vapidKey, rules] = await Promise.all([publishedInstanceStats(ctx), findContactAccount(ctx), vapidPublicKey(ctx), effectiveRules(ctx)])
  return {
    stats,
    contactAccount: contact?.account ?? null,
    contactEmail: ctx.config.instance.contactEmail || contact?.email || null,
    vapidKey,
    rules,
  }
}

export interface NodeinfoData {
  stats: InstanceStats
  staffAccounts: string[]
  federationPolicy: PublishedFederationPolicy | null
}

/** Everything NodeInfo reads from the database. */
export async function loadNodeinfoData(ctx: Ctx): Promise<NodeinfoData> {
  const [stats, staffAccounts, federationPolicy] = await Promise.all([publishedInstanceStats(ctx), staffAccountUris(ctx), publishedFederationPolicy(ctx)])
  return { stats, staffAccounts, federationPolicy }
}


