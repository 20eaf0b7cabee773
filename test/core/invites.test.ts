import { beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { NotFoundError, ValidationError } from '../../src/core/errors'
import { consumeInvite, createInvite, inviteState, inviteUrl, listInvites, revokeInvite } from '../../src/core/invites'
import { invites } from '../../src/db/schema'
import { getTestContext } from '../support/context'
import { makeUser } from '../support/factories'

let ctx: Ctx
beforeAll(async () => {
  ctx = await getTestContext()
})

const expire = (id: string) => ctx.db.update(invites).set({ expiresAt: new Date(Date.now() - 1000) }).where(eq(invites.id, id))

describe('createInvite', () => {
  test('makes a url-safe token of about 16 characters and remembers who made it', async () => {
    const { user } = await makeUser(ctx)
    const invite = await createInvite(ctx, { createdByUserId: user.id, maxUse: 3 })
    expect(invite.token).toMatch(/^[A-Za-z0-9_-]{16}$/)
    expect(invite).toMatchObject({ createdByUserId: user.id, maxUse: 3, uses: 0, expiresAt: null, revokedAt: null })
    expect(inviteUrl(ctx, invite)).toBe(`${ctx.config.baseUrl}/registration/${invite.token}`)
  })

  test('defaults to unlimited and never expiring', async () => {
    const invite = await createInvite(ctx, {})
    expect(invite.maxUse).toBeNull()
    expect(invite.expiresAt).toBeNull()
    expect(inviteState(invite)).toBe('active')
  })

  test('rejects a non-positive max use and an expiry in the past', async () => {
    for (const maxUse of [0, -1, 1.5]) {
      await expect(createInvite(ctx, { maxUse })).rejects.toBeInstanceOf(ValidationError)
    }
    await expect(createInvite(ctx, { expiresAt: new Date(Date.now() - 60_000) })).rejects.toBeInstanceOf(ValidationError)
    await expect(createInvite(ctx, { expiresAt: new Date('nonsense') })).rejects.toBeInstanceOf(ValidationError)
  })
})

describe('inviteState', () => {
  const base = { revokedAt: null, expiresAt: null, maxUse: null, uses: 0 }
  test('tells each state apart, revoked first', () => {
    expect(inviteState(base)).toBe('active')
    expect(inviteState({ ...base, maxUse: 2, uses: 2 })).toBe('used')
    expect(inviteState({ ...base, maxUse: 2, uses: 1 })).toBe('active')
    expect(inviteState({ ...base, expiresAt: new Date(Date.now() - 1) })).toBe('expired')
    expect(inviteState({ ...base, expiresAt: new Date(Date.now() + 60_000) })).toBe('active')
    expect(inviteState({ ...base, revokedAt: new Date(), maxUse: 1, uses: 1, expiresAt: new Date(0) })).toBe('revoked')
  })
})

describe('listInvites', () => {
  test('lists usable invites by default and every invite on request, newest first', async () => {
    const active = await createInvite(ctx, {})
    const revoked = await createInvite(ctx, {})
    await revokeInvite(ctx, revoked.id)
    const used = await createInvite(ctx, { maxUse: 1 })
    await ctx.db.transaction((tx) => consumeInvite(tx, used.token))
    const expired = await createInvite(ctx, { expiresAt: new Date(Date.now() + 60_000) })
    await expire(expired.id)

    const usable = (await listInvites(ctx)).map((i) => i.id)
    expect(usable).toContain(active.id)
    for (const id of [revoked.id, used.id, expired.id]) expect(usable).not.toContain(id)

    const all = (await listInvites(ctx, { includeInactive: true })).map((i) => i.id)
    for (const id of [active.id, revoked.id, used.id, expired.id]) expect(all).toContain(id)
    expect(all.indexOf(expired.id)).toBeLessThan(all.indexOf(active.id))
    for (const invite of await listInvites(ctx)) expect(inviteState(invite)).toBe('active')
  })
})

describe('revokeInvite', () => {
  test('works by id or token, and keeps the first revocation time', async () => {
    const a = await createInvite(ctx, {})
    const byId = await revokeInvite(ctx, a.id)
    expect(byId.revokedAt).toBeInstanceOf(Date)
    const again = await revokeInvite(ctx, a.token)
    expect(again.revokedAt!.getTime()).toBe(byId.revokedAt!.getTime())
    expect(inviteState(again)).toBe('revoked')
  })

  test('an unknown invite is NotFoundError', async () => {
    await expect(revokeInvite(ctx, 'no-such-token')).rejects.toBeInstanceOf(NotFoundError)
    await expect(revokeInvite(ctx, '!!bad id!!')).rejects.toBeInstanceOf(NotFoundError)
  })
})

describe('consumeInvite', () => {
  test('counts uses up to max_use, then refuses', async () => {
    const invite = await createInvite(ctx, { maxUse: 2 })
    expect((await ctx.db.transaction((tx) => consumeInvite(tx, invite.token))).uses).toBe(1)
    expect((await ctx.db.transaction((tx) => consumeInvite(tx, invite.token))).uses).toBe(2)
    await expect(ctx.db.transaction((tx) => consumeInvite(tx, invite.token))).rejects.toThrow('Invite has already been used')
  })

  test('refuses unknown, revoked and expired invites with ValidationError', async () => {
    await expect(ctx.db.transaction((tx) => consumeInvite(tx, 'unknown-token'))).rejects.toBeInstanceOf(ValidationError)
    await expect(ctx.db.transaction((tx) => consumeInvite(tx, ''))).rejects.toBeInstanceOf(ValidationError)
    const revoked = await createInvite(ctx, {})
    await revokeInvite(ctx, revoked.token)
    await expect(ctx.db.transaction((tx) => consumeInvite(tx, revoked.token))).rejects.toThrow('Invite has been revoked')
    const expired = await createInvite(ctx, { expiresAt: new Date(Date.now() + 60_000) })
    await expire(expired.id)
    await expect(ctx.db.transaction((tx) => consumeInvite(tx, expired.token))).rejects.toThrow('Invite has expired')
  })

  test('a rolled-back transaction gives the use back', async () => {
    const invite = await createInvite(ctx, { maxUse: 1 })
    await expect(ctx.db.transaction(async (tx) => {
      await consumeInvite(tx, invite.token)
      throw new Error('registration failed')
    })).rejects.toThrow('registration failed')
    const [row] = await ctx.db.select().from(invites).where(eq(invites.id, invite.id))
    expect(row.uses).toBe(0)
  })

  test('concurrent consumers never exceed max_use', async () => {
    const invite = await createInvite(ctx, { maxUse: 2 })
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => ctx.db.transaction((tx) => consumeInvite(tx, invite.token))))
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(2)
    const [row] = await ctx.db.select().from(invites).where(eq(invites.id, invite.id))
    expect(row.uses).toBe(2)
  })
})
