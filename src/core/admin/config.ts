// The effective configuration as `rookery config show` prints it: everything, secrets masked.
import type { Config } from '../../config'

export const MASK = '********'

/** Keys whose values are secrets wherever they appear. */
const SECRET_KEY = /(password|secret|token|credential|private|apikey|accesskeyid)/i

/** `scheme://user:password@host` with the password masked (and nothing else changed). */
export function maskUrlCredentials(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@\s]*):[^@/\s]*@/i, `$1:${MASK}@`)
}

function mask(key: string, value: unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => mask(key, v))
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mask(k, v)]))
  if (typeof value !== 'string') return value
  if (SECRET_KEY.test(key)) return value ? MASK : value
  return maskUrlCredentials(value)
}

/** A copy of the configuration with secret values and URL passwords replaced by a mask. */
export function maskedConfig(config: Config): Record<string, unknown> {
  return mask('', config) as Record<string, unknown>
}
