import type { Config } from '../../config'
import type { ActivityWeek } from '../../core/instance/activity'
import type { PublicDomainBlock } from '../../core/instance/domain-blocks'
import type { CustomEmoji } from '../../core/instance/emojis'
import { instanceFeatures } from '../../core/instance/features'
import type { Health } from '../../core/instance/health'
import { ICON_SIZES, THEME_COLOUR } from '../../core/instance/images'
import type { InstanceInfo, NodeinfoData } from '../../core/instance/info'
import type { InstanceText } from '../../core/instance/texts'
import {
  CHARACTERS_RESERVED_PER_URL, IMAGE_MATRIX_LIMIT, MAX_FEATURED_TAGS, MAX_PINNED_STATUSES, MAX_REMOTE_PROFILE_FIELDS,
  MEDIA_DESCRIPTION_LIMIT, POST_FORMATS, SUPPORTED_MIME_TYPES, VIDEO_FRAME_RATE_LIMIT, VIDEO_MATRIX_LIMIT,
} from '../../core/instance/limits'
import { registrationFlags, type InstanceRule } from '../../core/instance/registration'
import type { AccountRow } from '../../db/schema'
import {
  MASTODON_API_LEVEL, MASTODON_API_VERSION, ROOKERY_REPOSITORY, ROOKERY_VERSION, SOFTWARE_NAME, VERSION_STRING,
} from '../../version'

export const NODEINFO_SCHEMA = (version: '2.0' | '2.1') => `http://nodeinfo.diaspora.software/ns/schema/${version}`
export const NODEINFO_CONTENT_TYPE = (version: '2.0' | '2.1') => `application/json; profile="${NODEINFO_SCHEMA(version)}#"`

/** `wss://host` for an https base URL, `ws://host` for plain http. */
export function streamingUrl(config: Config): string {
  return config.baseUrl.replace(/^http/, 'ws')
}

export const thumbnailUrl = (config: Config) => `${config.baseUrl}/instance/thumbnail.png`
export const iconUrl = (config: Config, size: number) => `${config.baseUrl}/instance/icons/${size}.png`

/** The configured source link, or our own address while the package declares none. */
const sourceUrl = (config: Config) => ROOKERY_REPOSITORY ?? `${config.baseUrl}/`

/** Visible text of admin-written HTML, for the places that want plain text. */
export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>\s*<p[^>]*>/gi, '\n\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')
    .trim()
}

const shortDescription = (config: Config) => config.instance.shortDescription || htmlToText(config.instance.description)

export function buildRule(rule: InstanceRule) {
  return { id: rule.id, text: rule.text, hint: rule.hint }
}

/**
 * The contact admin as a Mastodon Account, built from the account row alone (no viewer-specific parts).
 * Default images follow Pleroma's paths.
 */
export function buildContactAccount(account: AccountRow, config: Config) {
  const base = config.baseUrl
  const avatar = account.avatarUrl ?? `${base}/images/avi.png`
  const header = account.headerUrl ?? `${base}/images/banner.png`
  return {
    id: account.id,
    username: account.username,
    acct: account.username,
    display_name: account.displayName,
    locked: account.locked,
    bot: account.bot || account.actorType === 'Service' || account.actorType === 'Application',
    discoverable: account.discoverable,
    indexable: account.indexable,
    group: account.actorType === 'Group',
    noindex: !account.indexable,
    created_at: account.createdAt.toISOString(),
    note: account.note,
    url: account.url ?? `${base}/@${account.username}`,
    uri: account.uri ?? `${base}/users/${account.username}`,
    avatar,
    avatar_static: avatar,
    header,
    header_static: header,
    followers_count: account.hideFollowersCount ? 0 : account.followersCount,
    following_count: account.hideFollowsCount ? 0 : account.followingCount,
    statuses_count: account.statusesCount,
    last_status_at: account.lastStatusAt ? account.lastStatusAt.toISOString().slice(0, 10) : null,
    hide_collections: account.hideFollowers && account.hideFollows,
    emojis: [],
    fields: account.fields.map((f) => ({ name: f.name, value: f.value, verified_at: f.verified_at ?? null })),
    roles: [],
  }
}

function pollLimits(config: Config) {
  const l = config.limits
  return { max_options: l.pollMaxOptions, max_option_chars: l.pollMaxOptionChars, min_expiration: l.pollMinExpiration, max_expiration: l.pollMaxExpiration }
}

