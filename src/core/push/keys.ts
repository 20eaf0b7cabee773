import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import type { Database, DbLike } from '../../db/client'
import { instanceSecret } from '../secrets'
import type { Ctx } from '../context'

export interface VapidKeys {
  /** uncompressed P-256 point, base64url: what clients pass to `PushManager.subscribe` */
  publicKey: string
  privateKey: string
}

interface PushKeys {
  vapid: VapidKeys
  /** AES-256-GCM key sealing the access tokens kept for payloads */
  tokenKey: Buffer
}

// web-push is loaded only the first time an instance makes its keys (and by deliver.ts for the first push).
const newVapidKeys = async () => JSON.stringify((await import('web-push')).default.generateVAPIDKeys())

const cache = new WeakMap<Database, Promise<PushKeys>>()

async function loadPushKeys(db: DbLike): Promise<PushKeys> {
  const vapid = JSON.parse(await instanceSecret(db, 'vapid_keys', newVapidKeys)) as VapidKeys
  const secret = Buffer.from(await instanceSecret(db, 'push_secret', () => randomBytes(32).toString('base64url')), 'base64url')
  const tokenKey = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'rookery push access token', 32))
  return { vapid, tokenKey }
}

/** The instance's push keys, made once in the database and shared by every process. */
export function pushKeys(ctx: Pick<Ctx, 'db' | 'database'>): Promise<PushKeys> {
  let keys = cache.get(ctx.database)
  if (!keys) {
    keys = loadPushKeys(ctx.db)
    keys.catch(() => cache.delete(ctx.database))
    cache.set(ctx.database, keys)
  }
  return keys
}

export const vapidPublicKey = async (ctx: Pick<Ctx, 'db' | 'database'>) => (await pushKeys(ctx)).vapid.publicKey

/** `iv.ciphertext.tag`, base64url */
export function sealToken(key: Buffer, token: string): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()])
  return [iv, body, cipher.getAuthTag()].map((b) => b.toString('base64url')).join('.')
}

export function unsealToken(key: Buffer, sealed: string): string {
  const [iv, body, tag] = sealed.split('.').map((p) => Buffer.from(p, 'base64url'))
  const decipher = createDecipheriv('aes-256-gcm', key, iv)
  decipher.setAuthTag(tag)
  return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8')
}
