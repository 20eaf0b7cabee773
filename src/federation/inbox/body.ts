// What an inbox takes a look at: a JSON object of bounded depth. Fedify reads anything else as JSON-LD, which recurses
// through any depth and resolves a bare string as a context URL, and answers 500 when that fails.

/** Deepest nesting of objects and arrays in an activity taken; real ones stay within a dozen levels. */
export const MAX_ACTIVITY_DEPTH = 32

function depthWithin(value: unknown, levels: number): boolean {
  if (typeof value !== 'object' || value === null) return true
  if (levels === 0) return false
  for (const v of Object.values(value)) if (!depthWithin(v, levels - 1)) return false
  return true
}

/** Whether an inbox body is JSON, an object (not an array or a scalar), nested no deeper than MAX_ACTIVITY_DEPTH. */
export function isActivityShaped(body: ArrayBuffer): boolean {
  let json: unknown
  try {
    json = JSON.parse(new TextDecoder().decode(body))
  } catch {
    return false
  }
  return typeof json === 'object' && json !== null && !Array.isArray(json) && depthWithin(json, MAX_ACTIVITY_DEPTH)
}

/**
 * An error of the JSON-LD processor reading an activity (a context that does not load or is no context, a term it
 * cannot expand): the sender's fault, answered 400, not a failure here for the sender to retry.
 */
export const isJsonLdError = (e: unknown): boolean => e instanceof Error && e.name.startsWith('jsonld.')
