import { getVisiblePoll, votePoll } from '../../core/polls/polls'
import type { Base } from '../base'
import { renderPoll } from '../render/poll'

export const pollsApi = (app: Base) =>
  app
    .get('/api/v1/polls/:id', async ({ ctx, params, viewer }) =>
      renderPoll(ctx, await getVisiblePoll(ctx, viewer?.accountId ?? null, params.id), viewer), { auth: { scopes: ['read:statuses'], optional: true } })
    .post('/api/v1/polls/:id/votes', async ({ ctx, params, input, user }) =>
      renderPoll(ctx, await votePoll(ctx, user.accountId, params.id, input.choices), user), { auth: { scopes: ['write:statuses'] } })
