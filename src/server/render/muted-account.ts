import type { Ctx } from '../../core/context'
import type { Viewer } from '../../core/oauth/authenticate'
import type { AccountRow } from '../../db/schema'
import { renderAccounts, type AccountEntity } from './account'

/** GET /api/v1/mutes: Mastodon's MutedAccount, an Account with `mute_expires_at`. */
export async function renderMutedAccounts(
  ctx: Ctx,
  items: { account: AccountRow; expiresAt: Date | null }[],
  viewer: Viewer,
  opts: { withRelationships?: boolean } = {},
): Promise<(AccountEntity & { mute_expires_at: string | null })[]> {
  const entities = await renderAccounts(ctx, items.map((i) => i.account), viewer, opts)
  return entities.map((entity, i) => ({ ...entity, mute_expires_at: items[i].expiresAt?.toISOString() ?? null }))
}
