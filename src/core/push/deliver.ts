import { and, eq, gt, inArray, isNull, lte, notInArray, or, sql } from 'drizzle-orm'
import { uuidParam } from '../../db/sql'
import { accounts, notifications, oauthTokens, pushSubscriptions, statuses, users, type NotificationType, type PushSubscriptionRow } from '../../db/schema'
import { DEFAULT_AVATAR_PATH } from '../accounts/default-images'
import { sendRemote } from '../net/remote-fetch'
import type { Ctx } from '../context'
import { listenEvents } from '../events'
import type { Jobs } from '../jobs'
import { hiddenFromViewerSql } from '../notifications/rules'
import { htmlToPlainText } from '../statuses/format'
import { pushKeys, unsealToken } from './keys'

export const PUSH_DISPATCH_QUEUE = 'push.dispatch'
export const PUSH_DELIVER_QUEUE = 'push.deliver'

/** Notifications a push service keeps for an offline device: two days, as Mastodon. */
const PUSH_TTL_SECONDS = 48 * 3600
const BATCH = 200
/** how long a notification's transaction may stay open and still be pushed when it commits after later ones */
const LATE_WINDOW = '5 minutes'
const MAX_BATCHES = 10
const BODY_CHARS = 140
const REQUEST_TIMEOUT_MS = 15_000

type JobCtx = Ctx & { jobs: Jobs }

const liveToken = () => and(isNull(oauthTokens.revokedAt), or(isNull(oauthTokens.expiresAt), gt(oauthTokens.expiresAt, sql`now()`)))

/** Subscriptions outlive nothing: a revoked or expired token takes its subscription with it. */
export async function purgeDeadSubscriptions(ctx: Ctx): Promise<void> {
  await ctx.db.execute(sql`delete from push_subscriptions ps using oauth_tokens t
    where t.id = ps.token_id and (t.revoked_at is not null or (t.expires_at is not null and t.expires_at <= now()))`)
}

function wanted(sub: PushSubscriptionRow, row: { type: NotificationType; hidden: boolean; followed: boolean; follower: boolean }): boolean {
  if (row.hidden || !sub.alerts[row.type]) return false
  switch (sub.policy) {
    case 'all': return true
    case 'followed': return row.followed
    case 'follower': return row.follower
    default: return false
  }
}

/**
 * Queues a delivery for each notification after the subscription's cursor that its alerts and policy ask for, and
 * moves the cursor past everything looked at, in one transaction: each notification is queued once, even with several
 * processes dispatching at the same time (the subscription row is locked; a busy one is left to its holder).
 * A notification whose transaction commits after a later one's was dispatched lies behind the cursor: the recent
 * ones behind it are looked at again, and those already looked at are remembered in `recentSeqs`.
 */
async function dispatchSubscription(ctx: JobCtx, subscriptionId: string): Promise<void> {
  for (let batch = 0; batch < MAX_BATCHES; batch++) {
    const more = await ctx.db.transaction(async (tx) => {
      const [sub] = await tx.select({ sub: pushSubscriptions }).from(pushSubscriptions)
        .innerJoin(oauthTokens, eq(oauthTokens.id, pushSubscriptions.tokenId))
        .where(and(eq(pushSubscriptions.id, subscriptionId), liveToken()))
        .for('update', { of: pushSubscriptions, skipLocked: true })
      if (!sub) return false
      const { accountId, lastSeq, recentSeqs, createdAt } = sub.sub
      const recipient = uuidParam(accountId)
      const late = and(
        lte(notifications.seq, lastSeq),
        gt(notifications.createdAt, sql`greatest(now() - ${LATE_WINDOW}::interval, ${createdAt.toISOString()}::timestamptz)`),
        recentSeqs.length ? notInArray(notifications.seq, recentSeqs) : undefined,
      )
      const list = await tx.select({
        id: notifications.id,
        seq: notifications.seq,
        type: notifications.type,
        hidden: sql<boolean>`${hiddenFromViewerSql(accountId)}`,
        followed: sql<boolean>`exists (select 1 from follows f where f.account_id = ${recipient} and f.target_account_id = ${notifications.fromAccountId})`,
        follower: sql<boolean>`exists (select 1 from follows f where f.account_id = ${notifications.fromAccountId} and f.target_account_id = ${recipient})`,
      }).from(notifications)
        .where(and(eq(notifications.accountId, accountId), eq(notifications.filtered, false), or(gt(notifications.seq, lastSeq), late)))
        .orderBy(notifications.seq).limit(BATCH)
      if (!list.length) return false
      for (const row of list) {
        if (!wanted(sub.sub, row)) continue
        await ctx.jobs.send(PUSH_DELIVER_QUEUE, { subscriptionId, notificationId: row.id }, { within: tx })
      }
      const seen = [...recentSeqs, ...list.map((r) => r.seq)]
      const stillRecent = await tx.select({ seq: notifications.seq }).from(notifications)
        .where(and(inArray(notifications.seq, seen), gt(notifications.createdAt, sql`now() - ${LATE_WINDOW}::interval`)))
      await tx.update(pushSubscriptions).set({
        lastSeq: Math.max(lastSeq, ...list.map((r) => r.seq)),
        recentSeqs: stillRecent.map((r) => r.seq),
      }).where(eq(pushSubscriptions.id, subscriptionId))
      return list.length === BATCH
    })
    if (!more) return
  }
}

