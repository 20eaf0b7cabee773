import type { Ctx } from '../../core/context'
import { NotFoundError, UnauthorizedError } from '../../core/errors'
import { weeklyActivity } from '../../core/instance/activity'
import { listPublicDomainBlocks } from '../../core/instance/domain-blocks'
import { listCustomEmojis } from '../../core/instance/emojis'
import { checkHealth } from '../../core/instance/health'
import { RETRY_AFTER_SECONDS } from '../../db/availability'
import { defaultIcon, defaultThumbnail } from '../../core/instance/images'
import { loadInstanceInfo } from '../../core/instance/info'
import { effectiveRules, extendedDescription, privacyPolicy, termsOfService } from '../../core/instance/texts'
import { listPeers } from '../../core/instance/stats'
import type { Base } from '../base'
import {
  buildActivityWeek, buildCustomEmoji, buildDomainBlock, buildExtendedDescription, buildHealth, buildManifest,
  buildPleromaEmojiMap, buildPrivacyPolicy, buildRule, buildTermsOfService, buildV1Instance, buildV2Instance,
} from '../render/instance'

/** 200 while the database answers, 503 otherwise, so load balancers and monitors can act on the status alone. */
async function healthResponse(ctx: Ctx): Promise<Response> {
  const health = await checkHealth(ctx)
  const headers: Record<string, string> = { 'cache-control': 'no-store' }
  if (!health.healthy) headers['retry-after'] = String(RETRY_AFTER_SECONDS)
  return Response.json(buildHealth(health), { status: health.healthy ? 200 : 503, headers })
}

const png = (bytes: Uint8Array<ArrayBuffer>) =>
  new Response(bytes, { headers: { 'content-type': 'image/png', 'cache-control': 'public, max-age=86400' } })

/** Instance metadata for clients: Mastodon's `/api/v{1,2}/instance*`, Pleroma's extras, the healthcheck, emoji and PWA manifest. */
export const instanceApi = (app: Base) =>
  app
    .get('/api/v1/instance', async ({ ctx }) => buildV1Instance(ctx.config, await loadInstanceInfo(ctx)), { auth: 'public' })
    .get('/api/v2/instance', async ({ ctx }) => buildV2Instance(ctx.config, await loadInstanceInfo(ctx)), { auth: 'public' })
    .get('/api/v1/instance/peers', ({ ctx }) => listPeers(ctx), { auth: 'public' })
    .get('/api/v1/instance/rules', async ({ ctx }) => (await effectiveRules(ctx)).map(buildRule), { auth: 'public' })
    .get('/api/v1/instance/activity', async ({ ctx }) => (await weeklyActivity(ctx)).map(buildActivityWeek), { auth: 'public' })
    .get('/api/v1/instance/extended_description', async ({ ctx }) => buildExtendedDescription(await extendedDescription(ctx)), { auth: 'public' })
    .get('/api/v1/instance/privacy_policy', async ({ ctx }) => buildPrivacyPolicy(await privacyPolicy(ctx)), { auth: 'public' })
    .get('/api/v1/instance/terms_of_service', async ({ ctx }) => buildTermsOfService(await termsOfService(ctx)), { auth: 'public' })
    .get('/api/v1/instance/terms_of_service/:date', async ({ ctx, params }) => {
      const terms = buildTermsOfService(await termsOfService(ctx))
      if (params.date !== terms.effective_date) throw new NotFoundError()
      return terms
    }, { auth: 'public' })
    // Translation is not offered, so no language pairs.
    .get('/api/v1/instance/translation_languages', () => ({}), { auth: 'public' })
    // who may read the list is the instance's choice (`federation.showDomainBlocks`), signed-in users by default
    .get('/api/v1/instance/domain_blocks', async ({ ctx, viewer }) => {
      const shown = ctx.config.federation.showDomainBlocks
      if (shown === 'none') throw new NotFoundError()
      if (shown === 'users' && !viewer?.userId) throw new UnauthorizedError('This method requires an authenticated user')
      return (await listPublicDomainBlocks(ctx)).map(buildDomainBlock)
    }, { auth: 'public' })
    .get('/api/v1/custom_emojis', async ({ ctx }) => (await listCustomEmojis(ctx)).map(buildCustomEmoji), { auth: 'public' })
    .get('/api/pleroma/emoji', async ({ ctx }) => buildPleromaEmojiMap(await listCustomEmojis(ctx)), { auth: 'public' })
    .get('/api/v1/pleroma/emoji', async ({ ctx }) => buildPleromaEmojiMap(await listCustomEmojis(ctx)), { auth: 'public' })
    .get('/api/pleroma/healthcheck', ({ ctx }) => healthResponse(ctx), { auth: 'public' })
    .get('/api/v1/pleroma/healthcheck', ({ ctx }) => healthResponse(ctx), { auth: 'public' })
    // Pleroma-FE reads its per-instance settings here; none are configured.
    .get('/api/pleroma/frontend_configurations', () => ({}), { auth: 'public' })
    .get('/api/v1/pleroma/frontend_configurations', () => ({}), { auth: 'public' })
    .get('/manifest.json', ({ ctx, set }) => {
      set.headers['content-type'] = 'application/manifest+json; charset=utf-8'
      return buildManifest(ctx.config)
    }, { auth: 'public' })
    .get('/instance/thumbnail.png', () => png(defaultThumbnail()), { auth: 'public' })
    .get('/instance/icons/:file', ({ params }) => {
      const size = /^(\d{1,4})\.png$/.exec(params.file)?.[1]
      const icon = size ? defaultIcon(Number(size)) : null
      if (!icon) throw new NotFoundError()
      return png(icon)
    }, { auth: 'public' })
