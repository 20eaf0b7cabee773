import { eq } from 'drizzle-orm'
import { oauthApps, type OAuthAppRow } from '../../db/schema'
import type { Ctx } from '../context'
import { NotFoundError, ValidationError } from '../errors'
import { randomToken } from '../secrets'
import { parseScopes, validateScopes } from './scopes'

export const OOB_REDIRECT = 'urn:ietf:wg:oauth:2.0:oob'

export interface RegisterAppInput {
  clientName: unknown
  redirectUris: unknown
  scopes?: unknown
  website?: unknown
  ownerUserId?: string | null
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value.trim() : typeof value === 'number' ? String(value) : undefined
}

/** Parses redirect URIs given as a space/newline separated string or an array; each must be absolute or the OOB URN. */
export function parseRedirectUris(value: unknown): string[] {
  const list = (Array.isArray(value) ? value.map(String) : (text(value) ?? '').split(/\s+/)).map((s) => s.trim()).filter(Boolean)
  if (!list.length) throw new ValidationError("Validation failed: Redirect URI can't be blank")
  for (const uri of list) {
    if (uri === OOB_REDIRECT) continue
    let parsed: URL
    try {
      parsed = new URL(uri)
    } catch {
      throw new ValidationError('Validation failed: Redirect URI must be an absolute URI.')
    }
    if (parsed.hash) throw new ValidationError('Validation failed: Redirect URI cannot contain a fragment.')
    if (/^(javascript|data|vbscript):/i.test(parsed.protocol)) throw new ValidationError('Validation failed: Redirect URI is not allowed.')
  }
  if (list.join('\n').length > 2000) throw new ValidationError('Validation failed: Redirect URI is too long')
  return list
}

export async function registerApp(ctx: Ctx, input: RegisterAppInput): Promise<OAuthAppRow> {
  const name = text(input.clientName)
  if (!name) throw new ValidationError("Validation failed: Application name can't be blank")
  if (name.length > 255) throw new ValidationError('Validation failed: Application name is too long (maximum is 255 characters)')
  const redirectUris = parseRedirectUris(input.redirectUris)
  const scopes = parseScopes(input.scopes ?? 'read')
  if (!scopes.length) scopes.push('read')
  validateScopes(scopes)
  const website = text(input.website) || null
  if (website) {
    try {
      const u = new URL(website)
      if (!/^https?:$/.test(u.protocol)) throw new Error()
    } catch {
      throw new ValidationError('Validation failed: Website is invalid')
    }
    if (website.length > 2000) throw new ValidationError('Validation failed: Website is too long')
  }
  const [app] = await ctx.db.insert(oauthApps).values({
    name,
    website,
    redirectUris: redirectUris.join('\n'),
    scopes: scopes.join(' '),
    clientId: randomToken(32),
    clientSecret: randomToken(32),
    ownerUserId: input.ownerUserId ?? null,
  }).returning()
  return app
}

export async function findAppByClientId(ctx: Ctx, clientId: unknown): Promise<OAuthAppRow | null> {
  if (typeof clientId !== 'string' || !clientId || clientId.length > 200) return null
  const [app] = await ctx.db.select().from(oauthApps).where(eq(oauthApps.clientId, clientId)).limit(1)
  return app ?? null
}

export async function getApp(ctx: Ctx, id: string): Promise<OAuthAppRow> {
  const [app] = await ctx.db.select().from(oauthApps).where(eq(oauthApps.id, id)).limit(1)
  if (!app) throw new NotFoundError()
  return app
}
