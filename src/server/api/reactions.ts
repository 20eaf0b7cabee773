import { parseBool } from '../../core/params'
import { listStatusReactions, type ReactionWithAccounts } from '../../core/reactions/queries'
import { reactToStatus, unreactToStatus } from '../../core/reactions/react'
import type { Viewer } from '../../core/oauth/authenticate'
import type { Ctx } from '../../core/context'
import type { Base } from '../base'
import { renderAccounts } from '../render/account'
import { renderStatus } from '../render/status'

const WRITE = { scopes: ['write:statuses'] }
const READ = { scopes: ['read:statuses'], optional: true }

/** Pleroma's EmojiReaction entity: `{ name, count, me, url, accounts }`, accounts rendered in one batch. */
async function renderReactions(ctx: Ctx, reactions: ReactionWithAccounts[], viewer: Viewer | null) {
  const rows = [...new Map(reactions.flatMap((r) => r.accounts).map((a) => [a.id, a])).values()]
  const rendered = new Map((await renderAccounts(ctx, rows, viewer)).map((a) => [a.id, a]))
  return reactions.map((r) => ({
    name: r.name,
    count: r.count,
    me: r.me,
    url: r.url,
    accounts: r.accounts.map((a) => rendered.get(a.id)!),
  }))
}

/**
 * Emoji reactions: Pleroma's `/api/v1/pleroma/statuses/:id/reactions[/:emoji]`, Akkoma's
 * `/api/v1/statuses/:id/emoji_reactions/:emoji` and the `react`/`unreact` pair some Mastodon-API clients use.
 */
export const reactionsApi = (app: Base) =>
  app
    .get('/api/v1/pleroma/statuses/:id/reactions', async ({ ctx, params, input, viewer }) => {
      const list = await listStatusReactions(ctx, viewer, params.id, undefined, { withMuted: parseBool(input.with_muted) })
      return renderReactions(ctx, list, viewer)
    }, { auth: READ })
    .get('/api/v1/pleroma/statuses/:id/reactions/:emoji', async ({ ctx, params, input, viewer }) => {
      const list = await listStatusReactions(ctx, viewer, params.id, params.emoji, { withMuted: parseBool(input.with_muted) })
      return renderReactions(ctx, list, viewer)
    }, { auth: READ })
    .put('/api/v1/pleroma/statuses/:id/reactions/:emoji', async ({ ctx, params, user }) =>
      renderStatus(ctx, await reactToStatus(ctx, user.accountId, params.id, params.emoji), user), { auth: WRITE })
    .delete('/api/v1/pleroma/statuses/:id/reactions/:emoji', async ({ ctx, params, user }) =>
      renderStatus(ctx, await unreactToStatus(ctx, user.accountId, params.id, params.emoji), user), { auth: WRITE })
    .put('/api/v1/statuses/:id/emoji_reactions/:emoji', async ({ ctx, params, user }) =>
      renderStatus(ctx, await reactToStatus(ctx, user.accountId, params.id, params.emoji), user), { auth: WRITE })
    .delete('/api/v1/statuses/:id/emoji_reactions/:emoji', async ({ ctx, params, user }) =>
      renderStatus(ctx, await unreactToStatus(ctx, user.accountId, params.id, params.emoji), user), { auth: WRITE })
    .post('/api/v1/statuses/:id/react/:emoji', async ({ ctx, params, user }) =>
      renderStatus(ctx, await reactToStatus(ctx, user.accountId, params.id, params.emoji), user), { auth: WRITE })
    .post('/api/v1/statuses/:id/unreact/:emoji', async ({ ctx, params, user }) =>
      renderStatus(ctx, await unreactToStatus(ctx, user.accountId, params.id, params.emoji), user), { auth: WRITE })
