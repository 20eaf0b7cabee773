import type { Config } from '../config'
import { openContext } from '../context'
import type { Ctx } from '../core/context'
import { startJobs, type Jobs } from '../core/jobs'
import { createApp } from './app'
import { maxRequestBodySize } from './plugins/body'
import type { Workers } from '../workers'
import { startControlSocket } from './control'
import { processCounters } from '../core/admin/runtime'
import { adoptIdentity, IdentityMismatchError } from '../core/instance/identity'

export interface RunningServer {
  ctx: Ctx
  /** where the HTTP server listens (the public base URL may differ behind a proxy) */
  url: string
  port: number
  /** Stops accepting connections, lets requests in flight finish (up to `graceMs`), then closes the database. */
  stop(graceMs?: number): Promise<void>
}

export class ServeError extends Error {}

function listenError(e: unknown, config: Config): Error {
  const code = (e as NodeJS.ErrnoException)?.code
  const where = `${config.host}:${config.port}`
  if (code === 'EADDRINUSE' || /in use/i.test(String((e as Error)?.message))) return new ServeError(`cannot listen on ${where}: the port is already in use`)
  if (code === 'EACCES') return new ServeError(`cannot listen on ${where}: permission denied (ports below 1024 need privileges)`)
  if (code === 'EADDRNOTAVAIL') return new ServeError(`cannot listen on ${where}: no such address on this machine`)
  return e instanceof Error ? e : new Error(String(e))
}

/** With port 0 the derived defaults (`localhost:0`) only become right once the system picked the port. */
function adoptEphemeralPort(config: Config, port: number) {
  if (config.port !== 0) return
  config.port = port
  if (config.domain.endsWith(':0')) config.domain = `${config.domain.slice(0, -2)}:${port}`
  if (/:0$/.test(config.baseUrl)) config.baseUrl = `${config.baseUrl.slice(0, -2)}:${port}`
}

/** Fails fast on a taken port, before the (possibly slow) database start; the real listen still reports races. */
function assertPortFree(config: Config) {
  if (config.port === 0) return
  try {
    Bun.serve({ hostname: config.host, port: config.port, fetch: () => new Response(null) }).stop(true)
  } catch (e) {
    throw listenError(e, config)
  }
}

/** How long a starting server waits for its first request before it starts its workers anyway. */
const FIRST_ANSWER_WAIT_MS = 250
/** How long it lets requests that arrived in that time finish first (an open stream never does). */
const FIRST_ANSWER_MAX_MS = 2_000

/**
 * Resolves once the server has answered a request and has none in flight, or after `waitMs` without one. A request
 * in flight when `waitMs` runs out is let finish (up to `maxMs` in all): the workers' registration would otherwise
 * share the thread, and on PGlite the one engine, with it.
 */
async function firstAnswer(server: { pendingRequests: number }, waitMs: number, maxMs: number) {
  const started = performance.now()
  let seen = processCounters.requestsTotal > 0
  for (;;) {
    const waited = performance.now() - started
    if (server.pendingRequests > 0) seen = true
    else if (seen || processCounters.requestsTotal > 0 || waited >= waitMs) return
    if (waited >= maxMs) return
    await Bun.sleep(2)
  }
}

export interface ServeOptions {
  /**
   * Run the job queues' workers in this process (the default). Without them the server only sends jobs, for
   * `rookery worker` processes to run.
   */
  jobs?: boolean
}

