import type { Config } from '../../config'

export interface RegistrationFlags {
  /** anyone may sign up (with or without approval) */
  open: boolean
  /** sign-ups wait for a moderator */
  approvalRequired: boolean
  /** sign-up needs an invitation token */
  invitesEnabled: boolean
  /** the sign-up form asks why the person wants to join */
  reasonRequired: boolean
}

/**
 * How the registration mode shows to clients: Mastodon's `registrations` / `approval_required` and
 * Pleroma's `invites_enabled`. Invite-only is "closed, but invites work", as Pleroma reports it.
 */
export function registrationFlags(config: Config): RegistrationFlags {
  const mode = config.registrations
  return {
    open: mode === 'open' || mode === 'approval',
    approvalRequired: mode === 'approval',
    invitesEnabled: mode === 'invite',
    reasonRequired: mode === 'approval',
  }
}

export interface InstanceRule {
  id: string
  text: string
  hint: string
}

/**
 * The configured rules with stable ids (their position, from 1). A rule written as "text\nhint"
 * carries Mastodon's longer explanation after the first line.
 */
export function instanceRules(config: Config): InstanceRule[] {
  return config.instance.rules
    .map((rule) => String(rule).trim())
    .map((rule, i) => {
      const [text, ...rest] = rule.split('\n')
      return { id: String(i + 1), text: text.trim(), hint: rest.join('\n').trim() }
    })
    .filter((rule) => rule.text !== '')
}
