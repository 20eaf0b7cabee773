import type { Ctx } from '../context'
import { fetchJson, RemoteFetchError } from '../net/remote-fetch'
import { AppError, ValidationError } from '../errors'

const SUBSCRIBE_REL = 'http://ostatus.org/schema/1.0/subscribe'
const ADDRESS = /^@?([A-Za-z0-9_.+-]{1,64})@([A-Za-z0-9.-]{1,253}(?::\d{1,5})?)$/

/**
 * The WebFinger `subscribe` template (`https://their.instance/authorize_interaction?uri={uri}`) of a remote user's
 * instance, where they can act on an object of ours. ValidationError when it cannot be found.
 */
export async function subscribeTemplate(ctx: Ctx, remoteAddress: string): Promise<{ template: string; domain: string }> {
  const m = ADDRESS.exec(remoteAddress.trim())
  if (!m) throw new ValidationError('Enter your address as name@your.instance')
  const [, user, domain] = m
  // Plain http only for instances on this machine, when federation is set up for tests on one machine.
  const local = ctx.config.federation.allowPrivate && /^(localhost|127\.\d+\.\d+\.\d+)(:\d+)?$/.test(domain)
  const lookup = new URL(`${local ? 'http' : 'https'}://${domain}/.well-known/webfinger`)
  lookup.searchParams.set('resource', `acct:${user}@${domain}`)
  let json: unknown
  try {
    json = (await fetchJson(lookup, { maxBytes: 64 * 1024, timeoutMs: 10_000, accept: 'application/jrd+json, application/json', allowPrivateNetwork: local ? 'loopback' : ctx.config.fetchPrivateNetwork })).json
  } catch (e) {
    if (e instanceof RemoteFetchError || e instanceof AppError) throw new ValidationError(`Could not find ${user}@${domain}: ${domain} did not answer`)
    throw e
  }
  const links = (json as { links?: unknown })?.links
  const link = Array.isArray(links) ? links.find((l) => l?.rel === SUBSCRIBE_REL && typeof l.template === 'string') : undefined
  if (!link) throw new ValidationError(`${domain} does not offer remote interaction`)
  return { template: link.template as string, domain }
}

/** A subscribe template filled with an object's id; only http(s) addresses come out. */
export function fillTemplate(template: string, domain: string, uri: string): string {
  let parsed: URL
  try {
    parsed = new URL(template.replace('{uri}', encodeURIComponent(uri)))
  } catch {
    throw new ValidationError(`${domain} gave an unusable remote interaction address`)
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new ValidationError(`${domain} gave an unusable remote interaction address`)
  return parsed.href
}

/**
 * Where a remote user follows one of our accounts from their own instance (Pleroma-FE's logged-out "remote follow"):
 * their instance's WebFinger `subscribe` template filled with the account's address, as Pleroma does it.
 */
export async function remoteFollowUrl(ctx: Ctx, remoteAddress: string, target: { uri: string | null; username: string }): Promise<string> {
  let found
  try {
    found = await subscribeTemplate(ctx, remoteAddress)
  } catch (e) {
    if (e instanceof ValidationError && /does not offer/.test(e.message)) {
      throw new ValidationError(`${e.message.replace(' remote interaction', ' remote follows')}: search for @${target.username}@${ctx.config.domain} there instead`)
    }
    throw e
  }
  return fillTemplate(found.template, found.domain, target.uri ?? `${ctx.config.baseUrl}/users/${target.username}`)
}

/**
 * Pleroma's `POST /api/v1/pleroma/remote_interaction`: where the user `profile` (`name@their.instance`) acts on
 * `apId` from their own instance.
 */
export async function remoteInteractionUrl(ctx: Ctx, profile: string, apId: string): Promise<string> {
  const { template, domain } = await subscribeTemplate(ctx, profile)
  return fillTemplate(template, domain, apId)
}