/** Mastodon's `configuration` block; `v2` adds the parts only the v2 entity has. */
function configuration(config: Config, v2: boolean, vapidKey = '') {
  const l = config.limits
  const v1 = {
    accounts: { max_featured_tags: MAX_FEATURED_TAGS, max_pinned_statuses: MAX_PINNED_STATUSES },
    statuses: {
      max_characters: l.maxTootChars,
      max_media_attachments: l.maxMediaAttachments,
      characters_reserved_per_url: CHARACTERS_RESERVED_PER_URL,
    },
    media_attachments: {
      supported_mime_types: [...SUPPORTED_MIME_TYPES],
      image_size_limit: l.uploadLimit,
      image_matrix_limit: IMAGE_MATRIX_LIMIT,
      video_size_limit: l.uploadLimit,
      video_frame_rate_limit: VIDEO_FRAME_RATE_LIMIT,
      video_matrix_limit: VIDEO_MATRIX_LIMIT,
    },
    polls: {
      max_options: l.pollMaxOptions,
      max_characters_per_option: l.pollMaxOptionChars,
      min_expiration: l.pollMinExpiration,
      max_expiration: l.pollMaxExpiration,
    },
  }
  if (!v2) return v1
  return {
    urls: { streaming: streamingUrl(config), status: null },
    accounts: {
      ...v1.accounts,
      max_display_name_length: l.maxNameChars,
      max_note_length: l.maxBioChars,
      max_profile_fields: l.maxProfileFields,
      profile_field_name_limit: l.maxFieldNameChars,
      profile_field_value_limit: l.maxFieldValueChars,
    },
    statuses: v1.statuses,
    media_attachments: { ...v1.media_attachments, description_limit: MEDIA_DESCRIPTION_LIMIT },
    polls: v1.polls,
    translation: { enabled: false },
    vapid: { public_key: vapidKey },
  }
}

function pleromaMetadata(config: Config) {
  const l = config.limits
  return {
    account_activation_required: config.accountActivationRequired,
    features: instanceFeatures(config),
    federation: { enabled: true, exclusions: false },
    fields_limits: {
      max_fields: l.maxProfileFields,
      max_remote_fields: MAX_REMOTE_PROFILE_FIELDS,
      name_length: l.maxFieldNameChars,
      value_length: l.maxFieldValueChars,
    },
    post_formats: [...POST_FORMATS],
    privileged_staff: false,
    birthday_required: false,
    birthday_min_age: 0,
  }
}

/** Pleroma's upload and size limits, on v1 at the top level and on v2 inside `pleroma.metadata`. */
function pleromaLimits(config: Config) {
  const l = config.limits
  return {
    upload_limit: l.uploadLimit,
    avatar_upload_limit: l.avatarUploadLimit,
    banner_upload_limit: l.bannerUploadLimit,
    background_upload_limit: l.backgroundUploadLimit,
    background_image: thumbnailUrl(config),
    description_limit: MEDIA_DESCRIPTION_LIMIT,
    // Chat messages share the status length limit.
    chat_limit: l.maxTootChars,
  }
}

/** Mastodon's V1Instance with Pleroma's extras (`max_toot_chars`, `poll_limits`, `pleroma`...). */
export function buildV1Instance(config: Config, info: InstanceInfo) {
  const flags = registrationFlags(config)
  return {
    uri: config.domain,
    title: config.instance.name,
    short_description: config.instance.shortDescription,
    description: config.instance.description,
    ...(info.contactEmail ? { email: info.contactEmail } : {}),
    version: VERSION_STRING,
    urls: { streaming_api: streamingUrl(config) },
    stats: {
      user_count: info.stats.userCount,
      status_count: info.stats.statusCount,
      domain_count: info.stats.domainCount,
    },
    thumbnail: thumbnailUrl(config),
    languages: config.instance.languages,
    registrations: flags.open,
    approval_required: flags.approvalRequired,
    invites_enabled: flags.invitesEnabled,
    configuration: configuration(config, false),
    contact_account: info.contactAccount ? buildContactAccount(info.contactAccount, config) : null,
    rules: info.rules.map(buildRule),
    // Pleroma extras
    max_toot_chars: config.limits.maxTootChars,
    max_media_attachments: config.limits.maxMediaAttachments,
    poll_limits: pollLimits(config),
    ...pleromaLimits(config),
    pleroma: {
      metadata: pleromaMetadata(config),
      stats: { mau: info.stats.activeMonth },
      vapid_public_key: info.vapidKey,
    },
  }
}

