import { DEFAULT_HEADER_PATH } from '../../core/accounts/default-images'
import type { InstanceRule } from '../../core/instance/registration'
import type { AccountEntity } from '../render/account'
import type { CustomEmojiEntity } from '../render/emoji'
import type { StatusEntity } from '../render/status'
import { html, SafeHtml } from '../views/html'
import { htmlToText } from '../render/instance'
import { publicLayout } from './layout'

/** Splits sanitized HTML into tags and text, so text-only rewrites can never reach into an attribute. */
const TAG_SPLIT = /(<[^>]*>)/

/** Replaces `:shortcode:` in text with the custom emoji's image. `text` is HTML-safe already. */
function withEmojis(safe: string, emojis: CustomEmojiEntity[]): string {
  if (!emojis.length) return safe
  const byCode = new Map(emojis.map((e) => [e.shortcode, e]))
  return safe.split(TAG_SPLIT).map((part) => part.startsWith('<') ? part : part.replace(/:([A-Za-z0-9_]+):/g, (whole, code: string) => {
    const emoji = byCode.get(code)
    return emoji ? html`<img class="emoji" src="${emoji.url}" alt="${whole}" title="${whole}">`.value : whole
  })).join('')
}

/** Formatter-sanitized HTML (status content, bio, field values) with custom emojis shown. */
const richText = (sanitized: string, emojis: CustomEmojiEntity[]) => new SafeHtml(withEmojis(sanitized, emojis))

/** Plain text (a display name) escaped, with custom emojis shown. */
const plainText = (text: string, emojis: CustomEmojiEntity[]) => new SafeHtml(withEmojis(html`${text}`.value, emojis))

