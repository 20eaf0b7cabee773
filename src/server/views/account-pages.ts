import type { PageContext } from './authorize'
import { html } from './html'
import { layout } from './layout'

/** The form a password reset link opens (Pleroma's field names: `data[token]`, `data[password]`, `data[password_confirmation]`). */
export function passwordResetPage(page: PageContext, opts: { token: string; nickname: string; error?: string }): string {
  return layout({
    title: 'Reset your password',
    lang: page.lang,
    instanceName: page.instanceName,
    body: html`<h1>Reset the password of @${opts.nickname}</h1>
${opts.error ? html`<p class="error" role="alert">${opts.error}</p>` : ''}
<form method="post" action="/api/v1/pleroma/password_reset">
<input type="hidden" name="data[token]" value="${opts.token}">
<label>New password
<input type="password" name="data[password]" autocomplete="new-password" minlength="8" maxlength="256" required autofocus>
</label>
<label>Repeat the new password
<input type="password" name="data[password_confirmation]" autocomplete="new-password" minlength="8" maxlength="256" required>
</label>
<div class="actions">
<button type="submit" class="primary">Set the new password</button>
</div>
</form>
<p class="muted">Every app and browser signed in to this account will be signed out.</p>`,
  })
}
