// A local status queues its federation job (Create, Update, Delete) only when someone on another server would
// receive it: a remote follower, a remote mention, the remote author it replies to. No worker runs here, so the
// queued jobs stay where the test can count them.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { eq, sql } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { upsertRemoteActor } from '../../src/core/federation/actors'
import { FEDERATION_PUBLISH_QUEUE } from '../../src/core/federation/publish'
import { newId } from '../../src/core/ids'
import { QUEUES, startJobs, type Jobs } from '../../src/core/jobs'
import { followAccount } from '../../src/core/relationships/follow'
import { deleteStatus } from '../../src/core/statuses/delete-status'
import { editStatus } from '../../src/core/statuses/edit-status'
import { postStatus } from '../../src/core/statuses/post-status'
import { resultRows } from '../../src/db/client'
import { accounts, statuses, type AccountRow } from '../../src/db/schema'
import { getTestContext } from '../support/context'
import { makeUser, uniqueName, type MadeUser } from '../support/factories'

let ctx: Ctx
let jobs: Jobs
const remoteHost = `remote-${Date.now().toString(36)}.example`
/** ids of the statuses posted here, whose jobs are removed afterwards */
const posted: string[] = []

/** The federation.publish jobs queued for the status `statusId`, by event type. */
async function publishJobs(statusId: string): Promise<string[]> {
  const rows = resultRows<{ type: string }>(await ctx.db.execute(sql`
    select data->>'type' as type from pgboss.job where name = ${FEDERATION_PUBLISH_QUEUE} and data->>'statusId' = ${statusId}
    order by created_on`))
  return rows.map((r) => r.type)
}

async function remoteAccount(): Promise<AccountRow> {
  const username = uniqueName('remote')
  const uri = `https://${remoteHost}/users/${username}`
  return upsertRemoteActor(ctx, {
    uri, username, domain: remoteHost, displayName: '', note: '', url: null, inboxUrl: `${uri}/inbox`,
    sharedInboxUrl: `https://${remoteHost}/inbox`, followersUrl: null, followingUrl: null, outboxUrl: null,
    locked: false, bot: false, actorType: 'Person', avatarUrl: null, headerUrl: null,
  })
}

const post = (user: MadeUser, status: string, extra: Record<string, unknown> = {}) =>
  postStatus(ctx, { accountId: user.account.id }, { status, visibility: 'public', ...extra })

/** Posts, edits and deletes a status of `user`; answers the jobs each step queued. */
async function lifecycle(user: MadeUser, params: Record<string, unknown> = {}) {
  const row = await post(user, 'first words', params)
  posted.push(row.id)
  await editStatus(ctx, user.account.id, row.id, { status: `${params.status ?? 'first words'} edited` })
  await deleteStatus(ctx, user.account.id, row.id)
  return publishJobs(row.id)
}

beforeAll(async () => {
  ctx = await getTestContext()
  jobs = await startJobs(ctx.database, { supervise: false, queues: QUEUES })
  ctx = { ...ctx, jobs }
})

afterAll(async () => {
  await ctx.db.execute(sql`delete from pgboss.job where name like 'federation.%' and data::text like ${`%${remoteHost}%`}`)
  for (const id of posted) await ctx.db.execute(sql`delete from pgboss.job where name = ${FEDERATION_PUBLISH_QUEUE} and data->>'statusId' = ${id}`)
  await jobs?.stop()
})

describe('federation jobs of local statuses', () => {
  test('a purely local audience queues no job, whatever the visibility, for posting, editing and deleting', async () => {
    const alice = await makeUser(ctx)
    const localFollower = await makeUser(ctx)
    await followAccount(ctx, localFollower.account.id, alice.account)
    const localFriend = await makeUser(ctx)
    for (const visibility of ['public', 'unlisted', 'private']) {
      expect(await lifecycle(alice, { visibility })).toEqual([])
    }
    expect(await lifecycle(alice, { visibility: 'direct', status: `@${localFriend.account.username} just us` })).toEqual([])
    // a reply to a local status with local mentions stays home too
    const parent = await post(localFriend, 'a local thread')
    expect(await lifecycle(alice, { inReplyToId: parent.id, status: `@${localFriend.account.username} agreed` })).toEqual([])
  })

  test('a remote follower makes posting, editing and deleting each queue one job, but not for a direct post', async () => {
    const alice = await makeUser(ctx)
    const follower = await remoteAccount()
    expect(await followAccount(ctx, follower.id, alice.account, { uri: `https://${remoteHost}/follows/${newId()}` })).toBe('following')
    for (const visibility of ['public', 'unlisted', 'private']) {
      expect(await lifecycle(alice, { visibility })).toEqual(['status.create', 'status.update', 'status.delete'])
    }
    const friend = await makeUser(ctx)
    expect(await lifecycle(alice, { visibility: 'direct', status: `@${friend.account.username} only you` })).toEqual([])
  })

  test('local-only statuses never queue one, even with remote followers', async () => {
    const alice = await makeUser(ctx)
    const follower = await remoteAccount()
    await followAccount(ctx, follower.id, alice.account, { uri: `https://${remoteHost}/follows/${newId()}` })
    expect(await lifecycle(alice, { visibility: 'local' })).toEqual([])
  })

  test('a remote mention queues the jobs without any remote follower, for every federated visibility', async () => {
    const alice = await makeUser(ctx)
    const remote = await remoteAccount()
    for (const visibility of ['public', 'unlisted', 'private', 'direct']) {
      const status = `@${remote.username}@${remoteHost} hello`
      expect(await lifecycle(alice, { visibility, status })).toEqual(['status.create', 'status.update', 'status.delete'])
    }
  })

  test('a reply to a remote status queues them, its author being addressed silently', async () => {
    const alice = await makeUser(ctx)
    const remote = await remoteAccount()
    const [parent] = await ctx.db.insert(statuses).values({
      id: newId(), accountId: remote.id, uri: `https://${remoteHost}/notes/${newId()}`, local: false, visibility: 'public',
      content: '<p>from afar</p>',
    }).returning()
    expect(await lifecycle(alice, { inReplyToId: parent.id, status: 'a reply without a written mention' }))
      .toEqual(['status.create', 'status.update', 'status.delete'])
  })

  test('a follower who is gone (suspended) is no audience', async () => {
    const alice = await makeUser(ctx)
    const follower = await remoteAccount()
    await followAccount(ctx, follower.id, alice.account, { uri: `https://${remoteHost}/follows/${newId()}` })
    await ctx.db.update(accounts).set({ suspendedAt: new Date() }).where(eq(accounts.id, follower.id))
    expect(await lifecycle(alice)).toEqual([])
  })
})
