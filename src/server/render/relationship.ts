import type { Ctx } from '../../core/context'
import { loadRelationships, type RelationshipData } from '../../core/relationships/queries'

/** Mastodon's Relationship entity, plus Pleroma's `subscribing` (the same as `notifying` here). Pure. */
export function buildRelationship(d: RelationshipData) {
  return {
    id: d.id,
    following: d.following,
    showing_reblogs: d.showReblogs,
    notifying: d.notify,
    languages: d.languages,
    followed_by: d.followedBy,
    blocking: d.blocking,
    blocked_by: d.blockedBy,
    muting: d.muting,
    muting_notifications: d.mutingNotifications,
    muting_expires_at: d.muteExpiresAt?.toISOString() ?? null,
    requested: d.requested,
    requested_by: d.requestedBy,
    domain_blocking: d.domainBlocking,
    endorsed: d.endorsed,
    note: d.note,
    subscribing: d.notify,
  }
}

export type RelationshipEntity = ReturnType<typeof buildRelationship>

/** Relationships to several accounts, in the order asked, in one query; unknown accounts are left out. */
export async function renderRelationships(ctx: Ctx, viewerAccountId: string, ids: string[]): Promise<RelationshipEntity[]> {
  const data = await loadRelationships(ctx, viewerAccountId, ids)
  const seen = new Set<string>()
  const out: RelationshipEntity[] = []
  for (const id of ids) {
    const d = data.get(id)
    if (!d || seen.has(id)) continue
    seen.add(id)
    out.push(buildRelationship(d))
  }
  return out
}

export async function renderRelationship(ctx: Ctx, viewerAccountId: string, id: string): Promise<RelationshipEntity> {
  const [entity] = await renderRelationships(ctx, viewerAccountId, [id])
  return entity
}
