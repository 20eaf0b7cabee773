// The user-administration core the CLI (and later the admin API) calls, in-process on the shared test database.
import { describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import {
  createUserAsAdmin, deleteUser, findAccountForAdmin, findLocalUser, listUsers, parseHandle, updateUser,
} from '../../src/core/admin/users'
import { NotFoundError, ValidationError } from '../../src/core/errors'
import { issueToken } from '../../src/core/oauth/tokens'
import { accounts, oauthTokens } from '../../src/db/schema'
import { getTestContext, TEST_DOMAIN } from '../support/context'
import { unique } from './run'

describe('parseHandle', () => {
  test('local and remote forms', async () => {
    const ctx = await getTestContext()
    expect(parseHandle(ctx, 'alice')).toEqual({ username: 'alice', domain: null })
    expect(parseHandle(ctx, '@alice')).toEqual({ username: 'alice', domain: null })
    expect(parseHandle(ctx, `alice@${TEST_DOMAIN.toUpperCase()}`)).toEqual({ username: 'alice', domain: null })
    expect(parseHandle(ctx, '@bob@Remote.Example')).toEqual({ username: 'bob', domain: 'remote.example' })
    for (const bad of ['', 'a b', 'a@b@c', 'https://x/y']) expect(parseHandle(ctx, bad)).toBeNull()
  })
})

describe('finding and listing', () => {
  test('remote accounts can be shown but not administered', async () => {
    const ctx = await getTestContext()
    const username = unique('far')
    const [remote] = await ctx.db.insert(accounts).values({ username, domain: 'remote.example', uri: `https://remote.example/users/${username}` }).returning()
    const found = await findAccountForAdmin(ctx, `${username}@remote.example`)
    expect(found.account.id).toBe(remote.id)
    expect(found.user).toBeNull()
    await expect(findLocalUser(ctx, `${username}@remote.example`)).rejects.toBeInstanceOf(ValidationError)
    await expect(findAccountForAdmin(ctx, username)).rejects.toBeInstanceOf(NotFoundError) // no local one of that name
    await expect(findAccountForAdmin(ctx, 'not a handle!')).rejects.toBeInstanceOf(NotFoundError)

    const local = await listUsers(ctx, { query: username, local: true })
    expect(local).toEqual([])
    expect((await listUsers(ctx, { query: username })).map((e) => e.account.id)).toEqual([remote.id])
  })

  test('pages with maxId and treats % and _ in queries literally', async () => {
    const ctx = await getTestContext()
    const tag = unique('pg')
    const made = []
    for (let i = 0; i < 3; i++) made.push(await createUserAsAdmin(ctx, { nickname: `${tag}_${i}`, email: `${tag}${i}@example.com`, password: 'password123' }))
    const first = await listUsers(ctx, { query: tag, limit: 2 })
    expect(first.map((e) => e.account.username)).toEqual([`${tag}_2`, `${tag}_1`])
    const next = await listUsers(ctx, { query: tag, limit: 2, maxId: first[1].account.id })
    expect(next.map((e) => e.account.username)).toEqual([`${tag}_0`])
    expect(await listUsers(ctx, { query: tag, maxId: 'not/an/id' })).toEqual([])
    expect(await listUsers(ctx, { query: `${tag}%` })).toEqual([])
    expect((await listUsers(ctx, { query: `${tag}_1` })).length).toBe(1)
    await expect(listUsers(ctx, { limit: 0 })).rejects.toBeInstanceOf(ValidationError)
  })
})

describe('changing and deleting', () => {
  test('updateUser leaves absent fields alone', async () => {
    const ctx = await getTestContext()
    const nick = unique('up')
    await createUserAsAdmin(ctx, { nickname: nick, email: `${nick}@example.com`, password: 'password123', isModerator: true })
    const unchanged = await updateUser(ctx, nick, {})
    expect(unchanged.user.isModerator).toBe(true)
    const changed = await updateUser(ctx, nick, { approved: false, locked: true })
    expect(changed.user).toMatchObject({ isModerator: true, isApproved: false })
    expect(changed.account.locked).toBe(true)
  })

  test('deleteUser removes the account, the user and their tokens', async () => {
    const ctx = await getTestContext()
    const nick = unique('rm')
    const { user, account } = await createUserAsAdmin(ctx, { nickname: nick, email: `${nick}@example.com` })
    const token = await issueToken(ctx, { appId: null, userId: user.id, scopes: ['read'] })
    await deleteUser(ctx, nick)
    expect(await ctx.db.select().from(accounts).where(eq(accounts.id, account.id))).toEqual([])
    expect(await ctx.db.select().from(oauthTokens).where(eq(oauthTokens.id, token.row.id))).toEqual([])
    await expect(deleteUser(ctx, nick)).rejects.toBeInstanceOf(NotFoundError)
  })
})
