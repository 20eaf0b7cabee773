import { loadNodeinfoData } from '../../core/instance/info'
import { resolveWebfinger } from '../../core/instance/webfinger'
import { parseStringArray } from '../../core/params'
import type { Ctx } from '../../core/context'
import type { Base } from '../base'
import {
  NODEINFO_CONTENT_TYPE, buildHostMetaJson, buildHostMetaXml, buildJrd, buildNodeinfo, buildNodeinfoLinks, buildXrd,
} from '../render/instance'

const respond = (body: string, contentType: string) =>
  new Response(body, { headers: { 'content-type': contentType, 'cache-control': 'public, max-age=300' } })

async function nodeinfo(ctx: Ctx, version: '2.0' | '2.1'): Promise<Response> {
  const body = buildNodeinfo(version, ctx.config, await loadNodeinfoData(ctx))
  return respond(JSON.stringify(body), NODEINFO_CONTENT_TYPE(version))
}

/** XRD only for a client that asks for XML and not for JSON; JRD otherwise (RFC 7033). */
const wantsXrd = (accept: string | null) => !!accept && /xrd\+xml|application\/xml/.test(accept) && !/json/.test(accept)

/** Discovery documents other servers and tools read: WebFinger, host-meta and NodeInfo. */
export const wellKnownApi = (app: Base) =>
  app
    .get('/.well-known/webfinger', async ({ ctx, input, request }) => {
      const account = await resolveWebfinger(ctx, input.resource)
      const rels = parseStringArray(input.rel)
      const jrd = buildJrd(account, ctx.config, rels)
      return wantsXrd(request.headers.get('accept'))
        ? respond(buildXrd(jrd), 'application/xrd+xml; charset=utf-8')
        : respond(JSON.stringify(jrd), 'application/jrd+json; charset=utf-8')
    }, { auth: 'public' })
    .get('/.well-known/host-meta', ({ ctx, request }) => {
      const accept = request.headers.get('accept')
      return accept && /json/.test(accept) && !/xml/.test(accept)
        ? respond(JSON.stringify(buildHostMetaJson(ctx.config)), 'application/json; charset=utf-8')
        : respond(buildHostMetaXml(ctx.config), 'application/xrd+xml; charset=utf-8')
    }, { auth: 'public' })
    .get('/.well-known/host-meta.json', ({ ctx }) =>
      respond(JSON.stringify(buildHostMetaJson(ctx.config)), 'application/json; charset=utf-8'), { auth: 'public' })
    .get('/.well-known/nodeinfo', ({ ctx }) =>
      respond(JSON.stringify(buildNodeinfoLinks(ctx.config)), 'application/json; charset=utf-8'), { auth: 'public' })
    .get('/nodeinfo/2.0', ({ ctx }) => nodeinfo(ctx, '2.0'), { auth: 'public' })
    .get('/nodeinfo/2.0.json', ({ ctx }) => nodeinfo(ctx, '2.0'), { auth: 'public' })
    .get('/nodeinfo/2.1', ({ ctx }) => nodeinfo(ctx, '2.1'), { auth: 'public' })
    .get('/nodeinfo/2.1.json', ({ ctx }) => nodeinfo(ctx, '2.1'), { auth: 'public' })
