import { and, eq, gt, inArray, isNull, lte, or, sql, type SQL } from 'drizzle-orm'
import { resultRows, type DbLike, type Tx } from '../../db/client'
import { builtOnce, builtOnceSelect, returningFields, selectedFields } from '../../db/prepared'
import {
  accounts, conversationMutes, conversations, oauthApps, polls, statuses, statusIdempotencyKeys, statusMentions, statusTags, tags, users,
  type AccountRow, type StatusRow, type StatusVisibility, type UserRow,
} from '../../db/schema'
import type { Ctx } from '../context'
import { activeFiltersJsonSql, filtersFromJson, type FilterWithRules } from '../filters/filters'
import { ConflictError, NotFoundError, ValidationError } from '../errors'
import { ownsList } from '../lists/lists'
import { idToUuid, isId, newId, uuidToId } from '../ids'
import { checkAttachableMedia, normalizeMediaIds, setStatusMedia } from '../media/attachments'
import { visibleStatusSql, getVisibleStatus } from '../visibility'
import { participationAddressing } from '../conversations/record'
import { enqueuePreviewCard } from '../cards/fetch-card'
import { reachesRemoteAudience } from '../federation/statuses'
import { enqueuePublish } from '../federation/publish'
import { subscribersOf } from '../notifications/status-events'
import { distributeNewStatus, homeFanOutFor } from './distribute'
import { joinParentStoredMeanwhile, linkWaitingReplies } from './waiting-replies'
import { authorStatusesUpdate, bumpStatusCounter } from './counters'
import { formatContent, htmlToPlainText, isContentType, type ContentType } from './format'
import { paramsFingerprint, type PostStatusParams } from './params'
import {
  countsAsReply, countsPublicly, narrowForReply, normalizeLanguage, parseVisibility, validateExpiresIn, validateLength,
  validatePoll, type RequestedVisibility,
} from './validate'

/** Who posts: the account, and the OAuth app the request came through (shown as `application`). */
export interface Poster {
  accountId: string
  appId?: string | null
}

const IDEMPOTENCY_WINDOW_MS = 60 * 60 * 1000
const MAX_IDEMPOTENCY_KEY_LENGTH = 256
const MAX_TO_RECIPIENTS = 100
const MAX_CONVERSATION_RECIPIENTS = 200

export const statusUri = (baseUrl: string, username: string, id: string) => `${baseUrl}/users/${username}/statuses/${id}`
export const statusUrl = (baseUrl: string, username: string, id: string) => `${baseUrl}/@${username}/${id}`

/**
 * What rendering keeps of a status (`server/render/cache.ts`, `StatusParts` less the mentions and media) as its
 * posting transaction left it, read at the end of that transaction under the version it committed; with what its
 * answer shows of its author and of the poster as its viewer (`server/render/bundle.ts`, `NewStatusViewer`).
 */
export interface PostedParts {
  version: number
  tags: string[]
  application: { id: string; name: string; website: string | null } | null
  hasPoll: boolean
  author: { account: AccountRow; user: UserRow }
  viewer: { threadMuted: boolean; filters: FilterWithRules[] }
}

/**
 * Posts a status: everything (status, thread, mentions, tags, poll, counters, idempotency key) in one transaction.
 * With an `Idempotency-Key`, a repeat of the same request by the same account within an hour returns the first status.
 * With `onCommitted`, a status without mentions or media also reads its render parts, its author and the poster's
 * state as its viewer at the end of the transaction and hands them over once committed (the returned row then carries
 * the committed `render_version`), so that the answer can be rendered without reading them again.
 */
