import { eq, sql, type SQL } from 'drizzle-orm'
import type { Ctx } from '../../core/context'
import { DEFAULT_AVATAR_PATH, DEFAULT_HEADER_PATH } from '../../core/accounts/default-images'
import { formatFieldValue } from '../../core/accounts/profile-text'
import { issueSocketToken } from '../../core/chats/shoutbox'
import { proxiedProfileImageUrl, remoteMediaProxyBase, type RemoteProfileImage } from '../../core/media/remote-links'
import { ownCountsColumns, POSTING_VISIBILITIES, type OwnCounts } from '../../core/accounts/update-credentials'
import type { Viewer } from '../../core/oauth/authenticate'
import { loadRelationships } from '../../core/relationships/queries'
import { accounts, remoteActors, users, type AccountRow, type UserRow } from '../../db/schema'
import { runPrepared, runPreparedWith } from '../../db/prepared'
import { anyId, anyIdShape, jsonArrayColumns, uuidParam, type Binds } from '../../db/sql'
import { uuidToId } from '../../core/ids'
import { loadAccountEmojis, type CustomEmojiEntity } from './emoji'
import { buildRelationship, type RelationshipEntity } from './relationship'

/** The account columns an Account entity shows (a CredentialAccount's own come with its `credentials`) and a status's rendering reads. */
const ACCOUNT_VIEW_KEYS = [
  'id', 'username', 'domain', 'displayName', 'note', 'fields', 'avatarUrl', 'headerUrl', 'backgroundUrl', 'avatarRemoteUrl',
  'headerRemoteUrl', 'avatarDescription', 'headerDescription', 'showMedia', 'showMediaReplies', 'showFeatured', 'locked', 'bot',
  'actorType', 'discoverable', 'indexable', 'hideFollowers', 'hideFollows', 'hideFollowersCount', 'hideFollowsCount',
  'hideFavorites', 'alsoKnownAs', 'movedToId', 'uri', 'url', 'statusesCount', 'followersCount', 'followingCount',
  'lastStatusAt', 'suspendedAt', 'sensitizedAt', 'createdAt',
] as const satisfies readonly (keyof AccountRow)[]
export type AccountView = Pick<AccountRow, (typeof ACCOUNT_VIEW_KEYS)[number]>

/** The user columns an Account entity shows to anyone, its owner or staff (a CredentialAccount's own come with its `credentials`). */
export const ACCOUNT_USER_KEYS = [
  'accountId', 'isAdmin', 'isModerator', 'isActive', 'isApproved', 'confirmedAt', 'tags', 'showRole', 'allowFollowingMove',
  'acceptsChatMessages', 'skipThreadContainment', 'email', 'notificationSettings',
] as const satisfies readonly (keyof UserRow)[]
export type AccountUser = Pick<UserRow, (typeof ACCOUNT_USER_KEYS)[number]>
const accountViewJson = jsonArrayColumns(accounts, 'a', ACCOUNT_VIEW_KEYS)
const accountUserJson = jsonArrayColumns(users, 'u', ACCOUNT_USER_KEYS)
const accountUserColumns = Object.fromEntries(ACCOUNT_USER_KEYS.map((key) => [key, users[key]])) as { [K in (typeof ACCOUNT_USER_KEYS)[number]]: (typeof users)[K] }

/** What buildAccount needs beside the row; everything is loaded beforehand, in batches. */
export interface AccountExtras {
  baseUrl: string
  localDomain: string
  /** the media proxy's base when remote media are proxied */
  proxyBase?: string | null
  /** The local user behind the account (null for remote accounts). */
  user: AccountUser | null
  viewer: Viewer | null
  /** The account this one moved to, already rendered (an AccountEntity). */
  moved?: object | null
  /** CredentialAccount: `source`, `role`, settings store and other owner-only fields. */
  credentials?: {
    followRequestsCount: number
    unreadConversations: number
    unreadNotifications: number
    /** Pleroma's `chat_token` for the shoutbox socket (none for a session without an OAuth token) */
    chatToken: string | null
    /** the owner's account and user in full, for what only they see (`source`, the settings store) */
    account: AccountRow
    user: UserRow
  } | null
  /** Pleroma's `pleroma.relationship`, when the client asked `with_relationships` */
  relationship?: RelationshipEntity | null
  /** custom emoji used in the display name, bio and profile fields */
  emojis?: CustomEmojiEntity[]
  /** a remote account's `capabilities.acceptsChatMessages` */
  remoteAcceptsChats?: boolean
}