/** Pushes what is pending for these accounts' subscriptions (every subscription when none are named). */
export async function dispatchPush(ctx: JobCtx, accountIds?: string[]): Promise<void> {
  if (accountIds && !accountIds.length) return
  const pending = sql`exists (select 1 from ${notifications} pn where pn.account_id = ${pushSubscriptions.accountId}
    and (pn.seq > ${pushSubscriptions.lastSeq} or pn.created_at > now() - ${LATE_WINDOW}::interval))`
  const subs = await ctx.db.select({ id: pushSubscriptions.id }).from(pushSubscriptions)
    .where(and(accountIds ? inArray(pushSubscriptions.accountId, accountIds) : undefined, pending))
  for (const s of subs) await dispatchSubscription(ctx, s.id)
}

const TITLES: Record<string, (name: string, emoji: string | null) => string> = {
  mention: (n) => `You were mentioned by ${n}`,
  status: (n) => `${n} just posted`,
  reblog: (n) => `${n} boosted your post`,
  favourite: (n) => `${n} favourited your post`,
  follow: (n) => `${n} is now following you`,
  follow_request: (n) => `New follow request from ${n}`,
  poll: (n) => `A poll by ${n} has ended`,
  update: (n) => `${n} edited a post`,
  move: (n) => `${n} moved to a new account`,
  'admin.sign_up': (n) => `${n} signed up`,
  'admin.report': (n) => `${n} filed a report`,
  'pleroma:report': (n) => `${n} filed a report`,
  'pleroma:emoji_reaction': (n, e) => `${n} reacted with ${e ?? 'an emoji'}`,
  'pleroma:chat_mention': (n) => `New chat message from ${n}`,
}

const truncate = (text: string) => {
  const chars = [...text.trim()]
  return chars.length > BODY_CHARS ? chars.slice(0, BODY_CHARS - 1).join('') + '…' : chars.join('')
}

/** Mastodon's Web Push payload; `notification_id` is the notification's integer position, which clients parse as an integer. */
export interface PushPayload {
  access_token: string
  preferred_locale: string
  notification_id: number
  notification_type: string
  icon: string
  title: string
  body: string
}

async function buildPayload(ctx: Ctx, sub: PushSubscriptionRow, notificationId: string): Promise<PushPayload | null> {
  const [row] = await ctx.db.select({
    seq: notifications.seq,
    type: notifications.type,
    emoji: notifications.emoji,
    username: accounts.username,
    displayName: accounts.displayName,
    avatarUrl: accounts.avatarUrl,
    note: accounts.note,
    spoilerText: statuses.spoilerText,
    content: statuses.content,
    locale: users.locale,
  }).from(notifications)
    .innerJoin(accounts, eq(accounts.id, notifications.fromAccountId))
    .innerJoin(users, eq(users.accountId, notifications.accountId))
    .leftJoin(statuses, eq(statuses.id, notifications.statusId))
    .where(and(eq(notifications.id, notificationId), eq(notifications.accountId, sub.accountId), eq(notifications.filtered, false), sql`not ${hiddenFromViewerSql(sub.accountId)}`))
    .limit(1)
  if (!row) return null
  const { vapid: _, tokenKey } = await pushKeys(ctx)
  const name = row.displayName.trim() || row.username
  const body = row.content !== null ? (row.spoilerText || htmlToPlainText(row.content)) : htmlToPlainText(row.note ?? '')
  return {
    access_token: unsealToken(tokenKey, sub.accessTokenSealed),
    preferred_locale: row.locale,
    notification_id: row.seq,
    notification_type: row.type,
    icon: row.avatarUrl ?? `${ctx.config.baseUrl}${DEFAULT_AVATAR_PATH}`,
    title: (TITLES[row.type] ?? ((n: string) => `New notification from ${n}`))(name, row.emoji),
    body: truncate(body),
  }
}