/** Mastodon's (v2) Instance, with the `pleroma` block Pleroma adds to it. */
export function buildV2Instance(config: Config, info: InstanceInfo) {
  const flags = registrationFlags(config)
  return {
    domain: config.domain,
    title: config.instance.name,
    version: VERSION_STRING,
    source_url: sourceUrl(config),
    description: shortDescription(config),
    usage: { users: { active_month: info.stats.activeMonth } },
    thumbnail: { url: thumbnailUrl(config) },
    icon: ICON_SIZES.map((size) => ({ src: iconUrl(config, size), size: `${size}x${size}` })),
    languages: config.instance.languages,
    configuration: configuration(config, true, info.vapidKey),
    registrations: {
      enabled: flags.open,
      approval_required: flags.approvalRequired,
      reason_required: flags.reasonRequired,
      message: null,
      min_age: null,
      url: null,
    },
    api_versions: { mastodon: MASTODON_API_LEVEL },
    contact: {
      ...(info.contactEmail ? { email: info.contactEmail } : {}),
      account: info.contactAccount ? buildContactAccount(info.contactAccount, config) : null,
    },
    rules: info.rules.map(buildRule),
    pleroma: {
      metadata: { ...pleromaMetadata(config), ...pleromaLimits(config), invites_enabled: flags.invitesEnabled },
      stats: { mau: info.stats.activeMonth },
      vapid_public_key: info.vapidKey,
    },
  }
}

/** Mastodon's PrivacyPolicy. */
export function buildPrivacyPolicy(policy: InstanceText) {
  return { updated_at: policy.updatedAt.toISOString(), content: policy.content }
}

/** Mastodon 4.4's TermsOfService: one version, in effect since it was written. */
export function buildTermsOfService(terms: InstanceText) {
  return {
    effective_date: terms.updatedAt.toISOString().slice(0, 10),
    effective: true,
    succeeded_by: null,
    content: terms.content,
    updated_at: terms.updatedAt.toISOString(),
  }
}

export function buildExtendedDescription(description: InstanceText) {
  return { updated_at: description.updatedAt.toISOString(), content: description.content }
}

/** Mastodon's activity week: every number as a string, the week as unix seconds. */
export function buildActivityWeek(week: ActivityWeek) {
  return {
    week: String(Math.floor(week.weekStart.getTime() / 1000)),
    statuses: String(week.statuses),
    logins: String(week.logins),
    registrations: String(week.registrations),
  }
}

export function buildDomainBlock(block: PublicDomainBlock) {
  return { domain: block.domain, digest: block.digest, severity: block.severity, comment: block.comment }
}

export function buildCustomEmoji(emoji: CustomEmoji) {
  return {
    shortcode: emoji.shortcode,
    url: emoji.url,
    static_url: emoji.staticUrl,
    visible_in_picker: emoji.visibleInPicker,
    category: emoji.category,
  }
}

/** Pleroma's `/api/pleroma/emoji`: `{ shortcode: { image_url, tags } }`, the image as a path on this server. */
export function buildPleromaEmojiMap(emojis: CustomEmoji[]) {
  const out: Record<string, { image_url: string; tags: string[] }> = {}
  for (const e of emojis) out[e.shortcode] = { image_url: e.path, tags: e.tags }
  return out
}

/** Pleroma's healthcheck body (pool and memory figures, `job_queue_stats`) plus what we know besides. */
export function buildHealth(health: Health) {
  return {
    healthy: health.healthy,
    database: health.database,
    ...(health.problem ? { problem: health.problem } : {}),
    database_state: health.healthy ? 'available' : 'unavailable',
    ...(health.unavailableSince ? { database_unavailable_since: health.unavailableSince.toISOString() } : {}),
    latency_ms: health.latencyMs,
    pool_size: health.poolSize,
    active: health.active,
    idle: health.idle,
    memory_used: health.memoryUsedMb,
    uptime: health.uptimeSeconds,
    version: ROOKERY_VERSION,
    // No background job queue exists yet; its statistics go here when it does.
    job_queue_stats: {},
  }
}

export function buildNodeinfoLinks(config: Config) {
  return {
    links: (['2.0', '2.1'] as const).map((v) => ({ rel: NODEINFO_SCHEMA(v), href: `${config.baseUrl}/nodeinfo/${v}.json` })),
  }
}

