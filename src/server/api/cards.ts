import { getStatusCard, statusOEmbed } from '../../core/cards/queries'
import { mediaStorage } from '../../core/media/storage'
import type { Base } from '../base'
import { buildPreviewCard } from '../render/card'

/** Link previews: a status's card (Pleroma) and oEmbed for our own statuses. */
export const cardsApi = (app: Base) =>
  app
    .get('/api/v1/statuses/:id/card', async ({ ctx, params, viewer }) => {
      const card = await getStatusCard(ctx, viewer?.accountId ?? null, params.id)
      return card ? buildPreviewCard(card, mediaStorage(ctx.config)) : {}
    }, { auth: { scopes: ['read:statuses'], optional: true } })
    .get('/api/oembed', async ({ ctx, input }) => statusOEmbed(ctx, input.url, input.maxwidth), { auth: 'public' })
