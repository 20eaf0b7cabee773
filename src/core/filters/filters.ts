import { and, asc, count, eq, inArray, sql, type SQL } from 'drizzle-orm'
import type { DbLike, Tx } from '../../db/client'
import { accounts, filterKeywords, filters, filterStatuses } from '../../db/schema'
import type { Ctx } from '../context'
import { NotFoundError, ValidationError } from '../errors'
import { isId, uuidToId } from '../ids'
import { getVisibleStatus } from '../visibility'
import { MAX_KEYWORDS_PER_FILTER, readKeyword, readWholeWord, type FilterParams, type KeywordAttributes } from './params'

export type FilterRow = typeof filters.$inferSelect

export interface FilterKeyword {
  id: string
  filterId: string
  keyword: string
  wholeWord: boolean
}

export interface FilterStatus {
  id: string
  filterId: string
  statusId: string
}

/** A filter with its keywords and statuses, oldest first. */
export interface FilterWithRules extends FilterRow {
  keywords: FilterKeyword[]
  statuses: FilterStatus[]
}

/** A filter may have many keywords, but an account only so many filters. */
export const MAX_FILTERS = 300

const activeSql = sql`(${filters.expiresAt} is null or ${filters.expiresAt} > now())`

const fromJson = <T>(value: unknown): T[] => (typeof value === 'string' ? JSON.parse(value) : value ?? []) as T[]

/** Loads an account's filters with their keywords and statuses in one query. */
async function loadFilters(db: DbLike, owner: string | SQL, where?: SQL): Promise<FilterWithRules[]> {
  // Spelled out: drizzle leaves columns unqualified in the select list, where `id` would mean the subquery's own.
  const filterId = sql.raw('"filters"."id"')
  const rows = await db.select({
    filter: filters,
    keywords: sql<unknown>`coalesce((select json_agg(json_build_object('id', k.id, 'keyword', k.keyword, 'whole_word', k.whole_word) order by k.id)
      from filter_keywords k where k.filter_id = ${filterId}), '[]'::json)`,
    statuses: sql<unknown>`coalesce((select json_agg(json_build_object('id', s.id, 'status_id', s.status_id) order by s.id)
      from filter_statuses s where s.filter_id = ${filterId}), '[]'::json)`,
  }).from(filters).where(and(typeof owner === 'string' ? eq(filters.accountId, owner) : owner, where)).orderBy(asc(filters.id))
  return rows.map((r) => ({
    ...r.filter,
    keywords: fromJson<{ id: string; keyword: string; whole_word: boolean }>(r.keywords)
      .map((k) => ({ id: uuidToId(k.id), filterId: r.filter.id, keyword: k.keyword, wholeWord: k.whole_word })),
    statuses: fromJson<{ id: string; status_id: string }>(r.statuses)
      .map((s) => ({ id: uuidToId(s.id), filterId: r.filter.id, statusId: uuidToId(s.status_id) })),
  }))
}

/** Every filter of the account, expired ones included (they are listed, just not applied). */
export const ownFilters = (ctx: Ctx, accountId: string) => loadFilters(ctx.db, accountId)

/** The filters that apply now: not expired. One query; what rendering a page of statuses loads once. */
export const activeFilters = (db: DbLike, accountId: string) => loadFilters(db, accountId, activeSql)

/**
 * The filters that apply now of the account `accountId` (an SQL expression) as one JSON value, oldest first, for a
 * statement that reads more than filters (a page's viewer-dependent state); read it back with `filtersFromJson`.
 */
export const activeFiltersJsonSql = (accountId: SQL): SQL => sql`(select coalesce(json_agg(json_build_object(
    'id', f.id, 'account_id', f.account_id, 'title', f.title, 'context', f.context, 'action', f.action,
    'expires_at', f.expires_at, 'created_at', f.created_at, 'updated_at', f.updated_at,
    'keywords', coalesce((select json_agg(json_build_object('id', k.id, 'keyword', k.keyword, 'whole_word', k.whole_word) order by k.id)
      from filter_keywords k where k.filter_id = f.id), '[]'::json),
    'statuses', coalesce((select json_agg(json_build_object('id', s.id, 'status_id', s.status_id) order by s.id)
      from filter_statuses s where s.filter_id = f.id), '[]'::json)
  ) order by f.id), '[]'::json)
  from filters f where f.account_id = ${accountId} and (f.expires_at is null or f.expires_at > now()))`

interface FilterJson {
  id: string; account_id: string; title: string; context: FilterRow['context']; action: FilterRow['action']
  expires_at: string | null; created_at: string; updated_at: string
  keywords: { id: string; keyword: string; whole_word: boolean }[]
  statuses: { id: string; status_id: string }[]
}

