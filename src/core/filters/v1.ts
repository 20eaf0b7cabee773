import { and, eq, sql } from 'drizzle-orm'
import { filterKeywords, filters } from '../../db/schema'
import type { Ctx } from '../context'
import { ValidationError } from '../errors'
import { createFilter, getOwnFilter, getOwnKeyword, ownFilters, type FilterKeyword, type FilterWithRules } from './filters'
import { parseBool } from '../params'
import { readContext, readExpiresIn, readKeyword, readWholeWord } from './params'

/**
 * Mastodon's v1 filters are a view of the v2 model, as Mastodon 4 keeps them: each keyword is one v1 filter (its id
 * is the keyword's id) carrying its filter's context and expiry; `irreversible` is the `hide` action.
 */
export interface V1Filter {
  keyword: FilterKeyword
  filter: FilterWithRules
}

export async function listV1Filters(ctx: Ctx, accountId: string): Promise<V1Filter[]> {
  return (await ownFilters(ctx, accountId)).flatMap((filter) => filter.keywords.map((keyword) => ({ keyword, filter })))
}

export async function getV1Filter(ctx: Ctx, accountId: string, id: string): Promise<V1Filter> {
  const keyword = await getOwnKeyword(ctx.db, accountId, id)
  return { keyword, filter: await getOwnFilter(ctx.db, accountId, keyword.filterId) }
}

function readPhrase(value: unknown): string {
  if (typeof value !== 'string' || !value.trim()) throw new ValidationError("Validation failed: Phrase can't be blank")
  return readKeyword(value)
}

function readIrreversible(value: unknown): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined
  const b = parseBool(value)
  if (b === undefined) throw new ValidationError('Validation failed: Irreversible is not a boolean')
  return b
}

/** `POST /api/v1/filters`: a new filter titled by its phrase, with that phrase as its one keyword. */
export async function createV1Filter(ctx: Ctx, accountId: string, input: Record<string, unknown>): Promise<V1Filter> {
  const phrase = readPhrase(input.phrase)
  const context = readContext(input.context)
  const action = readIrreversible(input.irreversible) ? 'hide' : 'warn'
  const wholeWord = readWholeWord(input.whole_word)
  const expiresAt = readExpiresIn(input.expires_in) ?? null
  const filter = await createFilter(ctx, accountId, { title: phrase, context, action, expiresAt, keywords: [{ keyword: phrase, wholeWord, destroy: false }] })
  return { keyword: filter.keywords[0], filter }
}

/**
 * `PUT /api/v1/filters/:id`: changes the keyword and its filter. Filter-wide changes (title, context, action, expiry)
 * are refused for a filter with several keywords, which a v1 client cannot see as one, as Mastodon does.
 */
export async function updateV1Filter(ctx: Ctx, accountId: string, id: string, input: Record<string, unknown>): Promise<V1Filter> {
  const current = await getV1Filter(ctx, accountId, id)
  const phrase = input.phrase === undefined ? undefined : readPhrase(input.phrase)
  const wholeWord = readWholeWord(input.whole_word, current.keyword.wholeWord)
  const context = input.context === undefined ? undefined : readContext(input.context)
  const irreversible = readIrreversible(input.irreversible)
  const expiresAt = readExpiresIn(input.expires_in)

  const filterChanges: Partial<typeof filters.$inferInsert> = {}
  const f = current.filter
  if (phrase !== undefined && phrase !== f.title) filterChanges.title = phrase
  if (context && context.join() !== f.context.join()) filterChanges.context = context
  if (irreversible !== undefined && (irreversible ? 'hide' : 'warn') !== f.action) filterChanges.action = irreversible ? 'hide' : 'warn'
  if (expiresAt !== undefined && expiresAt?.getTime() !== f.expiresAt?.getTime()) filterChanges.expiresAt = expiresAt
  if (Object.keys(filterChanges).length && f.keywords.length > 1) {
    throw new ValidationError('These parameters cannot be changed from this application because they apply to more than one filter keyword. Use a more recent application or the web interface.')
  }
  await ctx.db.transaction(async (tx) => {
    await tx.update(filterKeywords).set({ keyword: phrase ?? current.keyword.keyword, wholeWord }).where(eq(filterKeywords.id, current.keyword.id))
    if (Object.keys(filterChanges).length) {
      await tx.update(filters).set({ ...filterChanges, updatedAt: new Date() }).where(and(eq(filters.id, f.id), eq(filters.accountId, accountId)))
    }
  })
  return getV1Filter(ctx, accountId, id)
}

/** `DELETE /api/v1/filters/:id`: removes the keyword, and its filter when nothing else is left in it. */
export async function deleteV1Filter(ctx: Ctx, accountId: string, id: string): Promise<void> {
  const { keyword } = await getV1Filter(ctx, accountId, id)
  const filterId = sql.raw('"filters"."id"')
  await ctx.db.transaction(async (tx) => {
    await tx.delete(filterKeywords).where(eq(filterKeywords.id, keyword.id))
    await tx.delete(filters).where(and(
      eq(filters.id, keyword.filterId),
      sql`not exists (select 1 from filter_keywords k where k.filter_id = ${filterId})`,
      sql`not exists (select 1 from filter_statuses s where s.filter_id = ${filterId})`,
    ))
  })
}
