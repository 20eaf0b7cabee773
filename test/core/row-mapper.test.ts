// rowsMapper (db/row-mapper.ts) maps a prepared statement's rows as Drizzle's own mapping does: the same objects, for
// plain, nested, joined and computed fields, null values and left joins that found nothing.
import { beforeAll, describe, expect, test } from 'bun:test'
import { eq, sql } from 'drizzle-orm'
import { createLocalUser } from '../../src/core/accounts/create-user'
import type { Ctx } from '../../src/core/context'
import { newId } from '../../src/core/ids'
import { runPrepared } from '../../src/db/prepared'
import { rowsMapper, type SelectedField } from '../../src/db/row-mapper'
import { accounts, remoteActors, statuses, users } from '../../src/db/schema'
import { getTestContext } from '../support/context'

let ctx: Ctx
let accountId: string
const statusIds: string[] = []

type Prepared = { fields: SelectedField[]; joinsNotNullableMap?: Record<string, boolean>; customResultMapper?: (rows: unknown[][]) => unknown; execute(): Promise<unknown> }

/** A query run twice: once as Drizzle maps it, once through `rowsMapper` over the same statement's rows as arrays. */
async function bothWays(query: { execute(): Promise<unknown> }) {
  const drizzle = await query.execute()
  const prepared = (query as unknown as { _prepare(): Prepared })._prepare()
  prepared.customResultMapper = (rows) => rows
  const arrays = await prepared.execute() as unknown[][]
  return { drizzle, ours: rowsMapper(prepared.fields, prepared.joinsNotNullableMap)(arrays) }
}

describe('rowsMapper', () => {
  beforeAll(async () => {
    ctx = await getTestContext()
    const nick = `mapper_${Date.now().toString(36)}`
    accountId = (await createLocalUser(ctx, { nickname: nick, email: `${nick}@example.com`, password: 'correct horse' })).account.id
    for (const [i, spoiler] of ['', 'careful'].entries()) {
      const id = newId()
      statusIds.push(id)
      await ctx.db.insert(statuses).values({ id, accountId, visibility: 'public', text: `row ${i}`, content: `<p>row ${i}</p>`, spoilerText: spoiler })
    }
  })

  test('maps what Drizzle maps, for every kind of field', async () => {
    const cases = [
      ctx.db.select().from(statuses).where(eq(statuses.accountId, accountId)),
      ctx.db.select({ status: statuses, size: sql<number>`count(*) over ()`.mapWith(Number), edge: sql<string>`${statuses.id}`.mapWith(statuses.id).as('edge') })
        .from(statuses).where(eq(statuses.accountId, accountId)),
      // a left join that finds a user, and one (remote actors) that finds nothing: that object is null
      ctx.db.select({ status: statuses, account: accounts, user: users, actor: remoteActors }).from(statuses)
        .innerJoin(accounts, eq(accounts.id, statuses.accountId)).leftJoin(users, eq(users.accountId, accounts.id))
        .leftJoin(remoteActors, eq(remoteActors.accountId, accounts.id)).where(eq(statuses.accountId, accountId)),
      ctx.db.select({ nested: { id: statuses.id, at: statuses.createdAt, none: sql<null>`null` }, text: statuses.text }).from(statuses).where(eq(statuses.accountId, accountId)),
    ]
    for (const query of cases) {
      const { drizzle, ours } = await bothWays(query)
      expect((drizzle as unknown[]).length).toBeGreaterThan(0)
      expect(ours).toEqual(drizzle as Record<string, unknown>[])
    }
    const [joined] = (await bothWays(cases[2])).ours as { user: unknown; actor: unknown; status: { createdAt: unknown } }[]
    expect(joined.user).not.toBeNull()
    expect(joined.actor).toBeNull()
    expect(joined.status.createdAt).toBeInstanceOf(Date)
  })

  test('a kept statement maps its rows through it', async () => {
    const key = `row-mapper-${Date.now()}`
    const read = () => runPrepared(ctx, key, (b) => ctx.db.select({ status: statuses, user: users }).from(statuses)
      .leftJoin(users, eq(users.accountId, statuses.accountId)).where(eq(statuses.id, b.forColumn(statuses.id, statusIds[1]))))
    const first = await read()
    const again = await read()
    expect(again).toEqual(first)
    expect(again[0].status.id).toBe(statusIds[1])
    expect(again[0].status.spoilerText).toBe('careful')
    expect(again[0].user?.accountId).toBe(accountId)
  })
})
