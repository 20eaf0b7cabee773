import { createPublicKey } from 'node:crypto'
import { and, eq, sql } from 'drizzle-orm'
import { uuidParam } from '../../db/sql'
import { notifications, pushSubscriptions, type PushPolicy, type PushSubscriptionRow } from '../../db/schema'
import type { Ctx } from '../context'
import { BadRequestError, NotFoundError, ValidationError } from '../errors'
import { isPlainObject, parseBool } from '../params'
import { inRange, normalizeIp } from '../security/client-ip'
import { pushKeys, sealToken } from './keys'

/** Every alert a subscription may ask for: Mastodon's notification types and Pleroma's. */
export const ALERT_TYPES = [
  'mention', 'status', 'reblog', 'follow', 'follow_request', 'favourite', 'poll', 'update', 'admin.sign_up', 'admin.report',
  'move', 'pleroma:emoji_reaction', 'pleroma:chat_mention', 'pleroma:report',
] as const

export const PUSH_POLICIES: readonly PushPolicy[] = ['all', 'followed', 'follower', 'none']

const MAX_ENDPOINT_LENGTH = 2048

/** The subscribing token: push payloads carry it back so the client can fetch what it is told about. */
export interface PushSubscriber {
  tokenId: string
  accountId: string
  accessToken: string
}

/** Addresses no public push service has: the instance must not be made to post into its own network. */
const INTERNAL_RANGES = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16',
  '::/128', '::1/128', 'fc00::/7', 'fe80::/10',
]
const LOOPBACK_RANGES = ['127.0.0.0/8', '::1/128']

const isLoopback = (host: string) => {
  const ip = normalizeIp(host)
  return host === 'localhost' || (!!ip && LOOPBACK_RANGES.some((r) => inRange(ip, r)))
}

const isInternal = (host: string) => {
  const ip = normalizeIp(host)
  return host === 'localhost' || host.endsWith('.localhost') || (!!ip && INTERNAL_RANGES.some((r) => inRange(ip, r)))
}

function readEndpoint(ctx: Ctx, value: unknown): string {
  if (typeof value !== 'string' || !value) throw new BadRequestError('Missing field: subscription[endpoint]')
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ValidationError('Validation failed: Endpoint is not a valid URL')
  }
  const loopbackAllowed = ctx.config.pushAllowLoopbackHttp && isLoopback(url.hostname)
  const schemeAllowed = url.protocol === 'https:' || (url.protocol === 'http:' && loopbackAllowed)
  if (!schemeAllowed || (isInternal(url.hostname) && !loopbackAllowed) || value.length > MAX_ENDPOINT_LENGTH || url.username || url.password) {
    throw new ValidationError('Validation failed: Endpoint must be a public https URL')
  }
  return url.toString()
}

/** base64url (clients also send standard base64, padded or not) decoded; null when it is not base64 at all. */
function decodeBase64Url(value: unknown): Buffer | null {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]+={0,2}$/.test(value)) return null
  return Buffer.from(value.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'), 'base64url')
}

/** The client's ECDH key: an uncompressed point on P-256 (65 bytes). */
function readP256dh(value: unknown): string {
  if (value === undefined || value === null || value === '') throw new BadRequestError('Missing field: subscription[keys][p256dh]')
  const raw = decodeBase64Url(value)
  if (raw?.length !== 65 || raw[0] !== 4) throw new ValidationError('Validation failed: p256dh is not a P-256 public key')
  try {
    createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: raw.subarray(1, 33).toString('base64url'), y: raw.subarray(33).toString('base64url') },
      format: 'jwk',
    })
  } catch {
    throw new ValidationError('Validation failed: p256dh is not a P-256 public key')
  }
  return raw.toString('base64url')
}

function readAuth(value: unknown): string {
  if (value === undefined || value === null || value === '') throw new BadRequestError('Missing field: subscription[keys][auth]')
  const raw = decodeBase64Url(value)
  if (raw?.length !== 16) throw new ValidationError('Validation failed: auth must be a 16-byte secret')
  return raw.toString('base64url')
}