export async function postStatus(
  ctx: Ctx, poster: Poster, params: PostStatusParams,
  opts: { idempotencyKey?: string | null; onCommitted?: (row: StatusRow, parts: PostedParts) => void } = {},
): Promise<StatusRow> {
  const key = opts.idempotencyKey?.trim() || null
  if (key && key.length > MAX_IDEMPOTENCY_KEY_LENGTH) throw new ValidationError('Validation failed: Idempotency-Key is too long')
  const fingerprint = key ? paramsFingerprint(params) : ''
  if (key) {
    const earlier = await findIdempotentStatus(ctx.db, poster.accountId, key, fingerprint)
    if (earlier) return earlier
  }
  const draft = await prepareStatus(ctx, poster, params)
  const readParts = !!opts.onCommitted && !draft.recipients.length && !draft.mediaIds.length
  try {
    const { row, parts } = await ctx.db.transaction(async (tx) => {
      // The transaction holds its connection until it commits, and each statement awaited alone costs a round trip
      // through a busy event loop: statements that do not depend on each other go down the connection together.
      // Who is told of the status is read with its insert.
      const addressed = draft.recipients.map((r) => r.accountId)
      const planned = plannedRow(draft)
      const [row, subscribers, remote] = await Promise.all([
        insertStatus(ctx, tx, draft), subscribersOf(tx, planned), reachesRemoteAudience(tx, planned, addressed),
      ])
      // The status's parts are read with its delivery: no write after its insert (feeds, notifications,
      // conversations, jobs, the idempotency key) changes its render version.
      const [parts] = await Promise.all([
        readParts ? postedParts(tx, row.id, draft) : null,
        distributeNewStatus(tx, row, draft.recipients, subscribers, homeFanOutFor(ctx, draft.followersCount ?? 0)),
        remote ? enqueuePublish(ctx, tx, { type: 'status.create', statusId: row.id }) : null,
        key ? claimIdempotencyKey(tx, poster.accountId, key, fingerprint, row.id) : null,
      ])
      return { row: parts ? { ...row, renderVersion: parts.version } : row, parts }
    })
    if (parts) opts.onCommitted!(row, parts)
    return row
  } catch (e) {
    if (!(e instanceof IdempotencyKeyTaken) || !key) throw e
    // A concurrent request with the same key won: answer with its status.
    const earlier = await findIdempotentStatus(ctx.db, poster.accountId, key, fingerprint)
    if (earlier) return earlier
    throw new ConflictError('A request with this Idempotency-Key is already being processed')
  }
}

/**
 * `preview=true`: the status is written inside a transaction that is always rolled back, so `inspect` (the renderer)
 * sees exactly what posting would produce and nothing is kept.
 */
export async function previewStatus<T>(ctx: Ctx, poster: Poster, params: PostStatusParams, inspect: (ctx: Ctx, row: StatusRow) => Promise<T>): Promise<T> {
  const draft = await prepareStatus(ctx, poster, params)
  let result: { value: T } | null = null
  try {
    await ctx.db.transaction(async (tx) => {
      const row = await insertStatus(ctx, tx, draft)
      result = { value: await inspect({ ...ctx, db: tx as unknown as Ctx['db'] }, row) }
      throw new PreviewRollback()
    })
  } catch (e) {
    if (!(e instanceof PreviewRollback)) throw e
  }
  return result!.value
}

/** Checks that `params` could be posted now (every validation posting does), without writing anything; returns the visibility it would get. */
export async function validatePostStatus(ctx: Ctx, poster: Poster, params: PostStatusParams): Promise<{ visibility: StatusVisibility }> {
  const draft = await prepareStatus(ctx, poster, params)
  return { visibility: draft.visibility }
}

class PreviewRollback extends Error {}
class IdempotencyKeyTaken extends Error {}

/**
 * The status just written in `tx` as its answer shows it: its committed-to-be render version with its tag names (as
 * stored, whatever case was posted) and application, and its author (with the statuses count it just bumped), their
 * filters and whether they muted its thread, in one statement, the last of the transaction. The application's row is
 * locked (`for share`) until commit: a rename committed meanwhile is read here, and one that comes later waits for
 * the commit and then bumps this status's version.
 */
