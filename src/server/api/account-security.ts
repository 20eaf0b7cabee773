import { Elysia } from 'elysia'
import type { Base } from '../base'
import { mfaApi } from './mfa'
import { pleromaAccountApi } from './pleroma-account'
import { reportsApi } from './reports'

/** Account management, two-factor authentication and reports. */
export const accountSecurityApi = (base: Base) =>
  new Elysia({ name: 'api.account-security' })
    .use(pleromaAccountApi(base))
    .use(mfaApi(base))
    .use(reportsApi(base))
