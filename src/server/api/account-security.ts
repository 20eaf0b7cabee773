import type { Base } from '../base'
import { mfaApi } from './mfa'
import { pleromaAccountApi } from './pleroma-account'
import { reportsApi } from './reports'

/** Account management, two-factor authentication and reports. */
export const accountSecurityApi = (app: Base) =>
  app
    .use(pleromaAccountApi)
    .use(mfaApi)
    .use(reportsApi)
