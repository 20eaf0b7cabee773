import { describe, expect, test } from 'bun:test'
import { eq } from 'drizzle-orm'
import { addReportNote, deleteReportNote, setReportState } from '../../src/core/reports/moderate'
import { getReport, listReportNotes, listReports } from '../../src/core/reports/queries'
import { notifications, reports } from '../../src/db/schema'
import { contextWith, getTestContext, testApp } from '../support/context'
import { makeUser } from '../support/factories'
import { call } from '../support/http'
import { expectShape } from '../support/shape'

async function post(token: string, json: Record<string, unknown>) {
  const res = await call('POST', '/api/v1/statuses', { token, json })
  expect(res.status).toBe(200)
  return res.json.id as string
}

async function reportsBy(accountId: string) {
  const ctx = await getTestContext()
  return ctx.db.select().from(reports).where(eq(reports.accountId, accountId))
}

describe('POST /api/v1/reports', () => {
  test('files a report with visible statuses of the account and notifies staff', async () => {
    const ctx = await getTestContext()
    const admin = await makeUser(undefined, { isAdmin: true })
    const moderator = await makeUser(undefined, { isModerator: true })
    const reporter = await makeUser()
    const troll = await makeUser()
    const s1 = await post(troll.token, { status: 'rude thing' })
    const s2 = await post(troll.token, { status: 'another rude thing', visibility: 'unlisted' })

    const res = await call('POST', '/api/v1/reports', {
      token: reporter.token,
      json: { account_id: troll.account.id, status_ids: [s1, s2], comment: '  spam and insults  ', category: 'spam', forward: true },
    })
    expect(res.status).toBe(200)
    expectShape(res.json, 'Report')
    expect(res.json).toMatchObject({
      action_taken: false, action_taken_at: null, category: 'spam', comment: 'spam and insults', forwarded: false,
      status_ids: [s1, s2], rule_ids: [],
    })
    expect(res.json.target_account.id).toBe(troll.account.id)

    for (const staff of [admin, moderator]) {
      const rows = await ctx.db.select().from(notifications).where(eq(notifications.accountId, staff.account.id))
      const n = rows.find((r) => r.reportId === res.json.id)
      expect(n?.type).toBe('pleroma:report')
      expect(n?.fromAccountId).toBe(reporter.account.id)
      expect(n?.targetAccountId).toBe(troll.account.id)
      // Pleroma lists report notifications only when asked for by type
      const api = await call('GET', '/api/v1/notifications', { token: staff.token, query: { 'include_types[]': 'pleroma:report' } })
      const listed = api.json.find((x: any) => x.type === 'pleroma:report' && x.report?.id === res.json.id)
      expect(listed?.account.id).toBe(reporter.account.id)
    }
    const reporterNotes = await ctx.db.select().from(notifications).where(eq(notifications.accountId, troll.account.id))
    expect(reporterNotes.filter((n) => n.type === 'pleroma:report')).toEqual([])
  })

  test('form-encoded arrays, rule ids make it a violation', async () => {
    const ctx = await contextWith({ instance: { ...(await getTestContext()).config.instance, rules: ['Be nice', 'No spam'] } })
    const app = await testApp(ctx)
    const reporter = await makeUser(ctx)
    const troll = await makeUser(ctx)
    const res = await call('POST', '/api/v1/reports', {
      app, token: reporter.token, form: { account_id: troll.account.id, 'rule_ids[]': ['2'], category: 'other' },
    })
    expect(res.status).toBe(200)
    expect(res.json.category).toBe('violation')
    expect(res.json.rule_ids).toEqual(['2'])
    const unknownRule = await call('POST', '/api/v1/reports', { app, token: reporter.token, form: { account_id: troll.account.id, 'rule_ids[]': ['9'] } })
    expect(unknownRule.status).toBe(422)
  })

  test('statuses that are not the account\'s or not visible to the reporter are 404 and nothing is stored', async () => {
    const reporter = await makeUser()
    const troll = await makeUser()
    const other = await makeUser()
    const secret = await post(troll.token, { status: 'followers only', visibility: 'private' })
    const direct = await post(troll.token, { status: `@${other.account.username} psst`, visibility: 'direct' })
    const notTheirs = await post(other.token, { status: 'innocent' })
    const reblogOnly = await call('POST', `/api/v1/statuses/${notTheirs}/reblog`, { token: troll.token })
    for (const ids of [[secret], [direct], [notTheirs], [reblogOnly.json.id], ['9zzzzzzzzzzzzzzzzz'], ['not-an-id']]) {
      const res = await call('POST', '/api/v1/reports', { token: reporter.token, json: { account_id: troll.account.id, status_ids: ids } })
      expect(res.status).toBe(404)
      expect(res.json.error).toBeString()
    }
    expect(await reportsBy(reporter.account.id)).toEqual([])
  })

  test('bad input', async () => {
    const reporter = await makeUser()
    const troll = await makeUser()
    const gone = await makeUser(undefined, { account: { suspendedAt: new Date() } })
    const cases: [Record<string, unknown>, number][] = [
      [{}, 422],
      [{ account_id: 'nope' }, 404],
      [{ account_id: '9zzzzzzzzzzzzzzzzz' }, 404],
      [{ account_id: gone.account.id }, 404],
      [{ account_id: reporter.account.id }, 422],
      [{ account_id: troll.account.id, comment: 'x'.repeat(1001) }, 422],
      [{ account_id: troll.account.id, comment: { nested: true } }, 422],
      [{ account_id: troll.account.id, category: 'boring' }, 422],
    ]
    for (const [json, status] of cases) {
      const res = await call('POST', '/api/v1/reports', { token: reporter.token, json })
      expect(res.status).toBe(status)
      expect(res.json.error).toBeString()
    }
    expect(await reportsBy(reporter.account.id)).toEqual([])
    const ok = await call('POST', '/api/v1/reports', { token: reporter.token, json: { account_id: troll.account.id, comment: 'x'.repeat(1000) } })
    expect(ok.status).toBe(200)
    expect(ok.json.category).toBe('other')
  })

  test('scopes: write:reports to file, read:reports to list', async () => {
    const reader = await makeUser(undefined, { scopes: ['read'] })
    const troll = await makeUser()
    expect((await call('POST', '/api/v1/reports', { token: reader.token, json: { account_id: troll.account.id } })).status).toBe(403)
    expect((await call('POST', '/api/v1/reports', { json: { account_id: troll.account.id } })).status).toBe(401)
    const writer = await makeUser(undefined, { scopes: ['write:reports'] })
    expect((await call('POST', '/api/v1/reports', { token: writer.token, json: { account_id: troll.account.id } })).status).toBe(200)
    expect((await call('GET', '/api/v1/reports', { token: writer.token })).status).toBe(403)
  })
})

