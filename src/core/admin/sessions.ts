// A user's live tokens as "sessions": apps they authorised and browser logins, and signing them out one by one.
import { and, desc, eq, gt, inArray, isNull, or, sql } from 'drizzle-orm'
import { forgetViewers } from '../oauth/viewer-cache'
import { oauthApps, oauthTokens } from '../../db/schema'
import type { Ctx } from '../context'
import { NotFoundError } from '../errors'
import { isId } from '../ids'
import { logAction, loggedUser, type Actor } from './moderation-log'
import { findLocalUser, type LocalUser } from './users'

export interface UserSession {
  id: string
  /** browser sessions have no app */
  appName: string | null
  appWebsite: string | null
  scopes: string[]
  createdAt: Date
  lastUsedAt: Date | null
  expiresAt: Date | null
}

const live = and(isNull(oauthTokens.revokedAt), or(isNull(oauthTokens.expiresAt), gt(oauthTokens.expiresAt, sql`now()`)))

/** The user's tokens that still work, most recently created first. */
export async function listUserSessions(ctx: Ctx, handleOrId: string): Promise<LocalUser & { sessions: UserSession[] }> {
  const found = await findLocalUser(ctx, handleOrId)
  const rows = await ctx.db.select({ token: oauthTokens, appName: oauthApps.name, appWebsite: oauthApps.website })
    .from(oauthTokens).leftJoin(oauthApps, eq(oauthApps.id, oauthTokens.appId))
    .where(and(eq(oauthTokens.userId, found.user.id), live))
    .orderBy(desc(oauthTokens.id))
  return {
    ...found,
    sessions: rows.map((r) => ({
      id: r.token.id,
      appName: r.appName,
      appWebsite: r.appWebsite,
      scopes: r.token.scopes.split(' ').filter(Boolean),
      createdAt: r.token.createdAt,
      lastUsedAt: r.token.lastUsedAt,
      expiresAt: r.token.expiresAt,
    })),
  }
}

/**
 * Revokes the given sessions of the user (every live one when `ids` is empty). An id that is not a live session
 * of this user is 404, and then nothing is revoked.
 */
export async function revokeUserSessions(ctx: Ctx, handleOrId: string, ids: string[] = [], actor: Actor = null): Promise<LocalUser & { revoked: string[] }> {
  return ctx.db.transaction(async (tx) => {
    const found = await findLocalUser(ctx, handleOrId, tx)
    const wanted = [...new Set(ids)]
    const unknown = wanted.find((id) => !isId(id))
    if (unknown) throw new NotFoundError(`Session ${unknown} not found`)
    const mine = and(eq(oauthTokens.userId, found.user.id), live)
    if (wanted.length) {
      const existing = await tx.select({ id: oauthTokens.id }).from(oauthTokens).where(and(mine, inArray(oauthTokens.id, wanted)))
      const missing = wanted.find((id) => !existing.some((e) => e.id === id))
      if (missing) throw new NotFoundError(`Session ${missing} not found`)
    }
    const revoked = await tx.update(oauthTokens).set({ revokedAt: new Date() })
      .where(wanted.length ? and(mine, inArray(oauthTokens.id, wanted)) : mine)
      .returning({ id: oauthTokens.id })
    forgetViewers(ctx.database)
    const subject = [loggedUser(found.account)]
    await logAction(tx, actor, 'sessions_revoke', { subject, sessions: revoked.map((r) => r.id) },
      (who) => `${who} revoked ${revoked.length} session${revoked.length === 1 ? '' : 's'} of @${subject[0].nickname}`)
    return { ...found, revoked: revoked.map((r) => r.id) }
  })
}
