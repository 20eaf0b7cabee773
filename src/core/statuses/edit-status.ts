import { and, eq, notInArray, sql } from 'drizzle-orm'
import type { Tx } from '../../db/client'
import { pollVotes, polls, statusEdits, statusMentions, statusTags, statuses, type StatusRow } from '../../db/schema'
import type { Ctx } from '../context'
import { ValidationError } from '../errors'
import { refreshPreviewCard } from '../cards/fetch-card'
import { publishEvent } from '../events'
import { addressedAccountIds, enqueueStatusPublish } from '../federation/statuses'
import { checkAttachableMedia, normalizeMediaIds, readMediaEdits, setStatusMedia, statusMediaIds, updateMediaDetails } from '../media/attachments'
import { notifyRebloggersOfEdit } from '../notifications/status-events'
import { formatContent, htmlToPlainText, isContentType, type ContentType } from './format'
import type { EditStatusParams } from './params'
import { upsertTags } from './post-status'
import { getOwnStatus } from './queries'
import { normalizeLanguage, validateLength, validatePoll, type ValidPoll } from './validate'

const sameOptions = (a: string[] | null, b: string[] | null) => JSON.stringify(a) === JSON.stringify(b)

/**
 * `PUT /api/v1/statuses/:id`, as Mastodon edits: text, content warning, sensitivity, language, content type, poll and media
 * (`media_ids` is the new list, in order; media left out are detached but stay visible in the edit history).
 * The previous revision is kept in `status_edits`. Mentions written in the new text are added; earlier recipients keep
 * their access (they become silent mentions) so an edit never hides a status from someone who could read it.
 * Changing the poll's options or kind resets its votes; leaving the poll out removes it.
 */
export async function editStatus(ctx: Ctx, accountId: string, id: string, params: EditStatusParams): Promise<StatusRow> {
  const current = await getOwnStatus(ctx, accountId, id)
  if (current.reblogOfId) throw new ValidationError('Validation failed: A reblog cannot be edited')
  const mediaIds = normalizeMediaIds(ctx, params.mediaIds)
  await checkAttachableMedia(ctx.db, accountId, mediaIds, current.id)
  const mediaEdits = readMediaEdits(params.mediaAttributes ?? [], mediaIds)

  const requestedType = params.contentType ?? current.contentType
  const contentType: ContentType = isContentType(requestedType) ? requestedType : 'text/plain'
  const text = params.status ?? current.text
  const spoilerText = (params.spoilerText ?? current.spoilerText).trim()
  const sensitive = params.sensitive ?? current.sensitive
  const language = params.language === undefined ? current.language : normalizeLanguage(params.language)
  validateLength(ctx.config, text, spoilerText)
  const nextPoll: ValidPoll | null = params.poll ? validatePoll(ctx.config, params.poll) : null

  const formatted = await formatContent(ctx.db, text, contentType, { baseUrl: ctx.config.baseUrl, domain: ctx.config.domain })
  if ((!text.trim() || !htmlToPlainText(formatted.html)) && !nextPoll && !mediaIds.length) throw new ValidationError("Validation failed: Text can't be blank")

  return ctx.db.transaction(async (tx) => {
    // Lock the row so two concurrent edits record their revisions one after the other.
    const [locked] = await tx.select().from(statuses).where(eq(statuses.id, current.id)).for('update')
    if (!locked) throw new ValidationError('Validation failed: The status was deleted')
    const [poll] = await tx.select().from(polls).where(eq(polls.statusId, locked.id)).limit(1)
    const previousOptions = poll ? poll.options.map((o) => o.title) : null
    const pollChanged = !sameOptions(previousOptions, nextPoll?.options ?? null) || (!!poll && !!nextPoll && poll.multiple !== nextPoll.multiple)
    const pollSettingsChanged = !!poll && !!nextPoll && (poll.hideTotals !== nextPoll.hideTotals)
    const previousMedia = await statusMediaIds(tx, locked.id)
    const described = await updateMediaDetails(tx, accountId, locked.id, mediaEdits)
    const mediaChanged = previousMedia.join() !== mediaIds.join() || described
    const changed = pollChanged || pollSettingsChanged || mediaChanged || text !== locked.text || spoilerText !== locked.spoilerText
      || sensitive !== locked.sensitive || language !== locked.language || contentType !== locked.contentType
    if (!changed) return locked

    await keepRevision(tx, locked, previousOptions, previousMedia)
    if (mediaChanged) await setStatusMedia(tx, accountId, locked.id, mediaIds)
    await updatePoll(tx, locked.id, poll ?? null, nextPoll, pollChanged)
    await updateMentions(tx, locked.id, formatted.mentions)
    await tx.delete(statusTags).where(eq(statusTags.statusId, locked.id))
    const tagIds = await upsertTags(tx, formatted.tags)
    if (tagIds.length) await tx.insert(statusTags).values(tagIds.map((tagId) => ({ statusId: locked.id, tagId }))).onConflictDoNothing()

    const [row] = await tx.update(statuses).set({
      text,
      contentType,
      content: formatted.html,
      spoilerText,
      sensitive,
      language,
      editedAt: sql`now()` as unknown as Date,
      updatedAt: sql`now()` as unknown as Date,
    }).where(eq(statuses.id, locked.id)).returning()
    await announceEdit(ctx, tx, locked, row)
    await enqueueStatusPublish(ctx, tx, row, await addressedAccountIds({ db: tx }, row.id), { type: 'status.update', statusId: row.id })
    return row
  })
}

