// Emoji test helpers: a context whose data folder is a fresh temporary one (emoji files land there), tiny images,
// and admin users for the pack API.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Config } from '../../src/config'
import type { Ctx } from '../../src/core/context'
import type { App } from '../../src/server/app'
import { contextWith, testApp } from './context'
import { makeUser, uniqueName, type MadeUser } from './factories'
import { call } from './http'

/** A 1×1 PNG. */
export const PNG = Uint8Array.from(atob('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='), (c) => c.charCodeAt(0))
/** A 1×1 GIF. */
export const GIF = Uint8Array.from(atob('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7'), (c) => c.charCodeAt(0))

export const pngFile = (name = 'emoji.png') => new File([PNG], name, { type: 'image/png' })

export interface EmojiTestEnv {
  ctx: Ctx
  app: App
  dataDir: string
  cleanup(): void
}

/** The shared test database with a temporary data folder, and an app over it. */
export async function emojiTestEnv(overrides: Partial<Config> = {}): Promise<EmojiTestEnv> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rookery-emoji-'))
  const ctx = await contextWith({ dataDir, ...overrides })
  return { ctx, app: await testApp(ctx), dataDir, cleanup: () => rmSync(dataDir, { recursive: true, force: true }) }
}

/** An administrator whose token holds `admin:write` besides the usual scopes. */
export function makeAdmin(ctx: Ctx, scopes = ['read', 'write', 'follow', 'admin:read', 'admin:write']): Promise<MadeUser> {
  return makeUser(ctx, { scopes, user: { isAdmin: true } })
}

/**
 * A new emoji pack with one custom emoji in it, made by an admin through the pack API of `env`'s app. Remove it with
 * `deletePack(env.ctx, pack)` afterwards.
 */
export async function makeCustomEmoji(env: EmojiTestEnv, admin: MadeUser, packPrefix = 'pack'): Promise<{ pack: string; shortcode: string }> {
  const pack = uniqueName(packPrefix)
  const shortcode = uniqueName('blob').replace(/_/g, '')
  const made = await call('POST', '/api/v1/pleroma/emoji/pack', { app: env.app, token: admin.token, query: { name: pack } })
  if (made.status !== 200) throw new Error(`emoji pack: ${made.status} ${made.text}`)
  const added = await call('POST', '/api/v1/pleroma/emoji/packs/files', {
    app: env.app, token: admin.token, query: { name: pack }, multipart: { file: pngFile(`${shortcode}.png`), shortcode },
  })
  if (added.status !== 200) throw new Error(`emoji file: ${added.status} ${added.text}`)
  return { pack, shortcode }
}