/** The filters of `activeFiltersJsonSql`, as `activeFilters` returns them. */
export function filtersFromJson(value: unknown): FilterWithRules[] {
  return fromJson<FilterJson>(value).map((f) => {
    const id = uuidToId(f.id)
    return {
      id, accountId: uuidToId(f.account_id), title: f.title, context: f.context, action: f.action,
      expiresAt: f.expires_at ? new Date(f.expires_at) : null, createdAt: new Date(f.created_at), updatedAt: new Date(f.updated_at),
      keywords: f.keywords.map((k) => ({ id: uuidToId(k.id), filterId: id, keyword: k.keyword, wholeWord: k.whole_word })),
      statuses: f.statuses.map((s) => ({ id: uuidToId(s.id), filterId: id, statusId: uuidToId(s.status_id) })),
    }
  })
}

/** One of the account's filters; someone else's, unknown and malformed ids are 404. */
export async function getOwnFilter(db: DbLike, accountId: string, id: string): Promise<FilterWithRules> {
  if (!isId(id)) throw new NotFoundError()
  const [row] = await loadFilters(db, accountId, eq(filters.id, id))
  if (!row) throw new NotFoundError()
  return row
}

/** Locks the owner's account row so concurrent writes cannot pass the limits together. */
const lockOwner = (tx: Tx, accountId: string) => tx.select({ id: accounts.id }).from(accounts).where(eq(accounts.id, accountId)).for('update')

async function assertKeywordRoom(tx: Tx, filterId: string, adding: number) {
  if (adding <= 0) return
  const [{ n }] = await tx.select({ n: count() }).from(filterKeywords).where(eq(filterKeywords.filterId, filterId))
  if (n + adding > MAX_KEYWORDS_PER_FILTER) {
    throw new ValidationError(`Validation failed: A filter cannot have more than ${MAX_KEYWORDS_PER_FILTER} keywords`)
  }
}

export async function createFilter(ctx: Ctx, accountId: string, params: FilterParams): Promise<FilterWithRules> {
  if (params.keywords.some((k) => k.id)) throw new ValidationError('Validation failed: Keywords attributes of a new filter cannot have an id')
  const id = await ctx.db.transaction(async (tx) => {
    await lockOwner(tx, accountId)
    const [{ n }] = await tx.select({ n: count() }).from(filters).where(eq(filters.accountId, accountId))
    if (n >= MAX_FILTERS) throw new ValidationError(`Validation failed: You cannot create more than ${MAX_FILTERS} filters`)
    const [filter] = await tx.insert(filters).values({
      accountId,
      title: params.title!,
      context: params.context!,
      action: params.action ?? 'warn',
      expiresAt: params.expiresAt ?? null,
    }).returning({ id: filters.id })
    await applyKeywordChanges(tx, filter.id, params.keywords)
    return filter.id
  })
  return getOwnFilter(ctx.db, accountId, id)
}

export async function updateFilter(ctx: Ctx, accountId: string, id: string, params: FilterParams): Promise<FilterWithRules> {
  const filter = await getOwnFilter(ctx.db, accountId, id)
  await ctx.db.transaction(async (tx) => {
    await lockOwner(tx, accountId)
    const changes: Partial<FilterRow> = {}
    if (params.title !== undefined) changes.title = params.title
    if (params.context !== undefined) changes.context = params.context
    if (params.action !== undefined) changes.action = params.action
    if (params.expiresAt !== undefined) changes.expiresAt = params.expiresAt
    await tx.update(filters).set({ ...changes, updatedAt: new Date() }).where(and(eq(filters.id, filter.id), eq(filters.accountId, accountId)))
    await applyKeywordChanges(tx, filter.id, params.keywords)
  })
  return getOwnFilter(ctx.db, accountId, filter.id)
}

/** `keywords_attributes`: entries without id are added; with id they change or (`_destroy`) remove one of this filter's keywords. */
async function applyKeywordChanges(tx: Tx, filterId: string, changes: KeywordAttributes[]) {
  if (!changes.length) return
  const referenced = changes.filter((c) => c.id).map((c) => c.id!)
  if (referenced.length) {
    const known = referenced.every(isId)
      ? await tx.select({ id: filterKeywords.id }).from(filterKeywords).where(and(eq(filterKeywords.filterId, filterId), inArray(filterKeywords.id, referenced)))
      : []
    if (new Set(known.map((k) => k.id)).size !== new Set(referenced).size) throw new NotFoundError()
  }
  const destroyed = changes.filter((c) => c.destroy).map((c) => c.id!)
  if (destroyed.length) await tx.delete(filterKeywords).where(and(eq(filterKeywords.filterId, filterId), inArray(filterKeywords.id, destroyed)))
  for (const c of changes.filter((c) => c.id && !c.destroy)) {
    const set: Partial<typeof filterKeywords.$inferInsert> = {}
    if (c.keyword !== undefined) set.keyword = c.keyword
    if (c.wholeWord !== undefined) set.wholeWord = c.wholeWord
    if (Object.keys(set).length) await tx.update(filterKeywords).set(set).where(and(eq(filterKeywords.id, c.id!), eq(filterKeywords.filterId, filterId)))
  }
  const added = changes.filter((c) => !c.id)
  await assertKeywordRoom(tx, filterId, added.length)
  if (added.length) {
    await tx.insert(filterKeywords).values(added.map((c) => ({ filterId, keyword: c.keyword!, wholeWord: c.wholeWord ?? true })))
  }
}

