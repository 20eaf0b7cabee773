import { and, desc, eq, gt, isNull, lt, or, sql } from 'drizzle-orm'
import type { DbLike } from '../db/client'
import { invites, type InviteRow } from '../db/schema'
import type { Ctx } from './context'
import { NotFoundError, ValidationError } from './errors'
import { isId } from './ids'
import { randomToken } from './secrets'

export type { InviteRow }
export type InviteState = 'active' | 'expired' | 'used' | 'revoked'

export interface CreateInviteOptions {
  createdByUserId?: string | null
  /** null or absent = unlimited */
  maxUse?: number | null
  /** null or absent = never expires */
  expiresAt?: Date | null
}

/** 12 random bytes → 16 url-safe characters. */
const TOKEN_BYTES = 12

/** A fresh invite token; never one starting with `-` or `_`, which `rookery invite revoke TOKEN` would read as an option. */
function inviteToken(): string {
  for (;;) {
    const token = randomToken(TOKEN_BYTES)
    if (/^[A-Za-z0-9]/.test(token)) return token
  }
}

export async function createInvite(ctx: Ctx, opts: CreateInviteOptions = {}): Promise<InviteRow> {
  const maxUse = opts.maxUse ?? null
  if (maxUse !== null && (!Number.isInteger(maxUse) || maxUse < 1)) {
    throw new ValidationError('Validation failed: Max uses must be a positive whole number')
  }
  const expiresAt = opts.expiresAt ?? null
  if (expiresAt !== null && (!(expiresAt instanceof Date) || Number.isNaN(expiresAt.getTime()))) {
    throw new ValidationError('Validation failed: Expiry is not a valid date')
  }
  if (expiresAt !== null && expiresAt.getTime() <= Date.now()) {
    throw new ValidationError('Validation failed: Expiry must be in the future')
  }
  const [row] = await ctx.db.insert(invites).values({
    token: inviteToken(),
    createdByUserId: opts.createdByUserId ?? null,
    maxUse,
    expiresAt,
  }).returning()
  return row
}

/** Newest first. Without `includeInactive`, only invites that can still be used. */
export async function listInvites(ctx: Ctx, opts: { includeInactive?: boolean } = {}): Promise<InviteRow[]> {
  const query = ctx.db.select().from(invites)
  const rows = opts.includeInactive
    ? await query.orderBy(desc(invites.createdAt), desc(invites.id))
    : await query.where(and(
      isNull(invites.revokedAt),
      or(isNull(invites.expiresAt), gt(invites.expiresAt, sql`now()`)),
      or(isNull(invites.maxUse), lt(invites.uses, invites.maxUse)),
    )).orderBy(desc(invites.createdAt), desc(invites.id))
  return rows
}

export async function findInvite(db: DbLike, idOrToken: string): Promise<InviteRow | null> {
  const [byToken] = await db.select().from(invites).where(eq(invites.token, idOrToken)).limit(1)
  if (byToken) return byToken
  if (!isId(idOrToken)) return null
  const [byId] = await db.select().from(invites).where(eq(invites.id, idOrToken)).limit(1)
  return byId ?? null
}

/** Marks an invite revoked (idempotent: an already revoked one keeps its first revocation time). */
export async function revokeInvite(ctx: Ctx, idOrToken: string): Promise<InviteRow> {
  const invite = await findInvite(ctx.db, idOrToken)
  if (!invite) throw new NotFoundError('Invite not found')
  if (invite.revokedAt) return invite
  const [row] = await ctx.db.update(invites).set({ revokedAt: sql`now()` as unknown as Date })
    .where(eq(invites.id, invite.id)).returning()
  return row
}

/**
 * Checks and uses one invite inside the caller's transaction. The row lock serialises concurrent registrations with
 * the same token, so `uses` never exceeds `maxUse`; if the registration fails the transaction rolls the use back.
 */
export async function consumeInvite(tx: DbLike, token: string): Promise<InviteRow> {
  const invalid = (why: string) => new ValidationError(`Validation failed: Invite ${why}`, {
    details: { token: [{ error: 'ERR_INVALID', description: why }] },
  })
  if (typeof token !== 'string' || !token) throw invalid('is required')
  const [invite] = await tx.select().from(invites).where(eq(invites.token, token)).for('update').limit(1)
  if (!invite) throw invalid('is invalid')
  const state = inviteState(invite)
  if (state === 'revoked') throw invalid('has been revoked')
  if (state === 'expired') throw invalid('has expired')
  if (state === 'used') throw invalid('has already been used')
  const [row] = await tx.update(invites).set({ uses: sql`${invites.uses} + 1` as unknown as number })
    .where(eq(invites.id, invite.id)).returning()
  return row
}

export function inviteState(invite: Pick<InviteRow, 'revokedAt' | 'expiresAt' | 'maxUse' | 'uses'>, now: Date = new Date()): InviteState {
  if (invite.revokedAt) return 'revoked'
  if (invite.expiresAt && invite.expiresAt.getTime() <= now.getTime()) return 'expired'
  if (invite.maxUse !== null && invite.uses >= invite.maxUse) return 'used'
  return 'active'
}

export function inviteUrl(ctx: Ctx, invite: Pick<InviteRow, 'token'>): string {
  return `${ctx.config.baseUrl}/registration/${invite.token}`
}
