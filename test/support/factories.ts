// Test data built through the real core functions, with unique names so tests never collide in the shared database.
import { eq } from 'drizzle-orm'
import { createLocalUser, type CreateUserInput } from '../../src/core/accounts/create-user'
import { hashPassword } from '../../src/core/accounts/passwords'
import type { Ctx } from '../../src/core/context'
import { createInvite, type CreateInviteOptions } from '../../src/core/invites'
import { registerApp } from '../../src/core/oauth/apps'
import { issueToken } from '../../src/core/oauth/tokens'
import { accounts, users, type AccountRow, type NewAccountRow, type OAuthAppRow, type UserRow } from '../../src/db/schema'
import { encodeId } from '../../src/core/ids'
import { getTestContext } from './context'

/** The password every factory user gets unless told otherwise. */
export const TEST_PASSWORD = 'correct horse battery staple'
export const ALL_USER_SCOPES = ['read', 'write', 'follow', 'push']

/** Hashing is deliberately slow; the shared password is hashed once per process. */
let testPasswordHash: Promise<string> | null = null

let sequence = 0
const run = Math.random().toString(36).slice(2, 7)

/** A name no other test in this process (or an earlier run against the same database) has used: `prefix_<run><n>`. */
export function uniqueName(prefix = 'user'): string {
  sequence++
  return `${prefix}_${run}${sequence}`.slice(0, 30)
}

export interface MakeAppOptions {
  name?: string
  scopes?: string | string[]
  redirectUris?: string | string[]
  website?: string
  ownerUserId?: string | null
}

/** Registers an OAuth app (defaults: every user scope, the out-of-band redirect). */
export async function makeApp(ctx?: Ctx, opts: MakeAppOptions = {}): Promise<OAuthAppRow> {
  const c = ctx ?? (await getTestContext())
  return registerApp(c, {
    clientName: opts.name ?? uniqueName('app'),
    redirectUris: opts.redirectUris ?? 'urn:ietf:wg:oauth:2.0:oob',
    scopes: [opts.scopes ?? ALL_USER_SCOPES].flat().join(' '),
    website: opts.website,
    ownerUserId: opts.ownerUserId ?? null,
  })
}

/** A client_credentials token of an app: what clients use to call POST /api/v1/accounts. */
export async function makeAppToken(ctx?: Ctx, opts: { app?: OAuthAppRow; scopes?: string[] } = {}): Promise<{ app: OAuthAppRow; token: string }> {
  const c = ctx ?? (await getTestContext())
  const app = opts.app ?? (await makeApp(c))
  const issued = await issueToken(c, { appId: app.id, userId: null, scopes: opts.scopes ?? app.scopes.split(' '), withRefresh: false })
  return { app, token: issued.accessToken }
}

export interface MakeUserOptions extends Partial<CreateUserInput> {
  /** Scopes of the returned token (default read write follow push). */
  scopes?: string[]
  /** App the token belongs to (default: a fresh app). Pass null for a token without app. */
  app?: OAuthAppRow | null
  /** Column overrides written after creation, e.g. `{ locked: true }` or `{ suspendedAt: new Date() }`. */
  account?: Partial<NewAccountRow>
  user?: Partial<typeof users.$inferInsert>
}

export interface MadeUser {
  user: UserRow
  account: AccountRow
  /** A bearer token of the user, issued with `issueToken`. */
  token: string
  password: string
}

/** Creates a confirmed, approved local user through `createLocalUser` and issues a token for it. */
export async function makeUser(ctx?: Ctx, overrides: MakeUserOptions = {}): Promise<MadeUser> {
  const c = ctx ?? (await getTestContext())
  const { scopes, app, account: accountPatch, user: userPatch, ...input } = overrides
  const nickname = input.nickname ?? uniqueName()
  const password = input.password ?? TEST_PASSWORD
  const passwordHash = input.passwordHash ?? (password === TEST_PASSWORD ? await (testPasswordHash ??= hashPassword(TEST_PASSWORD)) : undefined)
  let { user, account } = await createLocalUser(c, {
    email: `${nickname.toLowerCase()}@example.test`,
    allowReservedNickname: true,
    ...input,
    nickname,
    password,
    passwordHash,
  })
  if (accountPatch && Object.keys(accountPatch).length) {
    ;[account] = await c.db.update(accounts).set(accountPatch).where(eq(accounts.id, account.id)).returning()
  }
  if (userPatch && Object.keys(userPatch).length) {
    ;[user] = await c.db.update(users).set(userPatch).where(eq(users.id, user.id)).returning()
  }
  const tokenApp = app === undefined ? await makeApp(c) : app
  const issued = await issueToken(c, { appId: tokenApp?.id ?? null, userId: user.id, scopes: scopes ?? ALL_USER_SCOPES })
  return { user, account, token: issued.accessToken, password }
}

/** An invite; see `createInvite`. */
export async function makeInvite(ctx?: Ctx, opts: CreateInviteOptions = {}) {
  return createInvite(ctx ?? (await getTestContext()), opts)
}

/**
 * `count` status ids, newest first, `spacingMs` apart and ending `spacingMs` before now, for rows inserted directly.
 * They carry a worker number of their own: ids from `newId` for past times could repeat one this process already
 * used for that millisecond.
 */
export function pastIds(count: number, spacingMs: number): string[] {
  const worker = BigInt(Math.floor(Math.random() * 2 ** 47)) | 1n
  const now = Date.now()
  return Array.from({ length: count }, (_, i) => encodeId((BigInt(now - (i + 1) * spacingMs) << 64n) | (worker << 16n)))
}
