import { describe, expect, test } from 'bun:test'
import { decodeId, encodeId, idAtTime, idTime, idToUuid, isId, newId, uuidToId } from '../../src/core/ids'

// The conversions as plain BigInt arithmetic, to check the limb-based ones against.
const uuidOf = (v: bigint) => {
  const hex = v.toString(16).padStart(32, '0')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}
const MAX = (1n << 128n) - 1n

function randomValue(): bigint {
  let v = 0n
  const bits = 1 + Math.floor(Math.random() * 128)
  for (let i = 0; i < bits; i++) v = (v << 1n) | BigInt(Math.random() < 0.5 ? 0 : 1)
  return v
}

describe('ids', () => {
  test('remembered conversions stay right, asked again and past the number remembered', () => {
    // more values than are remembered (the memo empties itself when full), each converted twice, in two orders
    const values = Array.from({ length: 25_000 }, () => randomValue())
    for (const round of [values, [...values].reverse()]) {
      for (const v of round) {
        const id = encodeId(v)
        expect(uuidToId(uuidOf(v))).toBe(id)
        expect(idToUuid(id)).toBe(uuidOf(v))
      }
    }
    // a malformed value is refused every time, not remembered
    expect(() => uuidToId('not-a-uuid')).toThrow()
    expect(() => uuidToId('not-a-uuid')).toThrow()
    expect(() => idToUuid('not an id!')).toThrow()
    expect(() => idToUuid('not an id!')).toThrow()
  })

  test('uuid and id conversions agree with BigInt arithmetic, both ways', () => {
    const values = [0n, 1n, 61n, 62n, 65535n, 65536n, 62n ** 5n - 1n, 62n ** 5n, 1n << 64n, (1n << 64n) - 1n, MAX, MAX - 1n]
    for (let i = 0; i < 2000; i++) values.push(randomValue())
    for (const v of values) {
      const id = encodeId(v)
      expect(uuidToId(uuidOf(v))).toBe(id)
      expect(idToUuid(id)).toBe(uuidOf(v))
      expect(decodeId(id)).toBe(v)
      expect(isId(id)).toBe(true)
    }
  })

  test('ids keep their 18 characters and their order, and carry their time', () => {
    const at = Date.UTC(2025, 0, 2, 3, 4, 5, 6)
    const a = idAtTime(at)
    const b = newId(at + 1)
    expect(a).toHaveLength(18)
    expect(a < b).toBe(true)
    expect(idTime(a)).toBe(at)
    expect(uuidToId(idToUuid(b))).toBe(b)
    expect(uuidToId('00000000-0000-0000-0000-000000000000')).toBe('000000000000000000')
    expect(uuidToId('0000000000000000000000000000000a')).toBe('00000000000000000A')
  })

  test('what is not an id or a uuid is refused', () => {
    for (const bad of ['', 'abc-def', 'a'.repeat(23), 'é', 'zzzzzzzzzzzzzzzzzzzzzz', null, 12, undefined]) expect(isId(bad)).toBe(false)
    expect(isId(encodeId(MAX))).toBe(true)
    expect(() => idToUuid('zzzzzzzzzzzzzzzzzzzzzz')).toThrow()
    expect(() => idToUuid('not an id')).toThrow()
    expect(() => uuidToId('not-a-uuid')).toThrow()
    expect(() => uuidToId('00000000-0000-0000-0000-00000000000g')).toThrow()
  })
})
