// The instance's texts clients show: rules, the about page (extended description), privacy policy and terms of
// service. Admins edit them through the API or `rookery instance set`; configured values apply until then.
import { asc, eq } from 'drizzle-orm'
import { instanceDocuments, instanceRules as ruleRows } from '../../db/schema'
import type { Ctx } from '../context'
import { NotFoundError, ValidationError } from '../errors'
import { isId } from '../ids'
import { logAction, type Actor } from '../admin/moderation-log'
import { instanceRules as configuredRules, type InstanceRule } from './registration'

export interface AdminRule extends InstanceRule {
  priority: number
}

const MAX_RULE_CHARS = 1000

/** The rules in force: those written through the API (by priority), else the configured ones. */
export async function effectiveRules(ctx: Ctx): Promise<InstanceRule[]> {
  const rows = await listRulesForAdmin(ctx)
  return rows.length ? rows.map(({ id, text, hint }) => ({ id, text, hint })) : configuredRules(ctx.config)
}

export async function listRulesForAdmin(ctx: Ctx): Promise<AdminRule[]> {
  const rows = await ctx.db.select().from(ruleRows).orderBy(asc(ruleRows.priority), asc(ruleRows.id))
  return rows.map((r) => ({ id: r.id, text: r.text, hint: r.hint, priority: r.priority }))
}

export interface RuleInput {
  text?: unknown
  hint?: unknown
  priority?: unknown
}

function ruleFields(input: RuleInput, partial: boolean): { text?: string; hint?: string; priority?: number } {
  const out: { text?: string; hint?: string; priority?: number } = {}
  if (input.text !== undefined || !partial) {
    if (typeof input.text !== 'string' || !input.text.trim()) throw new ValidationError("Validation failed: text can't be blank")
    out.text = input.text.trim()
  }
  if (input.hint !== undefined && input.hint !== null) {
    if (typeof input.hint !== 'string') throw new ValidationError('Validation failed: hint must be text')
    out.hint = input.hint.trim()
  }
  if ((out.text?.length ?? 0) > MAX_RULE_CHARS || (out.hint?.length ?? 0) > MAX_RULE_CHARS) {
    throw new ValidationError(`Validation failed: a rule is at most ${MAX_RULE_CHARS} characters`)
  }
  if (input.priority !== undefined && input.priority !== null && input.priority !== '') {
    const n = Number(input.priority)
    if (!Number.isInteger(n) || Math.abs(n) > 1_000_000) throw new ValidationError('Validation failed: priority must be a whole number')
    out.priority = n
  }
  return out
}

export async function createRule(ctx: Ctx, input: RuleInput, actor: Actor = null): Promise<AdminRule> {
  const fields = ruleFields(input, false)
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx.insert(ruleRows).values({ text: fields.text!, hint: fields.hint ?? '', priority: fields.priority ?? 0 }).returning()
    await logAction(tx, actor, 'rule_create', { rule: { id: row.id } }, (who) => `${who} created rule "${row.text}"`)
    return { id: row.id, text: row.text, hint: row.hint, priority: row.priority }
  })
}

export async function updateRule(ctx: Ctx, id: string, input: RuleInput, actor: Actor = null): Promise<AdminRule> {
  if (!isId(id)) throw new NotFoundError()
  const fields = ruleFields(input, true)
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx.update(ruleRows).set({ ...fields, updatedAt: new Date() }).where(eq(ruleRows.id, id)).returning()
    if (!row) throw new NotFoundError()
    await logAction(tx, actor, 'rule_update', { rule: { id } }, (who) => `${who} updated rule "${row.text}"`)
    return { id: row.id, text: row.text, hint: row.hint, priority: row.priority }
  })
}

export async function deleteRule(ctx: Ctx, id: string, actor: Actor = null): Promise<void> {
  if (!isId(id)) throw new NotFoundError()
  await ctx.db.transaction(async (tx) => {
    const [gone] = await tx.delete(ruleRows).where(eq(ruleRows.id, id)).returning()
    if (!gone) throw new NotFoundError()
    await logAction(tx, actor, 'rule_delete', { rule: { id } }, (who) => `${who} deleted rule "${gone.text}"`)
  })
}

/** Replaces every rule at once (`rookery instance set rules`), in the order given. */
export async function replaceRules(ctx: Ctx, rules: { text: string; hint: string }[], actor: Actor = null): Promise<AdminRule[]> {
  const fields = rules.map((r) => ruleFields(r, false))
  await ctx.db.transaction(async (tx) => {
    await tx.delete(ruleRows)
    if (fields.length) await tx.insert(ruleRows).values(fields.map((f, i) => ({ text: f.text!, hint: f.hint ?? '', priority: i + 1 })))
    await logAction(tx, actor, 'rules_replace', { count: fields.length }, (who) => `${who} replaced the instance rules`)
  })
  return listRulesForAdmin(ctx)
}

export interface InstanceText {
  /** HTML written by the admin */
  content: string
  updatedAt: Date
}

async function storedDocument(ctx: Ctx, name: string): Promise<InstanceText | null> {
  const [row] = await ctx.db.select().from(instanceDocuments).where(eq(instanceDocuments.name, name)).limit(1)
  return row ? { content: row.content, updatedAt: row.updatedAt } : null
}

/** The about-page text: the admin's, else the configured description (dated from the server's start). */
export async function extendedDescription(ctx: Ctx): Promise<InstanceText> {
  return (await storedDocument(ctx, 'extended-description')) ?? { content: ctx.config.instance.description, updatedAt: ctx.startedAt }
}

/** The privacy policy; 404 until an admin writes one, as Mastodon answers. */
export async function privacyPolicy(ctx: Ctx): Promise<InstanceText> {
  const doc = await storedDocument(ctx, 'privacy-policy')
  if (!doc) throw new NotFoundError()
  return doc
}

/** The terms of service (the same document Pleroma serves as a page); 404 until an admin writes them. */
export async function termsOfService(ctx: Ctx): Promise<InstanceText> {
  const doc = await storedDocument(ctx, 'terms-of-service')
  if (!doc) throw new NotFoundError()
  return doc
}
