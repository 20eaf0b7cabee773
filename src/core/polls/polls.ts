import { and, eq, inArray, sql } from 'drizzle-orm'
import { pollVotes, polls, statuses, type PollOption, type StatusRow } from '../../db/schema'
import type { DbLike } from '../../db/client'
import type { Ctx } from '../context'
import { enqueuePublish } from '../federation/publish'
import { NotFoundError, ValidationError } from '../errors'
import { isId } from '../ids'
import { parseArray } from '../params'
import { getVisibleStatus, visibleStatusSql } from '../visibility'

export type PollRow = typeof polls.$inferSelect

export interface VisiblePoll {
  poll: PollRow
  status: StatusRow
}

/** A poll whose status the viewer may see; otherwise (or for an unknown id) 404. */
export async function getVisiblePoll(ctx: Ctx, viewerAccountId: string | null, id: string): Promise<VisiblePoll> {
  if (!isId(id)) throw new NotFoundError()
  const [row] = await ctx.db.select({ poll: polls, status: statuses }).from(polls)
    .innerJoin(statuses, eq(statuses.id, polls.statusId))
    .where(and(eq(polls.id, id), visibleStatusSql(viewerAccountId))).limit(1)
  if (!row) throw new NotFoundError()
  return row
}

export const isExpired = (poll: Pick<PollRow, 'expiresAt'>, now = Date.now()) => !!poll.expiresAt && poll.expiresAt.getTime() <= now

/** `choices[]`: option indexes, as numbers or numeric strings; anything else is refused. */
function readChoices(raw: unknown, optionCount: number, multiple: boolean): number[] {
  const given = parseArray(raw)
  if (!given.length) throw new ValidationError("Validation failed: Choices can't be blank")
  const choices = given.map((c) => (typeof c === 'number' ? c : typeof c === 'string' && /^\d+$/.test(c.trim()) ? Number(c) : NaN))
  if (choices.some((c) => !Number.isInteger(c) || c < 0 || c >= optionCount)) throw new ValidationError('Validation failed: Choices are invalid')
  const unique = [...new Set(choices)].sort((a, b) => a - b)
  if (!multiple && unique.length > 1) throw new ValidationError('Validation failed: This poll allows only one choice')
  return unique
}

/**
 * `POST /api/v1/polls/:id/votes`: one vote per account on a running poll it may see and did not write. Votes and
 * counters change together, with the poll row locked so concurrent votes count exactly once each.
 */
export async function votePoll(ctx: Ctx, accountId: string, id: string, rawChoices: unknown): Promise<VisiblePoll> {
  const { poll, status } = await getVisiblePoll(ctx, accountId, id)
  if (status.accountId === accountId) throw new ValidationError('Validation failed: You cannot vote on your own poll')
  if (isExpired(poll)) throw new ValidationError('Validation failed: The poll has already ended')
  const choices = readChoices(rawChoices, poll.options.length, poll.multiple)
  const updated = await ctx.db.transaction(async (tx) => {
    const row = await recordVotes(ctx, tx, poll.id, status, accountId, choices, false)
    if (!status.local) await enqueuePublish(ctx, tx, { type: 'poll.vote', accountId, statusId: status.id, choices })
    return row
  })
  return { poll: updated, status }
}

/**
 * Adds an account's votes to a poll, with the poll row locked so concurrent votes count exactly once each. `more`
 * lets a voter add choices to a multiple-choice poll one at a time (remote servers send one vote per choice).
 * A local poll whose counts changed is sent again to the servers that have it, once for a burst of votes.
 */
async function recordVotes(ctx: Ctx, tx: DbLike, pollId: string, status: StatusRow, accountId: string, choices: number[], more: boolean): Promise<PollRow> {
  const [locked] = await tx.select().from(polls).where(eq(polls.id, pollId)).for('update')
  if (!locked) throw new NotFoundError()
  if (isExpired(locked)) throw new ValidationError('Validation failed: The poll has already ended')
  // An edit may have changed the options since they were read.
  if (choices.some((c) => c >= locked.options.length)) throw new ValidationError('Validation failed: Choices are invalid')
  const earlier = await tx.select({ choice: pollVotes.choice }).from(pollVotes)
    .where(and(eq(pollVotes.pollId, locked.id), eq(pollVotes.accountId, accountId)))
  if (earlier.length && !(more && locked.multiple)) throw new ValidationError('Validation failed: You have already voted on this poll')
  const fresh = choices.filter((c) => !earlier.some((e) => e.choice === c))
  if (!fresh.length) return locked
  await tx.insert(pollVotes).values(fresh.map((choice) => ({ pollId: locked.id, accountId, choice })))
  const options: PollOption[] = locked.options.map((o, i) => (fresh.includes(i) ? { ...o, votes_count: o.votes_count + 1 } : o))
  const [row] = await tx.update(polls).set({
    options,
    votesCount: sql`${polls.votesCount} + ${fresh.length}`,
    votersCount: earlier.length ? polls.votersCount : sql`${polls.votersCount} + 1`,
  }).where(eq(polls.id, locked.id)).returning()
  if (status.local) {
    await enqueuePublish(ctx, tx, { type: 'poll.update', statusId: status.id }, { startAfterSeconds: POLL_UPDATE_DELAY_SECONDS, singletonKey: `poll.update:${status.id}` })
  }
  return row
}

/** How long votes on a local poll are gathered before its new counts are sent. */
export const POLL_UPDATE_DELAY_SECONDS = 5

/**
 * A remote account's vote (a Note named as an option, replying to the poll's Question): counted as a local vote is,
 * on a running poll the voter may see, once per option and, unless the poll allows several, once per voter.
 */
export async function receiveRemoteVote(ctx: Ctx, accountId: string, statusId: string, optionTitle: string): Promise<void> {
  const status = await getVisibleStatus(ctx, accountId, statusId)
  const [poll] = await ctx.db.select().from(polls).where(eq(polls.statusId, status.id)).limit(1)
  if (!poll || status.accountId === accountId) throw new NotFoundError()
  const choice = poll.options.findIndex((o) => o.title === optionTitle)
  if (choice < 0) throw new ValidationError('Validation failed: Choices are invalid')
  await ctx.db.transaction((tx) => recordVotes(ctx, tx, poll.id, status, accountId, [choice], true))
}

/** The viewer's chosen options per poll. */
export async function loadOwnVotes(ctx: Ctx, viewerAccountId: string | null, pollIds: string[]): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>()
  if (!viewerAccountId || !pollIds.length) return out
  const rows = await ctx.db.select({ pollId: pollVotes.pollId, choice: pollVotes.choice }).from(pollVotes)
    .where(and(eq(pollVotes.accountId, viewerAccountId), inArray(pollVotes.pollId, pollIds)))
  for (const r of rows) out.set(r.pollId, [...(out.get(r.pollId) ?? []), r.choice].sort((a, b) => a - b))
  return out
}