export type AccountEntity = ReturnType<typeof buildAccount>

/** Mastodon truncates the creation time to midnight (UTC), which is all profiles show and leaks less. */
function midnight(date: Date): string {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate())).toISOString()
}

function dateOnly(date: Date | null): string | null {
  return date ? date.toISOString().slice(0, 10) : null
}

/** Mastodon's built-in roles, for clients that show staff badges or check permissions. */
function staffRole(user: AccountUser | null) {
  if (user?.isAdmin) return { id: '3', name: 'Admin', color: '', permissions: '1', highlighted: user.showRole }
  if (user?.isModerator) return { id: '2', name: 'Moderator', color: '', permissions: '1308', highlighted: user.showRole }
  return null
}

/** A remote account's uncached avatar or header through the media proxy, when remote media are proxied. */
function proxiedProfileImage(row: AccountView, kind: RemoteProfileImage, proxyBase: string | null | undefined): string | null {
  const remote = kind === 'avatar' ? row.avatarRemoteUrl : row.headerRemoteUrl
  const shown = kind === 'avatar' ? row.avatarUrl : row.headerUrl
  return proxyBase && row.domain && remote && shown === remote ? proxiedProfileImageUrl(proxyBase, kind, row.id, remote) : null
}

/**
 * Mastodon's Account entity (CredentialAccount with `extras.credentials`) with Pleroma's `pleroma` object.
 * Pure: no queries. Owner-only and staff-only data are decided here from `extras.viewer`.
 */
