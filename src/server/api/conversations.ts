import {
  conversationStatuses, directTimeline, getParticipation, hideConversation, listConversations, markAllConversationsRead,
  markConversationRead, setConversationRecipients,
} from '../../core/conversations/conversations'
import { parseStringArray } from '../../core/params'
import { readTimelineOptions } from '../../core/timelines/options'
import type { Base } from '../base'
import { pageParams, setLink, setLinkFor } from '../pagination'
import { renderConversation, renderConversations } from '../render/conversation'
import { renderStatuses } from '../render/status'

const READ = { scopes: ['read:statuses'] }
const WRITE = { scopes: ['write:conversations'] }

export const conversationsApi = (app: Base) =>
  app
    .get('/api/v1/conversations', async ({ ctx, input, user, request, set }) => {
      const rows = await listConversations(ctx, user.accountId, pageParams(input, 20, 40), {
        recipients: input.recipients === undefined ? undefined : parseStringArray(input.recipients),
      })
      setLink(set, request, ctx.config.baseUrl, rows[0]?.lastStatusId ?? undefined, rows[rows.length - 1]?.lastStatusId ?? undefined)
      return renderConversations(ctx, rows, user)
    }, { auth: READ })
    .post('/api/v1/conversations/:id/read', async ({ ctx, params, user }) =>
      renderConversation(ctx, await markConversationRead(ctx, user.accountId, params.id), user), { auth: WRITE })
    .delete('/api/v1/conversations/:id', async ({ ctx, params, user }) => {
      await hideConversation(ctx, user.accountId, params.id)
      return {}
    }, { auth: WRITE })
    .get('/api/v1/timelines/direct', async ({ ctx, input, user, request, set }) => {
      const rows = await directTimeline(ctx, user.accountId, pageParams(input), readTimelineOptions(input))
      setLinkFor(set, request, ctx.config.baseUrl, rows)
      return renderStatuses(ctx, rows, user)
    }, { auth: READ })
    .post('/api/v1/pleroma/conversations/read', async ({ ctx, user }) =>
      renderConversations(ctx, await markAllConversationsRead(ctx, user.accountId), user), { auth: WRITE })
    .get('/api/v1/pleroma/conversations/:id', async ({ ctx, params, user }) =>
      renderConversation(ctx, await getParticipation(ctx, user.accountId, params.id), user), { auth: READ })
    .patch('/api/v1/pleroma/conversations/:id', async ({ ctx, params, input, user }) => {
      const recipients = input.recipients === undefined ? undefined : parseStringArray(input.recipients)
      return renderConversation(ctx, await setConversationRecipients(ctx, user.accountId, params.id, recipients), user)
    }, { auth: WRITE })
    .get('/api/v1/pleroma/conversations/:id/statuses', async ({ ctx, params, input, user, request, set }) => {
      const rows = await conversationStatuses(ctx, user.accountId, params.id, pageParams(input), readTimelineOptions(input))
      // Given oldest first; the page's newest is the `prev` edge, its oldest the `next` one.
      setLink(set, request, ctx.config.baseUrl, rows[rows.length - 1]?.id, rows[0]?.id)
      return renderStatuses(ctx, rows, user)
    }, { auth: READ })
