import { beforeAll, describe, expect, test } from 'bun:test'
import type { Ctx } from '../../src/core/context'
import { listenEvents, publishEvent, type StreamEvent } from '../../src/core/events'
import { getTestContext } from '../support/context'

let ctx: Ctx

beforeAll(async () => {
  ctx = await getTestContext()
})

const waitFor = async (check: () => boolean, ms = 8000) => {
  const until = Date.now() + ms
  while (!check() && Date.now() < until) await Bun.sleep(20)
  return check()
}

/** A marker event no other part of the process reacts to. */
const marker = (n: number): StreamEvent => ({ type: 'filters_changed', accountId: `events-test-${n}` })
const markers = (seen: StreamEvent[]) => seen.flatMap((e) => (e.type === 'filters_changed' && e.accountId.startsWith('events-test-') ? [e.accountId] : []))

describe('database events', () => {
  test('subscribers share one LISTEN: each hears every event once, and one leaving does not stop the others', async () => {
    const first: StreamEvent[] = []
    const second: StreamEvent[] = []
    const stopFirst = await listenEvents(ctx.database, (e) => first.push(e))
    const stopSecond = await listenEvents(ctx.database, (e) => second.push(e))
    try {
      await publishEvent(ctx.db, marker(1))
      expect(await waitFor(() => markers(first).length === 1 && markers(second).length === 1)).toBe(true)

      await stopFirst()
      await stopFirst() // leaving twice is harmless
      await publishEvent(ctx.db, marker(2))
      expect(await waitFor(() => markers(second).length === 2)).toBe(true)
      expect(markers(first)).toEqual(['events-test-1'])
    } finally {
      await stopSecond()
    }
  })

  test('a subscriber that throws does not keep the event from the others', async () => {
    const heard: StreamEvent[] = []
    const stopThrowing = await listenEvents(ctx.database, () => { throw new Error('subscriber broke') })
    const stop = await listenEvents(ctx.database, (e) => heard.push(e))
    try {
      await publishEvent(ctx.db, marker(3))
      expect(await waitFor(() => markers(heard).includes('events-test-3'))).toBe(true)
    } finally {
      await stopThrowing()
      await stop()
    }
  })

  test('after the last subscriber leaves, a new one listens again', async () => {
    const before: StreamEvent[] = []
    await (await listenEvents(ctx.database, (e) => before.push(e)))()
    const after: StreamEvent[] = []
    const stop = await listenEvents(ctx.database, (e) => after.push(e))
    try {
      await publishEvent(ctx.db, marker(4))
      expect(await waitFor(() => markers(after).includes('events-test-4'))).toBe(true)
      expect(markers(before)).toEqual([])
    } finally {
      await stop()
    }
  })
})
