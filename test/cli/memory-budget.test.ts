// `rookery serve` and `rookery worker` on PostgreSQL run themselves again, in the same process, with the engine sized
// for their memory budget; without a budget (the embedded database, or ROOKERY_MEMORY_BUDGET_MB=0) they do not.
import { describe, expect, test } from 'bun:test'
import { existsSync, readFileSync } from 'node:fs'
import { ENGINE_RAM_ENV, engineRamBytes } from '../../src/core/memory-budget'
import { cliEnvironment, startServe, startWorker, type CliEnv, type ServeProcess } from './run'

const url = process.env.TEST_DATABASE_URL
const linux = existsSync('/proc/self/environ')

/** The engine's size in the environment the running process was started with (after any restart), if any. */
function engineSizeOf(pid: number): string | undefined {
  const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')
  return entries.find((e) => e.startsWith(`${ENGINE_RAM_ENV}=`))?.slice(ENGINE_RAM_ENV.length + 1)
}

async function withProcess(cli: CliEnv, start: (cli: CliEnv) => Promise<ServeProcess>, check: (p: ServeProcess) => Promise<void> | void) {
  const running = await start(cli)
  try {
    await check(running)
  } finally {
    const stopped = await running.stop()
    expect(stopped.code).toBe(0)
  }
}

describe('the engine sized for the memory budget', () => {
  test.if(!!url && linux)('serve and worker on PostgreSQL restart themselves with it, keeping their pid and answering', async () => {
    const cli = await cliEnvironment()
    try {
      await withProcess(cli, startServe, async (server) => {
        expect(server.startLine.pid).toBe(server.pid)
        expect(engineSizeOf(server.pid)).toBe(String(engineRamBytes(150)))
        expect((await fetch(`${server.url}/api/v1/instance`)).status).toBe(200)
      })
      await withProcess({ ...cli, env: { ...cli.env, ROOKERY_MEMORY_BUDGET_MB: '300' } }, startWorker, (worker) => {
        expect(worker.startLine.pid).toBe(worker.pid)
        expect(engineSizeOf(worker.pid)).toBe(String(engineRamBytes(300)))
      })
      await withProcess({ ...cli, env: { ...cli.env, ROOKERY_MEMORY_BUDGET_MB: '0' } }, startServe, (server) => {
        expect(engineSizeOf(server.pid)).toBeUndefined()
      })
      // an engine size given by the administrator wins
      await withProcess({ ...cli, env: { ...cli.env, [ENGINE_RAM_ENV]: '1073741824' } }, startServe, (server) => {
        expect(engineSizeOf(server.pid)).toBe('1073741824')
      })
    } finally {
      await cli.cleanup()
    }
  })

  test.if(linux)('serve on the embedded database has no budget by default and starts as it is', async () => {
    const cli = await cliEnvironment({ embedded: true })
    try {
      await withProcess(cli, startServe, (server) => {
        expect(engineSizeOf(server.pid)).toBeUndefined()
      })
    } finally {
      await cli.cleanup()
    }
  })
})
