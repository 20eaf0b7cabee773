import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { eq } from 'drizzle-orm'
import type { DbLike } from '../db/client'
import { instanceSecrets } from '../db/schema'

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url')
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex')
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}

/** Reads a server-wide secret, making it first if no process has yet; concurrent first uses agree on whichever row won. */
export async function instanceSecret(db: DbLike, name: string, make: () => string | Promise<string>): Promise<string> {
  const read = async () => (await db.select({ value: instanceSecrets.value }).from(instanceSecrets).where(eq(instanceSecrets.name, name)))[0]?.value
  const stored = await read()
  if (stored !== undefined) return stored
  await db.insert(instanceSecrets).values({ name, value: await make() }).onConflictDoNothing()
  return (await read())!
}