export function buildAccount(row: AccountView, extras: AccountExtras) {
  const { baseUrl, user, viewer } = extras
  const local = row.domain === null
  const self = !!viewer?.accountId && viewer.accountId === row.id
  const staff = !!viewer && (viewer.isAdmin || viewer.isModerator)
  const showRole = local && !!user && (user.showRole || self || staff)
  const role = staffRole(user)
  const avatar = proxiedProfileImage(row, 'avatar', extras.proxyBase) ?? row.avatarUrl ?? `${baseUrl}${DEFAULT_AVATAR_PATH}`
  const header = proxiedProfileImage(row, 'header', extras.proxyBase) ?? row.headerUrl ?? `${baseUrl}${DEFAULT_HEADER_PATH}`
  const fields = row.fields.map((f) => ({
    name: f.name,
    value: local ? formatFieldValue(f.value) : f.value,
    verified_at: f.verified_at ?? null,
  }))
  const credentials = self && user ? extras.credentials : null

  const entity = {
    id: row.id,
    username: row.username,
    acct: local ? row.username : `${row.username}@${row.domain}`,
    display_name: row.displayName,
    locked: row.locked,
    bot: row.bot,
    discoverable: row.discoverable,
    indexable: row.indexable,
    group: row.actorType === 'Group',
    created_at: midnight(row.createdAt),
    note: row.note,
    url: row.url ?? row.uri ?? `${baseUrl}/@${row.username}`,
    uri: row.uri ?? `${baseUrl}/users/${row.username}`,
    avatar,
    avatar_static: avatar,
    header,
    header_static: header,
    avatar_description: row.avatarDescription,
    header_description: row.headerDescription,
    followers_count: row.hideFollowersCount && !self ? 0 : row.followersCount,
    following_count: row.hideFollowsCount && !self ? 0 : row.followingCount,
    statuses_count: row.statusesCount,
    last_status_at: dateOnly(row.lastStatusAt),
    hide_collections: row.hideFollowers && row.hideFollows,
    noindex: local ? !row.indexable : null,
    emojis: extras.emojis ?? [],
    roles: local ? (role && user?.showRole ? [{ id: role.id, name: role.name, color: role.color }] : []) : null,
    fields,
    show_media: row.showMedia,
    show_media_replies: row.showMediaReplies,
    show_featured: row.showFeatured,
    ...(extras.moved ? { moved: extras.moved } : {}),
    ...(row.suspendedAt ? { suspended: true } : {}),
    fqn: `${row.username}@${row.domain ?? extras.localDomain}`,
    pleroma: {
      ap_id: row.uri ?? `${baseUrl}/users/${row.username}`,
      also_known_as: row.alsoKnownAs,
      background_image: row.backgroundUrl,
      tags: user && (self || staff) ? user.tags : [],
      ...(showRole ? { is_admin: user!.isAdmin, is_moderator: user!.isModerator } : {}),
      is_confirmed: local ? !!user?.confirmedAt : true,
      is_suggested: false,
      hide_favorites: row.hideFavorites,
      hide_followers: row.hideFollowers,
      hide_follows: row.hideFollows,
      hide_followers_count: row.hideFollowersCount,
      hide_follows_count: row.hideFollowsCount,
      relationship: extras.relationship ?? {},
      skip_thread_containment: user?.skipThreadContainment ?? false,
      accepts_chat_messages: local ? (user?.acceptsChatMessages ?? false) : (extras.remoteAcceptsChats ?? null),
      favicon: null,
      ...(self && user ? { allow_following_move: user.allowFollowingMove, email: user.email, notification_settings: user.notificationSettings } : {}),
      ...(credentials && user ? {
        settings_store: credentials.user.settingsStore,
        ...(credentials.chatToken ? { chat_token: credentials.chatToken } : {}),
        unread_conversation_count: credentials.unreadConversations,
        unread_notifications_count: credentials.unreadNotifications,
      } : {}),
      ...(staff && user ? { deactivated: !user.isActive, is_approved: user.isApproved } : {}),
    },
    ...(credentials && user ? {
      source: {
        privacy: POSTING_VISIBILITIES.includes(credentials.user.defaultVisibility) ? credentials.user.defaultVisibility : 'public',
        sensitive: credentials.user.defaultSensitive,
        language: credentials.user.defaultLanguage,
        note: credentials.account.noteSource,
        fields: row.fields.map((f) => ({ name: f.name, value: f.value, verified_at: f.verified_at ?? null })),
        follow_requests_count: credentials.followRequestsCount,
        indexable: row.indexable,
        discoverable: row.discoverable,
        hide_collections: row.hideFollowers && row.hideFollows,
        attribution_domains: credentials.account.attributionDomains,
        pleroma: {
          actor_type: row.actorType,
          discoverable: row.discoverable,
          no_rich_text: credentials.user.noRichText,
          show_role: user.showRole,
        },
      },
      role: role ?? { id: '-99', name: '', color: '', permissions: '0', highlighted: false },
    } : {}),
  }
  return entity
}

/** The user behind each account already loaded with it (null: the account has none); the others are looked up. */
export type PreloadedUsers = ReadonlyMap<string, AccountUser | null>

/** Accounts with their users in one query (a left join), for `renderAccounts`'s `users`. */
export async function loadAccountsWithUsers(ctx: Ctx, ids: string[]): Promise<{ rows: AccountRow[]; users: Map<string, UserRow | null> }> {
  if (!ids.length) return { rows: [], users: new Map() }
  const found = await runPrepared(ctx, `accounts-with-users:${anyIdShape(ids)}`, (b) => ctx.db.select({ account: accounts, user: users })
    .from(accounts).leftJoin(users, eq(users.accountId, accounts.id)).where(anyId(accounts.id, ids, b)))
  return { rows: found.map((f) => f.account), users: new Map(found.map((f) => [f.account.id, f.user])) }
}

