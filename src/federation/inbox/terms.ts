// Compacted JSON-LD names terms by the context of the document that carries them: an object embedded in a Create
// compacted against the activity's context (Fedify does this, so Rookery and Hollo do) says `as:Hashtag`,
// `toot:Emoji`, `as:sensitive`, `toot:votersCount` where the object on its own says `Hashtag`, `Emoji`, ...
// Rookery reads some properties from the original JSON (Fedify's vocabulary drops them), so it reads them under
// their usual short names. Hand-rolled rather than JSON-LD compaction with the jsonld library: that would resolve
// each document's contexts and walk it twice on every inbound post, for the handful of namespaces that matter here.
import type { Json } from './posts'

/** Namespaces whose terms fediverse servers use by their short names, by IRI and by their usual prefix. */
const NAMESPACES = [
  ['as', 'https://www.w3.org/ns/activitystreams#'],
  ['toot', 'http://joinmastodon.org/ns#'],
  ['misskey', 'https://misskey-hub.net/ns#'],
  ['fedibird', 'http://fedibird.com/ns#'],
  ['litepub', 'http://litepub.social/ns#'],
  ['ostatus', 'http://ostatus.org#'],
  ['schema', 'http://schema.org#'],
] as const

const MAX_DEPTH = 8

/** `as:Hashtag` or `https://www.w3.org/ns/activitystreams#Hashtag` as `Hashtag`; other names as they are. */
export function plainTerm(name: string): string {
  for (const [prefix, iri] of NAMESPACES) {
    if (name.startsWith(`${prefix}:`)) return name.slice(prefix.length + 1)
    if (name.startsWith(iri)) return name.slice(iri.length)
  }
  return name
}

/**
 * A copy of `json` with property names and `type` values under their short names (a short name already present
 * wins over a prefixed one). Values other than types are left alone; nesting deeper than a post's is cut off.
 */
export function withPlainTerms(json: Json, depth = 0): Json {
  const out: Json = {}
  const prefixed: [string, unknown][] = []
  for (const [key, value] of Object.entries(json)) {
    const plain = key.startsWith('@') ? key : plainTerm(key)
    const converted = plain === 'type' ? plainTypes(value) : plainValue(value, depth)
    if (plain === key) out[key] = converted
    else prefixed.push([plain, converted])
  }
  for (const [key, value] of prefixed) if (!(key in out)) out[key] = value
  return out
}

const plainTypes = (value: unknown) =>
  Array.isArray(value) ? value.map((t) => (typeof t === 'string' ? plainTerm(t) : t)) : typeof value === 'string' ? plainTerm(value) : value

function plainValue(value: unknown, depth: number): unknown {
  if (depth >= MAX_DEPTH) return value
  if (Array.isArray(value)) return value.map((v) => plainValue(v, depth + 1))
  if (value && typeof value === 'object') return withPlainTerms(value as Json, depth + 1)
  return value
}
