import type { AccountRow } from '../../db/schema'
import type { Ctx } from '../context'
import type { InstanceRule } from './registration'
import { effectiveRules } from './texts'
import { findContactAccount, instanceStats, staffAccountUris, type InstanceStats } from './stats'

export interface InstanceInfo {
  stats: InstanceStats
  contactAccount: AccountRow | null
  rules: InstanceRule[]
}

/** Everything `/api/v1/instance` and `/api/v2/instance` read from the database. */
export async function loadInstanceInfo(ctx: Ctx): Promise<InstanceInfo> {
  const [stats, contactAccount, rules] = await Promise.all([instanceStats(ctx), findContactAccount(ctx), effectiveRules(ctx)])
  return { stats, contactAccount, rules }
}

export interface NodeinfoData {
  stats: InstanceStats
  staffAccounts: string[]
}

/** Everything NodeInfo reads from the database. */
export async function loadNodeinfoData(ctx: Ctx): Promise<NodeinfoData> {
  const [stats, staffAccounts] = await Promise.all([instanceStats(ctx), staffAccountUris(ctx)])
  return { stats, staffAccounts }
}


