// Runs the real `rookery` command in a child process against a database of its own:
// a fresh PostgreSQL database when TEST_DATABASE_URL is set, else a temporary embedded (PGlite) data folder.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import postgres from 'postgres'
import type { Ctx } from '../../src/core/context'
import { openDatabase } from '../../src/db/client'
import { testConfig } from '../support/context'

export const ROOT = resolve(import.meta.dir, '../..')
const BUN = join(ROOT, 'node_modules/.bin/bun')
export const TEST_DOMAIN = 'cli.rookery.test'

export interface CliEnv {
  env: Record<string, string>
  /** the embedded database folder, or null on PostgreSQL */
  dataDir: string | null
  databaseUrl: string | null
  cleanup(): Promise<void>
}

export interface CliResult {
  code: number
  stdout: string
  stderr: string
  json<T = any>(): T
}

let counter = 0
/** Unique per run, for names that must not collide with earlier runs on a shared database. */
export function unique(prefix: string): string {
  return `${prefix}${process.pid.toString(36)}${(++counter).toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`
}

function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (v !== undefined && !/^(DATABASE_URL|ROOKERY_|PORT$|TEST_DATABASE_URL$)/.test(k)) env[k] = v
  }
  return { ...env, ROOKERY_DOMAIN: TEST_DOMAIN, NO_COLOR: '1', TERM: 'dumb' }
}

/** An environment for the CLI; `embedded` forces a PGlite data folder even when TEST_DATABASE_URL is set. */
export async function cliEnvironment(opts: { embedded?: boolean } = {}): Promise<CliEnv> {
  const url = process.env.TEST_DATABASE_URL
  if (url && !opts.embedded) {
    const name = `rookery_cli_${process.pid}_${Date.now().toString(36)}_${++counter}`
    const admin = postgres(url, { max: 1, onnotice: () => {} })
    await admin.unsafe(`create database "${name}"`)
    const target = new URL(url)
    target.pathname = `/${name}`
    return {
      env: { ...baseEnv(), DATABASE_URL: target.toString() },
      dataDir: null,
      databaseUrl: target.toString(),
      async cleanup() {
        await admin.unsafe(`drop database if exists "${name}" with (force)`)
        await admin.end({ timeout: 5 })
      },
    }
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'rookery-cli-'))
  return {
    env: { ...baseEnv(), ROOKERY_DATA_DIR: dataDir },
    dataDir,
    databaseUrl: null,
    async cleanup() {
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

export async function rookery(cli: CliEnv, args: string[], opts: { stdin?: string; env?: Record<string, string> } = {}): Promise<CliResult> {
  const proc = Bun.spawn([BUN, 'src/cli/index.ts', ...args], {
    cwd: ROOT,
    env: { ...cli.env, ...opts.env },
    stdin: opts.stdin === undefined ? 'ignore' : new Blob([opts.stdin]),
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [stdout, stderr, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited])
  return {
    code,
    stdout,
    stderr,
    json() {
      try {
        return JSON.parse(stdout)
      } catch {
        throw new Error(`not JSON (exit ${code}):\n${stdout}\n--- stderr:\n${stderr}`)
      }
    },
  }
}

export interface ServeProcess {
  url: string
  pid: number
  startLine: Record<string, unknown>
  /** SIGTERM, then the exit code and everything it wrote */
  stop(): Promise<{ code: number; stdout: string; stderr: string }>
}

/** Starts `rookery serve --port 0 --json` and waits (bounded) for its startup line. */
export function startServe(cli: CliEnv, args: string[] = []): Promise<ServeProcess> {
  return startLongRunning(cli, ['serve', '--port', '0', '--json', ...args])
}

/** Starts `rookery worker --json` and waits (bounded) for its startup line. */
export function startWorker(cli: CliEnv): Promise<ServeProcess> {
  return startLongRunning(cli, ['worker', '--json'])
}

async function startLongRunning(cli: CliEnv, args: string[]): Promise<ServeProcess> {
  const proc = Bun.spawn([BUN, 'src/cli/index.ts', ...args], {
    cwd: ROOT, env: cli.env, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe',
  })
  const stderrText = new Response(proc.stderr).text()
  const reader = proc.stdout.getReader()
  const decoder = new TextDecoder()
  let stdout = ''
  // Generous: a fresh embedded data folder is initialised and migrated first, which is slow on a busy machine.
  const deadline = Date.now() + 100_000
  while (!stdout.includes('\n')) {
    const chunk = await Promise.race([reader.read(), Bun.sleep(Math.max(0, deadline - Date.now())).then(() => null)])
    if (!chunk || chunk.done) {
      proc.kill('SIGKILL')
      throw new Error(`${args[0]} did not start (exit ${await proc.exited}):\n${stdout}\n${await stderrText}`)
    }
    stdout += decoder.decode(chunk.value, { stream: true })
  }
  const startLine = JSON.parse(stdout.slice(0, stdout.indexOf('\n')))
  const rest = (async () => {
    for (;;) {
      const { done, value } = await reader.read()
      if (done) break
      stdout += decoder.decode(value, { stream: true })
    }
  })()
  return {
    url: startLine.url,
    pid: proc.pid,
    startLine,
    async stop() {
      proc.kill('SIGTERM')
      const code = await Promise.race([proc.exited, Bun.sleep(15_000).then(() => { proc.kill('SIGKILL'); return -1 })])
      await rest
      return { code, stdout, stderr: await stderrText }
    },
  }
}

/** A context on the CLI's database for checks from the test (through the server's socket while `serve` runs). */
export async function inspect(cli: CliEnv): Promise<Ctx> {
  const database = await openDatabase({ databaseUrl: cli.databaseUrl, dataDir: cli.dataDir ?? '', role: 'cli' })
  return { db: database.db, database, config: testConfig({ domain: TEST_DOMAIN, baseUrl: `http://${TEST_DOMAIN}` }), startedAt: new Date() }
}

/**
 * Opens the CLI's database with its media in `mediaDir`, runs `work`, and closes it (the embedded database allows one
 * opener at a time).
 */
export async function withCliContext<T>(cli: CliEnv, mediaDir: string, work: (ctx: Ctx) => Promise<T>): Promise<T> {
  const opened = await inspect(cli)
  const ctx = { ...opened, config: { ...opened.config, media: { dir: mediaDir, baseUrl: null, s3: null } } }
  try {
    return await work(ctx)
  } finally {
    await opened.database.close()
  }
}
