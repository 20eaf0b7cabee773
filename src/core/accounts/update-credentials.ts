import { eq, sql, type SQL } from 'drizzle-orm'
import { accounts, conversationParticipations, followRequests, notifications, users, type AccountRow, type ProfileField, type UserRow, type Visibility } from '../../db/schema'
import type { Ctx } from '../context'
import { NotFoundError, ValidationError } from '../errors'
import { deleteProfileImages, inspectProfileImage, storeProfileImage, type ProfileImageKind } from '../media/profile-images'
import type { InspectedImage } from '../media/upload'
import type { UserViewer } from '../oauth/authenticate'
import { isPlainObject, parseArray, parseBool, parseStringArray } from '../params'
import { ErrorCollector } from './error-collector'
import { formatBio } from './profile-text'
import { normalizeLocale } from './register'
import { enqueuePublish } from '../federation/publish'
import { preparedPerDb } from '../../db/prepared'
import { idToUuid } from '../ids'

export const POSTING_VISIBILITIES: Visibility[] = ['public', 'unlisted', 'private', 'direct']
export const ACTOR_TYPES = ['Person', 'Service'] as const
export const MAX_ALSO_KNOWN_AS = 10
export const MAX_ATTRIBUTION_DOMAINS = 10
export const MAX_IMAGE_DESCRIPTION_CHARS = 1500
const DOMAIN_PATTERN = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/
export const MAX_SETTINGS_STORE_BYTES = 100_000
const LANGUAGE_PATTERN = /^[a-z]{2,3}$/

export interface OwnAccount {
  account: AccountRow
  user: UserRow
}

/** The caller's own account and user rows. */
export async function getOwnAccount(ctx: Ctx, viewer: UserViewer): Promise<OwnAccount> {
  const [row] = await ctx.db.select({ account: accounts, user: users }).from(users)
    .innerJoin(accounts, eq(accounts.id, users.accountId))
    .where(eq(users.id, viewer.userId)).limit(1)
  if (!row) throw new NotFoundError()
  return row
}

/** What a CredentialAccount counts for its owner: pending follow requests, unread conversations and notifications. */
export interface OwnCounts {
  followRequests: number
  unreadConversations: number
  unreadNotifications: number
}

/** The owner's counts as columns of a select, `owner` being the account id as an SQL expression. */
export function ownCountsColumns(owner: SQL) {
  return {
    followRequests: sql<number>`(select count(*) from ${followRequests} where ${followRequests.targetAccountId} = ${owner})`.mapWith(Number),
    unreadConversations: sql<number>`(select count(*) from ${conversationParticipations}
      where ${conversationParticipations.accountId} = ${owner} and ${conversationParticipations.unread} and not ${conversationParticipations.hidden})`.mapWith(Number),
    unreadNotifications: sql<number>`(select count(*) from ${notifications} where ${notifications.accountId} = ${owner} and not ${notifications.seen})`.mapWith(Number),
  }
}

const ownAccountWithCounts = preparedPerDb((db) => db.select({ account: accounts, user: users, ...ownCountsColumns(sql`${accounts.id}`) })
  .from(users).innerJoin(accounts, eq(accounts.id, users.accountId))
  .where(sql`${users.id} = ${sql.placeholder('userId')}::uuid`).limit(1).prepare('own_account_with_counts'))

/** `getOwnAccount` with the counts of a CredentialAccount, in the same statement. */
export async function getOwnAccountWithCounts(ctx: Ctx, viewer: UserViewer): Promise<OwnAccount & { counts: OwnCounts }> {
  const [row] = await ownAccountWithCounts(ctx.db).execute({ userId: idToUuid(viewer.userId) })
  if (!row) throw new NotFoundError()
  const { account, user, ...counts } = row
  return { account, user, counts }
}

/** Mastodon's Preferences entity, from the user's posting defaults. */
export function buildPreferences(user: UserRow) {
  return {
    'posting:default:visibility': POSTING_VISIBILITIES.includes(user.defaultVisibility) ? user.defaultVisibility : 'public',
    'posting:default:sensitive': user.defaultSensitive,
    'posting:default:language': user.defaultLanguage,
    'reading:expand:media': 'default',
    'reading:expand:spoilers': false,
    'reading:autoplay:gifs': false,
  }
}

const has = (input: Record<string, unknown>, key: string) => input[key] !== undefined && input[key] !== null

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return undefined
}

