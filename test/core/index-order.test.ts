// Pages read newest first (`order by id desc`). A btree index serves that order only if its own order matches it
// or is its exact reverse: an index declared `desc` (Drizzle writes `DESC NULLS LAST`) matches neither `DESC` (nulls
// first) nor `ASC`, so PostgreSQL read every entry of the account and sorted them for each page.
import { beforeAll, describe, expect, test } from 'bun:test'
import { sql, type SQL } from 'drizzle-orm'
import type { Ctx } from '../../src/core/context'
import { resultRows } from '../../src/db/client'
import { homeFeedEntries, statuses } from '../../src/db/schema'
import { getTestContext } from '../support/context'
import { makeUser, pastIds } from '../support/factories'
import { call } from '../support/http'

let ctx: Ctx

beforeAll(async () => {
  ctx = await getTestContext()
})

/** A statement as Drizzle sent it (`$1`, `$2`… placeholders), with its parameters bound again. */
function withParams(text: string, params: unknown[]): SQL {
  const parts = text.split(/\$(\d+)/)
  return sql.join(parts.map((part, i) => (i % 2 ? sql`${params[Number(part) - 1]}` : sql.raw(part))), sql.raw(''))
}

interface PlanNode { 'Node Type': string; 'Relation Name'?: string; Plans?: PlanNode[] }

async function planOf(statement: SQL): Promise<PlanNode> {
  const [row] = resultRows<{ 'QUERY PLAN': unknown }>(await ctx.db.execute(sql`explain (format json) ${statement}`))
  const plan = typeof row['QUERY PLAN'] === 'string' ? JSON.parse(row['QUERY PLAN']) : row['QUERY PLAN']
  return (plan as { Plan: PlanNode }[])[0].Plan
}

const nodesOf = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodesOf)]

describe('index order', () => {
  test('no index is kept in descending order', async () => {
    const descending = resultRows<{ indexname: string }>(await ctx.db.execute(
      sql`select indexname from pg_indexes where schemaname = current_schema() and indexdef ~* '\\mdesc\\M'`))
    expect(descending.map((r) => r.indexname)).toEqual([])
  })

  test('a home page reads the newest feed entries through the index, without sorting the whole feed', async () => {
    const viewer = await makeUser(ctx)
    const author = await makeUser(ctx)
    const ids = pastIds(1500, 1000)
    for (let i = 0; i < ids.length; i += 500) {
      const batch = ids.slice(i, i + 500)
      await ctx.db.insert(statuses).values(batch.map((id) => ({ id, accountId: author.account.id, content: `<p>${id}</p>` })))
      await ctx.db.insert(homeFeedEntries).values(batch.map((statusId) => ({ accountId: viewer.account.id, statusId, authorId: author.account.id })))
    }
    await ctx.db.execute(sql`analyze home_feed_entries`)

    const sent: { text: string; params: unknown[] }[] = []
    const stop = ctx.database.queries.watch((text, params) => sent.push({ text, params }))
    let page
    try {
      page = await call('GET', '/api/v1/timelines/home', { token: viewer.token, query: { limit: '20' } })
    } finally {
      stop()
    }
    expect(page.status).toBe(200)
    expect(page.json.map((s: { id: string }) => s.id)).toHaveLength(20)

    const feedRead = sent.find((s) => /from "home_feed_entries"/.test(s.text))
    expect(feedRead).toBeDefined()
    const plan = await planOf(withParams(feedRead!.text, feedRead!.params))
    const readsFeed = (node: PlanNode) => nodesOf(node).some((n) => n['Relation Name'] === 'home_feed_entries')
    const sorts = nodesOf(plan).filter((n) => /Sort/.test(n['Node Type']))
    expect(sorts.filter(readsFeed)).toEqual([])
    expect(nodesOf(plan).some((n) => /^Index (Only )?Scan/.test(n['Node Type']) && n['Relation Name'] === 'home_feed_entries')).toBe(true)
  })
})
