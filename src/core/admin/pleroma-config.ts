// Pleroma's config API (`/api/v1/pleroma/admin/config`) for the federation settings Admin-FE edits: the simple and
// keyword policies and which policies run. Values travel in Pleroma's wire format (atoms as ":name", tuples as
// `{"tuple": [...]}`, regular expressions as "~r/…/"); they are stored in Rookery's own terms (admin_settings).
import { and, eq } from 'drizzle-orm'
import { MRF_SIMPLE_ACTIONS, mrfDomains, mrfReplacements, type MrfSimpleAction } from '../../config'
import { adminSettings } from '../../db/schema'
import type { Ctx } from '../context'
import { BadRequestError } from '../errors'
import { MRF_MODULE_PREFIX, MRF_POLICY_NAMES, MRF_SETTING, configuredMrf, type MrfPolicyName, type MrfSettings } from '../federation/mrf'
import { isPlainObject } from '../params'
import { logAction, type Actor } from './moderation-log'
import { forgetStoredSettings, storedSettings } from './settings'

type Wire = unknown
type SettingKey = typeof MRF_SETTING.simple | typeof MRF_SETTING.keyword | typeof MRF_SETTING.mrf

const KEYWORD_SUBKEYS = ['reject', 'federated_timeline_removal', 'replace'] as const
const SUBKEYS: Record<SettingKey, readonly string[]> = {
  [MRF_SETTING.simple]: MRF_SIMPLE_ACTIONS,
  [MRF_SETTING.keyword]: KEYWORD_SUBKEYS,
  [MRF_SETTING.mrf]: ['policies'],
}

export interface ConfigEntry {
  group: string
  key: string
  value: Wire
  /** the subkeys set in the database, when any */
  db?: string[]
}

const atom = (name: string) => `:${name}`
const tuple = (...items: Wire[]) => ({ tuple: items })
const MAX_ENTRIES = 10_000
const MAX_TEXT = 2048

function unatom(value: unknown, what: string): string {
  if (typeof value !== 'string' || !value.startsWith(':')) throw new BadRequestError(`${what} must be an atom such as ":reject"`)
  return value.slice(1)
}

function settingKey(group: unknown, key: unknown): SettingKey {
  if (group !== MRF_SETTING.group || (key !== MRF_SETTING.simple && key !== MRF_SETTING.keyword && key !== MRF_SETTING.mrf)) {
    throw new BadRequestError(`Unsupported setting ${String(group)}, ${String(key)}: only :pleroma :mrf_simple, :mrf_keyword and :mrf can be changed here`)
  }
  return key
}

/** `"~r/pattern/i"` (Pleroma's regular expression) is stored as `/pattern/i`; a plain word as it is. */
const patternFromWire = (p: string) => (/^~r\/.*\/[a-z]*$/s.test(p) ? p.slice(2) : p)
const patternToWire = (p: string) => (/^\/.+\/[a-z]*$/s.test(p) ? `~r${p}` : p)

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new BadRequestError(`${what} must be a list`)
  if (value.length > MAX_ENTRIES) throw new BadRequestError(`${what} has more than ${MAX_ENTRIES} entries`)
  return value
}

function text(value: unknown, what: string): string {
  if (typeof value !== 'string' || !value || value.length > MAX_TEXT) throw new BadRequestError(`${what} must be a text of 1 to ${MAX_TEXT} characters`)
  return value
}

const tupleItems = (value: unknown): unknown[] | null => (isPlainObject(value) && Array.isArray(value.tuple) ? value.tuple : null)

/** One subkey's wire value in stored terms; anything malformed is a 400. */
function subkeyFromWire(key: SettingKey, subkey: string, value: unknown): unknown {
  const what = `${key} ${atom(subkey)}`
  if (key === MRF_SETTING.simple) {
    return list(value, what).map((entry) => {
      const [domain, reason] = tupleItems(entry) ?? [entry, '']
      const host = text(domain, `A domain of ${what}`).trim().toLowerCase()
      if (!/^(\*\.)?[a-z0-9.:[\]_-]+$/.test(host)) throw new BadRequestError(`${what}: "${host}" is not a domain`)
      return { domain: host.replace(/^\*\./, ''), reason: typeof reason === 'string' ? reason.slice(0, MAX_TEXT) : '' }
    })
  }
  if (key === MRF_SETTING.keyword) {
    if (subkey === 'replace') {
      return list(value, what).map((entry) => {
        const [pattern, replacement] = tupleItems(entry) ?? []
        if (typeof replacement !== 'string' || replacement.length > MAX_TEXT) throw new BadRequestError(`${what} takes {"tuple": [pattern, replacement]} entries`)
        return { pattern: patternFromWire(text(pattern, `A pattern of ${what}`)), replacement }
      })
    }
    return list(value, what).map((p) => patternFromWire(text(p, `A pattern of ${what}`)))
  }
  const given = typeof value === 'string' ? [value] : list(value, what)
  return given.map((module) => {
    const name = text(module, `A policy of ${what}`).replace(MRF_MODULE_PREFIX, '') as MrfPolicyName
    if (!MRF_POLICY_NAMES.includes(name)) {
      throw new BadRequestError(`Unsupported policy ${String(module)}: this server runs ${MRF_POLICY_NAMES.map((p) => MRF_MODULE_PREFIX + p).join(', ')}`)
    }
    return name
  })
}

