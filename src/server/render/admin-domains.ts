import { sha256 } from '../../core/secrets'
import type { InstanceDomainAllowRow, InstanceDomainBlockRow } from '../../db/schema'

/** Mastodon's Admin::DomainBlock. */
export function buildAdminDomainBlock(block: InstanceDomainBlockRow) {
  return {
    id: block.id,
    domain: block.domain,
    digest: sha256(block.domain),
    created_at: block.createdAt.toISOString(),
    severity: block.severity,
    reject_media: block.rejectMedia,
    reject_reports: block.rejectReports,
    private_comment: block.privateComment,
    public_comment: block.publicComment,
    obfuscate: block.obfuscate,
  }
}

/** Mastodon's Admin::DomainAllow. */
export function buildAdminDomainAllow(allow: InstanceDomainAllowRow) {
  return { id: allow.id, domain: allow.domain, created_at: allow.createdAt.toISOString() }
}
