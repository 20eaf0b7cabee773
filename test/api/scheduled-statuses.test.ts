import { beforeAll, describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { publishDueScheduledStatuses, MAX_SCHEDULED_PER_DAY } from '../../src/core/statuses/scheduled'
import { scheduledStatuses, statuses } from '../../src/db/schema'
import { getTestContext } from '../support/context'
import { makeUser, type MadeUser } from '../support/factories'
import { call } from '../support/http'
import { expectShape } from '../support/shape'

let ctx: Ctx
let alice: MadeUser
let bob: MadeUser

beforeAll(async () => {
  ctx = await getTestContext()
  ;[alice, bob] = await Promise.all([makeUser(ctx), makeUser(ctx)])
})

const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString()
const schedule = (who: MadeUser, json: Record<string, unknown>) => call('POST', '/api/v1/statuses', { token: who.token, json })

/** Makes a scheduled status due now, as time passing would. */
const makeDue = (id: string) => ctx.db.update(scheduledStatuses).set({ scheduledAt: new Date(Date.now() - 1000) }).where(eq(scheduledStatuses.id, id))

describe('scheduling', () => {
  test('answers with a ScheduledStatus and posts nothing yet', async () => {
    const before = await ctx.db.select().from(statuses).where(eq(statuses.accountId, alice.account.id))
    const res = await schedule(alice, { status: 'good morning', scheduled_at: inMinutes(60), visibility: 'unlisted', spoiler_text: 'cw' })
    expect(res.status).toBe(200)
    expectShape(res.json, 'ScheduledStatus')
    expect(res.json.params).toMatchObject({ text: 'good morning', visibility: 'unlisted', spoiler_text: 'cw', poll: null, media_ids: null })
    expect(new Date(res.json.scheduled_at).getTime()).toBeGreaterThan(Date.now())
    const after = await ctx.db.select().from(statuses).where(eq(statuses.accountId, alice.account.id))
    expect(after.length).toBe(before.length)
  })

  test('is refused less than five minutes ahead, with invalid content, and over the daily limit', async () => {
    expect((await schedule(alice, { status: 'too soon', scheduled_at: inMinutes(2) })).status).toBe(422)
    expect((await schedule(alice, { status: 'x'.repeat(ctx.config.limits.maxTootChars + 1), scheduled_at: inMinutes(60) })).status).toBe(422)
    expect((await schedule(alice, { status: 'bad reply', in_reply_to_id: 'AAAAAAAAAAAAAAAAAA', scheduled_at: inMinutes(60) })).status).toBe(404)
    const busy = await makeUser(ctx)
    const day = new Date(Date.now() + 3 * 86_400_000)
    day.setUTCHours(12, 0, 0, 0)
    for (let i = 0; i < MAX_SCHEDULED_PER_DAY; i++) {
      const res = await schedule(busy, { status: `n${i}`, scheduled_at: new Date(day.getTime() + i * 60_000).toISOString() })
      expect(res.status).toBe(200)
    }
    const over = await schedule(busy, { status: 'one too many', scheduled_at: new Date(day.getTime() + 3_600_000).toISOString() })
    expect(over.status).toBe(422)
    expect(over.json.error).toContain('limit')
  })
})

describe('managing scheduled statuses', () => {
  test('list, show, reschedule and cancel are the owner’s alone', async () => {
    const user = await makeUser(ctx)
    const a = (await schedule(user, { status: 'first', scheduled_at: inMinutes(30) })).json
    const b = (await schedule(user, { status: 'second', scheduled_at: inMinutes(40) })).json
    const list = await call('GET', '/api/v1/scheduled_statuses', { token: user.token })
    expect(list.status).toBe(200)
    expect(list.json.map((s: any) => s.id)).toEqual([b.id, a.id])
    expect((await call('GET', `/api/v1/scheduled_statuses/${a.id}`, { token: user.token })).json.params.text).toBe('first')
    expect((await call('GET', `/api/v1/scheduled_statuses/${a.id}`, { token: bob.token })).status).toBe(404)
    expect((await call('GET', '/api/v1/scheduled_statuses', { token: bob.token })).json.map((s: any) => s.id)).not.toContain(a.id)

    const later = inMinutes(120)
    const moved = await call('PUT', `/api/v1/scheduled_statuses/${a.id}`, { token: user.token, json: { scheduled_at: later } })
    expect(moved.status).toBe(200)
    expect(moved.json.scheduled_at).toBe(later)
    expect((await call('PUT', `/api/v1/scheduled_statuses/${a.id}`, { token: user.token, json: { scheduled_at: inMinutes(1) } })).status).toBe(422)
    expect((await call('PUT', `/api/v1/scheduled_statuses/${a.id}`, { token: bob.token, json: { scheduled_at: later } })).status).toBe(404)

    expect((await call('DELETE', `/api/v1/scheduled_statuses/${a.id}`, { token: bob.token })).status).toBe(404)
    const gone = await call('DELETE', `/api/v1/scheduled_statuses/${a.id}`, { token: user.token })
    expect(gone.status).toBe(200)
    expect(gone.json).toEqual({})
    expect((await call('GET', `/api/v1/scheduled_statuses/${a.id}`, { token: user.token })).status).toBe(404)
    expect((await call('GET', '/api/v1/scheduled_statuses')).status).toBe(401)
  })
})

describe('publishing', () => {
  test('a due status is posted once with its parameters, and its schedule removed', async () => {
    const user = await makeUser(ctx)
    const target = (await call('POST', '/api/v1/statuses', { token: bob.token, json: { status: 'reply to me' } })).json
    const made = (await schedule(user, {
      status: 'posted later #scheduled', scheduled_at: inMinutes(10), in_reply_to_id: target.id, visibility: 'unlisted',
      poll: { options: ['yes', 'no'], expires_in: 3600 },
    })).json
    const notYet = await publishDueScheduledStatuses(ctx, { onlyId: made.id })
    expect(notYet.published).toEqual([])
    await makeDue(made.id)
    const [first, second] = await Promise.all([publishDueScheduledStatuses(ctx, { onlyId: made.id }), publishDueScheduledStatuses(ctx, { onlyId: made.id })])
    expect([...first.published, ...second.published]).toEqual([made.id])
    const posted = await ctx.db.select().from(statuses).where(eq(statuses.accountId, user.account.id))
    expect(posted).toHaveLength(1)
    expect(posted[0]).toMatchObject({ text: 'posted later #scheduled', visibility: 'unlisted', inReplyToId: target.id })
    const shown = await call('GET', `/api/v1/statuses/${posted[0].id}`, { token: user.token })
    expect(shown.json.poll.options.map((o: any) => o.title)).toEqual(['yes', 'no'])
    expect((await call('GET', `/api/v1/scheduled_statuses/${made.id}`, { token: user.token })).status).toBe(404)
  })

  test('a status that can no longer be posted is dropped, not retried forever', async () => {
    const user = await makeUser(ctx)
    const target = (await call('POST', '/api/v1/statuses', { token: bob.token, json: { status: 'soon deleted' } })).json
    const made = (await schedule(user, { status: 'orphan reply', scheduled_at: inMinutes(10), in_reply_to_id: target.id })).json
    await call('DELETE', `/api/v1/statuses/${target.id}`, { token: bob.token })
    await makeDue(made.id)
    const outcome = await publishDueScheduledStatuses(ctx, { onlyId: made.id })
    expect(outcome.published).toEqual([])
    expect(outcome.dropped.map((d) => d.id)).toEqual([made.id])
    expect(await ctx.db.select().from(scheduledStatuses).where(eq(scheduledStatuses.id, made.id))).toHaveLength(0)
  })
})

describe('scheduled media', () => {
  test('media are reserved and shown on the scheduled status, then attached when it is posted', async () => {
    const { fileOf, pngFixture } = await import('../support/media-fixtures')
    const user = await makeUser(ctx)
    const upload = await call('POST', '/api/v2/media', { token: user.token, multipart: { file: fileOf(pngFixture(), 'image/png', 'a.png') } })
    expect(upload.status).toBe(200)
    const made = await schedule(user, { status: 'with a picture', media_ids: [upload.json.id], scheduled_at: inMinutes(30) })
    expect(made.status).toBe(200)
    expectShape(made.json, 'ScheduledStatus')
    expect(made.json.media_attachments.map((m: any) => m.id)).toEqual([upload.json.id])
    expect(made.json.params.media_ids).toEqual([upload.json.id])
    await makeDue(made.json.id)
    expect((await publishDueScheduledStatuses(ctx, { onlyId: made.json.id })).published).toEqual([made.json.id])
    const [posted] = await ctx.db.select().from(statuses).where(eq(statuses.accountId, user.account.id))
    const shown = await call('GET', `/api/v1/statuses/${posted.id}`, { token: user.token })
    expect(shown.json.media_attachments.map((m: any) => m.id)).toEqual([upload.json.id])
  })
})
