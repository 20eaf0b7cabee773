// Mastodon's federation moderation API: domain blocks and, for limited federation, domain allows. Admins only, as
// in Mastodon's default roles (moderators lack "manage federation").
import { allowDomain, deleteDomainAllow, getDomainAllow, listDomainAllows } from '../../core/instance/domain-allows'
import {
  createDomainBlock, deleteDomainBlock, getDomainBlock, listDomainBlocksForAdmin, updateDomainBlock,
} from '../../core/instance/domain-blocks'
import { actorOf } from '../../core/admin/moderation-log'
import type { AuthRule, Base } from '../base'
import { buildAdminDomainAllow, buildAdminDomainBlock } from '../render/admin-domains'

const READ_BLOCKS: AuthRule = { scopes: ['admin:read:domain_blocks'], role: 'admin' }
const WRITE_BLOCKS: AuthRule = { scopes: ['admin:write:domain_blocks'], role: 'admin' }
const READ_ALLOWS: AuthRule = { scopes: ['admin:read:domain_allows'], role: 'admin' }
const WRITE_ALLOWS: AuthRule = { scopes: ['admin:write:domain_allows'], role: 'admin' }

export const adminDomainsApi = (app: Base) =>
  app
    .get('/api/v1/admin/domain_blocks', async ({ ctx }) => (await listDomainBlocksForAdmin(ctx)).map(buildAdminDomainBlock), { auth: READ_BLOCKS })
    .get('/api/v1/admin/domain_blocks/:id', async ({ ctx, params }) => buildAdminDomainBlock(await getDomainBlock(ctx, params.id)), { auth: READ_BLOCKS })
    .post('/api/v1/admin/domain_blocks', async ({ ctx, input, user }) =>
      buildAdminDomainBlock(await createDomainBlock(ctx, input, actorOf(user))), { auth: WRITE_BLOCKS })
    .put('/api/v1/admin/domain_blocks/:id', async ({ ctx, params, input, user }) =>
      buildAdminDomainBlock(await updateDomainBlock(ctx, params.id, input, actorOf(user))), { auth: WRITE_BLOCKS })
    .delete('/api/v1/admin/domain_blocks/:id', async ({ ctx, params, user }) => {
      await deleteDomainBlock(ctx, params.id, actorOf(user))
      return {}
    }, { auth: WRITE_BLOCKS })
    .get('/api/v1/admin/domain_allows', async ({ ctx }) => (await listDomainAllows(ctx)).map(buildAdminDomainAllow), { auth: READ_ALLOWS })
    .get('/api/v1/admin/domain_allows/:id', async ({ ctx, params }) => buildAdminDomainAllow(await getDomainAllow(ctx, params.id)), { auth: READ_ALLOWS })
    .post('/api/v1/admin/domain_allows', async ({ ctx, input, user }) =>
      buildAdminDomainAllow(await allowDomain(ctx, input.domain, actorOf(user))), { auth: WRITE_ALLOWS })
    .delete('/api/v1/admin/domain_allows/:id', async ({ ctx, params, user }) => {
      await deleteDomainAllow(ctx, params.id, actorOf(user))
      return {}
    }, { auth: WRITE_ALLOWS })
