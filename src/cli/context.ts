import type { Command } from 'commander'
import { loadConfig, type Config } from '../config'
import { openContext } from '../context'
import type { Ctx } from '../core/context'
import { migrate, migrationStatus } from '../db/migrate'
import { adoptIdentity } from '../core/instance/identity'
import { createOutput, type Output } from './output'

export interface GlobalOptions {
  config?: string
  dataDir?: string
  json?: boolean
}

/** The configuration for this run: ROOKERY_CONFIG / rookery.json and the environment, then the global flags. */
export function cliConfig(cmd: Command, overrides: Partial<Pick<Config, 'port' | 'host'>> = {}): Config {
  const opts = cmd.optsWithGlobals<GlobalOptions>()
  const env = { ...process.env }
  if (opts.config) env.ROOKERY_CONFIG = opts.config
  return loadConfig(env, { ...(opts.dataDir ? { dataDir: opts.dataDir } : {}), ...overrides })
}

export interface CommandRun {
  out: Output
  config: Config
}

/** Sets up output and configuration for a command; `--json` may sit on the command or before it. */
export async function startCommand(cmd: Command): Promise<CommandRun> {
  const opts = cmd.optsWithGlobals<GlobalOptions>()
  return { out: await createOutput({ json: opts.json }), config: cliConfig(cmd) }
}

/**
 * Opens the database for an admin command (through the running server's socket when `serve` holds the embedded
 * database), brings the schema up to date unless told not to, runs `work` and always closes the connection.
 * A first command on a new database stores the instance identity, except with `claimIdentity: false` (backups,
 * restores and moves, which carry the identity of the instance they copy).
 */
export async function withDatabase<T>(run: CommandRun, work: (ctx: Ctx) => Promise<T>, opts: { migrate?: boolean; claimIdentity?: boolean } = {}): Promise<T> {
  const { out, config } = run
  const { ctx, applied } = await out.task('Opening the database', async () => {
    const opened = await openContext({ config, role: 'cli' })
    try {
      // only when needed: migrate() runs DDL (create schema/table if not exists) even when nothing is pending
      const pending = opts.migrate !== false && (await migrationStatus(opened.db)).some((m) => !m.applied)
      const applied = pending ? await migrate(opened.db) : []
      await adoptIdentity(opened.db, config, { claim: opts.claimIdentity !== false })
      return { ctx: opened, applied }
    } catch (e) {
      await opened.database.close().catch(() => {})
      throw e
    }
  })
  try {
    if (applied.length) await out.note(`Applied ${applied.length} pending migration${applied.length === 1 ? '' : 's'}: ${applied.join(', ')}`)
    return await work(ctx)
  } finally {
    await ctx.database.close()
  }
}