/** Accounts as `accountViewsJsonSql` reads them: what `loadAccountParts` and `buildAccounts` take of them. */
export interface AccountViews {
  rows: AccountView[]
  /** the user behind each account, null for remote ones */
  users: Map<string, AccountUser | null>
  /** remote accounts' `capabilities.acceptsChatMessages`, where known */
  remoteAcceptsChats: Map<string, boolean>
}

/** An account as a page reads it (`accountViewsJsonSql`), kept by the render cache under the `render_version` read with it. */
export interface KeptAccountView {
  version: number
  row: AccountView
  /** its user, null for a remote account */
  user: AccountUser | null
  /** a remote account's `capabilities.acceptsChatMessages`, null when not known */
  acceptsChats: boolean | null
}

/** An account `a` as `accountViewsJsonSql` gives one it reads in full. */
const accountViewInFullSql = sql`json_build_array(a.id, a.render_version, ${accountViewJson.sql},
  (select ${accountUserJson.sql} from ${users} u where u.account_id = a.id),
  (select ra.accepts_chat_messages from ${remoteActors} ra where ra.account_id = a.id and a.domain is not null))`

/**
 * The accounts `ids` as one JSON value, for a statement that reads them beside its own (a page's viewer state). An
 * account whose `render_version` is the one given for it in `versions` (an `int[]` literal, in the order of `ids`:
 * the version the render cache holds, -1 for none) comes as its id alone; any other with its version, the columns an
 * Account entity shows, its user and, for a remote one, whether it takes chat messages, all read in one snapshot.
 */
export function accountViewsJsonSql(ids: readonly string[], versions: string, b: Binds): SQL {
  return sql`(select json_agg(case when a.render_version = k.version then json_build_array(a.id) else ${accountViewInFullSql} end)
    from unnest(${b.uuids(ids)}, ${b.value(versions)}::int[]) as k(id, version) join ${accounts} a on a.id = k.id)`
}

/**
 * The account whose id is `id` (an expression: the author column of the row a statement reads) as one entry of
 * `accountViewsJsonSql`'s value: its id alone when it is the `held` account at the held version, else in full.
 */
export function accountViewJsonSql(id: SQL, held: { id: SQL; version: SQL } | null): SQL {
  const current = held ? sql`a.id = ${held.id} and a.render_version = ${held.version}` : sql`false`
  return sql`(select case when ${current} then json_build_array(a.id) else ${accountViewInFullSql} end from ${accounts} a where a.id = ${id})`
}

/** The versions of the `held` accounts among `ids`, as `accountViewsJsonSql` takes them. */
export function heldVersions(ids: readonly string[], held: ReadonlyMap<string, KeptAccountView>): string {
  return `{${ids.map((id) => held.get(id)?.version ?? -1).join(',')}}`
}

/** One account of `accountViewsJsonSql`'s value: its id alone (held and current), or read in full. */
type AccountViewEntry = [string] | [string, number, unknown[], unknown[] | null, boolean | null]

/** `accountViewJsonSql`'s value as `accountViewsJsonSql`'s of that one account. */
export const accountViewAsList = (value: unknown): AccountViewEntry[] => [(typeof value === 'string' ? JSON.parse(value) : value) as AccountViewEntry]

/** Accounts as `accountViewsJsonSql` gives them: all of them, and those it read anew (to keep). */
export interface AccountViewsRead {
  views: AccountViews
  fresh: KeptAccountView[]
}

/** The accounts from `accountViewsJsonSql`'s value, the `held` ones it found current among them. */
export function accountViewsFromJson(value: unknown, held: ReadonlyMap<string, KeptAccountView>): AccountViewsRead {
  const list = (typeof value === 'string' ? JSON.parse(value) : value) as AccountViewEntry[] | null
  const views: AccountViews = { rows: [], users: new Map(), remoteAcceptsChats: new Map() }
  const fresh: KeptAccountView[] = []
  const add = (kept: KeptAccountView) => {
    views.rows.push(kept.row)
    views.users.set(kept.row.id, kept.user)
    if (kept.acceptsChats !== null) views.remoteAcceptsChats.set(kept.row.id, kept.acceptsChats)
  }
  for (const entry of list ?? []) {
    if (entry.length === 1) {
      const kept = held.get(uuidToId(entry[0]))
      if (kept) add(kept)
      continue
    }
    const [, version, account, user, acceptsChats] = entry
    const kept = { version: Number(version), row: accountViewJson.row(account), user: user ? accountUserJson.row(user) : null, acceptsChats }
    fresh.push(kept)
    add(kept)
  }
  return { views, fresh }
}