/** NodeInfo 2.0 / 2.1 with the metadata Pleroma publishes (features, limits, staff). */
export function buildNodeinfo(version: '2.0' | '2.1', config: Config, data: NodeinfoData) {
  const flags = registrationFlags(config)
  const l = config.limits
  const software: Record<string, string> = { name: SOFTWARE_NAME, version: ROOKERY_VERSION }
  if (version === '2.1' && ROOKERY_REPOSITORY) software.repository = ROOKERY_REPOSITORY
  return {
    version,
    software,
    protocols: ['activitypub'],
    services: { inbound: [], outbound: [] },
    openRegistrations: flags.open,
    usage: {
      users: { total: data.stats.userCount, activeMonth: data.stats.activeMonth, activeHalfyear: data.stats.activeHalfyear },
      localPosts: data.stats.statusCount,
    },
    metadata: {
      nodeName: config.instance.name,
      nodeDescription: config.instance.description,
      private: false,
      suggestions: { enabled: false },
      staffAccounts: data.staffAccounts,
      federation: { enabled: true, ...(data.federationPolicy ?? {}) },
      pollLimits: pollLimits(config),
      postFormats: [...POST_FORMATS],
      uploadLimits: { general: l.uploadLimit, avatar: l.avatarUploadLimit, banner: l.bannerUploadLimit, background: l.backgroundUploadLimit },
      fieldsLimits: { maxFields: l.maxProfileFields, maxRemoteFields: MAX_REMOTE_PROFILE_FIELDS, nameLength: l.maxFieldNameChars, valueLength: l.maxFieldValueChars },
      accountActivationRequired: config.accountActivationRequired,
      invitesEnabled: flags.invitesEnabled,
      mailerEnabled: false,
      features: instanceFeatures(config),
      // Akkoma-FE reads these to show the federated timeline and the "bubble" timeline (no bubble here)
      federatedTimelineAvailable: true,
      localBubbleInstances: [] as string[],
      // Libraries that only know Mastodon-family names (megalodon, used by Whalebird) accept a server whose upstream is Mastodon.
      upstream: { name: 'mastodon', version: MASTODON_API_VERSION },
    },
  }
}

const escapeXml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;')

const webfingerTemplate = (config: Config) => `${config.baseUrl}/.well-known/webfinger?resource={uri}`

export function buildHostMetaXml(config: Config): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">
  <Link rel="lrdd" template="${escapeXml(webfingerTemplate(config))}"/>
</XRD>
`
}

export function buildHostMetaJson(config: Config) {
  return { links: [{ rel: 'lrdd', template: webfingerTemplate(config) }] }
}

interface JrdLink { rel: string; type?: string; href?: string; template?: string }

/** The JRD for a local account; `rels` (RFC 7033's `rel` parameter) keeps only the links asked for. */
export function buildJrd(account: AccountRow, config: Config, rels: string[] = []) {
  const uri = account.uri ?? `${config.baseUrl}/users/${account.username}`
  const url = account.url ?? `${config.baseUrl}/@${account.username}`
  const links: JrdLink[] = [
    { rel: 'http://webfinger.net/rel/profile-page', type: 'text/html', href: url },
    { rel: 'self', type: 'application/activity+json', href: uri },
    { rel: 'self', type: 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"', href: uri },
  ]
  if (account.avatarUrl) links.push({ rel: 'http://webfinger.net/rel/avatar', href: account.avatarUrl })
  // where remote-follow buttons of other instances send this account's user to act on an object
  links.push({ rel: 'http://ostatus.org/schema/1.0/subscribe', template: `${config.baseUrl}/authorize_interaction?uri={uri}` })
  return {
    subject: `acct:${account.username}@${config.domain}`,
    aliases: [...new Set([uri, url])],
    links: rels.length ? links.filter((l) => rels.includes(l.rel)) : links,
  }
}

/** The same document as XRD, for the old XML flavour of WebFinger. */
export function buildXrd(jrd: ReturnType<typeof buildJrd>): string {
  const links = jrd.links
    .map((l) => `  <Link rel="${escapeXml(l.rel)}"${l.type ? ` type="${escapeXml(l.type)}"` : ''}${l.href ? ` href="${escapeXml(l.href)}"` : ''}${l.template ? ` template="${escapeXml(l.template)}"` : ''}/>`)
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">',
    `  <Subject>${escapeXml(jrd.subject)}</Subject>`,
    ...jrd.aliases.map((a) => `  <Alias>${escapeXml(a)}</Alias>`),
    ...links,
    '</XRD>',
    '',
  ].join('\n')
}

/** The web app manifest, so the instance installs as an app under its own name. */
export function buildManifest(config: Config) {
  return {
    name: config.instance.name,
    short_name: config.instance.name,
    description: shortDescription(config),
    lang: config.instance.languages[0] ?? 'en',
    start_url: '/',
    scope: '/',
    display: 'standalone',
    theme_color: THEME_COLOUR,
    background_color: THEME_COLOUR,
    icons: ICON_SIZES.filter((s) => s >= 192).map((size) => ({
      src: iconUrl(config, size),
      sizes: `${size}x${size}`,
      type: 'image/png',
      purpose: 'any',
    })),
  }
}
