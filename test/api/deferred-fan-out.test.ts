// A status of an author with many followers reaches their home feeds from a job: the post is answered first.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { and, eq, sql } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { startJobs, type Jobs } from '../../src/core/jobs'
import { followAccount } from '../../src/core/relationships/follow'
import { idToUuid } from '../../src/core/ids'
import { fanOutLater, HOME_FAN_OUT_QUEUE } from '../../src/core/statuses/distribute'
import { registerHomeFanOutJobs } from '../../src/core/statuses/maintenance'
import { resultRows } from '../../src/db/client'
import { homeFeedEntries } from '../../src/db/schema'
import { contextWith } from '../support/context'
import { makeUser, type MadeUser } from '../support/factories'
import { call as callApp, type CallOptions } from '../support/http'
import { streamingServer, type StreamMessage, type TestSocket } from '../support/websocket'

let ctx: Ctx & { jobs: Jobs }
let jobs: Jobs
let server: Awaited<ReturnType<typeof streamingServer>>

beforeAll(async () => {
  // Past one follower, a status's followers get it from a job.
  const shared = await contextWith({ inlineFanOutFollowers: 1 })
  jobs = await startJobs(shared.database, { supervise: false, queues: [HOME_FAN_OUT_QUEUE] })
  ctx = { ...shared, jobs }
  server = await streamingServer(ctx)
})

afterAll(async () => {
  await server.stop()
  await jobs.stop()
})

const call = (method: string, path: string, opts: CallOptions = {}) => callApp(method, path, { ...opts, app: server.app })

const post = async (who: MadeUser, json: Record<string, unknown>) => {
  const res = await call('POST', '/api/v1/statuses', { token: who.token, json })
  expect(res.status).toBe(200)
  return res.json as { id: string }
}

const homeIds = async (who: MadeUser) => {
  const res = await call('GET', '/api/v1/timelines/home', { token: who.token })
  expect(res.status).toBe(200)
  return (res.json as { id: string }[]).map((s) => s.id)
}

const waitingFanOuts = async (statusId: string) => resultRows<{ n: number }>(await ctx.db.execute(sql`
  select count(*)::int as n from pgboss.job where name = ${HOME_FAN_OUT_QUEUE} and data->>'statusId' = ${statusId} and state in ('created', 'retry')`))[0].n

const isUpdate = (id: string) => (m: StreamMessage) => m.event === 'update' && m.body?.id === id

async function untilInHome(who: MadeUser, id: string) {
  const deadline = Date.now() + 15_000
  while (!(await homeIds(who)).includes(id) && Date.now() < deadline) await Bun.sleep(50)
  return (await homeIds(who)).includes(id)
}

