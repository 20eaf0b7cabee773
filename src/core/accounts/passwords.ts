import { pbkdf2Sync, timingSafeEqual } from 'node:crypto'

export const MIN_PASSWORD_LENGTH = 8
export const MAX_PASSWORD_LENGTH = 256

export function hashPassword(password: string): Promise<string> {
  return Bun.password.hash(password, { algorithm: 'argon2id' })
}

/** A hash of nothing in particular, verified against when no account matches, so timing does not tell which logins exist. */
let decoy: Promise<string> | null = null

/**
 * Checks a password against our argon2id hashes and the formats of imported accounts:
 * bcrypt from Mastodon (`$2a$`/`$2b$`/`$2y$`, truncated to 72 bytes as Ruby does) and Pleroma's pbkdf2-sha512.
 */
export async function verifyPassword(password: string, hash: string | null | undefined): Promise<boolean> {
  if (!hash) {
    decoy ??= hashPassword('rookery-decoy-password')
    await Bun.password.verify(password, await decoy).catch(() => false)
    return false
  }
  if (hash.startsWith('$pbkdf2-')) return verifyPbkdf2(password, hash)
  try {
    if (await Bun.password.verify(password, hash)) return true
  } catch {
    return false
  }
  const bytes = Buffer.from(password)
  if (/^\$2[aby]\$/.test(hash) && bytes.length > 72) {
    return Bun.password.verify(bytes.subarray(0, 72).toString('latin1'), hash).catch(() => false)
  }
  return false
}

/** Does the stored hash use an older scheme that should be replaced after a successful login? */
export function needsRehash(hash: string): boolean {
  return !hash.startsWith('$argon2id$')
}

function verifyPbkdf2(password: string, hash: string): boolean {
  // $pbkdf2-sha512$160000$<salt>$<hash>, in "adapted base64" (. for +, no padding)
  const [, algo, rounds, salt, digest] = hash.split('$')
  const digestName = algo.replace('pbkdf2-', '')
  const decode = (s: string) => Buffer.from(s.replace(/\./g, '+'), 'base64')
  const expected = decode(digest)
  const actual = pbkdf2Sync(password, decode(salt), Number(rounds), expected.length, digestName)
  return actual.length === expected.length && timingSafeEqual(actual, expected)
}
