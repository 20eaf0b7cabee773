import { createHmac, randomBytes } from 'node:crypto'
import { asc, desc, inArray, notInArray, sql } from 'drizzle-orm'
import { resultRows } from '../../db/client'
import { shouts, type ShoutRow } from '../../db/schema'
import { uuidParam } from '../../db/sql'
import type { Ctx } from '../context'
import { publishEvent } from '../events'
import { isId, uuidToId } from '../ids'
import { instanceSecret, safeEqual } from '../secrets'

/** Messages the room keeps (and shows to whoever joins), as Pleroma's shoutbox does. */
export const SHOUTS_KEPT = 20
/** How long a socket token works, as Pleroma's (`max_age: 84_600`). */
const TOKEN_TTL_SECONDS = 84_600

const keys = new WeakMap<object, Promise<Buffer>>()

function tokenKey(ctx: Ctx): Promise<Buffer> {
  let key = keys.get(ctx.database)
  if (!key) {
    key = instanceSecret(ctx.db, 'socket_token_secret', () => randomBytes(32).toString('base64url')).then((v) => Buffer.from(v, 'base64url'))
    key.catch(() => keys.delete(ctx.database))
    keys.set(ctx.database, key)
  }
  return key
}

const sign = (key: Buffer, payload: string) => createHmac('sha256', key).update(payload).digest('base64url')

/**
 * Pleroma's `chat_token`: what Pleroma-FE passes as `?token=` when it opens the shoutbox socket. It names the OAuth
 * token it was issued to, so revoking that token (or disabling the user) ends it too.
 */
export async function issueSocketToken(ctx: Ctx, tokenId: string, now = Date.now()): Promise<string> {
  const payload = Buffer.from(JSON.stringify([tokenId, Math.floor(now / 1000)])).toString('base64url')
  return `${payload}.${sign(await tokenKey(ctx), payload)}`
}

export interface ShoutAuthor {
  accountId: string
}

/** The local user a socket token was issued to, while both the token and the OAuth token behind it still work. */
export async function socketTokenHolder(ctx: Ctx, token: string, now = Date.now()): Promise<ShoutAuthor | null> {
  if (token.length > 512) return null
  const [payload, mac, rest] = token.split('.')
  if (!payload || !mac || rest !== undefined || !safeEqual(mac, sign(await tokenKey(ctx), payload))) return null
  let tokenId: unknown
  let issuedAt: unknown
  try {
    ;[tokenId, issuedAt] = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as unknown[]
  } catch {
    return null
  }
  if (typeof tokenId !== 'string' || !isId(tokenId) || typeof issuedAt !== 'number') return null
  const age = now / 1000 - issuedAt
  if (age < -60 || age > TOKEN_TTL_SECONDS) return null
  const [row] = resultRows<{ account_id: string }>(await ctx.db.execute(sql`
    select u.account_id from oauth_tokens t
      join users u on u.id = t.user_id
      join accounts a on a.id = u.account_id
    where t.id = ${uuidParam(tokenId)} and t.revoked_at is null and (t.expires_at is null or t.expires_at > now())
      and u.is_active and u.is_approved and a.suspended_at is null
    limit 1`))
  return row ? { accountId: uuidToId(row.account_id) } : null
}

/**
 * Posts a message to the shoutbox: trimmed, within `limits.shoutChars`, and only the newest `SHOUTS_KEPT` stay.
 * Every server process hears of it through the events channel. Returns null for an empty or too long message,
 * which Pleroma ignores without an answer.
 */
export async function postShout(ctx: Ctx, author: ShoutAuthor, text: string): Promise<ShoutRow | null> {
  const trimmed = text.trim()
  const length = [...trimmed].length
  if (!length || length > ctx.config.limits.shoutChars) return null
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx.insert(shouts).values({ accountId: author.accountId, text: trimmed }).returning()
    const kept = tx.select({ id: shouts.id }).from(shouts).orderBy(desc(shouts.id)).limit(SHOUTS_KEPT)
    await tx.delete(shouts).where(notInArray(shouts.id, kept))
    await publishEvent(tx, { type: 'shout', shoutId: row.id })
    return row
  })
}

/** The messages the room keeps, oldest first. */
export function recentShouts(ctx: Ctx): Promise<ShoutRow[]> {
  return ctx.db.select().from(shouts).orderBy(desc(shouts.id)).limit(SHOUTS_KEPT).then((rows) => rows.reverse())
}

export async function shoutsById(ctx: Ctx, ids: string[]): Promise<ShoutRow[]> {
  if (!ids.length) return []
  return ctx.db.select().from(shouts).where(inArray(shouts.id, ids)).orderBy(asc(shouts.id))
}