/** `accountViewsJsonSql` in a statement of its own. */
export async function loadAccountViews(ctx: Ctx, ids: string[], held: ReadonlyMap<string, KeptAccountView>): Promise<AccountViewsRead> {
  if (!ids.length) return { views: { rows: [], users: new Map(), remoteAcceptsChats: new Map() }, fresh: [] }
  const versions = heldVersions(ids, held)
  const [row] = await runPreparedWith(ctx, 'account-views', { accounts: ids, accountVersions: versions }, (b) =>
    ctx.db.select({ accounts: accountViewsJsonSql(ids, versions, b) }).from(sql`(values (1)) as page(one)`))
  return accountViewsFromJson(row.accounts, held)
}

/** What rendering accounts needs whoever the viewer: their users, the accounts they moved to, their custom emoji. */
export interface AccountParts {
  rows: AccountView[]
  users: Map<string, AccountUser | null>
  moved: AccountView[]
  emojis: Map<string, CustomEmojiEntity[]>
  /** remote accounts' `capabilities.acceptsChatMessages` */
  remoteAcceptsChats: Map<string, boolean>
}

/**
 * Loads the viewer-independent parts of a page of accounts with a fixed number of queries: the users behind local
 * accounts (with those of moved-to targets), the moved-to accounts, remote accounts' chat acceptance (unless given, as
 * `loadAccountViews` reads it) and the custom emoji of their names, bios and fields (only when some shortcode
 * appears). `buildAccounts` then renders them for any viewer without a query.
 */
export async function loadAccountParts(ctx: Ctx, rows: AccountView[], preloaded?: PreloadedUsers, acceptsChats?: ReadonlyMap<string, boolean>,
  /** a CredentialAccount's owner: its user is read in full (`ownUser`), unless preloaded */
  owner?: string): Promise<AccountParts & { ownUser?: UserRow }> {
  const movedIds = [...new Set(rows.map((r) => r.movedToId).filter((id): id is string => !!id))]
  const moved = movedIds.length ? await ctx.db.select().from(accounts).where(anyId(accounts.id, movedIds)) : []
  const usersByAccount = new Map<string, AccountUser | null>(preloaded ?? [])
  const localIds = [...new Set([...rows, ...moved].filter((r) => r.domain === null && !usersByAccount.has(r.id)).map((r) => r.id))]
  let ownUser: UserRow | undefined
  if (owner !== undefined && localIds.includes(owner)) {
    const userRows = await ctx.db.select().from(users).where(anyId(users.accountId, localIds))
    for (const u of userRows) usersByAccount.set(u.accountId, u)
    ownUser = userRows.find((u) => u.accountId === owner)
  } else if (localIds.length) {
    for (const u of await ctx.db.select(accountUserColumns).from(users).where(anyId(users.accountId, localIds))) usersByAccount.set(u.accountId, u)
  }
  const emojis = await loadAccountEmojis(ctx, [...rows, ...moved])
  const remoteIds = rows.filter((r) => r.domain !== null).map((r) => r.id)
  const remoteAcceptsChats = acceptsChats ? new Map(acceptsChats) : new Map(remoteIds.length
    ? (await ctx.db.select({ id: remoteActors.accountId, accepts: remoteActors.acceptsChatMessages }).from(remoteActors)
      .where(anyId(remoteActors.accountId, remoteIds))).map((r) => [r.id, r.accepts])
    : [])
  return { rows, users: usersByAccount, moved, emojis, remoteAcceptsChats, ownUser }
}