const postedRead = (withApp: boolean) => builtOnce<PostedRow[]>((db) => {
  const fields = {
    version: statuses.renderVersion,
    tags: sql<string[] | string>`(select coalesce(json_agg(t.name::text), '[]') from ${statusTags} st join ${tags} t on t.id = st.tag_id
      where st.status_id = ${statuses.id})`,
    account: accounts,
    user: users,
    threadMuted: sql<boolean>`exists (select 1 from ${conversationMutes} m where m.account_id = ${accounts.id}
      and m.conversation_id = ${statuses.conversationId})`,
    filters: sql<unknown>`${activeFiltersJsonSql(sql`${accounts.id}`)}`,
  }
  const id = sql`${statuses.id} = ${sql.placeholder('id')}`
  const query = withApp
    ? db.select({ ...fields, appName: oauthApps.name, appWebsite: oauthApps.website }).from(statuses)
      .innerJoin(accounts, eq(accounts.id, statuses.accountId)).innerJoin(users, eq(users.accountId, accounts.id))
      .innerJoin(oauthApps, eq(oauthApps.id, statuses.applicationId)).where(id).for('share', { of: oauthApps })
    : db.select({ ...fields, appName: sql<null>`null`, appWebsite: sql<null>`null` }).from(statuses)
      .innerJoin(accounts, eq(accounts.id, statuses.accountId)).innerJoin(users, eq(users.accountId, accounts.id))
      .where(and(id, isNull(statuses.applicationId)))
  return { statement: query.getSQL(), fields: selectedFields(query) }
})
interface PostedRow {
  version: number
  tags: string[] | string
  account: AccountRow
  user: UserRow
  threadMuted: boolean | string
  filters: unknown
  appName: string | null
  appWebsite: string | null
}
const postedReads = { app: postedRead(true), none: postedRead(false) }

async function postedParts(tx: Tx, statusId: string, draft: StatusDraft): Promise<PostedParts | null> {
  const [row] = await (draft.appId ? postedReads.app : postedReads.none)(tx, { id: idToUuid(statusId) })
  if (!row) return null
  return {
    version: Number(row.version),
    tags: typeof row.tags === 'string' ? JSON.parse(row.tags) : row.tags,
    application: draft.appId ? { id: draft.appId, name: row.appName!, website: row.appWebsite } : null,
    hasPoll: !!draft.poll,
    author: { account: row.account, user: row.user },
    viewer: { threadMuted: row.threadMuted === true || row.threadMuted === 't', filters: filtersFromJson(row.filters) },
  }
}

// ---------------------------------------------------------------------------------------------- idempotency

async function findIdempotentStatus(db: DbLike, accountId: string, key: string, fingerprint: string): Promise<StatusRow | null> {
  const [row] = await db.select({ requestHash: statusIdempotencyKeys.requestHash, status: statuses })
    .from(statusIdempotencyKeys)
    .innerJoin(statuses, eq(statuses.id, statusIdempotencyKeys.statusId))
    .where(and(
      eq(statusIdempotencyKeys.accountId, accountId),
      eq(statusIdempotencyKeys.key, key),
      gt(statusIdempotencyKeys.createdAt, new Date(Date.now() - IDEMPOTENCY_WINDOW_MS)),
    ))
    .limit(1)
  if (!row) return null
  if (row.requestHash !== fingerprint) throw new ValidationError('Validation failed: Idempotency-Key was already used for a different request')
  return row.status
}

async function claimIdempotencyKey(tx: Tx, accountId: string, key: string, fingerprint: string, statusId: string) {
  const stale = new Date(Date.now() - IDEMPOTENCY_WINDOW_MS)
  await tx.delete(statusIdempotencyKeys).where(and(
    eq(statusIdempotencyKeys.accountId, accountId), eq(statusIdempotencyKeys.key, key), lte(statusIdempotencyKeys.createdAt, stale)))
  const [claimed] = await tx.insert(statusIdempotencyKeys).values({ accountId, key, requestHash: fingerprint, statusId })
    .onConflictDoNothing().returning({ key: statusIdempotencyKeys.key })
  if (!claimed) throw new IdempotencyKeyTaken()
}

/** Drops idempotency keys older than the replay window; for the periodic maintenance job. */
export async function purgeIdempotencyKeys(ctx: Ctx): Promise<number> {
  const rows = await ctx.db.delete(statusIdempotencyKeys)
    .where(lte(statusIdempotencyKeys.createdAt, new Date(Date.now() - IDEMPOTENCY_WINDOW_MS)))
    .returning({ key: statusIdempotencyKeys.key })
  return rows.length
}

// ---------------------------------------------------------------------------------------------- preparing

interface Recipient { accountId: string; silent: boolean }