/** fields_attributes as an array or an index-keyed object (`fields_attributes[0][name]=...`). */
function parseFields(value: unknown, errors: ErrorCollector, ctx: Ctx, previous: ProfileField[]): ProfileField[] | undefined {
  if (value !== '' && !Array.isArray(value) && !isPlainObject(value)) {
    errors.add('fields_attributes', 'ERR_INVALID', 'is invalid', 'Fields are invalid')
    return undefined
  }
  const { maxProfileFields, maxFieldNameChars, maxFieldValueChars } = ctx.config.limits
  const fields: ProfileField[] = []
  for (const entry of parseArray(value)) {
    if (!isPlainObject(entry)) {
      errors.add('fields_attributes', 'ERR_INVALID', 'is invalid', 'Fields are invalid')
      return undefined
    }
    const name = (text(entry.name) ?? '').trim()
    const val = (text(entry.value) ?? '').trim()
    if (!name && !val) continue
    fields.push({ name, value: val })
  }
  let ok = true
  if (fields.length > maxProfileFields) {
    errors.add('fields', 'ERR_TOO_LONG', 'is too long', `Fields is too long (maximum is ${maxProfileFields} fields)`)
    ok = false
  }
  if (fields.some((f) => f.name.length > maxFieldNameChars)) {
    errors.add('fields', 'ERR_TOO_LONG', 'is too long', `Field name is too long (maximum is ${maxFieldNameChars} characters)`)
    ok = false
  }
  if (fields.some((f) => f.value.length > maxFieldValueChars)) {
    errors.add('fields', 'ERR_TOO_LONG', 'is too long', `Field value is too long (maximum is ${maxFieldValueChars} characters)`)
    ok = false
  }
  if (!ok) return undefined
  // A field whose text did not change keeps its verification.
  return fields.map((f) => {
    const before = previous.find((p) => p.name === f.name && p.value === f.value)
    return before?.verified_at ? { ...f, verified_at: before.verified_at } : f
  })
}

function parseSettingsStore(value: unknown, errors: ErrorCollector): Record<string, unknown> | undefined {
  let parsed = value
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value)
    } catch {
      errors.add('pleroma_settings_store', 'ERR_INVALID', 'is invalid', 'Pleroma settings store is not valid JSON')
      return undefined
    }
  }
  if (!isPlainObject(parsed)) {
    errors.add('pleroma_settings_store', 'ERR_INVALID', 'is invalid', 'Pleroma settings store must be an object')
    return undefined
  }
  return parsed
}

function parseAliases(value: unknown, errors: ErrorCollector): string[] | undefined {
  const list = value === '' ? [] : parseStringArray(value).map((s) => s.trim()).filter(Boolean)
  if (list.length > MAX_ALSO_KNOWN_AS) {
    errors.add('also_known_as', 'ERR_TOO_LONG', 'is too long', `Also known as is too long (maximum is ${MAX_ALSO_KNOWN_AS} entries)`)
    return undefined
  }
  for (const uri of list) {
    let ok = uri.length <= 2000
    try {
      ok &&= /^https?:$/.test(new URL(uri).protocol)
    } catch {
      ok = false
    }
    if (!ok) {
      errors.add('also_known_as', 'ERR_INVALID', 'is invalid', 'Also known as must list actor URIs')
      return undefined
    }
  }
  return [...new Set(list)]
}

/** `attribution_domains[]`: host names (an IDN becomes its punycode form), at most ten, without repeats. */
function parseAttributionDomains(value: unknown, errors: ErrorCollector): string[] | undefined {
  const list = value === '' ? [] : parseStringArray(value).map((s) => s.trim().toLowerCase()).filter(Boolean)
  if (list.length > MAX_ATTRIBUTION_DOMAINS) {
    errors.add('attribution_domains', 'ERR_TOO_LONG', 'is too long', `Attribution domains is too long (maximum is ${MAX_ATTRIBUTION_DOMAINS} domains)`)
    return undefined
  }
  const domains: string[] = []
  for (const entry of list) {
    let host: string | undefined
    try {
      const url = new URL(`http://${entry}`)
      if (url.host === url.hostname && url.pathname === '/' && !url.search && !url.hash && !url.username) host = url.hostname
    } catch {
      host = undefined
    }
    if (!host || !DOMAIN_PATTERN.test(host)) {
      errors.add('attribution_domains', 'ERR_INVALID', 'is invalid', `Attribution domains: "${entry.slice(0, 100)}" is not a domain`)
      return undefined
    }
    domains.push(host)
  }
  return [...new Set(domains)]
}

