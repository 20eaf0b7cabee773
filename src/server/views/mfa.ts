import type { AuthorizeView } from './authorize'
import { html } from './html'
import { layout } from './layout'

export interface MfaPageOptions {
  mfaToken: string
  challengeType?: 'totp' | 'recovery'
  error?: string
}

/** The second step of signing in on the authorization page: a code from the authenticator app, or a backup code. */
export function mfaPage(view: AuthorizeView, opts: MfaPageOptions): string {
  const recovery = opts.challengeType === 'recovery'
  const hidden = { ...view.params, authenticity_token: view.csrfToken, mfa_token: opts.mfaToken }
  return layout({
    title: 'Two-factor authentication',
    lang: view.lang,
    instanceName: view.instanceName,
    body: html`<h1>Two-factor authentication</h1>
<p>Enter the code from your authenticator app to authorize <strong>${view.app.name}</strong>, or one of your backup codes.</p>
${opts.error ? html`<p class="error" role="alert">${opts.error}</p>` : ''}
<form method="post" action="/oauth/mfa/verify">
${Object.entries(hidden).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">\n`)}
<label><input type="radio" name="challenge_type" value="totp"${recovery ? '' : html` checked`}> Authenticator app code</label>
<label><input type="radio" name="challenge_type" value="recovery"${recovery ? html` checked` : ''}> Backup code</label>
<label>Code
<input type="text" name="code" inputmode="numeric" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" maxlength="64" required autofocus>
</label>
<div class="actions">
<button type="submit" class="primary">Verify</button>
</div>
</form>`,
  })
}
