import type { OAuthAppRow } from '../../db/schema'

/** Mastodon's Application entity; `withSecrets` for the registering client only (CredentialApplication). */
export function buildApplication(app: OAuthAppRow, vapidKey: string, withSecrets = false) {
  const redirectUris = app.redirectUris.split('\n')
  return {
    id: app.id,
    name: app.name,
    website: app.website,
    scopes: app.scopes.split(' '),
    redirect_uri: redirectUris.join('\n'),
    redirect_uris: redirectUris,
    vapid_key: vapidKey,
    ...(withSecrets ? { client_id: app.clientId, client_secret: app.clientSecret, client_secret_expires_at: 0 } : {}),
  }
}
