import { createCaptcha } from '../../core/captcha'
import type { Base } from '../base'

/** Pleroma's captcha for sign-up forms: `{type: "none"}` when disabled, otherwise a one-time native image captcha. */
export const pleromaCaptchaApi = (app: Base) =>
  app
    .get('/api/pleroma/captcha', async ({ ctx, set }) => {
      set.headers['cache-control'] = 'no-store'
      return createCaptcha(ctx)
    }, { auth: 'public' })
    .get('/api/v1/pleroma/captcha', async ({ ctx, set }) => {
      set.headers['cache-control'] = 'no-store'
      return createCaptcha(ctx)
    }, { auth: 'public' })