/** Everything a new status is written from, local or received from another server. */
export interface StatusDraft {
  id: string
  accountId: string
  username: string
  appId: string | null
  text: string
  contentType: ContentType
  html: string
  spoilerText: string
  sensitive: boolean
  visibility: StatusVisibility
  listId: string | null
  language: string | null
  inReplyTo: StatusRow | null
  conversationId: string | null
  quote: StatusRow | null
  expiresAt: Date | null
  recipients: Recipient[]
  tags: string[]
  poll: ReturnType<typeof validatePoll> | null
  /** checked: the poster's own free uploads, in order */
  mediaIds: string[]
  /** a local author's followers, which decide how their home feeds get the status (`homeFanOutFor`) */
  followersCount?: number
  /** a status received from another server: its identity there; none for a status posted here */
  remote?: { uri: string; url: string | null; createdAt: Date; inReplyToUri?: string | null }
}

/** The poster's name and defaults: built once, run on whatever handle posts (a scheduled status's transaction too). */
const authorRead = builtOnceSelect((db) => db.select({
  username: accounts.username,
  followersCount: accounts.followersCount,
  defaultVisibility: users.defaultVisibility,
  defaultSensitive: users.defaultSensitive,
  defaultLanguage: users.defaultLanguage,
  defaultContentType: users.defaultContentType,
}).from(accounts).innerJoin(users, eq(users.accountId, accounts.id)).where(sql`${accounts.id} = ${sql.placeholder('id')}`))

async function loadAuthor(db: DbLike, accountId: string) {
  const [row] = await authorRead(db, { id: idToUuid(accountId) })
  if (!row) throw new NotFoundError()
  return row
}

/** The status a reply or quote refers to: visible to the poster, and the original when given a reblog. */
async function referencedStatus(ctx: Ctx, viewerAccountId: string, id: string, notFound: string): Promise<StatusRow> {
  try {
    const row = await getVisibleStatus(ctx, viewerAccountId, id)
    return row.reblogOfId ? await getVisibleStatus(ctx, viewerAccountId, row.reblogOfId) : row
  } catch (e) {
    if (e instanceof NotFoundError) throw new NotFoundError(notFound)
    throw e
  }
}

function isQuotable(quote: StatusRow, posterId: string): boolean {
  if (['public', 'unlisted', 'local'].includes(quote.visibility)) return true
  return quote.visibility === 'private' && quote.accountId === posterId
}

/** Pleroma's `to`: nicknames (`nick`, `nick@domain`, `@nick`) or account ids; unknown ones are ignored as in Pleroma. */
async function resolveAddressees(ctx: Ctx, names: string[]): Promise<string[]> {
  const list = [...new Set(names.map((n) => n.trim().replace(/^@/, '')).filter(Boolean))].slice(0, MAX_TO_RECIPIENTS)
  if (!list.length) return []
  const ids = list.filter(isId)
  const handles = list.map((n) => {
    const [username, domain] = n.split('@', 2)
    const local = !domain || domain.toLowerCase() === ctx.config.domain.toLowerCase()
    return { username, domain: local ? null : domain }
  }).filter((h) => /^[A-Za-z0-9_.-]+$/.test(h.username))
  const conditions = [
    ...(ids.length ? [inArray(accounts.id, ids)] : []),
    ...handles.map((h) => and(eq(accounts.username, h.username), h.domain ? eq(accounts.domain, h.domain) : isNull(accounts.domain))!),
  ]
  if (!conditions.length) return []
  const rows = await ctx.db.select({ id: accounts.id }).from(accounts).where(and(or(...conditions), isNull(accounts.suspendedAt)))
  return rows.map((r) => r.id)
}

/** Everyone taking part in a thread the poster can see: authors and mentioned accounts of its visible statuses. */
async function conversationRecipients(ctx: Ctx, posterId: string, conversationId: string): Promise<string[]> {
  if (!isId(conversationId)) throw new NotFoundError()
  const visible = await ctx.db.select({ id: statuses.id, accountId: statuses.accountId }).from(statuses)
    .where(and(eq(statuses.conversationId, conversationId), visibleStatusSql(posterId)))
    .orderBy(sql`${statuses.id} desc`).limit(MAX_CONVERSATION_RECIPIENTS)
  if (!visible.length) throw new NotFoundError()
  const mentioned = await ctx.db.selectDistinct({ accountId: statusMentions.accountId }).from(statusMentions)
    .where(inArray(statusMentions.statusId, visible.map((s) => s.id)))
  return [...new Set([...visible.map((s) => s.accountId), ...mentioned.map((m) => m.accountId)])]
}

