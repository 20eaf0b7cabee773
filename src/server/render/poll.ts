import type { Ctx } from '../../core/context'
import type { Viewer } from '../../core/oauth/authenticate'
import { loadOwnVotes, type VisiblePoll } from '../../core/polls/polls'
import { buildPoll } from './status'

/** Mastodon's Poll entity on its own (`/api/v1/polls/:id`), with the viewer's own votes. */
export async function renderPoll(ctx: Ctx, { poll, status }: VisiblePoll, viewer: Viewer | null) {
  const viewerAccountId = viewer?.accountId ?? null
  const ownVotes = await loadOwnVotes(ctx, viewerAccountId, [poll.id])
  return buildPoll(poll, status.accountId, { viewerAccountId, ownVotes })
}