/** A stored subkey's value in Pleroma's wire format. */
function subkeyToWire(key: SettingKey, subkey: string, value: unknown): Wire {
  if (key === MRF_SETTING.simple) return mrfDomains(value).map((e) => tuple(e.domain, e.reason))
  if (key === MRF_SETTING.keyword) {
    if (subkey === 'replace') return mrfReplacements(value).map((r) => tuple(patternToWire(r.pattern), r.replacement))
    return (Array.isArray(value) ? value : []).filter((p): p is string => typeof p === 'string').map(patternToWire)
  }
  return (Array.isArray(value) ? value : []).map((p) => MRF_MODULE_PREFIX + String(p))
}

/** The settings in force per key, in stored terms (configuration file and admin values merged). */
function effectiveValues(settings: MrfSettings): Record<SettingKey, Record<string, unknown>> {
  return {
    [MRF_SETTING.simple]: Object.fromEntries(MRF_SIMPLE_ACTIONS.map((a) => [a, settings.simple[a]])),
    [MRF_SETTING.keyword]: { ...settings.keyword },
    [MRF_SETTING.mrf]: { policies: settings.policies },
  }
}

function toWire(key: SettingKey, values: Record<string, unknown>): Wire {
  return SUBKEYS[key].filter((s) => Object.hasOwn(values, s)).map((s) => tuple(atom(s), subkeyToWire(key, s, values[s])))
}

function entry(key: SettingKey, values: Record<string, unknown>, stored: Record<string, unknown> | null): ConfigEntry {
  const db = stored ? SUBKEYS[key].filter((s) => Object.hasOwn(stored, s)).map(atom) : []
  return { group: MRF_SETTING.group, key, value: toWire(key, values), ...(db.length ? { db } : {}) }
}

const KEYS: SettingKey[] = [MRF_SETTING.simple, MRF_SETTING.keyword, MRF_SETTING.mrf]

/**
 * `GET /config`: each federation setting as in force (the configuration file's values with the admin's over them),
 * `db` naming the subkeys the admin set; with `onlyDb`, only what the admin set.
 */
export async function showFederationConfig(ctx: Ctx, onlyDb: boolean): Promise<ConfigEntry[]> {
  const rows = await storedSettings(ctx)
  const stored = (key: SettingKey) => rows.find((r) => r.group === MRF_SETTING.group && r.key === key)?.value ?? null
  if (onlyDb) return KEYS.flatMap((key) => (stored(key) ? [entry(key, stored(key)!, stored(key))] : []))
  // the simple and keyword lists as configured even where a policy is switched off, so an admin sees what they hold
  const values = effectiveValues(await configuredMrf(ctx))
  return KEYS.map((key) => entry(key, values[key], stored(key)))
}

interface ConfigChange {
  key: SettingKey
  /** subkeys to set, in stored terms */
  set: Record<string, unknown>
  /** subkeys to remove; null removes every one */
  remove: string[] | null
}

function parseChange(raw: unknown): ConfigChange {
  if (!isPlainObject(raw)) throw new BadRequestError('configs must be a list of {group, key, value} objects')
  const key = settingKey(raw.group, raw.key)
  const known = (subkey: string) => {
    if (!SUBKEYS[key].includes(subkey)) throw new BadRequestError(`Unsupported setting ${key} ${atom(subkey)}: known are ${SUBKEYS[key].map(atom).join(', ')}`)
    return subkey
  }
  if (raw.delete === true || raw.delete === 'true') {
    const subkeys = raw.subkeys === undefined || raw.subkeys === null ? null : list(raw.subkeys, 'subkeys').map((s) => known(unatom(s, 'A subkey')))
    return { key, set: {}, remove: subkeys }
  }
  const set: Record<string, unknown> = {}
  for (const item of list(raw.value, `The value of ${key}`)) {
    const pair = tupleItems(item)
    if (!pair || pair.length !== 2) throw new BadRequestError(`The value of ${key} must be a list of {"tuple": [":subkey", value]}`)
    const subkey = known(unatom(pair[0], `A subkey of ${key}`))
    set[subkey] = subkeyFromWire(key, subkey, pair[1])
  }
  return { key, set, remove: [] }
}

/**
 * `POST /config`: applies every change (all are checked first; one bad change refuses them all), logs each, and
 * answers the settings changed as now stored. Every process applies them from the next activity on.
 */
