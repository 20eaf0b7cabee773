// Emoji test helpers: a context whose data folder is a fresh temporary one (emoji files land there), tiny images,
// and admin users for the pack API.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Config } from '../../src/config'
import type { Ctx } from '../../src/core/context'
import type { App } from '../../src/server/app'
import { contextWith, testApp } from './context'
import { makeUser, type MadeUser } from './factories'

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
