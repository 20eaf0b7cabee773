// What the domain policy and Pleroma's keyword policy do to a post from another server before it is stored.
import type { MrfKeyword, MrfReplacement } from '../../config'
import type { Ctx } from '../context'
import type { DomainPolicy } from '../instance/domain-policy'
import { htmlToPlainText } from '../statuses/format'
import type { RemoteStatus } from '../statuses/remote-status'
import { mrfSettings } from './mrf'

/** Longest text a keyword pattern is matched against, so an admin's pattern never runs over an unbounded post. */
const MAX_MATCHED_CHARS = 20_000

const compiled = new Map<string, (text: string) => boolean>()
/** Admins' patterns come and go at run time; the compiled ones are kept up to this many. */
const MAX_COMPILED = 1000

/** `/pattern/flags` as a regular expression (with `extraFlags`); null for a plain word or an invalid expression. */
function regexOf(pattern: string, extraFlags = ''): RegExp | null {
  const regex = /^\/(.+)\/([a-z]*)$/s.exec(pattern)
  if (!regex) return null
  try {
    return new RegExp(regex[1], regex[2].replace(/[gy]/g, '') + extraFlags)
  } catch {
    return null
  }
}

/** A word matches case-insensitively anywhere; `/pattern/flags` is a regular expression (an invalid one, literally). */
function matcher(pattern: string): (text: string) => boolean {
  let match = compiled.get(pattern)
  if (match) return match
  if (compiled.size >= MAX_COMPILED) compiled.clear()
  const re = regexOf(pattern)
  const word = pattern.toLowerCase()
  match = re ? (text: string) => re!.test(text) : (text: string) => text.toLowerCase().includes(word)
  compiled.set(pattern, match)
  return match
}

export function matchesKeyword(patterns: string[], text: string): boolean {
  return patterns.some((p) => matcher(p)(text))
}

/** The keyword policy's verdict on a post's text (content and content warning). */
export function keywordVerdict(keyword: Pick<MrfKeyword, 'reject' | 'federated_timeline_removal'>, status: Pick<RemoteStatus, 'content' | 'spoilerText'>): 'reject' | 'unlist' | null {
  if (!keyword.reject.length && !keyword.federated_timeline_removal.length) return null
  const text = `${status.spoilerText}\n${htmlToPlainText(status.content)}`.slice(0, MAX_MATCHED_CHARS)
  if (matchesKeyword(keyword.reject, text)) return 'reject'
  if (matchesKeyword(keyword.federated_timeline_removal, text)) return 'unlist'
  return null
}

/** The keyword policy's replacements: a word is replaced as written, a `/pattern/` wherever it matches. */
export function replaceKeywords(replacements: MrfReplacement[], text: string): string {
  let out = text
  for (const { pattern, replacement } of replacements) {
    const re = regexOf(pattern, 'g')
    out = re ? out.replace(re, () => replacement) : out.replaceAll(pattern, () => replacement)
  }
  return out
}

/**
 * The post as this instance keeps it, or null when it is refused: rejected keywords drop it, replacements rewrite
 * its text (the content is sanitized when stored), timeline removal makes it unlisted, followers-only makes it private, rejected media leaves its attachments as plain links (no preview, no
 * fetch) and drops its custom emoji, and `media_nsfw` marks a post with attachments sensitive.
 */
export async function applyContentPolicy(ctx: Ctx, policy: DomainPolicy, status: RemoteStatus): Promise<RemoteStatus | null> {
  const { keyword } = await mrfSettings(ctx)
  const verdict = keywordVerdict(keyword, status)
  if (verdict === 'reject') return null
  let { visibility, attachments, emojis, sensitive, content, spoilerText } = status
  if (keyword.replace.length) {
    content = replaceKeywords(keyword.replace, content.slice(0, MAX_MATCHED_CHARS * 10))
    spoilerText = replaceKeywords(keyword.replace, spoilerText)
  }
  if ((verdict === 'unlist' || policy.timelineRemoval) && visibility === 'public') visibility = 'unlisted'
  if (policy.followersOnly && (visibility === 'public' || visibility === 'unlisted')) visibility = 'private'
  if (policy.rejectMedia) {
    attachments = attachments.map((a) => ({ url: a.url, mediaType: null, description: a.description, blurhash: null, width: null, height: null }))
    emojis = []
  }
  if (policy.mediaNsfw && attachments.length) sensitive = true
  return { ...status, content, spoilerText, visibility, attachments, emojis, sensitive }
}