/**
 * PATCH /api/v1/accounts/update_credentials: Mastodon's profile and posting settings plus Pleroma's extras.
 * Only parameters that are present change anything; every problem is reported at once as a 422.
 * Image parameters (`avatar`, `header`, `pleroma_background_image`): an image file replaces the picture, "" resets it.
 */
export async function updateCredentials(ctx: Ctx, viewer: UserViewer, input: Record<string, unknown>): Promise<OwnAccount> {
  const errors = new ErrorCollector()
  const { limits } = ctx.config
  const current = await getOwnAccount(ctx, viewer)
  const account: Partial<typeof accounts.$inferInsert> = {}
  const user: Partial<typeof users.$inferInsert> = {}

  if (has(input, 'display_name')) {
    const name = text(input.display_name) ?? ''
    if (name.length > limits.maxNameChars) {
      errors.add('display_name', 'ERR_TOO_LONG', 'is too long', `Display name is too long (maximum is ${limits.maxNameChars} characters)`)
    } else {
      account.displayName = name.replace(/[\r\n]+/g, ' ').trim()
    }
  }

  let note: string | undefined
  if (has(input, 'note')) {
    note = (text(input.note) ?? '').replace(/\r\n?/g, '\n')
    if (note.length > limits.maxBioChars) {
      errors.add('note', 'ERR_TOO_LONG', 'is too long', `Note is too long (maximum is ${limits.maxBioChars} characters)`)
      note = undefined
    }
  }

  const bools: Array<[string, (v: boolean) => void]> = [
    ['locked', (v) => (account.locked = v)],
    ['discoverable', (v) => (account.discoverable = v)],
    ['indexable', (v) => (account.indexable = v)],
    ['hide_collections', (v) => { account.hideFollowers = v; account.hideFollows = v }],
    ['hide_followers', (v) => (account.hideFollowers = v)],
    ['hide_follows', (v) => (account.hideFollows = v)],
    ['hide_followers_count', (v) => (account.hideFollowersCount = v)],
    ['hide_follows_count', (v) => (account.hideFollowsCount = v)],
    ['hide_favorites', (v) => (account.hideFavorites = v)],
    ['no_rich_text', (v) => (user.noRichText = v)],
    ['show_role', (v) => (user.showRole = v)],
    ['skip_thread_containment', (v) => (user.skipThreadContainment = v)],
    ['allow_following_move', (v) => (user.allowFollowingMove = v)],
    ['accepts_chat_messages', (v) => (user.acceptsChatMessages = v)],
    ['bot', (v) => { account.bot = v; account.actorType = v ? 'Service' : 'Person' }],
    ['show_media', (v) => (account.showMedia = v)],
    ['show_media_replies', (v) => (account.showMediaReplies = v)],
    ['show_featured', (v) => (account.showFeatured = v)],
  ]
  for (const [key, apply] of bools) {
    if (!has(input, key)) continue
    const value = parseBool(input[key])
    if (value === undefined) errors.add(key, 'ERR_INVALID', 'is invalid', `${key} must be a boolean`)
    else apply(value)
  }

  if (has(input, 'actor_type')) {
    const type = text(input.actor_type)
    if (!type || !(ACTOR_TYPES as readonly string[]).includes(type)) {
      errors.add('actor_type', 'ERR_INCLUSION', 'is not included in the list', 'Actor type is not included in the list')
    } else {
      account.actorType = type
      account.bot = type !== 'Person'
    }
  }

  const source = isPlainObject(input.source) ? input.source : {}
  const privacy = has(source, 'privacy') ? source.privacy : input.default_scope
  if (privacy !== undefined && privacy !== null && privacy !== '') {
    if (!POSTING_VISIBILITIES.includes(privacy as Visibility)) {
      errors.add('source.privacy', 'ERR_INCLUSION', 'is not included in the list', 'Privacy is not included in the list')
    } else {
      user.defaultVisibility = privacy as Visibility
    }
  }
  if (has(source, 'sensitive')) {
    const value = parseBool(source.sensitive)
    if (value === undefined) errors.add('source.sensitive', 'ERR_INVALID', 'is invalid', 'Sensitive must be a boolean')
    else user.defaultSensitive = value
  }
  if (source.language !== undefined) {
    const lang = (text(source.language) ?? '').trim().toLowerCase()
    if (!lang) user.defaultLanguage = null
    else if (!LANGUAGE_PATTERN.test(lang)) errors.add('source.language', 'ERR_INCLUSION', 'is not included in the list', 'Language is not included in the list')
    else user.defaultLanguage = lang
  }

  if (input.fields_attributes !== undefined) {
    const fields = parseFields(input.fields_attributes, errors, ctx, current.account.fields)
    if (fields) account.fields = fields
  }

  let settingsPatch: Record<string, unknown> | undefined
  if (has(input, 'pleroma_settings_store')) {
    settingsPatch = parseSettingsStore(input.pleroma_settings_store, errors)
    if (settingsPatch) {
      const merged = { ...current.user.settingsStore, ...settingsPatch }
      if (JSON.stringify(merged).length > MAX_SETTINGS_STORE_BYTES) {
        errors.add('pleroma_settings_store', 'ERR_TOO_LONG', 'is too long', 'Pleroma settings store is too large')
      }
    }
  }

  for (const [key, column] of [['avatar_description', 'avatarDescription'], ['header_description', 'headerDescription']] as const) {
    if (input[key] === undefined) continue
    const description = (text(input[key]) ?? '').trim()
    if (description.length > MAX_IMAGE_DESCRIPTION_CHARS) {
      errors.add(key, 'ERR_TOO_LONG', 'is too long', `Description is too long (maximum is ${MAX_IMAGE_DESCRIPTION_CHARS} characters)`)
    } else {
      account[column] = description
    }
  }

  const attribution = input.attribution_domains ?? input['attribution_domains[]']
  if (attribution !== undefined) {
    const domains = parseAttributionDomains(attribution, errors)
    if (domains) account.attributionDomains = domains
  }

  if (input.also_known_as !== undefined) {
    const aliases = parseAliases(input.also_known_as, errors)
    if (aliases) account.alsoKnownAs = aliases
  }

  if (has(input, 'language')) {
    const locale = normalizeLocale(input.language)
    if (locale === null) errors.add('language', 'ERR_INCLUSION', 'is not included in the list', 'Language is not included in the list')
    else if (locale) user.locale = locale
  }

  // Images: "" resets to the default; a file replaces it (checked now, stored once everything else is valid).
  const imageParams: Array<[ProfileImageKind, string, 'avatarUrl' | 'headerUrl' | 'backgroundUrl']> = [
    ['avatar', 'avatar', 'avatarUrl'], ['header', 'header', 'headerUrl'], ['background', 'pleroma_background_image', 'backgroundUrl'],
  ]
  const newImages: Array<[ProfileImageKind, 'avatarUrl' | 'headerUrl' | 'backgroundUrl', InspectedImage]> = []
  for (const [kind, key, column] of imageParams) {
    if (input[key] === '') account[column] = null
    try {
      const image = await inspectProfileImage(ctx, kind, input[key])
      if (image) newImages.push([kind, column, image])
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e
      errors.absorb(new ValidationError(e.message, { details: { [key]: [{ error: String(e.extra.error_code ?? 'ERR_INVALID'), description: e.message.replace(/^Validation failed: /, '') }] } }))
    }
  }

  errors.throwIfAny()

  for (const [kind, column, image] of newImages) account[column] = await storeProfileImage(ctx, kind, image)

  if (note !== undefined) {
    account.noteSource = note.trim()
    account.note = await formatBio(ctx.db, note, { baseUrl: ctx.config.baseUrl, domain: ctx.config.domain })
  }

  const updated = await ctx.db.transaction(async (tx) => {
    let accountRow = current.account
    let userRow = current.user
    if (Object.keys(account).length) {
      ;[accountRow] = await tx.update(accounts).set({ ...account, updatedAt: new Date() }).where(eq(accounts.id, viewer.accountId)).returning()
      await enqueuePublish(ctx, tx, { type: 'actor.update', accountId: viewer.accountId })
    }
    if (settingsPatch) {
      // Merge under a row lock so concurrent saves from two frontends do not drop each other's keys.
      const [locked] = await tx.select({ settingsStore: users.settingsStore }).from(users).where(eq(users.id, viewer.userId)).for('update')
      user.settingsStore = { ...locked.settingsStore, ...settingsPatch }
    }
    if (Object.keys(user).length) {
      ;[userRow] = await tx.update(users).set({ ...user, updatedAt: new Date() }).where(eq(users.id, viewer.userId)).returning()
    }
    return { account: accountRow, user: userRow }
  }).catch(async (e) => {
    await deleteProfileImages(ctx, newImages.map(([, column]) => account[column]))
    throw e
  })
  // Replaced or reset pictures of ours are deleted once the new ones are saved.
  await deleteProfileImages(ctx, imageParams
    .map(([, , column]) => column)
    .filter((column) => column in account && current.account[column] !== updated.account[column])
    .map((column) => current.account[column]))
  return updated
}