async function prepareStatus(ctx: Ctx, poster: Poster, params: PostStatusParams): Promise<StatusDraft> {
  const author = await loadAuthor(ctx.db, poster.accountId)

  const mediaIds = normalizeMediaIds(ctx, params.mediaIds)
  await checkAttachableMedia(ctx.db, poster.accountId, mediaIds)

  const requestedType = params.contentType ?? author.defaultContentType
  const contentType: ContentType = isContentType(requestedType) ? requestedType : 'text/plain'
  const text = params.status ?? ''
  const spoilerText = (params.spoilerText ?? '').trim()
  validateLength(ctx.config, text, spoilerText)
  const poll = params.poll ? validatePoll(ctx.config, params.poll) : null
  const expiresAt = validateExpiresIn(params.expiresIn)

  const inReplyTo = params.inReplyToId
    ? await referencedStatus(ctx, poster.accountId, params.inReplyToId, 'The post you are trying to reply to does not appear to exist.')
    : null
  const quote = params.quoteId
    ? await referencedStatus(ctx, poster.accountId, params.quoteId, 'The post you are trying to quote does not appear to exist.')
    : null
  if (quote && !isQuotable(quote, poster.accountId)) throw new ValidationError('Validation failed: This post cannot be quoted')

  let requested: RequestedVisibility = parseVisibility(params.visibility ?? author.defaultVisibility)
  if (requested.visibility === 'list' && !(await ownsList(ctx, poster.accountId, requested.listId))) {
    throw new ValidationError('Validation failed: List not found')
  }
  if (params.localOnly && (requested.visibility === 'public' || requested.visibility === 'unlisted')) {
    requested = { visibility: 'local', listId: null }
  }
  let conversationId = inReplyTo?.conversationId ?? null
  let threadRecipients: string[] = []
  if (params.inReplyToConversationId) {
    // Pleroma names a participation (the direct conversation's id); a thread id is accepted too.
    const participation = await participationAddressing(ctx, poster.accountId, params.inReplyToConversationId)
    threadRecipients = participation?.recipients ?? await conversationRecipients(ctx, poster.accountId, params.inReplyToConversationId)
    conversationId ??= participation?.conversationId ?? params.inReplyToConversationId
    requested = { visibility: 'direct', listId: null }
  }
  const { visibility, listId } = narrowForReply(requested, inReplyTo)

  const formatted = await formatContent(ctx.db, text, contentType, { baseUrl: ctx.config.baseUrl, domain: ctx.config.domain })
  if (!text.trim() || !htmlToPlainText(formatted.html)) {
    if (!poll && !mediaIds.length) throw new ValidationError("Validation failed: Text can't be blank")
  }

  // Addressing: the text's mentions, or exactly `to` when given; plus the replied-to author and a thread's members, silently.
  const written = new Set(formatted.mentions)
  const recipients = new Map<string, Recipient>()
  const add = (accountId: string) => {
    if (!recipients.has(accountId)) recipients.set(accountId, { accountId, silent: !written.has(accountId) })
  }
  if (params.to !== undefined) for (const id of await resolveAddressees(ctx, params.to)) add(id)
  else formatted.mentions.forEach(add)
  for (const id of [inReplyTo?.accountId, ...threadRecipients]) if (id && id !== poster.accountId) add(id)

  return {
    id: newId(),
    accountId: poster.accountId,
    username: author.username,
    appId: poster.appId ?? null,
    text,
    contentType,
    html: formatted.html,
    spoilerText,
    sensitive: params.sensitive ?? author.defaultSensitive,
    visibility,
    listId,
    language: normalizeLanguage(params.language === undefined ? author.defaultLanguage : params.language),
    inReplyTo,
    conversationId,
    quote,
    expiresAt,
    recipients: [...recipients.values()],
    tags: formatted.tags,
    poll,
    mediaIds,
    followersCount: author.followersCount,
  }
}

// ---------------------------------------------------------------------------------------------- writing

/**
 * CTEs that end in `tagged`, the ids of the tags `wanted` names (a JSON array of `{ id, name }`: the id each takes if
 * new). Tags that exist are only read: an upsert would write and lock each one until the transaction commits, which
 * queued everyone posting with a busy tag behind each other. A tag another transaction adds after the statement's
 * snapshot is upserted after all, as the only way to get its id.
 */
