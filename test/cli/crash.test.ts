// A short run of scripts/crash-test.ts: one SIGKILL of `serve` during writes, then every acknowledged write is checked,
// and the delivery job each status queued has reached the remote follower once.
// It starts the server twice (a fresh embedded folder is initialised first), so it takes from 30 s on a quiet machine
// to a few minutes on a busy one: it runs when ROOKERY_CRASH_TEST=1 (on TEST_DATABASE_URL's server when set).
import { expect, test } from 'bun:test'
import { runCrashTest } from '../../scripts/crash-test'

test.skipIf(!process.env.ROOKERY_CRASH_TEST)('writes acknowledged before a kill -9 are all there after the restart', async () => {
  const lines: string[] = []
  const report = await runCrashTest({
    kills: 1, seconds: 240, seed: 20261206, users: 2, loadMs: [2000, 3000],
    databaseUrl: process.env.TEST_DATABASE_URL ?? null, log: (line) => lines.push(line),
  })
  expect(report.kills).toBe(1)
  expect(report.restarts).toBe(1)
  expect(report.acknowledged.statuses).toBeGreaterThan(0)
  // every acknowledged status reached the remote follower, each under one activity id
  expect(report.deliveries.activities).toBeGreaterThanOrEqual(report.acknowledged.statuses)
  expect(report.lost).toEqual([])
}, 300_000)