/** Links in profile fields claim the linked page: `rel="me"` lets that page verify the claim back. */
function relMe(sanitized: string): string {
  return sanitized.split(TAG_SPLIT).map((part) => {
    if (!/^<a\s/i.test(part)) return part
    if (/\srel="/i.test(part)) return part.replace(/\srel="([^"]*)"/i, (_, rel: string) => ` rel="${rel.split(/\s+/).includes('me') ? rel : `me ${rel}`.trim()}"`)
    return part.replace(/^<a/i, '<a rel="me"')
  }).join('')
}

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

const localPath = (account: AccountEntity) => `/@${account.acct}`
const displayName = (account: AccountEntity) => plainText(account.display_name || account.username, account.emojis)

const dateTime = (iso: string) => {
  const d = new Date(iso)
  return html`<time datetime="${d.toISOString()}">${d.toISOString().slice(0, 16).replace('T', ' ')} UTC</time>`
}

export interface StatusLinks {
  /** path of the page that shows the status */
  page: (s: StatusEntity) => string
}

export const statusPath = (s: StatusEntity) => `${localPath(s.account)}/${s.id}`

function mediaHtml(s: StatusEntity) {
  if (!s.media_attachments.length) return ''
  const items = s.media_attachments.map((m) => {
    const alt = m.description ?? ''
    if ((m.type === 'image' || m.type === 'gifv') && m.preview_url && m.url) {
      return html`<a href="${m.url}"><img src="${m.preview_url}" alt="${alt}" loading="lazy"></a>`
    }
    return m.url ? html`<a class="file" href="${m.url}">${m.type === 'video' ? 'Video' : m.type === 'audio' ? 'Audio' : 'File'}${alt ? `: ${alt}` : ''}</a>` : ''
  })
  const body = html`<div class="media">${items}</div>`
  return s.sensitive ? html`<details class="cw"><summary>Sensitive media</summary>${body}</details>` : body
}

function pollHtml(s: StatusEntity) {
  const poll = s.poll
  if (!poll) return ''
  const total = Math.max(poll.votes_count, 1)
  return html`<div class="poll"><ul>${poll.options.map((o) => {
    const share = o.votes_count === null ? null : Math.round((o.votes_count / total) * 100)
    return html`<li>${o.title}${share === null ? '' : html` <span class="muted">${share}%</span>`}</li>`
  })}</ul><p class="muted">${poll.voters_count ?? poll.votes_count} people voted${poll.expired ? ' · closed' : poll.expires_at ? html` · ends ${dateTime(poll.expires_at)}` : ''}</p></div>`
}

/** One status as a card; `focus` marks the status a page is about. */
export function statusCard(s: StatusEntity, opts: { focus?: boolean } = {}) {
  const content = richText(s.content, s.emojis)
  const body = html`<div class="content">${content}</div>${mediaHtml(s)}${pollHtml(s)}`
  return html`<article class="card${opts.focus ? ' focus' : ''}" id="s-${s.id}">
<div class="who"><img class="avatar" src="${s.account.avatar}" alt="" loading="lazy"><div class="names"><a class="name" href="${localPath(s.account)}">${displayName(s.account)}</a><span class="acct">@${s.account.acct}</span></div></div>
${s.in_reply_to_id && s.pleroma.in_reply_to_account_acct ? html`<p class="reply-of">Replying to @${s.pleroma.in_reply_to_account_acct}</p>` : ''}
${s.spoiler_text ? html`<details class="cw"><summary>${plainText(s.spoiler_text, s.emojis)}</summary>${body}</details>` : body}
<div class="meta"><a href="${statusPath(s)}">${dateTime(s.created_at)}</a>${s.edited_at ? html`<span>edited</span>` : ''}<span>${count(s.replies_count, 'reply', 'replies')}</span><span>${count(s.reblogs_count, 'boost')}</span><span>${count(s.favourites_count, 'favourite')}</span>${s.visibility === 'unlisted' ? html`<span>unlisted</span>` : ''}</div>
</article>`
}

export interface Pager {
  /** query string of the older page, if there may be one */
  older?: string
  /** query string of the newer page */
  newer?: string
}

function pagerHtml(base: string, pager: Pager) {
  if (!pager.older && !pager.newer) return ''
  return html`<nav class="pager" aria-label="Pages">${pager.newer ? html`<a href="${base}?${pager.newer}" rel="prev">← Newer</a>` : html`<span></span>`}${pager.older ? html`<a href="${base}?${pager.older}" rel="next">Older →</a>` : ''}</nav>`
}

function feedLinks(rss: string, atom: string, title: string) {
  return html`<link rel="alternate" type="application/rss+xml" title="${title} (RSS)" href="${rss}">
<link rel="alternate" type="application/atom+xml" title="${title} (Atom)" href="${atom}">`
}

function openGraph(o: { title: string; description: string; url: string; image?: string | null; type: string; siteName: string }) {
  const description = o.description.length > 300 ? `${o.description.slice(0, 297)}…` : o.description
  return html`<meta name="description" content="${description}">
<meta property="og:site_name" content="${o.siteName}">
<meta property="og:type" content="${o.type}">
<meta property="og:title" content="${o.title}">
<meta property="og:description" content="${description}">
<meta property="og:url" content="${o.url}">
${o.image ? html`<meta property="og:image" content="${o.image}">` : ''}
<meta name="twitter:card" content="${o.image && o.type === 'article' ? 'summary_large_image' : 'summary'}">
<link rel="canonical" href="${o.url}">`
}

// ---- pages ----

export interface HomeView {
  instanceName: string
  domain: string
  description: string
  rules: InstanceRule[]
  registrations: 'open' | 'invite' | 'approval' | 'closed'
  stats: { userCount: number; statusCount: number }
  signedInAs: string | null
  csrfToken: string | null
}

const APPS: [string, string, string][] = [
  ['Phanpy', 'https://phanpy.social', 'web'],
  ['Elk', 'https://elk.zone', 'web'],
  ['Tusky', 'https://tusky.app', 'Android'],
  ['Ivory', 'https://tapbots.com/ivory/', 'iPhone, iPad and Mac'],
  ['Pleroma-FE', 'https://pleroma.social', 'web'],
]

const REGISTRATION_TEXT: Record<HomeView['registrations'], string> = {
  open: 'Sign-ups are open.',
  approval: 'Sign-ups are open; a moderator reviews each one before the account can be used.',
  invite: 'Sign-ups need an invitation from a member.',
  closed: 'Sign-ups are closed.',
}

export function homePage(v: HomeView): string {
  const body = html`<section class="card">
<h1>${v.instanceName}</h1>
<p>${v.description}</p>
<p class="muted">${v.domain} · ${count(v.stats.userCount, 'member')} · ${count(v.stats.statusCount, 'post')}</p>
<p>${REGISTRATION_TEXT[v.registrations]}</p>
<div class="actions">
${v.registrations === 'closed' ? '' : html`<a class="button" href="/auth/sign_up">Create an account</a>`}
</div>
${v.signedInAs
    ? html`<form method="post" action="/auth/sign_out"><input type="hidden" name="authenticity_token" value="${v.csrfToken ?? ''}"><p>Signed in as @${v.signedInAs}. <button type="submit" class="button secondary">Sign out</button></p></form>`
    : html`<p><a href="/auth/sign_in">Sign in</a> <span class="muted">· or open one of the apps below and enter <strong>${v.domain}</strong>: it takes you to this server's sign-in page.</span></p>`}
</section>
${v.rules.length ? html`<section class="card"><h2>Rules</h2><ol class="rules">${v.rules.map((r) => html`<li>${r.text}${r.hint ? html`<span class="hint">${r.hint}</span>` : ''}</li>`)}</ol></section>` : ''}
<section class="card"><h2>Use an app</h2>
<p>${v.instanceName} speaks the Mastodon and Pleroma client APIs, so these apps work with it:</p>
<ul class="plain">${APPS.map(([name, url, where]) => html`<li><a href="${url}" rel="noopener">${name}</a> <span class="muted">(${where})</span></li>`)}</ul>
</section>`
  return publicLayout({ title: v.instanceName, instanceName: v.instanceName, body, head: html`<meta name="description" content="${v.description}">` })
}

export interface ProfileView {
  instanceName: string
  baseUrl: string
  account: AccountEntity
  hideFollowersCount: boolean
  hideFollowsCount: boolean
  statuses: StatusEntity[]
  pager: Pager
}

export function profilePage(v: ProfileView): string {
  const a = v.account
  const path = localPath(a)
  const local = !a.acct.includes('@')
  const fields = a.fields.length
    ? html`<dl class="fields">${a.fields.map((f) => html`<dt>${plainText(f.name, a.emojis)}</dt><dd${f.verified_at ? html` class="verified"` : ''}>${richText(relMe(f.value), a.emojis)}</dd>`)}</dl>`
    : ''
  const counts = html`<div class="counts"><span><strong>${a.statuses_count}</strong> posts</span>${v.hideFollowsCount ? '' : html`<span><strong>${a.following_count}</strong> following</span>`}${v.hideFollowersCount ? '' : html`<span><strong>${a.followers_count}</strong> followers</span>`}</div>`
  const body = html`<section class="card profile">
${a.header && !a.header.endsWith(DEFAULT_HEADER_PATH) ? html`<img class="banner" src="${a.header}" alt="">` : ''}
<div class="who"><img class="avatar" src="${a.avatar}" alt=""><div class="names"><h1>${displayName(a)}</h1><span class="acct">@${a.fqn}</span></div></div>
${a.bot ? html`<p class="muted">Automated account</p>` : ''}
${a.note ? html`<div class="content">${richText(a.note, a.emojis)}</div>` : ''}
${fields}
${counts}
${local ? html`<p class="muted"><a href="${path}.rss">RSS</a> · <a href="${path}.atom">Atom</a></p>` : ''}
</section>
<h2>Posts</h2>
${v.statuses.length ? v.statuses.map((s) => statusCard(s)) : html`<p class="card muted">No public posts${v.pager.newer ? ' here' : ' yet'}.</p>`}
${pagerHtml(path, v.pager)}`
  const url = local ? `${v.baseUrl}${path}` : a.url
  const head = html`${openGraph({ title: `${a.display_name || a.username} (@${a.fqn})`, description: htmlToText(a.note), url, image: a.avatar, type: 'profile', siteName: v.instanceName })}
<link rel="alternate" type="application/activity+json" href="${a.uri}">
${local ? feedLinks(`${v.baseUrl}${path}.rss`, `${v.baseUrl}${path}.atom`, `@${a.acct}`) : ''}`
  return publicLayout({ title: `${a.display_name || a.username} (@${a.fqn})`, instanceName: v.instanceName, body, head, indexable: a.noindex !== true && local })
}

export interface StatusPageView {
  instanceName: string
  baseUrl: string
  status: StatusEntity
  ancestors: StatusEntity[]
  descendants: StatusEntity[]
  indexable: boolean
}

export function statusPage(v: StatusPageView): string {
  const s = v.status
  const text = s.spoiler_text ? `CW: ${s.spoiler_text}` : htmlToText(s.content)
  const image = s.sensitive ? null : s.media_attachments.find((m) => m.type === 'image')?.preview_url ?? null
  const title = `${s.account.display_name || s.account.username}: "${text.length > 60 ? `${text.slice(0, 57)}…` : text}"`
  const body = html`${v.ancestors.map((a) => statusCard(a))}
${statusCard(s, { focus: true })}
${v.descendants.map((d) => statusCard(d))}`
  const head = html`${openGraph({ title: `${s.account.display_name || s.account.username} (@${s.account.fqn})`, description: text, url: `${v.baseUrl}${statusPath(s)}`, image: image ?? s.account.avatar, type: 'article', siteName: v.instanceName })}
<link rel="alternate" type="application/activity+json" href="${s.uri}">`
  return publicLayout({ title, instanceName: v.instanceName, body, head, indexable: v.indexable })
}

export interface TagView {
  instanceName: string
  baseUrl: string
  tag: string
  statuses: StatusEntity[]
  pager: Pager
}

export function tagPage(v: TagView): string {
  const path = `/tags/${encodeURIComponent(v.tag)}`
  const body = html`<section class="card"><h1>#${v.tag}</h1><p class="muted">Public posts with this hashtag. <a href="${path}.rss">RSS</a> · <a href="${path}.atom">Atom</a></p></section>
${v.statuses.length ? v.statuses.map((s) => statusCard(s)) : html`<p class="card muted">No public posts with #${v.tag}.</p>`}
${pagerHtml(path, v.pager)}`
  const head = html`${openGraph({ title: `#${v.tag}`, description: `Public posts with #${v.tag} on ${v.instanceName}`, url: `${v.baseUrl}${path}`, type: 'website', siteName: v.instanceName })}
${feedLinks(`${v.baseUrl}${path}.rss`, `${v.baseUrl}${path}.atom`, `#${v.tag}`)}`
  return publicLayout({ title: `#${v.tag}`, instanceName: v.instanceName, body, head })
}

/** The page of any missing or hidden address; it names no instance, since it must render without any context. */
export function notFoundPage(): string {
  const body = html`<section class="card"><h1>Not found</h1><p>There is nothing here, or it is not public.</p><p><a href="/">Go to the home page</a></p></section>`
  return publicLayout({ title: 'Not found', instanceName: 'Home', body, indexable: false })
}

export function messagePage(instanceName: string, title: string, text: string, opts: { error?: boolean } = {}): string {
  const body = html`<section class="card"><h1>${title}</h1><p${opts.error ? html` class="error" role="alert"` : ''}>${text}</p><p><a href="/">Go to ${instanceName}</a></p></section>`
  return publicLayout({ title, instanceName, body, indexable: false })
}

export interface SignUpView {
  instanceName: string
  domain: string
  mode: 'open' | 'invite' | 'approval'
  rules: InstanceRule[]
  csrfToken: string
  inviteToken: string
  captcha: { token: string; url: string; answer_data: string } | null
  values: Record<string, string>
  errors: string[]
}

export function signUpPage(v: SignUpView): string {
  const val = (k: string) => v.values[k] ?? ''
  const body = html`<section class="card">
<h1>Create an account on ${v.instanceName}</h1>
${v.mode === 'approval' ? html`<p class="muted">A moderator reviews each sign-up; you can sign in once yours is approved.</p>` : ''}
${v.errors.length ? html`<div class="error" role="alert"><ul>${v.errors.map((e) => html`<li>${e}</li>`)}</ul></div>` : ''}
<form method="post" action="/auth/sign_up">
<input type="hidden" name="authenticity_token" value="${v.csrfToken}">
<label>Username
<input type="text" name="username" value="${val('username')}" autocomplete="username" autocapitalize="none" spellcheck="false" pattern="[A-Za-z0-9_]+" maxlength="64" required>
<span class="hint">Your address will be @username@${v.domain}. Letters, digits and underscores.</span>
</label>
<label>Display name <span class="hint">(optional)</span>
<input type="text" name="display_name" value="${val('display_name')}" autocomplete="nickname" maxlength="100">
</label>
<label>E-mail address
<input type="email" name="email" value="${val('email')}" autocomplete="email" required>
</label>
<label>Password
<input type="password" name="password" autocomplete="new-password" minlength="8" maxlength="256" required>
</label>
${v.mode === 'invite' || v.inviteToken
    ? html`<label>Invitation code<input type="text" name="token" value="${v.inviteToken}" autocomplete="off" ${v.mode === 'invite' ? 'required' : ''}></label>`
    : ''}
${v.mode === 'approval' && !v.inviteToken
    ? html`<label>Why do you want to join?<textarea name="reason" rows="3" maxlength="1000" required>${val('reason')}</textarea></label>`
    : ''}
${v.captcha
    ? html`<label>Type the characters in the picture
<img class="captcha" src="${v.captcha.url}" alt="A distorted picture of characters to type" width="240" height="80">
<input type="text" name="captcha_solution" autocomplete="off" autocapitalize="characters" spellcheck="false" required>
</label>
<input type="hidden" name="captcha_token" value="${v.captcha.token}">
<input type="hidden" name="captcha_answer_data" value="${v.captcha.answer_data}">`
    : ''}
${v.rules.length ? html`<h2>Rules</h2><ol class="rules">${v.rules.map((r) => html`<li>${r.text}</li>`)}</ol>` : ''}
<label class="check"><input type="checkbox" name="agreement" value="true" required ${val('agreement') ? 'checked' : ''}> <span>I agree to the rules of ${v.instanceName}.</span></label>
<div class="actions"><button type="submit">Sign up</button></div>
</form>
</section>`
  return publicLayout({ title: 'Sign up', instanceName: v.instanceName, body, indexable: false })
}

export interface SignInView {
  instanceName: string
  csrfToken: string
  login: string
  error: string | null
  /** a page of this site to go back to once signed in */
  returnTo?: string | null
}

/** The browser sign-in: it starts the session that the OAuth consent page and the sign-out form use. */
export function signInPage(v: SignInView): string {
  const body = html`<section class="card">
<h1>Sign in to ${v.instanceName}</h1>
${v.error ? html`<p class="error" role="alert">${v.error}</p>` : ''}
<form method="post" action="/auth/sign_in">
<input type="hidden" name="authenticity_token" value="${v.csrfToken}">
${v.returnTo ? html`<input type="hidden" name="return_to" value="${v.returnTo}">` : ''}
<label>Username or e-mail address
<input type="text" name="username" value="${v.login}" autocomplete="username" autocapitalize="none" spellcheck="false" maxlength="320" required>
</label>
<label>Password
<input type="password" name="password" autocomplete="current-password" maxlength="1024" required>
</label>
<div class="actions"><button type="submit">Sign in</button></div>
</form>
<p class="muted">No account yet? <a href="/auth/sign_up">Create one</a>.</p>
</section>`
  return publicLayout({ title: 'Sign in', instanceName: v.instanceName, body, indexable: false })
}