/** Opens (and migrates) the database, then serves the API on the configured host and port. */
export async function startServer(config: Config, opts: ServeOptions = {}): Promise<RunningServer> {
  const runJobs = opts.jobs ?? true
  assertPortFree(config)
  const ctx = await openContext({ config, role: 'serve', migrate: true })
  // A first start on a port the system picks stores the identity once the port is known.
  const claimAfterListen = config.port === 0 && !config.identityGiven.domain
  try {
    await adoptIdentity(ctx.db, config, { claim: !claimAfterListen })
  } catch (e) {
    await ctx.database.close().catch(() => {})
    throw e instanceof IdentityMismatchError ? new ServeError(e.message) : e
  }
  let app: ReturnType<typeof createApp>
  let jobs: Jobs | undefined
  try {
    // Started before the listener, so that a request's transaction can send a job: a send waiting for the queue's
    // start inside a transaction would hold the connection the start needs (PGlite has only one).
    // Without workers the queue is only for sending: no maintenance or schedules either (the workers run those).
    jobs = ctx.jobs = await startJobs(ctx.database, { supervise: runJobs, runner: runJobs, pollingIntervalSeconds: config.jobPollingSeconds })
    app = createApp(ctx).listen({ hostname: config.host, port: config.port, maxRequestBodySize: maxRequestBodySize(config) })
  } catch (e) {
    await jobs?.stop().catch(() => {})
    await ctx.database.close().catch(() => {})
    throw listenError(e, config)
  }
  const server = app.server!
  adoptEphemeralPort(config, server.port!)
  let workers: Workers | undefined
  try {
    if (claimAfterListen) await adoptIdentity(ctx.db, config, { claim: true })
    // Requests are answered from here on, and streaming clients hear every event committed from now on, by this
    // process or another one on the database. The workers (their registration, first polls and schedules take a
    // moment of the one thread) start once the first request is answered, or the server has waited a moment for one.
    const streaming = app.decorator.streaming.start().catch((e) => console.error('[rookery] streaming: cannot listen for events:', e))
    const registering = runJobs
      ? firstAnswer(server, FIRST_ANSWER_WAIT_MS, FIRST_ANSWER_MAX_MS).then(async () => (await import('../workers')).startWorkers({ ...ctx, jobs: jobs! }))
      : undefined
    const [started] = await Promise.allSettled([registering, streaming])
    if (started.status === 'rejected') throw started.reason
    workers = started.value
  } catch (e) {
    await app.decorator.streaming.stop().catch(() => {})
    server.stop(true)
    await jobs.stop().catch(() => {})
    await ctx.database.close().catch(() => {})
    throw e
  }
  // What `rookery top` shows of this process: open streams, and (on the control socket) request rate and memory.
  processCounters.reportStreams(() => app.decorator.streaming.size)
  const control = await startControlSocket(config).catch((e) => {
    console.error('[rookery] control socket unavailable (rookery top will show n/a):', (e as Error).message)
    return null
  })
  const host = server.hostname && server.hostname.includes(':') ? `[${server.hostname}]` : server.hostname || config.host
  let stopping: Promise<void> | null = null
  return {
    ctx,
    url: `http://${host}:${server.port}`,
    port: server.port!,
    stop(graceMs = 10_000) {
      stopping ??= (async () => {
        let timer: ReturnType<typeof setTimeout> | undefined
        // Open streams would hold a graceful stop forever: close them (and stop listening) first.
        await app.decorator.streaming.stop()
        await control?.stop().catch(() => {})
        const graceful = server.stop(false)
        const forced = new Promise<void>((resolve) => {
          timer = setTimeout(() => { void server.stop(true); resolve() }, graceMs)
        })
        await Promise.race([graceful, forced])
        clearTimeout(timer)
        await workers?.stop().catch(() => {})
        await jobs?.stop().catch((e) => console.error('[rookery] stopping the job queue:', e))
        await ctx.database.close()
      })()
      return stopping
    },
  }
}

/**
 * Stops the server cleanly on SIGINT/SIGTERM (PGlite must close to keep its data) and exits 0;
 * a second signal while stopping exits at once with 1.
 */
export function stopOnSignals(server: { stop(): Promise<void> }, log: (line: string) => void = (l) => process.stderr.write(l + '\n')) {
  let signalled = false
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) {
      log(`${signal} again: exiting without waiting`)
      process.exit(1)
    }
    signalled = true
    log(`${signal} received: stopping`)
    server.stop().then(
      () => { log('stopped'); process.exit(0) },
      (e) => { log(`error while stopping: ${(e as Error).message}`); process.exit(1) },
    )
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
}
