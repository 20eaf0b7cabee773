import type { Ctx } from '../context'
import { GRANT_TYPES } from './grants'
import { KNOWN_SCOPES } from './scopes'

/** RFC 8414 metadata, as Mastodon 4.3+ publishes it at `/.well-known/oauth-authorization-server`. */
export function authorizationServerMetadata(ctx: Ctx) {
  const base = ctx.config.baseUrl
  return {
    issuer: `${base}/`,
    service_documentation: 'https://docs.joinmastodon.org/',
    authorization_endpoint: `${base}/oauth/authorize`,
    token_endpoint: `${base}/oauth/token`,
    app_registration_endpoint: `${base}/api/v1/apps`,
    revocation_endpoint: `${base}/oauth/revoke`,
    scopes_supported: [...KNOWN_SCOPES],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: [...GRANT_TYPES],
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    revocation_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
  }
}