export async function deleteFilter(ctx: Ctx, accountId: string, id: string): Promise<void> {
  if (!isId(id)) throw new NotFoundError()
  const gone = await ctx.db.delete(filters).where(and(eq(filters.id, id), eq(filters.accountId, accountId))).returning({ id: filters.id })
  if (!gone.length) throw new NotFoundError()
}

// ---------------------------------------------------------------------------------------------- keywords

/** A keyword of one of the account's filters; anything else is 404. */
export async function getOwnKeyword(db: DbLike, accountId: string, id: string): Promise<FilterKeyword> {
  if (!isId(id)) throw new NotFoundError()
  const [row] = await db.select({ id: filterKeywords.id, filterId: filterKeywords.filterId, keyword: filterKeywords.keyword, wholeWord: filterKeywords.wholeWord })
    .from(filterKeywords).innerJoin(filters, eq(filters.id, filterKeywords.filterId))
    .where(and(eq(filterKeywords.id, id), eq(filters.accountId, accountId))).limit(1)
  if (!row) throw new NotFoundError()
  return row
}

export async function filterKeywordsOf(ctx: Ctx, accountId: string, filterId: string): Promise<FilterKeyword[]> {
  return (await getOwnFilter(ctx.db, accountId, filterId)).keywords
}

export async function addKeyword(ctx: Ctx, accountId: string, filterId: string, input: { keyword?: unknown; whole_word?: unknown }): Promise<FilterKeyword> {
  const filter = await getOwnFilter(ctx.db, accountId, filterId)
  const keyword = readKeyword(input.keyword)
  const wholeWord = readWholeWord(input.whole_word)
  return ctx.db.transaction(async (tx) => {
    await lockOwner(tx, accountId)
    await assertKeywordRoom(tx, filter.id, 1)
    const [row] = await tx.insert(filterKeywords).values({ filterId: filter.id, keyword, wholeWord })
      .returning({ id: filterKeywords.id, filterId: filterKeywords.filterId, keyword: filterKeywords.keyword, wholeWord: filterKeywords.wholeWord })
    return row
  })
}

export async function updateKeyword(ctx: Ctx, accountId: string, id: string, input: { keyword?: unknown; whole_word?: unknown }): Promise<FilterKeyword> {
  const current = await getOwnKeyword(ctx.db, accountId, id)
  const keyword = input.keyword === undefined ? current.keyword : readKeyword(input.keyword)
  const wholeWord = readWholeWord(input.whole_word, current.wholeWord)
  await ctx.db.update(filterKeywords).set({ keyword, wholeWord }).where(eq(filterKeywords.id, current.id))
  return { ...current, keyword, wholeWord }
}

export async function deleteKeyword(ctx: Ctx, accountId: string, id: string): Promise<void> {
  const current = await getOwnKeyword(ctx.db, accountId, id)
  await ctx.db.delete(filterKeywords).where(eq(filterKeywords.id, current.id))
}

// ---------------------------------------------------------------------------------------------- statuses

export async function getOwnFilterStatus(db: DbLike, accountId: string, id: string): Promise<FilterStatus> {
  if (!isId(id)) throw new NotFoundError()
  const [row] = await db.select({ id: filterStatuses.id, filterId: filterStatuses.filterId, statusId: filterStatuses.statusId })
    .from(filterStatuses).innerJoin(filters, eq(filters.id, filterStatuses.filterId))
    .where(and(eq(filterStatuses.id, id), eq(filters.accountId, accountId))).limit(1)
  if (!row) throw new NotFoundError()
  return row
}

export async function filterStatusesOf(ctx: Ctx, accountId: string, filterId: string): Promise<FilterStatus[]> {
  return (await getOwnFilter(ctx.db, accountId, filterId)).statuses
}

/** Adds a status the account may see to one of its filters; each status once per filter. */
export async function addFilterStatus(ctx: Ctx, accountId: string, filterId: string, statusId: unknown): Promise<FilterStatus> {
  const filter = await getOwnFilter(ctx.db, accountId, filterId)
  if (typeof statusId !== 'string' || !statusId) throw new ValidationError("Validation failed: Status can't be blank")
  const status = await getVisibleStatus(ctx, accountId, statusId).catch((e) => {
    if (e instanceof NotFoundError) throw new ValidationError('Validation failed: Status must exist')
    throw e
  })
  const [row] = await ctx.db.insert(filterStatuses).values({ filterId: filter.id, statusId: status.id }).onConflictDoNothing()
    .returning({ id: filterStatuses.id, filterId: filterStatuses.filterId, statusId: filterStatuses.statusId })
  if (!row) throw new ValidationError('Validation failed: Status has already been taken')
  return row
}

export async function deleteFilterStatus(ctx: Ctx, accountId: string, id: string): Promise<void> {
  const current = await getOwnFilterStatus(ctx.db, accountId, id)
  await ctx.db.delete(filterStatuses).where(eq(filterStatuses.id, current.id))
}