describe('own reports', () => {
  test('GET /api/v1/reports and Pleroma\'s /api/v0/pleroma/reports list only the caller\'s reports', async () => {
    const reporter = await makeUser()
    const someoneElse = await makeUser()
    const troll = await makeUser()
    const status = await post(troll.token, { status: 'hmm' })
    const mine = []
    for (let i = 0; i < 3; i++) {
      mine.push((await call('POST', '/api/v1/reports', { token: reporter.token, json: { account_id: troll.account.id, comment: `n${i}`, status_ids: [status] } })).json.id)
    }
    const theirs = (await call('POST', '/api/v1/reports', { token: someoneElse.token, json: { account_id: troll.account.id } })).json.id

    const list = await call('GET', '/api/v1/reports', { token: reporter.token, query: { limit: '2' } })
    expect(list.status).toBe(200)
    expect(list.json.map((r: any) => r.id)).toEqual([mine[2], mine[1]])
    for (const r of list.json) expectShape(r, 'Report')
    expect(list.headers.get('link')).toContain(`max_id=${mine[1]}`)
    const next = await call('GET', '/api/v1/reports', { token: reporter.token, query: { max_id: mine[1] } })
    expect(next.json.map((r: any) => r.id)).toEqual([mine[0]])

    expect((await call('GET', `/api/v1/reports/${mine[0]}`, { token: reporter.token })).json.comment).toBe('n0')
    expect((await call('GET', `/api/v1/reports/${theirs}`, { token: reporter.token })).status).toBe(404)

    const pleroma = await call('GET', '/api/v0/pleroma/reports', { token: reporter.token, query: { size: '2', page: '1' } })
    expect(pleroma.status).toBe(200)
    expect(pleroma.json.total).toBe(3)
    expect(pleroma.json.reports).toHaveLength(2)
    const first = pleroma.json.reports[0]
    expect(first.id).toBe(mine[2])
    expect(first.account.id).toBe(troll.account.id)
    expect(first.actor.id).toBe(reporter.account.id)
    expect(first.state).toBe('open')
    expect(first.content).toBe('n2')
    expect(first.statuses.map((s: any) => s.id)).toEqual([status])
    expect((await call('GET', `/api/v0/pleroma/reports/${theirs}`, { token: reporter.token })).status).toBe(404)
    expect((await call('GET', `/api/v0/pleroma/reports/${mine[0]}`, { token: reporter.token })).json.content).toBe('n0')
  })
})

describe('moderation core (for the admin API)', () => {
  test('state changes record the moderator; notes can be added and removed', async () => {
    const ctx = await getTestContext()
    const admin = await makeUser(undefined, { isAdmin: true })
    const reporter = await makeUser()
    const troll = await makeUser()
    const id = (await call('POST', '/api/v1/reports', { token: reporter.token, json: { account_id: troll.account.id } })).json.id

    const resolved = await setReportState(ctx, id, 'resolved', admin.account.id)
    expect(resolved.state).toBe('resolved')
    expect(resolved.actionTakenByAccountId).toBe(admin.account.id)
    expect(resolved.actionTakenAt).not.toBeNull()
    const shown = await call('GET', `/api/v1/reports/${id}`, { token: reporter.token })
    expect(shown.json.action_taken).toBe(true)
    await expect(setReportState(ctx, id, 'bogus', admin.account.id)).rejects.toThrow()
    const reopened = await setReportState(ctx, id, 'open', admin.account.id)
    expect(reopened.actionTakenAt).toBeNull()

    const note = await addReportNote(ctx, id, admin.account.id, 'looked at it')
    expect((await listReportNotes(ctx, id)).map((n) => n.content)).toEqual(['looked at it'])
    await expect(addReportNote(ctx, id, admin.account.id, '   ')).rejects.toThrow()
    await deleteReportNote(ctx, id, note.id)
    await expect(deleteReportNote(ctx, id, note.id)).rejects.toThrow()
    expect(await listReportNotes(ctx, id)).toEqual([])

    expect((await listReports(ctx, { targetAccountId: troll.account.id }, { limit: 10 })).map((r) => r.id)).toEqual([id])
    expect((await listReports(ctx, { targetAccountId: troll.account.id, state: 'resolved' }, { limit: 10 }))).toEqual([])
    await expect(getReport(ctx, 'not-an-id')).rejects.toThrow()
  })
})
