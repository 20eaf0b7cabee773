// The instance at a glance, for `rookery instance show`.
import { ROOKERY_VERSION } from '../../version'
import type { Ctx } from '../context'
import { instanceStats } from '../instance/stats'

export interface InstanceOverview {
  name: string
  domain: string
  baseUrl: string
  version: string
  registrations: string
  contactEmail: string
  users: number
  activeUsersMonth: number
  statuses: number
  knownDomains: number
}

export async function instanceOverview(ctx: Ctx): Promise<InstanceOverview> {
  const stats = await instanceStats(ctx)
  return {
    name: ctx.config.instance.name,
    domain: ctx.config.domain,
    baseUrl: ctx.config.baseUrl,
    version: ROOKERY_VERSION,
    registrations: ctx.config.registrations,
    contactEmail: ctx.config.instance.contactEmail,
    users: stats.userCount,
    activeUsersMonth: stats.activeMonth,
    statuses: stats.statusCount,
    knownDomains: stats.domainCount,
  }
}
