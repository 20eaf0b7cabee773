// Akkoma's frontend settings profiles: a frontend keeps a user's settings on the server under a profile name.
import { and, asc, count, eq, sql } from 'drizzle-orm'
import { frontendSettingProfiles } from '../../db/schema'
import type { Ctx } from '../context'
import { NotFoundError, ValidationError } from '../errors'
import { isPlainObject } from '../params'

export const MAX_SETTINGS_BYTES = 256 * 1024
export const MAX_PROFILES_PER_FRONTEND = 20
const NAME = /^[A-Za-z0-9_.-]{1,64}$/

function assertName(name: string, what: string): string {
  if (!NAME.test(name)) throw new ValidationError(`Validation failed: invalid ${what}`)
  return name
}

const where = (userId: string, frontend: string, profile: string) => and(
  eq(frontendSettingProfiles.userId, userId), eq(frontendSettingProfiles.frontendName, frontend), eq(frontendSettingProfiles.profileName, profile),
)

export async function listSettingProfiles(ctx: Ctx, userId: string, frontend: string): Promise<{ name: string; version: number }[]> {
  assertName(frontend, 'frontend name')
  const rows = await ctx.db.select({ name: frontendSettingProfiles.profileName, version: frontendSettingProfiles.version })
    .from(frontendSettingProfiles)
    .where(and(eq(frontendSettingProfiles.userId, userId), eq(frontendSettingProfiles.frontendName, frontend)))
    .orderBy(asc(frontendSettingProfiles.profileName))
  return rows
}

export async function getSettingProfile(ctx: Ctx, userId: string, frontend: string, profile: string): Promise<Record<string, unknown>> {
  const [row] = await ctx.db.select({ settings: frontendSettingProfiles.settings }).from(frontendSettingProfiles)
    .where(where(userId, assertName(frontend, 'frontend name'), assertName(profile, 'profile name'))).limit(1)
  if (!row) throw new NotFoundError('Not found')
  return row.settings
}

/** Saves a profile; `version` must be above the stored one, so an older browser tab cannot overwrite newer settings. */
export async function putSettingProfile(ctx: Ctx, userId: string, frontend: string, profile: string, settings: unknown, version: unknown): Promise<Record<string, unknown>> {
  assertName(frontend, 'frontend name')
  assertName(profile, 'profile name')
  if (!isPlainObject(settings)) throw new ValidationError('Validation failed: settings must be an object')
  const v = typeof version === 'string' && /^\d+$/.test(version) ? Number(version) : version
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > 2 ** 31 - 1) throw new ValidationError('Validation failed: version must be a positive integer')
  if (Buffer.byteLength(JSON.stringify(settings)) > MAX_SETTINGS_BYTES) throw new ValidationError(`Validation failed: settings are larger than ${MAX_SETTINGS_BYTES / 1024} KiB`)
  return ctx.db.transaction(async (tx) => {
    const [existing] = await tx.select({ version: frontendSettingProfiles.version }).from(frontendSettingProfiles)
      .where(where(userId, frontend, profile)).for('update').limit(1)
    if (existing) {
      if (v <= existing.version) throw new ValidationError('Validation failed: version must be greater than the stored version')
      await tx.update(frontendSettingProfiles).set({ settings, version: v, updatedAt: sql`now()` }).where(where(userId, frontend, profile))
      return settings
    }
    const [{ n }] = await tx.select({ n: count() }).from(frontendSettingProfiles)
      .where(and(eq(frontendSettingProfiles.userId, userId), eq(frontendSettingProfiles.frontendName, frontend)))
    if (n >= MAX_PROFILES_PER_FRONTEND) throw new ValidationError(`Validation failed: at most ${MAX_PROFILES_PER_FRONTEND} profiles per frontend`)
    await tx.insert(frontendSettingProfiles).values({ userId, frontendName: frontend, profileName: profile, settings, version: v })
      .onConflictDoNothing()
    return settings
  })
}

export async function deleteSettingProfile(ctx: Ctx, userId: string, frontend: string, profile: string): Promise<void> {
  const deleted = await ctx.db.delete(frontendSettingProfiles)
    .where(where(userId, assertName(frontend, 'frontend name'), assertName(profile, 'profile name')))
    .returning({ name: frontendSettingProfiles.profileName })
  if (!deleted.length) throw new NotFoundError('Not found')
}