const taggedCtes = (wanted: SQL): SQL[] => [
  sql`wanted as (select x.id, x.name from json_to_recordset(${wanted}::json) as x(id uuid, name citext))`,
  sql`tagged_new as (insert into ${tags} (id, name) select w.id, w.name from wanted w
    where not exists (select 1 from ${tags} t where t.name = w.name) on conflict (name) do nothing returning id)`,
  sql`tagged_meanwhile as (insert into ${tags} (id, name) select w.id, w.name from wanted w
    where not exists (select 1 from ${tags} t where t.name = w.name) and w.id not in (select id from tagged_new)
    on conflict (name) do update set name = ${tags}.name returning id)`,
  sql`tagged as (select t.id from ${tags} t join wanted w on t.name = w.name
    union all select id from tagged_new union all select id from tagged_meanwhile)`,
]

/** Hashtag names as `taggedCtes` reads them, each with the id it takes if new. */
const wantedTagsJson = (names: string[]) => JSON.stringify(names.map((name) => ({ id: idToUuid(newId()), name })))

/** The ids of the tags by these names, created where missing (one statement, as `taggedCtes`). */
export async function upsertTags(tx: DbLike, names: string[]): Promise<string[]> {
  if (!names.length) return []
  const rows = resultRows<{ id: string }>(await tx.execute(sql`with ${sql.join(taggedCtes(sql`${wantedTagsJson(names)}`), sql`, `)}
    select id::text from tagged`))
  return rows.map((r) => uuidToId(r.id))
}

const raw = (name: string) => sql`${sql.placeholder(name)}`

/**
 * The status's insert, built once per shape: with its new thread or in a known one, with the creation time given (a
 * remote status) or now, counting it in its author's statuses or not (as `bumpAuthorStatuses`, by the same
 * statement), and with hashtags or not (found or created by name as `upsertTags` does, and linked to the status by the
 * same statement too: the links' foreign key is checked at its end, once the status is there). It names the status as
 * created by its transaction, so that its parts written there do not bump its render version. Values that may be null
 * are bound as the driver takes them (Drizzle's column encoders would not skip a null placeholder).
 */
const statusInsert = (shape: StatusInsertShape) => builtOnce<StatusRow[]>((db) => {
  const { newConversation, givenCreatedAt, countsForAuthor, tagged } = shape
  const insert = db.insert(statuses).values({
    id: sql.placeholder('id'),
    accountId: sql.placeholder('accountId'),
    uri: sql.placeholder('uri'),
    url: sql.placeholder('url'),
    text: sql.placeholder('text'),
    contentType: sql.placeholder('contentType'),
    content: sql.placeholder('content'),
    spoilerText: sql.placeholder('spoilerText'),
    visibility: sql.placeholder('visibility'),
    listId: raw('listId'),
    sensitive: sql.placeholder('sensitive'),
    language: sql.placeholder('language'),
    local: sql.placeholder('local'),
    ...(givenCreatedAt ? { createdAt: raw('createdAt') } : {}),
    inReplyToId: raw('inReplyToId'),
    inReplyToAccountId: raw('inReplyToAccountId'),
    inReplyToUri: sql.placeholder('inReplyToUri'),
    quoteId: raw('quoteId'),
    conversationId: raw('conversationId'),
    applicationId: raw('applicationId'),
    expiresAt: raw('expiresAt'),
    // read from `created`, which names the status for the rest of the transaction (migration created_status_parts)
    renderVersion: sql`(select 0 from created)`,
  }).returning()
  const ctes = [
    sql`created as (select set_config('rookery.created_status', ${raw('idUuid')}::text, true))`,
    ...(newConversation ? [sql`new_conversation as (insert into ${conversations} (id) values (${raw('conversationId')}))`] : []),
    ...(countsForAuthor ? [sql`author_statuses as (${authorStatusesUpdate(db, raw('accountUuid'), sql`1`, true).getSQL()})`] : []),
    ...(tagged ? [
      ...taggedCtes(raw('tags')),
      sql`status_tagged as (insert into ${statusTags} (status_id, tag_id) select ${raw('idUuid')}::uuid, id from tagged on conflict do nothing)`,
    ] : []),
  ]
  const statement = sql`with ${sql.join(ctes, sql`, `)} ${insert.getSQL()}`
  return { statement, fields: returningFields(insert) }
})
interface StatusInsertShape { newConversation: boolean; givenCreatedAt: boolean; countsForAuthor: boolean; tagged: boolean }
const statusInserts = new Map<string, ReturnType<typeof statusInsert>>()
const shapedStatusInsert = (shape: StatusInsertShape) => {
  const key = `${shape.newConversation}/${shape.givenCreatedAt}/${shape.countsForAuthor}/${shape.tagged}`
  let insert = statusInserts.get(key)
  if (!insert) statusInserts.set(key, (insert = statusInsert(shape)))
  return insert
}

