import { Elysia } from 'elysia'
import type { Ctx } from '../core/context'
import { createBase } from './base'
import { appsApi } from './api/apps'
import { oauthApi } from './api/oauth'
import { accountsApi } from './api/accounts'
import { pleromaCaptchaApi } from './api/pleroma-captcha'
import { instanceApi } from './api/instance'
import { wellKnownApi } from './api/well-known'
import { statusesApi } from './api/statuses'
import { timelinesApi } from './api/timelines'

/** Composes the whole HTTP API; every feature module receives the same base (context + auth macro). */
export function createApp(ctx: Ctx) {
  const base = createBase(ctx)
  return new Elysia({ name: 'rookery' })
    .use(base)
    .use(appsApi(base))
    .use(oauthApi(base))
    .use(accountsApi(base))
    .use(pleromaCaptchaApi(base))
    .use(instanceApi(base))
    .use(wellKnownApi(base))
    .use(statusesApi(base))
    .use(timelinesApi(base))
}

export type App = ReturnType<typeof createApp>
