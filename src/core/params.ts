import { BadRequestError, PayloadTooLargeError } from './errors'

/**
 * Turns flat form/query pairs into nested objects the way Rails and Phoenix do:
 * `ids[]=1&ids[]=2` → `{ ids: ['1','2'] }`, `poll[options][]=a` → `{ poll: { options: ['a'] } }`,
 * `fields_attributes[0][name]=x` → `{ fields_attributes: { '0': { name: 'x' } } }`,
 * `keywords_attributes[][keyword]=a&keywords_attributes[][keyword]=b` → `{ keywords_attributes: [{ keyword: 'a' }, { keyword: 'b' }] }`.
 */
export function railsParams(entries: Iterable<[string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null)
  const seen = new Map<string, number>()
  let count = 0
  for (const [rawKey, value] of entries) {
    if (++count > PARAM_LIMITS.params) throw new PayloadTooLargeError(`Too many parameters (more than ${PARAM_LIMITS.params})`)
    const repeats = (seen.get(rawKey) ?? 0) + 1
    if (repeats > PARAM_LIMITS.repeats) throw new PayloadTooLargeError(`Too many values for one parameter (more than ${PARAM_LIMITS.repeats})`)
    seen.set(rawKey, repeats)
    if (rawKey.includes('\0') || (typeof value === 'string' && value.includes('\0'))) throw new BadRequestError('Parameters must not contain NUL characters')
    // The usual shapes, `name` and `name[]`, without the general parse below.
    const simple = simpleKey(rawKey)
    if (simple) {
      if (!FORBIDDEN_KEYS.has(simple.name)) assign(out, simple.name, value, simple.array)
      continue
    }
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(rawKey)
    if (!match) {
      assign(out, rawKey, value, false)
      continue
    }
    const path = [match[1], ...[...match[2].matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1])]
    if (path.length - 1 > PARAM_LIMITS.depth) throw new BadRequestError(`Parameters are nested too deeply (more than ${PARAM_LIMITS.depth} levels)`)
    let node: Record<string, unknown> = out
    for (let i = 0; i < path.length; i++) {
      const key = path[i]
      const last = i === path.length - 1
      if (key === '') break // handled by the parent as an array push
      if (FORBIDDEN_KEYS.has(key)) break
      if (last) {
        assign(node, key, value, false)
      } else if (path[i + 1] === '' && i + 1 === path.length - 1) {
        assign(node, key, value, true)
        break
      } else if (path[i + 1] === '') {
        // `list[][name]=a&list[][value]=b`: an array of hashes; a key already set on the last hash starts a new one (Rack).
        const list = Array.isArray(node[key]) ? (node[key] as unknown[]) : (node[key] = [])
        const rest = path.slice(i + 2)
        const lastItem = list[list.length - 1]
        if (isPlainObject(lastItem) && !hasPath(lastItem, rest)) node = lastItem
        else list.push((node = Object.create(null)))
        i++
      } else {
        const existing = node[key]
        if (!isPlainObject(existing)) node[key] = Object.create(null)
        node = node[key] as Record<string, unknown>
      }
    }
  }
  return out
}

/** A key without brackets, or with one empty pair at its end; null for any other. */
function simpleKey(rawKey: string): { name: string; array: boolean } | null {
  const open = rawKey.indexOf('[')
  if (open < 0) return rawKey && !rawKey.includes(']') ? { name: rawKey, array: false } : null
  if (open === 0 || open !== rawKey.length - 2 || rawKey[open + 1] !== ']') return null
  const name = rawKey.slice(0, open)
  return name.includes(']') ? null : { name, array: true }
}

/** Rack's defaults: parsing stays cheap whatever an anonymous client sends, since it runs before authentication. */
export const PARAM_LIMITS = { params: 4096, repeats: 1000, depth: 32 }

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype'])

function hasPath(node: Record<string, unknown>, path: string[]): boolean {
  let current: unknown = node
  for (const key of path) {
    if (key === '') return true
    if (!isPlainObject(current) || !(key in current)) return false
    current = current[key]
  }
  return true
}

function assign(node: Record<string, unknown>, key: string, value: unknown, asArray: boolean) {
  if (FORBIDDEN_KEYS.has(key)) return
  const existing = node[key]
  if (asArray) {
    if (Array.isArray(existing)) existing.push(value)
    else node[key] = [value]
  } else if (existing !== undefined && !isPlainObject(existing)) {
    // A repeated plain key (`ids=1&ids=2`) collects values, as Rack does for arrays.
    if (Array.isArray(existing)) existing.push(value)
    else node[key] = [existing, value]
  } else {
    node[key] = value
  }
}

/** Whether a parameter was given at all: not missing, null or an empty string. */
export const isGiven = (value: unknown): boolean => value !== undefined && value !== null && value !== ''

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Blob)
}

/** Reads a boolean the way Mastodon and Pleroma do: "1", "true", "on", true → true; "0", "false", "off", false → false. */
export function parseBool(value: unknown): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value === 'boolean') return value
  if (typeof value === 'number') return value !== 0
  const s = String(value).toLowerCase()
  if (['1', 'true', 't', 'on', 'yes'].includes(s)) return true
  if (['0', 'false', 'f', 'off', 'no'].includes(s)) return false
  return undefined
}

/** An array parameter given as `a[]=`, repeated `a=`, an object keyed by index, a JSON array, or a single value. */
export function parseArray(value: unknown): unknown[] {
  if (value === undefined || value === null || value === '') return []
  if (Array.isArray(value)) return value
  if (isPlainObject(value)) {
    return Object.keys(value).sort((a, b) => Number(a) - Number(b)).map((k) => value[k])
  }
  return [value]
}

export function parseStringArray(value: unknown): string[] {
  return parseArray(value).filter((v) => v !== null && v !== undefined && typeof v !== 'object').map(String)
}