/** `data[alerts]` and `data[policy]`; alerts not named keep `previous` (nothing: off). */
function readData(input: Record<string, unknown>, previous?: PushSubscriptionRow) {
  const data = input.data === undefined || input.data === '' ? {} : input.data
  if (!isPlainObject(data)) throw new BadRequestError('data must be an object')
  const given = data.alerts === undefined || data.alerts === '' ? {} : data.alerts
  if (!isPlainObject(given)) throw new BadRequestError('data[alerts] must be an object')
  const alerts: Record<string, boolean> = { ...previous?.alerts }
  for (const type of ALERT_TYPES) {
    if (given[type] === undefined) continue
    const on = parseBool(given[type])
    if (on === undefined) throw new ValidationError(`Validation failed: data[alerts][${type}] must be a boolean`)
    alerts[type] = on
  }
  let policy: PushPolicy = previous?.policy ?? 'all'
  if (data.policy !== undefined && data.policy !== '') {
    if (!PUSH_POLICIES.includes(data.policy as PushPolicy)) throw new ValidationError(`Validation failed: data[policy] must be one of ${PUSH_POLICIES.join(', ')}`)
    policy = data.policy as PushPolicy
  }
  return { alerts, policy }
}

/** `POST /api/v1/push/subscription`: replaces the token's subscription; only notifications from now on are pushed. */
export async function subscribePush(ctx: Ctx, subscriber: PushSubscriber, input: Record<string, unknown>): Promise<PushSubscriptionRow> {
  const sub = input.subscription
  if (!isPlainObject(sub)) throw new BadRequestError('Missing field: subscription')
  const endpoint = readEndpoint(ctx, sub.endpoint)
  const keys = isPlainObject(sub.keys) ? sub.keys : {}
  const p256dh = readP256dh(keys.p256dh)
  const auth = readAuth(keys.auth)
  const standard = sub.standard === undefined || sub.standard === '' ? false : parseBool(sub.standard)
  if (standard === undefined) throw new ValidationError('Validation failed: subscription[standard] must be a boolean')
  const { alerts, policy } = readData(input)
  const { tokenKey } = await pushKeys(ctx)
  return ctx.db.transaction(async (tx) => {
    await tx.delete(pushSubscriptions).where(eq(pushSubscriptions.tokenId, subscriber.tokenId))
    const [row] = await tx.insert(pushSubscriptions).values({
      tokenId: subscriber.tokenId,
      accountId: subscriber.accountId,
      endpoint, p256dh, auth, standard, alerts, policy,
      accessTokenSealed: sealToken(tokenKey, subscriber.accessToken),
      lastSeq: sql`(select coalesce(max(${notifications.seq}), 0) from ${notifications} where ${notifications.accountId} = ${uuidParam(subscriber.accountId)})` as unknown as number,
    }).returning()
    return row
  })
}

export async function getPushSubscription(ctx: Ctx, tokenId: string): Promise<PushSubscriptionRow> {
  const [row] = await ctx.db.select().from(pushSubscriptions).where(eq(pushSubscriptions.tokenId, tokenId)).limit(1)
  if (!row) throw new NotFoundError('Record not found')
  return row
}

/** `PUT`: changes alerts and policy only. */
export async function updatePushSubscription(ctx: Ctx, tokenId: string, input: Record<string, unknown>): Promise<PushSubscriptionRow> {
  const current = await getPushSubscription(ctx, tokenId)
  const { alerts, policy } = readData(input, current)
  const [row] = await ctx.db.update(pushSubscriptions).set({ alerts, policy, updatedAt: new Date() })
    .where(and(eq(pushSubscriptions.id, current.id), eq(pushSubscriptions.tokenId, tokenId))).returning()
  if (!row) throw new NotFoundError('Record not found')
  return row
}

/** `DELETE`: Mastodon answers `{}` whether or not there was one. */
export async function deletePushSubscription(ctx: Ctx, tokenId: string): Promise<void> {
  await ctx.db.delete(pushSubscriptions).where(eq(pushSubscriptions.tokenId, tokenId))
}
