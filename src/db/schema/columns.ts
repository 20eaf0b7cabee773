import { customType, timestamp } from 'drizzle-orm/pg-core'
import { idToUuid, newId, uuidToId, type Id } from '../../core/ids'

/** A flake id: uuid in the database, 18-char base62 in the application. */
export const flakeId = customType<{ data: Id; driverData: string }>({
  dataType: () => 'uuid',
  toDriver: (value) => idToUuid(value),
  fromDriver: (value) => uuidToId(value),
})

export const primaryId = (name = 'id') => flakeId(name).primaryKey().$defaultFn(() => newId())

export const citext = customType<{ data: string }>({ dataType: () => 'citext' })

export const createdAt = () => timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
export const updatedAt = () => timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow()
export const timestampTz = (name: string) => timestamp(name, { withTimezone: true, mode: 'date' })
