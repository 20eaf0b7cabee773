import type { Ctx } from '../context'

export type DomainBlockSeverity = 'silence' | 'suspend'

/** An instance-level block, as published to users (Mastodon's `instance/domain_blocks`). */
export interface PublicDomainBlock {
  domain: string
  /** sha256 hex of the domain, so obfuscated entries can still be matched */
  digest: string
  severity: DomainBlockSeverity
  comment: string | null
}

/**
 * The instance's domain blocks that are shown publicly. Instance-level blocks (defederation) do not exist
 * yet, so nothing is blocked; the moderation feature that adds them replaces this body with its query.
 */
export async function listPublicDomainBlocks(_ctx: Ctx): Promise<PublicDomainBlock[]> {
  return []
}