describe('a deferred home fan-out', () => {
  let author: MadeUser, first: MadeUser, second: MadeUser, stranger: MadeUser
  let authorSocket: TestSocket, firstSocket: TestSocket, publicSocket: TestSocket

  beforeAll(async () => {
    ;[author, first, second, stranger] = await Promise.all([makeUser(ctx), makeUser(ctx), makeUser(ctx), makeUser(ctx)])
    await followAccount(ctx, first.account.id, author.account)
    await followAccount(ctx, second.account.id, author.account)
    authorSocket = await server.open(`stream=user&access_token=${author.token}`)
    firstSocket = await server.open(`stream=user&access_token=${first.token}`)
    publicSocket = await server.open('stream=public')
  })

  test('the author and the public streams have the status at once; followers once the job ran, streamed once to each', async () => {
    const status = await post(author, { status: 'to my many followers' })
    expect(await homeIds(author)).toContain(status.id)
    expect(await homeIds(first)).not.toContain(status.id)
    expect(await waitingFanOuts(status.id)).toBe(1)
    expect((await authorSocket.next(isUpdate(status.id))).body.id).toBe(status.id)
    expect((await publicSocket.next(isUpdate(status.id))).body.id).toBe(status.id)

    await registerHomeFanOutJobs(ctx)
    expect(await untilInHome(first, status.id)).toBe(true)
    expect(await untilInHome(second, status.id)).toBe(true)
    expect(await homeIds(stranger)).not.toContain(status.id)
    const streamed = await firstSocket.next(isUpdate(status.id))
    expect(streamed.body.account.id).toBe(author.account.id)

    // Nobody hears of it twice: the next status's events come with nothing of the first in between.
    const next = await post(author, { status: 'and again' })
    await firstSocket.next(isUpdate(next.id), 15_000)
    await authorSocket.next(isUpdate(next.id))
    await publicSocket.next(isUpdate(next.id))
    for (const socket of [authorSocket, firstSocket, publicSocket]) expect(socket.pending().filter(isUpdate(status.id))).toEqual([])
  })

  test('a job run again adds nothing and fails nothing; a status gone before its job leaves no entries', async () => {
    const status = await post(author, { status: 'repeated job' })
    expect(await untilInHome(first, status.id)).toBe(true)
    const entries = async (id: string) => (await ctx.db.select().from(homeFeedEntries).where(eq(homeFeedEntries.statusId, id))).length
    expect(await entries(status.id)).toBe(3)
    await fanOutLater(ctx.db, status.id)
    expect(await entries(status.id)).toBe(3)

    const gone = await post(author, { status: 'deleted at once' })
    expect((await call('DELETE', `/api/v1/statuses/${gone.id}`, { token: author.token })).status).toBe(200)
    await fanOutLater(ctx.db, gone.id)
    expect(await entries(gone.id)).toBe(0)
  })

  test.skipIf(!process.env.TEST_DATABASE_URL)('a job meeting the status\'s deletion waits for it and leaves no entries behind', async () => {
    const status = await post(author, { status: 'deleted while a job runs' })
    expect(await untilInHome(first, status.id)).toBe(true)
    const entries = async () => (await ctx.db.select().from(homeFeedEntries).where(eq(homeFeedEntries.statusId, status.id))).length
    const other = await (ctx.db as any).$client.reserve()
    try {
      await other.unsafe('begin')
      await other.unsafe(`delete from statuses where id = '${idToUuid(status.id)}'`)
      const job = fanOutLater(ctx.db, status.id)
      await Bun.sleep(200)
      await other.unsafe('commit')
      await job
    } finally {
      other.release()
    }
    expect(await entries()).toBe(0)
  })

  test('private statuses, replies and reblogs follow the same rules as an inline fan-out', async () => {
    const other = await makeUser(ctx)
    await followAccount(ctx, second.account.id, other.account)
    const priv = await post(author, { status: 'followers only', visibility: 'private' })
    // A reply reaches followers who also follow the replied-to account: `second`, not `first`.
    const original = await post(other, { status: 'a question' })
    const reply = await post(author, { status: 'an answer', in_reply_to_id: original.id })
    const reblog = await call('POST', `/api/v1/statuses/${original.id}/reblog`, { token: author.token })
    expect(reblog.status).toBe(200)
    expect(await untilInHome(first, priv.id)).toBe(true)
    expect(await untilInHome(second, reply.id)).toBe(true)
    expect(await untilInHome(first, reblog.json.id)).toBe(true)
    expect(await homeIds(first)).not.toContain(reply.id)
    // `second` follows the reblogged account, so the original is already in their feed and the reblog does not enter.
    const [secondsReblog] = await ctx.db.select().from(homeFeedEntries)
      .where(and(eq(homeFeedEntries.accountId, second.account.id), eq(homeFeedEntries.statusId, reblog.json.id)))
    expect(secondsReblog).toBeUndefined()
  })

  test('an author with no more followers than the limit still fans out in the request', async () => {
    const [small, reader] = await Promise.all([makeUser(ctx), makeUser(ctx)])
    await followAccount(ctx, reader.account.id, small.account)
    const status = await post(small, { status: 'one follower' })
    expect(await homeIds(reader)).toContain(status.id)
    expect(await waitingFanOuts(status.id)).toBe(0)
  })
})