/** RFC 8292 wants a way to reach the operator: the contact address, else the instance's https URL. */
function vapidSubject(ctx: Ctx): string {
  if (ctx.config.instance.contactEmail) return `mailto:${ctx.config.instance.contactEmail}`
  if (ctx.config.baseUrl.startsWith('https://')) return ctx.config.baseUrl
  return `mailto:admin@${new URL(ctx.config.baseUrl).hostname}`
}

/**
 * Sends one notification to one subscription. A push service answering 404 or 410 has forgotten the subscription, so
 * it is deleted; any other failure throws, and the job is retried with backoff.
 */
export async function deliverPush(ctx: Ctx, data: { subscriptionId: string; notificationId: string }): Promise<void> {
  const [found] = await ctx.db.select({ sub: pushSubscriptions }).from(pushSubscriptions)
    .innerJoin(oauthTokens, eq(oauthTokens.id, pushSubscriptions.tokenId))
    .where(and(eq(pushSubscriptions.id, data.subscriptionId), liveToken())).limit(1)
  if (!found) return
  const sub = found.sub
  const payload = await buildPayload(ctx, sub, data.notificationId)
  if (!payload) return
  const { vapid } = await pushKeys(ctx)
  const { default: webpush } = await import('web-push')
  const request = webpush.generateRequestDetails(
    { endpoint: sub.endpoint, keys: { p256dh: sub.p256dh, auth: sub.auth } },
    JSON.stringify(payload),
    {
      vapidDetails: { subject: vapidSubject(ctx), publicKey: vapid.publicKey, privateKey: vapid.privateKey },
      TTL: PUSH_TTL_SECONDS,
      contentEncoding: sub.standard ? 'aes128gcm' : 'aesgcm',
      urgency: 'normal',
    },
  )
  const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]))
  // The endpoint was checked when subscribed, but its name may resolve to a private address by now.
  const res = await sendRemote(request.endpoint, { method: 'POST', headers, body: request.body ? new Uint8Array(request.body) : undefined }, {
    maxBytes: 4096,
    timeoutMs: REQUEST_TIMEOUT_MS,
    allowPrivateNetwork: ctx.config.pushAllowLoopbackHttp ? 'loopback' : false,
  })
  if (res.status === 404 || res.status === 410) {
    await ctx.db.delete(pushSubscriptions).where(eq(pushSubscriptions.id, sub.id))
    return
  }
  if (res.status < 200 || res.status >= 300) throw new Error(`push service answered ${res.status}`)
}

/**
 * Runs Web Push: deliveries as durable jobs, a dispatch woken by every new notification (from any process, through
 * the database's events) and swept every minute. Returns a function that stops listening.
 */
export async function registerPushJobs(ctx: JobCtx): Promise<() => Promise<void>> {
  await ctx.jobs.work<{ subscriptionId: string; notificationId: string }>(PUSH_DELIVER_QUEUE, (data) => deliverPush(ctx, data))
  await ctx.jobs.work(PUSH_DISPATCH_QUEUE, async () => {
    await purgeDeadSubscriptions(ctx)
    await dispatchPush(ctx)
  })
  await ctx.jobs.schedule(PUSH_DISPATCH_QUEUE, '* * * * *')
  const pending = new Set<string>()
  let running: Promise<void> | null = null
  const drain = async () => {
    while (pending.size) {
      const accountIds = [...pending]
      pending.clear()
      await dispatchPush(ctx, accountIds).catch((e) => console.error('[rookery] push dispatch:', (e as Error).message))
    }
    running = null
  }
  return listenEvents(ctx.database, (event) => {
    if (event.type !== 'notification') return
    pending.add(event.accountId)
    running ??= drain()
  })
}
