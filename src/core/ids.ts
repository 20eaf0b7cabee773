import { randomBytes } from 'node:crypto'

/**
 * Time-sortable 128-bit flake ids in Pleroma's layout: 64-bit milliseconds, 48-bit worker, 16-bit sequence.
 * Stored as Postgres uuid (bytewise order = time order) and shown as 18-char base62, whose string order is the same.
 */
export type Id = string

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'
const TEXT_LENGTH = 18
const ID_PATTERN = /^[0-9A-Za-z]{1,22}$/
const MAX_128 = (1n << 128n) - 1n

const worker = BigInt('0x' + randomBytes(6).toString('hex'))
let lastMs = 0n
let sequence = 0n

export function newId(at: number | Date = Date.now()): Id {
  let ms = BigInt(typeof at === 'number' ? Math.floor(at) : at.getTime())
  const now = BigInt(Date.now())
  if (ms > now) ms = now
  if (ms <= lastMs && ms >= lastMs - 1000n) {
    // Same (or slightly earlier, e.g. clock step) millisecond: keep ids strictly increasing within this process.
    sequence++
    if (sequence > 0xffffn) { lastMs++; sequence = 0n }
    ms = lastMs
  } else {
    lastMs = ms
    sequence = 0n
  }
  return encodeId((ms << 64n) | (worker << 16n) | sequence)
}

/** The smallest id at a given time: for "everything after this moment" queries. */
export function idAtTime(at: number | Date): Id {
  const ms = BigInt(typeof at === 'number' ? Math.floor(at) : at.getTime())
  return encodeId(ms << 64n)
}

export function encodeId(value: bigint): Id {
  let out = ''
  let v = value
  while (v > 0n) {
    out = ALPHABET[Number(v % 62n)] + out
    v /= 62n
  }
  return out.padStart(TEXT_LENGTH, '0')
}

export function decodeId(id: string): bigint | null {
  if (!ID_PATTERN.test(id)) return null
  let v = 0n
  for (const ch of id) v = v * 62n + BigInt(ALPHABET.indexOf(ch))
  return v > MAX_128 ? null : v
}

export function isId(value: unknown): value is Id {
  return typeof value === 'string' && decodeId(value) !== null
}

export function idToUuid(id: string): string {
  const v = decodeId(id)
  if (v === null) throw new Error(`not an id: ${id}`)
  const hex = v.toString(16).padStart(32, '0')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

export function uuidToId(uuid: string): Id {
  return encodeId(BigInt('0x' + uuid.replace(/-/g, '')))
}

/** Milliseconds since the epoch encoded in an id. */
export function idTime(id: Id): number {
  const v = decodeId(id)
  return v === null ? 0 : Number(v >> 64n)
}