/** Keeps the revision a status is about to leave in its edit history. */
export async function keepRevision(tx: Tx, locked: StatusRow, pollOptions: string[] | null, mediaIds: string[]) {
  await tx.insert(statusEdits).values({
    statusId: locked.id,
    text: locked.text,
    content: locked.content,
    spoilerText: locked.spoilerText,
    sensitive: locked.sensitive,
    pollOptions,
    mediaIds,
    createdAt: locked.editedAt ?? locked.createdAt,
  })
}

/** What an edit causes once written: a fresh preview card, rebloggers' `update` notifications, the streaming event. */
export async function announceEdit(ctx: Ctx, tx: Tx, before: StatusRow, row: StatusRow) {
  await refreshPreviewCard(ctx, tx, row.id, before.content, row.content)
  await notifyRebloggersOfEdit(tx, row)
  await publishEvent(tx, { type: 'status.update', statusId: row.id })
}

async function updatePoll(tx: Tx, statusId: string, poll: typeof polls.$inferSelect | null, next: ValidPoll | null, optionsChanged: boolean) {
  if (!next) {
    if (poll) await tx.delete(polls).where(eq(polls.id, poll.id))
    return
  }
  if (!poll) {
    await tx.insert(polls).values({
      statusId, options: next.options.map((title) => ({ title, votes_count: 0 })),
      multiple: next.multiple, hideTotals: next.hideTotals, expiresAt: next.expiresAt,
    })
    return
  }
  if (optionsChanged) await tx.delete(pollVotes).where(eq(pollVotes.pollId, poll.id))
  await tx.update(polls).set({
    options: optionsChanged ? next.options.map((title) => ({ title, votes_count: 0 })) : poll.options,
    multiple: next.multiple,
    hideTotals: next.hideTotals,
    expiresAt: next.expiresAt,
    endedNotifiedAt: null,
    ...(optionsChanged ? { votesCount: 0, votersCount: 0 } : {}),
  }).where(eq(polls.id, poll.id))
}

/** Mentions now written are (re)marked visible, new ones added; mentions no longer written stay as silent ones. */
async function updateMentions(tx: Tx, statusId: string, written: string[]) {
  if (written.length) {
    await tx.insert(statusMentions).values(written.map((accountId) => ({ statusId, accountId, silent: false })))
      .onConflictDoUpdate({ target: [statusMentions.statusId, statusMentions.accountId], set: { silent: false } })
    await tx.update(statusMentions).set({ silent: true })
      .where(and(eq(statusMentions.statusId, statusId), notInArray(statusMentions.accountId, written)))
  } else {
    await tx.update(statusMentions).set({ silent: true }).where(eq(statusMentions.statusId, statusId))
  }
}
