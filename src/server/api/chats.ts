import {
  chatMessagesPage, deleteChatMessage, getChat, getOrCreateChat, listAllChats, listChats, markChatMessageRead, markChatRead, postChatMessage,
} from '../../core/chats/chats'
import { parseBool } from '../../core/params'
import type { Base } from '../base'
import { pageParams, setLink, setLinkFor } from '../pagination'
import { renderChat, renderChatMessages, renderChats } from '../render/chat'

const READ = { scopes: ['read:chats'] }
const WRITE = { scopes: ['write:chats'] }

/** Pleroma's chats: one-to-one messages outside statuses (local accounts only until they federate as `ChatMessage`). */
export const chatsApi = (app: Base) =>
  app
    .post('/api/v1/pleroma/chats/by-account-id/:id', async ({ ctx, params, user }) =>
      renderChat(ctx, await getOrCreateChat(ctx, user, params.id), user), { auth: WRITE })
    .get('/api/v1/pleroma/chats', async ({ ctx, user }) => renderChats(ctx, await listAllChats(ctx, user.accountId), user), { auth: READ })
    .get('/api/v2/pleroma/chats', async ({ ctx, input, user, request, set }) => {
      const rows = await listChats(ctx, user.accountId, pageParams(input, 20, 40), { withMuted: parseBool(input.with_muted) ?? false })
      setLinkFor(set, request, ctx.config.baseUrl, rows)
      return renderChats(ctx, rows, user)
    }, { auth: READ })
    .get('/api/v1/pleroma/chats/:id', async ({ ctx, params, user }) => renderChat(ctx, await getChat(ctx, user.accountId, params.id), user), { auth: READ })
    .get('/api/v1/pleroma/chats/:id/messages', async ({ ctx, params, input, user, request, set }) => {
      const { chat, messages } = await chatMessagesPage(ctx, user.accountId, params.id, pageParams(input, 20, 40))
      setLink(set, request, ctx.config.baseUrl, messages[0]?.id, messages[messages.length - 1]?.id)
      return renderChatMessages(ctx, chat, messages)
    }, { auth: READ })
    .post('/api/v1/pleroma/chats/:id/messages', async ({ ctx, params, input, user }) => {
      const message = await postChatMessage(ctx, user.accountId, params.id, input)
      const [entity] = await renderChatMessages(ctx, await getChat(ctx, user.accountId, params.id), [message])
      return entity
    }, { auth: WRITE })
    .delete('/api/v1/pleroma/chats/:id/messages/:message_id', async ({ ctx, params, user }) => {
      const { chat, message } = await deleteChatMessage(ctx, user.accountId, params.id, params.message_id)
      const [entity] = await renderChatMessages(ctx, chat, [message])
      return entity
    }, { auth: WRITE })
    .post('/api/v1/pleroma/chats/:id/read', async ({ ctx, params, input, user }) =>
      renderChat(ctx, await markChatRead(ctx, user.accountId, params.id, input.last_read_id), user), { auth: WRITE })
    .post('/api/v1/pleroma/chats/:id/messages/:message_id/read', async ({ ctx, params, user }) => {
      const { chat, message } = await markChatMessageRead(ctx, user.accountId, params.id, params.message_id)
      const [entity] = await renderChatMessages(ctx, chat, [message])
      return entity
    }, { auth: WRITE })
