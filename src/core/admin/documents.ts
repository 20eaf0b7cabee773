// Pleroma's instance documents: admin-written HTML pages clients load by URL (Pleroma-FE's side panel, the terms).
import { eq, sql } from 'drizzle-orm'
import { instanceDocuments } from '../../db/schema'
import type { Ctx } from '../context'
import { NotFoundError, ValidationError } from '../errors'
import { escapeHtml } from '../statuses/format'
import { logAction, type Actor } from './moderation-log'

/** Each document and the path it is served at, as in Pleroma. */
export const INSTANCE_DOCUMENTS = {
  'instance-panel': '/instance/panel.html',
  'terms-of-service': '/static/terms-of-service.html',
} as const

/** Documents clients read through Mastodon's API instead of as a page. */
export const API_DOCUMENTS = {
  'extended-description': '/api/v1/instance/extended_description',
  'privacy-policy': '/api/v1/instance/privacy_policy',
} as const

export type InstanceDocumentName = keyof typeof INSTANCE_DOCUMENTS | keyof typeof API_DOCUMENTS

export const MAX_DOCUMENT_BYTES = 512 * 1024

function documentName(name: string): InstanceDocumentName {
  if (!Object.hasOwn(INSTANCE_DOCUMENTS, name) && !Object.hasOwn(API_DOCUMENTS, name)) throw new NotFoundError('Not found')
  return name as InstanceDocumentName
}

export function documentUrl(ctx: Ctx, name: InstanceDocumentName): string {
  return `${ctx.config.baseUrl}${name in INSTANCE_DOCUMENTS ? INSTANCE_DOCUMENTS[name as keyof typeof INSTANCE_DOCUMENTS] : API_DOCUMENTS[name as keyof typeof API_DOCUMENTS]}`
}

/** What a document says until an admin writes one. */
function defaultDocument(ctx: Ctx, name: InstanceDocumentName): string {
  const instance = escapeHtml(ctx.config.instance.name)
  switch (name) {
    case 'instance-panel': return `<h4>Welcome to ${instance}</h4>\n`
    case 'terms-of-service': return `<h4>Terms of service</h4>\n<p>The administrators of ${instance} have not written terms of service yet.</p>\n`
    case 'extended-description': return ctx.config.instance.description
    case 'privacy-policy': return ''
  }
}

/** The document's HTML: the admin's, or the default. Unknown names are 404. */
export async function getInstanceDocument(ctx: Ctx, name: string): Promise<{ name: InstanceDocumentName; content: string; custom: boolean }> {
  const doc = documentName(name)
  const [row] = await ctx.db.select().from(instanceDocuments).where(eq(instanceDocuments.name, doc)).limit(1)
  return { name: doc, content: row?.content ?? defaultDocument(ctx, doc), custom: !!row }
}

/** Replaces a document; returns the URL it is served at. */
export async function putInstanceDocument(ctx: Ctx, name: string, content: string, actor: Actor = null): Promise<string> {
  const doc = documentName(name)
  if (Buffer.byteLength(content) > MAX_DOCUMENT_BYTES) throw new ValidationError(`Validation failed: the document is larger than ${MAX_DOCUMENT_BYTES / 1024} KiB`)
  if (content.includes('\0')) throw new ValidationError('Validation failed: the document is not text')
  await ctx.db.transaction(async (tx) => {
    await tx.insert(instanceDocuments).values({ name: doc, content })
      .onConflictDoUpdate({ target: instanceDocuments.name, set: { content, updatedAt: sql`now()` } })
    await logAction(tx, actor, 'instance_document_update', { document: doc }, (who) => `${who} updated the instance document ${doc}`)
  })
  return documentUrl(ctx, doc)
}

/** Goes back to the default document (404 when none was written). */
export async function deleteInstanceDocument(ctx: Ctx, name: string, actor: Actor = null): Promise<void> {
  const doc = documentName(name)
  await ctx.db.transaction(async (tx) => {
    const gone = await tx.delete(instanceDocuments).where(eq(instanceDocuments.name, doc)).returning({ name: instanceDocuments.name })
    if (!gone.length) throw new NotFoundError('Not found')
    await logAction(tx, actor, 'instance_document_delete', { document: doc }, (who) => `${who} deleted the instance document ${doc}`)
  })
}
