// Poll votes and results between this instance and others: a vote is a Create of a Note named as the chosen option,
// replying to the Question (as Mastodon sends it); a local poll's new counts go out as Update{Question}.
import type { Context, InboxContext } from '@fedify/fedify'
import { Create, Note, Update, type Recipient } from '@fedify/vocab'
import { and, eq, isNotNull } from 'drizzle-orm'
import type { Ctx } from '../core/context'
import { NotFoundError, ValidationError } from '../core/errors'
import { findAccountById, findRemoteActor } from '../core/federation/actors'
import { federates, type PublishEvent } from '../core/federation/publish'
import { deliveryTargets, loadFederatedStatusData, type DeliveryTarget } from '../core/federation/statuses'
import { receiveRemoteVote } from '../core/polls/polls'
import { findStatusByUri } from '../core/statuses/remote-status'
import { accounts, polls, pollVotes, remoteActors, statuses } from '../db/schema'
import { accountOf } from './inbox/posts'
import { statusObject } from './notes'

export type PollEvent = Extract<PublishEvent, { type: 'poll.vote' | 'poll.update' }>

export const isPollEvent = (event: PublishEvent): event is PollEvent => event.type.startsWith('poll.')

export async function deliverPollEvent(c: Context<Ctx>, event: PollEvent): Promise<void> {
  return event.type === 'poll.vote' ? sendVotes(c, event) : sendPollUpdate(c, event.statusId)
}

/** One Create{Note} per chosen option, to the poll's author only. */
async function sendVotes(c: Context<Ctx>, event: Extract<PollEvent, { type: 'poll.vote' }>) {
  const ctx = c.data
  const [row] = await ctx.db.select({ uri: statuses.uri, accountId: statuses.accountId, options: polls.options }).from(statuses)
    .innerJoin(polls, eq(polls.statusId, statuses.id)).where(eq(statuses.id, event.statusId)).limit(1)
  const voter = await findAccountById(ctx, event.accountId)
  if (!row?.uri || !voter || voter.domain) return
  const author = await findRemoteActor(ctx, row.accountId)
  if (!author?.account.uri) return
  const recipient: Recipient = {
    id: new URL(author.account.uri),
    inboxId: new URL(author.endpoints.inboxUrl),
    endpoints: author.endpoints.sharedInboxUrl ? { sharedInbox: new URL(author.endpoints.sharedInboxUrl) } : null,
  }
  const actor = c.getActorUri(voter.username)
  for (const choice of event.choices) {
    const title = row.options[choice]?.title
    if (title === undefined) continue
    const id = new URL(`${actor.href}#votes/${event.statusId}/${choice}`)
    const note = new Note({ id, attribution: actor, name: title, replyTarget: new URL(row.uri), to: recipient.id })
    const create = new Create({ id: new URL(`${id.href}/activity`), actor, to: recipient.id, object: note })
    await c.sendActivity({ identifier: voter.username }, recipient, create, { excludeBaseUris: [new URL(ctx.config.baseUrl)] })
  }
}

/** The Question again, with its new counts, to the author's followers, the accounts it addresses and its remote voters. */
async function sendPollUpdate(c: Context<Ctx>, statusId: string) {
  const ctx = c.data
  const [row] = await ctx.db.select().from(statuses).where(eq(statuses.id, statusId)).limit(1)
  if (!row?.uri || !federates(row)) return
  const data = await loadFederatedStatusData(ctx, [row])
  const username = data.authors.get(row.accountId)
  if (!username || !data.polls.has(row.id)) return
  const object = statusObject(c, row, data)
  const update = new Update({
    id: new URL(`${row.uri}#updates/poll/${Date.now()}`),
    actor: object.attributionId,
    tos: object.toIds,
    ccs: object.ccIds,
    object,
  })
  const addressedIds = (data.addressed.get(row.id) ?? []).map((a) => a.accountId)
  const targets = await deliveryTargets(ctx, row.accountId, row.visibility, addressedIds)
  const voters = await ctx.db.selectDistinct({ uri: accounts.uri, inboxUrl: remoteActors.inboxUrl, sharedInboxUrl: remoteActors.sharedInboxUrl })
    .from(pollVotes)
    .innerJoin(polls, eq(polls.id, pollVotes.pollId))
    .innerJoin(accounts, eq(accounts.id, pollVotes.accountId))
    .innerJoin(remoteActors, eq(remoteActors.accountId, accounts.id))
    .where(and(eq(polls.statusId, row.id), isNotNull(accounts.domain), isNotNull(accounts.uri)))
  const seen = new Set<string>()
  const direct = row.visibility === 'direct'
  const recipients: Recipient[] = []
  for (const t of [...targets.followers, ...targets.addressed, ...(voters as DeliveryTarget[])]) {
    if (seen.has(t.uri)) continue
    seen.add(t.uri)
    recipients.push({
      id: new URL(t.uri),
      inboxId: new URL(t.inboxUrl),
      endpoints: t.sharedInboxUrl && !direct ? { sharedInbox: new URL(t.sharedInboxUrl) } : null,
    })
  }
  if (!recipients.length) return
  await c.sendActivity({ identifier: username }, recipients, update, { preferSharedInbox: !direct, excludeBaseUris: [new URL(ctx.config.baseUrl)] })
}

/** Whether a created Note is a poll vote: named, replying, and without content (Mastodon's test). */
export const isVote = (note: unknown): note is Note =>
  note instanceof Note && !!note.name && !!note.replyTargetId && !note.content

/** A remote vote on a local poll, by its author; refusals (ended, unseen, repeated) are dropped. */
export async function onVote(c: InboxContext<Ctx>, actorId: URL, note: Note, getActor: () => Promise<unknown>): Promise<void> {
  if (note.attributionId?.href !== actorId.href || !note.replyTargetId) return
  if (note.replyTargetId.origin !== new URL(c.data.config.baseUrl).origin) return
  const status = await findStatusByUri(c.data.db, note.replyTargetId.href)
  if (!status?.local) return
  const voter = await accountOf(c, actorId, getActor as Parameters<typeof accountOf>[2])
  if (!voter?.domain) return
  await receiveRemoteVote(c.data, voter.id, status.id, note.name!.toString()).catch((e) => {
    if (!(e instanceof NotFoundError || e instanceof ValidationError)) throw e
  })
}
