import { and, eq, gt, isNull, sql } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { accounts, emailTokens, users, type EmailTokenKind } from '../../db/schema'
import { randomToken, sha256 } from '../secrets'

/** How long each kind of link works: Devise's defaults (confirm within 2 days, reset within 6 hours). */
export const EMAIL_TOKEN_TTL_SECONDS: Record<EmailTokenKind, number> = {
  confirm: 2 * 24 * 3600,
  change_email: 2 * 24 * 3600,
  password_reset: 6 * 3600,
}

/** Issues a single-use link secret; only its hash is stored. Earlier unused links of the same kind stop working. */
export async function issueEmailToken(db: DbLike, userId: string, kind: EmailTokenKind, email: string | null = null): Promise<string> {
  const token = randomToken(32)
  await db.update(emailTokens).set({ usedAt: sql`now()` as unknown as Date })
    .where(and(eq(emailTokens.userId, userId), eq(emailTokens.kind, kind), isNull(emailTokens.usedAt)))
  await db.insert(emailTokens).values({
    userId,
    kind,
    tokenHash: sha256(token),
    email,
    expiresAt: new Date(Date.now() + EMAIL_TOKEN_TTL_SECONDS[kind] * 1000),
  })
  return token
}

const usable = (token: string, kinds: EmailTokenKind[]) => and(
  eq(emailTokens.tokenHash, sha256(token)),
  sql`${emailTokens.kind} in (${sql.join(kinds.map((k) => sql`${k}`), sql`, `)})`,
  isNull(emailTokens.usedAt),
  gt(emailTokens.expiresAt, sql`now()`),
)

/** A link that still works (not used, not expired), without using it up. */
export async function peekEmailToken(db: DbLike, token: unknown, kinds: EmailTokenKind[]) {
  if (typeof token !== 'string' || !token || token.length > 200) return null
  const [row] = await db.select({ token: emailTokens, user: users, account: accounts }).from(emailTokens)
    .innerJoin(users, eq(users.id, emailTokens.userId))
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(usable(token, kinds)).limit(1)
  return row ?? null
}

/** Uses a link up atomically: of two concurrent uses exactly one gets the row. */
export async function consumeEmailToken(db: DbLike, token: unknown, kinds: EmailTokenKind[], userId?: string) {
  if (typeof token !== 'string' || !token || token.length > 200) return null
  const [row] = await db.update(emailTokens).set({ usedAt: sql`now()` as unknown as Date })
    .where(and(usable(token, kinds), userId ? eq(emailTokens.userId, userId) : sql`true`))
    .returning()
  return row ?? null
}