export async function updateFederationConfig(ctx: Ctx, configs: unknown, actor: Actor): Promise<ConfigEntry[]> {
  if (!Array.isArray(configs) || !configs.length) throw new BadRequestError('Missing field: configs')
  const changes = list(configs, 'configs').map(parseChange)
  const updated = await ctx.db.transaction(async (tx) => {
    const out = new Map<SettingKey, Record<string, unknown> | null>()
    for (const change of changes) {
      const where = and(eq(adminSettings.group, MRF_SETTING.group), eq(adminSettings.key, change.key))
      const [row] = await tx.select().from(adminSettings).where(where).for('update')
      const value = { ...(row?.value ?? {}) }
      for (const s of change.remove ?? Object.keys(value)) delete value[s]
      Object.assign(value, change.set)
      if (Object.keys(value).length) {
        await tx.insert(adminSettings).values({ group: MRF_SETTING.group, key: change.key, value })
          .onConflictDoUpdate({ target: [adminSettings.group, adminSettings.key], set: { value, updatedAt: new Date() } })
      } else if (row) {
        await tx.delete(adminSettings).where(where)
      }
      out.set(change.key, Object.keys(value).length ? value : null)
      const setting = Object.keys(change.set).length > 0
      const subkeys = setting ? Object.keys(change.set).map(atom) : change.remove?.map(atom) ?? []
      await logAction(tx, actor, 'config_update', {
        group: MRF_SETTING.group, key: change.key, subkeys, value: setting ? toWire(change.key, change.set) : null,
      }, (who) => `${who} ${setting ? 'updated' : 'reset to the configuration file'} ${MRF_SETTING.group}, ${change.key}${subkeys.length ? ` (${subkeys.join(', ')})` : ''}`)
    }
    return out
  })
  forgetStoredSettings(ctx.database)
  return [...updated].flatMap(([key, value]) => (value ? [entry(key, value, value)] : []))
}

const simpleChild = (action: MrfSimpleAction, description: string) => ({
  key: atom(action), type: ['list', 'tuple'], description, suggestions: [{ tuple: ['instance.example', 'Reason'] }],
})

/** `GET /config/descriptions`: Pleroma's descriptions of the settings this server takes, for Admin-FE's forms. */
export function federationConfigDescriptions() {
  return [
    {
      group: MRF_SETTING.group, key: MRF_SETTING.mrf, type: 'group', label: 'MRF',
      description: 'General MRF settings',
      children: [{
        key: ':policies', type: ['list', 'module'], label: 'Policies',
        description: 'A list of MRF policies enabled. Module names are shortened (removed leading `Pleroma.Web.ActivityPub.MRF.` part), but on adding custom module you need to use full name.',
        suggestions: MRF_POLICY_NAMES.map((p) => MRF_MODULE_PREFIX + p),
      }],
    },
    {
      group: MRF_SETTING.group, key: MRF_SETTING.simple, type: 'group', label: 'MRF Simple', tab: 'mrf',
      related_policy: `${MRF_MODULE_PREFIX}SimplePolicy`, description: 'Simple ingress policies',
      children: [
        simpleChild('media_removal', 'List of instances to strip media attachments from and the reason for doing so'),
        simpleChild('media_nsfw', 'List of instances to tag all media as NSFW (sensitive) from and the reason for doing so'),
        simpleChild('federated_timeline_removal', 'List of instances to remove from the Federated (aka The Whole Known Network) Timeline and the reason for doing so'),
        simpleChild('reject', 'List of instances to reject activities from (except deletes) and the reason for doing so'),
        simpleChild('accept', 'List of instances to only accept activities from (except deletes) and the reason for doing so'),
        simpleChild('followers_only', 'Force posts from the given instances to be visible by followers only and the reason for doing so'),
        simpleChild('report_removal', 'List of instances to reject reports from and the reason for doing so'),
        simpleChild('avatar_removal', 'List of instances to strip avatars from and the reason for doing so'),
        simpleChild('banner_removal', 'List of instances to strip banners from and the reason for doing so'),
      ],
    },
    {
      group: MRF_SETTING.group, key: MRF_SETTING.keyword, type: 'group', label: 'MRF Keyword', tab: 'mrf',
      related_policy: `${MRF_MODULE_PREFIX}KeywordPolicy`, description: 'Reject or Word-Replace messages matching a keyword or [Regex](https://hexdocs.pm/elixir/Regex.html).',
      children: [
        { key: ':reject', type: ['list', 'string', 'regex'], description: 'A list of patterns which result in message being rejected. Each pattern can be a string or a regular expression.', suggestions: ['foo', '~r/foo/iu'] },
        { key: ':federated_timeline_removal', type: ['list', 'string', 'regex'], description: 'A list of patterns which result in message being removed from federated timelines (a.k.a unlisted). Each pattern can be a string or a regular expression.', suggestions: ['foo', '~r/foo/iu'] },
        { key: ':replace', type: ['list', 'tuple'], key_placeholder: 'instance', value_placeholder: 'reason', description: '**Pattern**: a string or regular expression.\n\n**Replacement**: a string. Leaving the field empty is permitted.', suggestions: [{ tuple: ['foo', 'bar'] }, { tuple: ['~r/foo/iu', 'bar'] }] },
      ],
    },
  ]
}
