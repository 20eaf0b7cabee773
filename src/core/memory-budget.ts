// The resident memory a long-running process aims to stay under (`memoryBudgetMb`, docs/deploying.md "Memory").
//
// JavaScriptCore sizes its heap by the machine's memory: after each collection it lets the heap grow to twice what
// survived while that is under a quarter of the machine's memory, 1.5 times under half, 1.24 times beyond. On a
// machine of a few gigabytes a server always gets the doubling, and that headroom is about half of its growth under
// load. Two things hold the process to its budget:
// - At start, the process runs itself again (same pid, same open files) with `BUN_JSC_forceRAMSize` telling the
//   engine the machine has as much memory as the budget, so the heap's growth slows well before the budget. The
//   engine's collections stay concurrent, as usual.
// - While it runs, a check every quarter second makes a full collection, which also hands freed pages back to the
//   system, when the resident memory is above the budget anyway; when one does not bring it under, the next waits
//   twice as long (up to a minute), so a budget below what the process needs costs little CPU.

import { isCompiledBinary } from '../embedded'

/** The setting JavaScriptCore reads at start for the machine's memory, in bytes. */
export const ENGINE_RAM_ENV = 'BUN_JSC_forceRAMSize'
const MB = 1024 * 1024

/** A budget in megabytes, in bytes. */
export const budgetBytes = (budgetMb: number) => budgetMb * MB

/** Default budget on PostgreSQL; none on the embedded database, whose WebAssembly memory alone is about 140 MB and never shrinks. */
export const DEFAULT_POSTGRES_BUDGET_MB = 150

/** The budget from the setting, or the default for the database in use; 0 means none. */
export function memoryBudgetMb(given: number | undefined, databaseUrl: string | null): number {
  if (given === undefined) return databaseUrl ? DEFAULT_POSTGRES_BUDGET_MB : 0
  if (!Number.isInteger(given) || given < 0) throw new Error(`ROOKERY_MEMORY_BUDGET_MB must be a whole number of megabytes (0 for none), got "${given}"`)
  return given
}

/**
 * The memory to tell the engine the machine has for `budgetMb`: the budget itself. A quarter more (192 MB for 150)
 * left the peak at 162–168 MB on the bench, against 154 MB with the budget.
 */
export function engineRamBytes(budgetMb: number): number {
  return budgetBytes(budgetMb)
}

export interface ProcessStart {
  execPath: string
  /** `process.argv`: from source, Bun then the script and its arguments; in the binary, the binary, its embedded entry, then the arguments */
  argv: string[]
  /** Bun's own flags when run from source (`--smol`, `--preload …`) */
  execArgv: string[]
  /** Whether this is the single binary (its entry lives in Bun's embedded file system) */
  compiled: boolean
  env: Record<string, string | undefined>
}

/**
 * The program, arguments and environment to run this process again with the engine sized for `budgetMb`, or null
 * when it already is (or the environment sets the engine's size itself, which wins), or there is no budget.
 */
export function sizedRestart(start: ProcessStart, budgetMb: number): { file: string; args: string[]; env: Record<string, string> } | null {
  if (budgetMb <= 0 || start.env[ENGINE_RAM_ENV]) return null
  const args = start.compiled
    ? [start.execPath, ...start.argv.slice(2)]
    : [start.execPath, ...start.execArgv, ...start.argv.slice(1)]
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(start.env)) if (value !== undefined) env[key] = value
  env[ENGINE_RAM_ENV] = String(engineRamBytes(budgetMb))
  return { file: start.execPath, args, env }
}

/**
 * Replaces this process (same pid, same open files) by itself with the engine sized for the budget, when it is not
 * yet. To be called before anything else is started: nothing after it runs in the process that called it.
 */
export function restartSizedForBudget(budgetMb: number) {
  const restart = sizedRestart({ execPath: process.execPath, argv: process.argv, execArgv: process.execArgv, compiled: isCompiledBinary(), env: process.env }, budgetMb)
  if (!restart || typeof process.execve !== 'function') return
  process.execve(restart.file, restart.args, restart.env)
}

/** First wait after a collection that brought the process under its budget, and the longest after ones that did not. */
export const SHORTEST_WAIT_MS = 2_000
export const LONGEST_WAIT_MS = 60_000

export interface GovernorIo {
  rssBytes(): number
  collect(): void
  now(): number
}

/** Decides, at each check, whether to collect: see the header. */
export class MemoryGovernor {
  private wait = SHORTEST_WAIT_MS
  private lastCollection = -Infinity
  private judging = false
  collections = 0

  constructor(private readonly budgetBytes: number, private readonly io: GovernorIo) {}

  /** One check; true when it collected. */
  check(): boolean {
    const rss = this.io.rssBytes()
    if (this.judging) {
      // judged at the next check: freed pages go back to the system a moment after the collection
      this.judging = false
      this.wait = rss > this.budgetBytes ? Math.min(this.wait * 2, LONGEST_WAIT_MS) : SHORTEST_WAIT_MS
    }
    if (rss <= this.budgetBytes || this.io.now() - this.lastCollection < this.wait) return false
    this.io.collect()
    this.collections++
    this.lastCollection = this.io.now()
    this.judging = true
    return true
  }

  get nextWaitMs() { return this.wait }
}

export const CHECK_INTERVAL_MS = 250

let running: MemoryGovernor | null = null

/** Full collections the budget has asked for in this process (for `/metrics`). */
export const budgetCollections = () => running?.collections ?? 0

/** Starts the checks for this process; returns a function that stops them. */
export function governMemory(budgetMb: number): () => void {
  if (budgetMb <= 0) return () => {}
  const governor = running = new MemoryGovernor(budgetBytes(budgetMb), {
    rssBytes: () => process.memoryUsage.rss(),
    collect: () => Bun.gc(true),
    now: () => performance.now(),
  })
  const timer = setInterval(() => governor.check(), CHECK_INTERVAL_MS)
  timer.unref()
  return () => clearInterval(timer)
}
