import { sql } from 'drizzle-orm'
import { resultRows, type DbLike } from '../../db/client'
import type { StatusRow } from '../../db/schema'
import { uuidParam } from '../../db/sql'
import { publishEvent } from '../events'
import { uuidToId } from '../ids'

/** Mentions and tags travelling with a `delete` event are capped so it always fits a NOTIFY payload. */
const MAX_MENTIONS = 200
const MAX_TAGS = 40

export interface DeletionFacts {
  mentions: string[]
  tags: string[]
  media: boolean
}

const NONE: DeletionFacts = { mentions: [], tags: [], media: false }

/** What a status's `delete` event must tell, read before the row goes (its mentions, tags and media links go with it). */
export async function loadDeletionFacts(tx: DbLike, statusId: string): Promise<DeletionFacts> {
  const id = uuidParam(statusId)
  const [row] = resultRows<{ mentions: string[] | null; tags: string[] | null; media: boolean }>(await tx.execute(sql`
    select
      (select array_agg(m.account_id::text) from (select account_id from status_mentions where status_id = ${id} limit ${MAX_MENTIONS}) m) as mentions,
      (select array_agg(t.name) from (select lower(t.name::text) as name from status_tags st join tags t on t.id = st.tag_id
        where st.status_id = ${id} limit ${MAX_TAGS}) t) as tags,
      exists (select 1 from media_attachments where status_id = ${id}) as media`))
  if (!row) return NONE
  return { mentions: (row.mentions ?? []).map(uuidToId), tags: row.tags ?? [], media: !!row.media }
}

/** Publishes the `delete` event of a removed status (inside the removing transaction). */
export function publishDeletion(tx: DbLike, row: Pick<StatusRow, 'id' | 'accountId' | 'visibility' | 'listId' | 'local' | 'reblogOfId'>, facts: DeletionFacts = NONE) {
  return publishEvent(tx, {
    type: 'delete',
    statusId: row.id,
    accountId: row.accountId,
    visibility: row.visibility,
    listId: row.listId ?? null,
    local: row.local,
    reblog: !!row.reblogOfId,
    ...facts,
  })
}
