import { sql, type SQL } from 'drizzle-orm'
import { idToUuid } from '../core/ids'

/** A flake id as a uuid parameter in raw SQL (drizzle's column mapping does not apply there). */
export const uuidParam = (id: string): SQL => sql`${idToUuid(id)}::uuid`
