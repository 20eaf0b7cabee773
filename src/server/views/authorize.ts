import { html, type SafeHtml } from './html'
import { layout } from './layout'
import { describeScopes } from './scopes'

const OOB_REDIRECT = 'urn:ietf:wg:oauth:2.0:oob'

export interface PageContext {
  lang: string
  instanceName: string
  domain: string
}

/** What the authorization pages show about a validated request, and the fields their forms carry back. */
export interface AuthorizeView extends PageContext {
  app: { name: string; website: string | null }
  scopes: string[]
  redirectUri: string
  /** the authorization parameters, re-sent (and re-validated) with the form */
  params: Record<string, string>
  csrfToken: string
}

function hiddenFields(fields: Record<string, string>): SafeHtml {
  return html`${Object.entries(fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">\n`)}`
}

function appLine(view: AuthorizeView): SafeHtml {
  const name = html`<strong>${view.app.name}</strong>`
  const site = view.app.website
    ? html` (<a href="${view.app.website}" rel="noopener noreferrer nofollow" target="_blank">${hostOf(view.app.website)}</a>)`
    : ''
  return html`<p>${name}${site} wants to use your account on <strong>${view.domain}</strong>.</p>`
}

function hostOf(uri: string): string {
  try {
    const url = new URL(uri)
    return url.host || `${url.protocol}…`
  } catch {
    return uri
  }
}

function scopeList(scopes: string[]): SafeHtml {
  const items = describeScopes(scopes).map((s) => html`<li${s.admin ? html` class="admin"` : ''}>${capitalise(s.text)} <code>${s.scope}</code></li>\n`)
  return html`<section class="scopes" aria-labelledby="scopes-title">
<h2 id="scopes-title">It will be able to:</h2>
<ul>
${items}</ul>
</section>`
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

function destination(view: AuthorizeView): SafeHtml {
  if (view.redirectUri === OOB_REDIRECT) return html`<p class="muted">You will be shown a code to copy into the app.</p>`
  return html`<p class="muted">You will then be sent back to <strong>${hostOf(view.redirectUri)}</strong>.</p>`
}

function errorBox(error: string | undefined): SafeHtml | '' {
  return error ? html`<p class="error" role="alert">${error}</p>` : ''
}

/** No session (or force_login): sign in and authorize in one step. */
export function loginPage(view: AuthorizeView, opts: { error?: string; login?: string } = {}): string {
  return layout({
    title: `Authorize ${view.app.name}`,
    lang: view.lang,
    instanceName: view.instanceName,
    body: html`<h1>Sign in to authorize ${view.app.name}</h1>
${appLine(view)}
${scopeList(view.scopes)}
${errorBox(opts.error)}
<form method="post" action="/oauth/authorize">
${hiddenFields({ ...view.params, authenticity_token: view.csrfToken })}
<label>Nickname or e-mail address
<input type="text" name="name" value="${opts.login ?? ''}" autocomplete="username" autocapitalize="none" spellcheck="false" maxlength="320" required>
</label>
<label>Password
<input type="password" name="password" autocomplete="current-password" maxlength="1024" required>
</label>
<div class="actions">
<button type="submit" name="decision" value="approve" class="primary">Sign in and authorize</button>
<button type="submit" name="decision" value="deny" formnovalidate>Cancel</button>
</div>
</form>
${destination(view)}`,
  })
}

/** A signed-in user approves or denies. */
export function consentPage(view: AuthorizeView, user: { nickname: string; displayName: string }, signOutReturnTo: string): string {
  return layout({
    title: `Authorize ${view.app.name}`,
    lang: view.lang,
    instanceName: view.instanceName,
    body: html`<h1>Authorize ${view.app.name} as @${user.nickname}?</h1>
${appLine(view)}
${scopeList(view.scopes)}
<form method="post" action="/oauth/authorize">
${hiddenFields({ ...view.params, authenticity_token: view.csrfToken })}
<div class="actions">
<button type="submit" name="decision" value="approve" class="primary">Authorize</button>
<button type="submit" name="decision" value="deny">Deny</button>
</div>
</form>
${destination(view)}
<form method="post" action="/auth/sign_out" class="muted">
${hiddenFields({ authenticity_token: view.csrfToken, return_to: signOutReturnTo })}
Not ${user.displayName && user.displayName !== user.nickname ? html`${user.displayName} (@${user.nickname})` : `@${user.nickname}`}? <button type="submit" class="link">Sign out</button>
</form>`,
  })
}

/** Out-of-band apps: the user copies the code by hand. */
export function oobCodePage(ctx: PageContext, appName: string, code: string): string {
  return layout({
    title: 'Authorization code',
    lang: ctx.lang,
    instanceName: ctx.instanceName,
    body: html`<h1>Authorization code</h1>
<p>Copy this code and paste it into <strong>${appName}</strong>:</p>
<label>Code
<input type="text" class="code" value="${code}" readonly autofocus aria-label="Authorization code">
</label>
<p class="muted">The code works once and expires in 10 minutes. Do not share it with anyone else.</p>`,
  })
}

/** Errors that must not be redirected, a denied OOB request, or a finished sign-out. */
export function messagePage(ctx: PageContext, title: string, message: string, opts: { error?: boolean } = {}): string {
  return layout({
    title,
    lang: ctx.lang,
    instanceName: ctx.instanceName,
    body: html`<h1>${title}</h1>
${opts.error ? html`<p class="error" role="alert">${message}</p>` : html`<p>${message}</p>`}`,
  })
}
