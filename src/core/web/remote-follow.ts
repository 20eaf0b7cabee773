import type { Ctx } from '../context'
import { fetchJson, RemoteFetchError } from '../net/remote-fetch'
import { AppError, ValidationError } from '../errors'

const SUBSCRIBE_REL = 'http://ostatus.org/schema/1.0/subscribe'
const ADDRESS = /^@?([A-Za-z0-9_.+-]{1,64})@([A-Za-z0-9.-]{1,253}(?::\d{1,5})?)$/

/**
 * Where a remote user follows one of our accounts from their own instance (Pleroma-FE's logged-out "remote follow"):
 * their instance's WebFinger `subscribe` template filled with the account's address, as Pleroma does it.
 */
export async function remoteFollowUrl(ctx: Ctx, remoteAddress: string, target: { uri: string | null; username: string }): Promise<string> {
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
  if (!link) throw new ValidationError(`${domain} does not offer remote follows: search for @${target.username}@${ctx.config.domain} there instead`)
  const uri = target.uri ?? `${ctx.config.baseUrl}/users/${target.username}`
  const url = (link.template as string).replace('{uri}', encodeURIComponent(uri))
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new ValidationError(`${domain} gave an unusable remote follow address`)
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new ValidationError(`${domain} gave an unusable remote follow address`)
  return parsed.href
}
