import { and, asc, desc, eq, isNull, sql, type SQL } from 'drizzle-orm'
import { accounts, statuses, statusSearchDocument, type StatusRow } from '../../db/schema'
import { resultRows } from '../../db/client'
import { uuidParam } from '../../db/sql'
import { parseAcct } from '../accounts/queries'
import type { Ctx } from '../context'
import { isId, uuidToId } from '../ids'
import { fillFromBatches, keyset, newestFirst, type Page } from '../timelines/page'
import { notHiddenByViewerSql } from '../timelines/viewer-filters'
import { visibleWithReblogSql } from '../visibility'
import { parseDay, parseSearchQuery, type SearchFilter, type SearchTerm } from './query'
import { readByWeeks } from './weeks'

export interface StatusSearchOptions {
  page: Page
  offset: number
  /** only statuses by this account (`account_id`) */
  accountId?: string | null
}

const DAY_MS = 86_400_000

/**
 * How many text matches are read per round while filling a page of results: the first round twice what the page
 * needs (most matches are findable, and a rare word's newest week then often holds enough), later rounds many more.
 */
const searchCandidates = (wanted: number) => (round: number) =>
  round === 1 ? Math.min(Math.max(2 * wanted, FIRST_CANDIDATES), MORE_CANDIDATES) : MORE_CANDIDATES
const FIRST_CANDIDATES = 40
const MORE_CANDIDATES = 200
/** How many rounds one search reads at most (about 10,000 matches), so a word that is everywhere stays quick. */
const SEARCH_ROUNDS = 50
const tsquery = (t: SearchTerm) => t.phrase
  ? sql`phraseto_tsquery('simple'::regconfig, ${t.text})`
  : sql`plainto_tsquery('simple'::regconfig, ${t.text})`

/**
 * Who may find a status by its text (Mastodon 4.2): its author; whoever favourited, reblogged or bookmarked it
 * or was mentioned in it (their "library"); and, unless `in:library`, anyone for public statuses of authors who
 * let themselves be indexed. The visibility rule applies on top.
 */
function findableSql(viewer: string, scope: 'all' | 'library' | 'public'): SQL {
  const v = uuidParam(viewer)
  const library = sql`(${statuses.accountId} = ${v}
    or exists (select 1 from favourites f where f.status_id = ${statuses.id} and f.account_id = ${v})
    or exists (select 1 from bookmarks b where b.status_id = ${statuses.id} and b.account_id = ${v})
    or exists (select 1 from statuses r where r.reblog_of_id = ${statuses.id} and r.account_id = ${v})
    or exists (select 1 from status_mentions m where m.status_id = ${statuses.id} and m.account_id = ${v}))`
  const indexed = sql`(${statuses.visibility} in ('public', 'local')
    and exists (select 1 from accounts ia where ia.id = ${statuses.accountId} and ia.indexable))`
  if (scope === 'library') return library
  if (scope === 'public') return indexed
  return sql`(${library} or ${indexed})`
}

async function filterSql(ctx: Ctx, viewer: string, f: SearchFilter): Promise<SQL | null> {
  switch (f.op) {
    case 'from': {
      if (f.value.toLowerCase() === 'me') return eq(statuses.accountId, viewer)
      const address = parseAcct(ctx, f.value)
      if (!address) return sql`false`
      const [row] = await ctx.db.select({ id: accounts.id }).from(accounts).where(and(
        eq(accounts.username, address.username), address.domain ? eq(accounts.domain, address.domain) : isNull(accounts.domain),
      )).limit(1)
      return row ? eq(statuses.accountId, row.id) : sql`false`
    }
    case 'has':
      if (f.value === 'poll') return sql`exists (select 1 from polls p where p.status_id = ${statuses.id})`
      if (f.value === 'link') {
        return sql`${statuses.content} ~ ${'<a (?![^>]*class="[^"]*(mention|hashtag))[^>]*href="https?://'}`
      }
      if (f.value === 'media') return sql`exists (select 1 from media_attachments ma where ma.status_id = ${statuses.id})`
      return sql`exists (select 1 from media_attachments ma where ma.status_id = ${statuses.id}
        and ma.type in (${sql.join((f.value === 'image' ? ['image', 'gifv'] : [f.value]).map((t) => sql`${t}`), sql`, `)}))`
    case 'is':
      return f.value === 'reply'
        ? sql`${statuses.inReplyToId} is not null`
        : sql`(${statuses.sensitive} or ${statuses.spoilerText} <> '')`
    case 'language':
      return sql`lower(${statuses.language}) = ${f.value.toLowerCase()}`
    case 'before':
      return sql`${statuses.createdAt} < ${parseDay(f.value).toISOString()}`
    case 'after':
      return sql`${statuses.createdAt} >= ${new Date(parseDay(f.value).getTime() + DAY_MS).toISOString()}`
    case 'during': {
      const day = parseDay(f.value)
      return sql`(${statuses.createdAt} >= ${day.toISOString()} and ${statuses.createdAt} < ${new Date(day.getTime() + DAY_MS).toISOString()})`
    }
    case 'in':
      return null
  }
}