/** Renders loaded accounts for one viewer; pure. */
export function buildAccounts(
  ctx: Ctx, parts: AccountParts, viewer: Viewer | null,
  extras: { credentials?: { accountId: string; counts: NonNullable<AccountExtras['credentials']> }; relationships?: Map<string, Parameters<typeof buildRelationship>[0]> | null } = {},
): AccountEntity[] {
  const base = { baseUrl: ctx.config.baseUrl, localDomain: ctx.config.domain, proxyBase: remoteMediaProxyBase(ctx.config), viewer }
  const moved = new Map(parts.moved.map((m) => [m.id, buildAccount(m, { ...base, user: parts.users.get(m.id) ?? null, emojis: parts.emojis.get(m.id) })]))
  return parts.rows.map((row) => buildAccount(row, {
    ...base,
    user: parts.users.get(row.id) ?? null,
    emojis: parts.emojis.get(row.id),
    remoteAcceptsChats: parts.remoteAcceptsChats.get(row.id),
    moved: row.movedToId ? moved.get(row.movedToId) ?? null : null,
    credentials: row.id === extras.credentials?.accountId ? extras.credentials.counts : null,
    relationship: extras.relationships?.has(row.id) ? buildRelationship(extras.relationships.get(row.id)!) : null,
  }))
}

/**
 * Renders a page of accounts with a fixed number of queries: `loadAccountParts`, for the owner's credentials the
 * follow-request and unread counts, and with `withRelationships` the viewer's relationships to them (Pleroma's
 * `pleroma.relationship`).
 */
export async function renderAccounts(
  ctx: Ctx, rows: AccountRow[], viewer: Viewer | null,
  opts: { credentials?: boolean; withRelationships?: boolean; users?: PreloadedUsers; ownUser?: UserRow; counts?: OwnCounts } = {},
): Promise<AccountEntity[]> {
  if (!rows.length) return []
  const own = opts.credentials && viewer?.accountId ? rows.find((r) => r.id === viewer.accountId) : undefined
  const preloaded = own && opts.ownUser ? new Map([...(opts.users ?? []), [own.id, opts.ownUser]]) : opts.users
  // the owner's user in full, for their credentials (the others' users are read with only what an account shows)
  const parts = await loadAccountParts(ctx, rows, preloaded, undefined, own?.id)
  const ownUser = opts.ownUser ?? parts.ownUser
  let credentials: { accountId: string; counts: NonNullable<AccountExtras['credentials']> } | undefined
  if (own && ownUser) {
    const counts = opts.counts ?? (await ctx.db.select(ownCountsColumns(uuidParam(own.id))).from(sql`(select 1) as one`))[0]
    credentials = {
      accountId: own.id,
      counts: {
        followRequestsCount: counts.followRequests,
        unreadConversations: counts.unreadConversations,
        unreadNotifications: counts.unreadNotifications,
        chatToken: viewer?.tokenId ? await issueSocketToken(ctx, viewer.tokenId) : null,
        account: own,
        user: ownUser,
      },
    }
  }
  const relationships = opts.withRelationships && viewer?.accountId
    ? await loadRelationships(ctx, viewer.accountId, rows.map((r) => r.id))
    : null
  return buildAccounts(ctx, parts, viewer, { credentials, relationships })
}

export async function renderAccount(ctx: Ctx, row: AccountRow, viewer: Viewer | null, opts: { withRelationships?: boolean } = {}): Promise<AccountEntity> {
  const [entity] = await renderAccounts(ctx, [row], viewer, opts)
  return entity
}

/**
 * verify_credentials / update_credentials: the caller's own account with `source`, `role` and settings; `counts` when
 * they were loaded with the account (`getOwnAccountWithCounts`).
 */
export async function renderCredentialAccount(ctx: Ctx, row: AccountRow, viewer: Viewer, user?: UserRow, counts?: OwnCounts): Promise<AccountEntity> {
  const [entity] = await renderAccounts(ctx, [row], viewer, { credentials: true, counts, ownUser: user })
  return entity
}
