import { sql } from 'drizzle-orm'
import type { Config } from '../../config'
import { resultRows, type Db } from '../../db/client'
import { instanceIdentity, type InstanceIdentityRow } from '../../db/schema'

/** A start whose configured domain or base URL differs from the identity the database was created with. */
export class IdentityMismatchError extends Error {}

/** The stored identity, or null before the first start (or before the migration that adds it has run). */
export async function readIdentity(db: Db): Promise<InstanceIdentityRow | null> {
  if (!(await tableExists(db))) return null
  const [row] = await db.select().from(instanceIdentity).limit(1)
  return row ?? null
}

function assertMatches(config: Config, stored: InstanceIdentityRow) {
  const since = stored.createdAt.toISOString().slice(0, 10)
  const advice = 'Changing it would break every federated identity (actor URIs, handles, signatures): '
    + 'unset it or set it back, or start a new instance on a new database.'
  if (config.identityGiven.domain && config.domain !== stored.domain) {
    throw new IdentityMismatchError(`this instance's domain is ${stored.domain} (since its first start on ${since}), but ROOKERY_DOMAIN is ${config.domain}. ${advice}`)
  }
  if (config.identityGiven.baseUrl && config.baseUrl !== stored.baseUrl) {
    throw new IdentityMismatchError(`this instance's base URL is ${stored.baseUrl} (since its first start on ${since}), but ROOKERY_BASE_URL is ${config.baseUrl}. ${advice}`)
  }
}

/**
 * Makes `config` carry the instance's stored domain and base URL. With `claim`, a database without an identity
 * gets the configured one (the first start). Refuses a configured domain or base URL that differs from the stored one.
 */
export async function adoptIdentity(db: Db, config: Config, opts: { claim: boolean }): Promise<InstanceIdentityRow | null> {
  if (!(await tableExists(db))) return null
  let stored = await readIdentity(db)
  if (!stored && opts.claim) {
    // Two processes may make the first start at once: whichever inserts first wins, the other adopts it.
    await db.insert(instanceIdentity).values({ domain: config.domain, baseUrl: config.baseUrl }).onConflictDoNothing()
    stored = await readIdentity(db)
  }
  if (!stored) return null
  assertMatches(config, stored)
  config.domain = stored.domain
  config.baseUrl = stored.baseUrl
  return stored
}

async function tableExists(db: Db): Promise<boolean> {
  const r = await db.execute(sql`select to_regclass('instance_identity') is not null as ok`)
  return Boolean(resultRows<{ ok: boolean }>(r)[0]?.ok)
}