const uuidOrNull = (id: string | null | undefined) => (id ? idToUuid(id) : null)

/** What deciding a new status's audience reads of its row, known before it is written. */
function plannedRow(d: StatusDraft): Pick<StatusRow, 'accountId' | 'local' | 'reblogOfId' | 'visibility' | 'inReplyToAccountId'> {
  return { accountId: d.accountId, local: !d.remote, reblogOfId: null, visibility: d.visibility, inReplyToAccountId: d.inReplyTo?.accountId ?? null }
}

/** Writes a new status with its thread, mentions, tags, poll, media and counters; `distributeNewStatus` then delivers it. */
export async function insertStatus(ctx: Ctx, tx: Tx, d: StatusDraft): Promise<StatusRow> {
  const base = ctx.config.baseUrl
  const insert = shapedStatusInsert({
    newConversation: !d.conversationId, givenCreatedAt: !!d.remote, countsForAuthor: countsPublicly(d.visibility), tagged: d.tags.length > 0,
  })
  const [row] = await insert(tx, {
    id: d.id,
    idUuid: idToUuid(d.id),
    tags: d.tags.length ? wantedTagsJson(d.tags) : undefined,
    accountId: d.accountId,
    accountUuid: idToUuid(d.accountId),
    uri: d.remote ? d.remote.uri : statusUri(base, d.username, d.id),
    url: d.remote ? d.remote.url : statusUrl(base, d.username, d.id),
    text: d.text,
    contentType: d.contentType,
    content: d.html,
    spoilerText: d.spoilerText,
    visibility: d.visibility,
    listId: uuidOrNull(d.listId),
    sensitive: d.sensitive,
    language: d.language,
    local: !d.remote,
    createdAt: d.remote?.createdAt.toISOString(),
    inReplyToId: uuidOrNull(d.inReplyTo?.id),
    inReplyToAccountId: uuidOrNull(d.inReplyTo?.accountId),
    inReplyToUri: d.inReplyTo ? null : d.remote?.inReplyToUri ?? null,
    quoteId: uuidOrNull(d.quote?.id),
    conversationId: idToUuid(d.conversationId ?? newId()),
    applicationId: uuidOrNull(d.appId),
    expiresAt: d.expiresAt?.toISOString() ?? null,
  })
  if (d.recipients.length) {
    await tx.insert(statusMentions).values(d.recipients.map((r) => ({ statusId: row.id, accountId: r.accountId, silent: r.silent })))
  }
  if (d.poll) {
    await tx.insert(polls).values({
      statusId: row.id,
      options: d.poll.options.map((title) => ({ title, votes_count: 0 })),
      multiple: d.poll.multiple,
      hideTotals: d.poll.hideTotals,
      expiresAt: d.poll.expiresAt,
    })
  }
  if (d.mediaIds.length) await setStatusMedia(tx, d.accountId, row.id, d.mediaIds)
  if (d.inReplyTo && countsAsReply(d.visibility)) await bumpStatusCounter(tx, d.inReplyTo.id, 'repliesCount', 1)
  if (d.quote) await bumpStatusCounter(tx, d.quote.id, 'quotesCount', 1)
  // Only a status that came from elsewhere can be the parent or the reply another one waits for: no remote reply
  // names a local status before it exists.
  if (d.remote) {
    await linkWaitingReplies(tx, row)
    await joinParentStoredMeanwhile(tx, row)
  }
  await enqueuePreviewCard(ctx, tx, row.id, row.content)
  return row
}
