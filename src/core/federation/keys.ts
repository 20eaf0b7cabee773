import { eq } from 'drizzle-orm'
import type { DbLike } from '../../db/client'
import { accountKeys } from '../../db/schema'

/** The owner of the instance actor's keys in `account_keys`. */
export const INSTANCE_KEY_OWNER = '__instance__'

export interface StoredKeys {
  rsaPublic: JsonWebKey
  rsaPrivate: JsonWebKey
  ed25519Public: JsonWebKey
  ed25519Private: JsonWebKey
}

// RSA-2048 as Mastodon uses: a tenth of the time of a 4096-bit key, which is what would otherwise be made on first use.
async function generate(): Promise<StoredKeys> {
  const rsa = await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true, ['sign', 'verify'],
  )
  const ed = await crypto.subtle.generateKey('Ed25519', true, ['sign', 'verify']) as CryptoKeyPair
  const [rsaPublic, rsaPrivate, ed25519Public, ed25519Private] = await Promise.all([
    crypto.subtle.exportKey('jwk', rsa.publicKey), crypto.subtle.exportKey('jwk', rsa.privateKey),
    crypto.subtle.exportKey('jwk', ed.publicKey), crypto.subtle.exportKey('jwk', ed.privateKey),
  ])
  return { rsaPublic, rsaPrivate, ed25519Public, ed25519Private }
}

/**
 * The signing keys of a local account (its id) or of the instance actor, made and stored on first use so that
 * registration stays fast and accounts made before federation get theirs the same way.
 */
export async function actorKeys(db: DbLike, owner: string): Promise<StoredKeys> {
  const [row] = await db.select().from(accountKeys).where(eq(accountKeys.owner, owner)).limit(1)
  if (row) return row
  // Two first uses at once: both generate, the first insert wins and both return it.
  await db.insert(accountKeys).values({ owner, ...(await generate()) }).onConflictDoNothing()
  const [stored] = await db.select().from(accountKeys).where(eq(accountKeys.owner, owner)).limit(1)
  return stored
}
