// The memory budget of `serve` and `worker`: its setting, the engine's size the process restarts itself with, and
// when the checks collect (src/core/memory-budget.ts).
import { describe, expect, test } from 'bun:test'
import { loadConfig } from '../../src/config'
import {
  DEFAULT_POSTGRES_BUDGET_MB, ENGINE_RAM_ENV, LONGEST_WAIT_MS, MemoryGovernor, SHORTEST_WAIT_MS, engineRamBytes, sizedRestart,
} from '../../src/core/memory-budget'
import { configFlag } from '../../src/cli/relaunch'

const MB = 1024 * 1024
const env = (extra: Record<string, string> = {}) => ({ ROOKERY_CONFIG: undefined, ROOKERY_DOMAIN: 'budget.test', ...extra })

describe('memory budget setting', () => {
  test('150 MB on PostgreSQL, none on the embedded database, unless ROOKERY_MEMORY_BUDGET_MB says', () => {
    expect(loadConfig(env({ DATABASE_URL: 'postgres://db/rookery' })).memoryBudgetMb).toBe(DEFAULT_POSTGRES_BUDGET_MB)
    expect(DEFAULT_POSTGRES_BUDGET_MB).toBe(150)
    expect(loadConfig(env()).memoryBudgetMb).toBe(0)
    expect(loadConfig(env({ DATABASE_URL: 'postgres://db/rookery', ROOKERY_MEMORY_BUDGET_MB: '0' })).memoryBudgetMb).toBe(0)
    expect(loadConfig(env({ ROOKERY_MEMORY_BUDGET_MB: '300' })).memoryBudgetMb).toBe(300)
    expect(loadConfig(env({ DATABASE_URL: 'postgres://db/rookery', ROOKERY_MEMORY_BUDGET_MB: '' })).memoryBudgetMb).toBe(150)
    for (const bad of ['-1', '1.5', 'lots']) expect(() => loadConfig(env({ ROOKERY_MEMORY_BUDGET_MB: bad }))).toThrow()
  })
})

describe('restarting with the engine sized for the budget', () => {
  const start = {
    execPath: '/usr/bin/bun', argv: ['/usr/bin/bun', '/srv/rookery/src/cli/index.ts', 'serve', '--port', '4000'],
    execArgv: ['--smol'], compiled: false, env: { PATH: '/usr/bin', DATABASE_URL: 'postgres://db/rookery', UNSET: undefined },
  }

  test('the engine is told of a machine with as much memory as the budget', () => {
    expect(engineRamBytes(150)).toBe(150 * MB)
    expect(engineRamBytes(400)).toBe(400 * MB)
  })

  test('from source: Bun, its flags, the script and the arguments again, with the size added to the environment', () => {
    expect(sizedRestart(start, 150)).toEqual({
      file: '/usr/bin/bun',
      args: ['/usr/bin/bun', '--smol', '/srv/rookery/src/cli/index.ts', 'serve', '--port', '4000'],
      env: { PATH: '/usr/bin', DATABASE_URL: 'postgres://db/rookery', [ENGINE_RAM_ENV]: String(engineRamBytes(150)) },
    })
  })

  test('the binary: itself and the arguments, without its embedded entry', () => {
    const binary = { ...start, execPath: '/usr/local/bin/rookery', argv: ['bun', '/$bunfs/root/rookery', 'worker', '--json'], execArgv: [], compiled: true }
    expect(sizedRestart(binary, 200)?.args).toEqual(['/usr/local/bin/rookery', 'worker', '--json'])
  })

  test('the configuration file named on the command line is the one the budget is read from', () => {
    expect(configFlag(['bun', 'rookery', '--config', '/etc/rookery.json', 'serve'])).toBe('/etc/rookery.json')
    expect(configFlag(['bun', 'rookery', 'serve', '--config=/etc/rookery.json'])).toBe('/etc/rookery.json')
    expect(configFlag(['bun', 'rookery', 'serve', '--', '--config', 'x'])).toBeUndefined()
    expect(configFlag(['bun', 'rookery', 'serve'])).toBeUndefined()
  })

  test('no restart without a budget, once sized, or when the environment sizes the engine itself', () => {
    expect(sizedRestart(start, 0)).toBeNull()
    const restarted = sizedRestart(start, 150)!
    expect(sizedRestart({ ...start, env: restarted.env }, 150)).toBeNull()
    expect(sizedRestart({ ...start, env: { ...start.env, [ENGINE_RAM_ENV]: '1073741824' } }, 150)).toBeNull()
  })
})

/** A governor over a fake process: resident memory set by the test, collections counted, time moved by hand. */
function fakeProcess(budgetMb: number) {
  const state = { rss: 0, now: 0, collected: 0, afterCollection: null as number | null }
  const governor = new MemoryGovernor(budgetMb * MB, {
    rssBytes: () => state.rss,
    collect: () => {
      state.collected++
      if (state.afterCollection !== null) state.rss = state.afterCollection
    },
    now: () => state.now,
  })
  const at = (ms: number, rssMb: number) => {
    state.now = ms
    state.rss = rssMb * MB
    return governor.check()
  }
  return { state, governor, at }
}

describe('collecting when above the budget', () => {
  test('nothing happens at or below the budget', () => {
    const { state, at } = fakeProcess(150)
    for (let t = 0; t < 10_000; t += 500) expect(at(t, 150)).toBe(false)
    expect(state.collected).toBe(0)
  })

  test('above it, a collection; another only after the shortest wait when the last one brought it under', () => {
    const { state, governor, at } = fakeProcess(150)
    expect(at(0, 170)).toBe(true)
    expect(at(500, 120)).toBe(false) // judged: it worked
    expect(governor.nextWaitMs).toBe(SHORTEST_WAIT_MS)
    expect(at(1_000, 160)).toBe(false) // too soon
    expect(at(SHORTEST_WAIT_MS, 160)).toBe(true)
    expect(state.collected).toBe(2)
  })

  test('collections that do not bring it under wait twice as long each time, up to the longest wait', () => {
    const { state, governor, at } = fakeProcess(150)
    let t = 0
    const waits: number[] = []
    for (let i = 0; i < 8; i++) {
      while (!at(t, 200)) t += 500 // stays above the budget whatever is collected
      t += 500
      at(t, 200) // judged: it did not help
      waits.push(governor.nextWaitMs)
    }
    expect(waits).toEqual([4_000, 8_000, 16_000, 32_000, LONGEST_WAIT_MS, LONGEST_WAIT_MS, LONGEST_WAIT_MS, LONGEST_WAIT_MS])
    expect(state.collected).toBe(8)
    // once one works again, the wait is back to the shortest
    while (!at(t, 200)) t += 500
    t += 500
    at(t, 100)
    expect(governor.nextWaitMs).toBe(SHORTEST_WAIT_MS)
  })
})