/**
 * Full-text status search for a signed-in viewer, newest first, with Mastodon's operators. A query needs at least
 * one word, phrase or filter that narrows it; negations alone find nothing.
 */
export async function searchStatuses(ctx: Ctx, viewerAccountId: string, q: string, opts: StatusSearchOptions): Promise<StatusRow[]> {
  const parsed = parseSearchQuery(q)
  const positiveTerms = parsed.terms.filter((t) => !t.negated)
  const narrowing = parsed.filters.some((f) => !f.negated && f.op !== 'in')
  if (!positiveTerms.length && !narrowing) return []
  if (opts.accountId !== undefined && opts.accountId !== null && !isId(opts.accountId)) return []

  const inFilter = parsed.filters.filter((f) => f.op === 'in' && !f.negated).at(-1)?.value
  const scope = inFilter === 'library' ? 'library' : inFilter === 'public' ? 'public' : 'all'
  const where: SQL[] = [
    sql`${statuses.reblogOfId} is null`,
    findableSql(viewerAccountId, scope),
    visibleWithReblogSql(viewerAccountId),
    notHiddenByViewerSql(viewerAccountId),
  ]
  for (const f of parsed.filters) {
    const condition = await filterSql(ctx, viewerAccountId, f)
    if (condition) where.push(f.negated ? sql`not coalesce(${condition}, false)` : condition)
  }
  if (opts.accountId) where.push(eq(statuses.accountId, opts.accountId))

  const parts = parsed.terms.map((t) => (t.negated ? sql`(!!${tsquery(t)})` : tsquery(t)))
  const words = sql.join(parts, sql` && `)
  const matches = sql`${statusSearchDocument} @@ (${words})`
  if (!positiveTerms.length) {
    const k = keyset(statuses.id, opts.page)
    const rows = await ctx.db.select().from(statuses).where(and(...where, parts.length ? matches : undefined, ...k.where))
      .orderBy(k.orderBy).limit(opts.page.limit).offset(opts.offset)
    return newestFirst(rows, k.forwards)
  }

  // Text matches are read newest first a batch at a time from the words alone, a few weeks at a time (./weeks.ts),
  // and only those go through the reader's rules: asked in one query, the planner misjudges how many matches the
  // rules keep and sorts all of a common word's matches.
  const wanted = { ...opts.page, limit: opts.page.limit + opts.offset }
  const readMatches = readByWeeks(
    async () => {
      const [row] = await ctx.db.select({ id: statuses.id }).from(statuses).orderBy(desc(statuses.id)).limit(1)
      return row?.id ?? null
    },
    // the matches' uuids as the driver gives them: they only go back into the next statement
    async (cursor, limit, weeks, bound) => {
      const k = keyset(statuses.id, cursor)
      const inWindow = weeks ? sql`${statusSearchDocument} @@ (${words} && ${weeks})` : and(matches, bound)
      const condition = and(inWindow, sql`${statuses.reblogOfId} is null`, opts.accountId ? eq(statuses.accountId, opts.accountId) : undefined, ...k.where)
      const found = await ctx.db.execute(sql`select ${statuses.id} as id from ${statuses} where ${condition} order by ${k.orderBy} limit ${limit}`)
      return resultRows<{ id: string }>(found).map((r) => r.id)
    },
    sql`${statuses.id}`)
  let keptSoFar = 0
  const rows = await fillFromBatches(wanted, searchCandidates(wanted.limit), async (cursor) => {
    const uuids = await readMatches(cursor)
    const kept = uuids.length ? await firstPassing(ctx, uuids, where, wanted.limit - keptSoFar, !!cursor.minId) : []
    keptSoFar += kept.length
    return { rows: kept, size: uuids.length, edge: uuids.length ? uuidToId(uuids[uuids.length - 1]) : undefined }
  }, SEARCH_ROUNDS)
  return rows.slice(opts.offset)
}

/**
 * Of candidates (uuids in reading order), the first `need` whose statuses pass `where`, in full. The candidates are
 * ordered before the rules run (the `limit` keeps PostgreSQL from moving the rules inside), so the rules stop at the
 * `need`-th status they keep: a round of 200 common-word matches costs about a page's rule checks and rows, not 200.
 */
async function firstPassing(ctx: Ctx, uuids: string[], where: SQL[], need: number, ascending: boolean): Promise<StatusRow[]> {
  const order = ascending ? asc(statuses.id) : desc(statuses.id)
  // both limits bound, not written out: their values would otherwise make hundreds of statement texts
  const candidates = ctx.db.select().from(statuses).where(sql`${statuses.id} = any(${`{${uuids.join(',')}}`}::uuid[])`)
    .orderBy(order).limit(uuids.length).as('statuses')
  return ctx.db.select().from(candidates).where(and(...where)).orderBy(order).limit(need)
}
