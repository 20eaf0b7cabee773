// Pleroma's frontend management: list the known and installed frontends, install one from its build.
import { BadRequestError } from '../../core/errors'
import { installFrontend, listFrontends } from '../../core/frontends/install'
import type { AuthRule, Base } from '../base'

const READ: AuthRule = { scopes: ['admin:read'], role: 'admin' }
const WRITE: AuthRule = { scopes: ['admin:write'], role: 'admin' }

const optionalString = (input: Record<string, unknown>, key: string): string | undefined => {
  const v = input[key]
  if (v === undefined || v === null || v === '') return undefined
  if (typeof v !== 'string') throw new BadRequestError(`${key} must be a string`)
  return v
}

const routes = (prefix: string) => (app: Base) =>
  app
    .get(`${prefix}/frontends`, ({ ctx }) => listFrontends(ctx), { auth: READ })
    .post(`${prefix}/frontends/install`, async ({ ctx, input }) => {
      const name = optionalString(input, 'name')
      if (!name) throw new BadRequestError('Missing field: name')
      // Pleroma's `file` is a path on the server; over HTTP the archive itself is uploaded instead.
      if (typeof input.file === 'string') throw new BadRequestError('file must be an uploaded zip archive')
      const zip = input.file instanceof Blob ? new Uint8Array(await input.file.arrayBuffer()) : undefined
      await installFrontend(ctx, { name, ref: optionalString(input, 'ref'), zip, url: optionalString(input, 'build_url') })
      return listFrontends(ctx)
    }, { auth: WRITE })

export const adminFrontendsApi = (app: Base) =>
  app
    .use(routes('/api/v1/pleroma/admin'))
    .use(routes('/api/pleroma/admin'))
