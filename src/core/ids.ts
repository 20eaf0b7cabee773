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

/** Each character's digit value (by char code), -1 for characters outside the alphabet. */
const DIGIT = new Int8Array(128).fill(-1)
for (let i = 0; i < ALPHABET.length; i++) DIGIT[ALPHABET.charCodeAt(i)] = i

// The conversions between ids and uuids run for every id column of every row read or written, so they work on eight
// 16-bit limbs (most significant first) in plain numbers instead of BigInt, which was a tenth of a page's CPU time.
const LIMBS = 8

/** An id's 128-bit value as limbs, or null when it is not an id (or does not fit in 128 bits). */
function idLimbs(id: string): number[] | null {
  if (!ID_PATTERN.test(id)) return null
  const limbs = new Array<number>(LIMBS).fill(0)
  for (let i = 0; i < id.length; i++) {
    let carry = DIGIT[id.charCodeAt(i)]
    for (let j = LIMBS - 1; j >= 0; j--) {
      const x = limbs[j] * 62 + carry
      limbs[j] = x & 0xffff
      carry = x >>> 16
    }
    if (carry) return null
  }
  return limbs
}

/** 62^5, the most base-62 digits a division step can yield with exact integer arithmetic in a double. */
const CHUNK = 916_132_832

const ALPHABET_CODES = Array.from(ALPHABET, (c) => c.charCodeAt(0))
/** 22 base-62 digits hold any 128-bit value. */
const MAX_DIGITS = 22

function limbsToId(limbs: number[]): Id {
  const digits = new Array<number>(MAX_DIGITS).fill(48)
  let at = MAX_DIGITS
  let top = 0
  while (top < LIMBS && limbs[top] === 0) top++
  while (top < LIMBS) {
    let rem = 0
    for (let j = top; j < LIMBS; j++) {
      const cur = rem * 0x10000 + limbs[j]
      const q = Math.floor(cur / CHUNK)
      rem = cur - q * CHUNK
      limbs[j] = q
    }
    while (top < LIMBS && limbs[top] === 0) top++
    for (let k = 0; k < 5 && at > 0; k++) {
      const q = Math.floor(rem / 62)
      digits[--at] = ALPHABET_CODES[rem - q * 62]
      rem = q
    }
  }
  at = Math.min(at, MAX_DIGITS - TEXT_LENGTH)
  while (at < MAX_DIGITS - TEXT_LENGTH && digits[at] === 48) at++
  let out = ''
  for (let i = at; i < MAX_DIGITS; i++) out += String.fromCharCode(digits[i])
  return out
}

export function isId(value: unknown): value is Id {
  return typeof value === 'string' && idLimbs(value) !== null
}

const HEX_BYTES = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
const UUID_PATTERN = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i

/**
 * The latest conversions, remembered: a page converts about a thousand ids (every id column of every row), mostly the
 * same recent statuses and accounts as the pages before it, and a lookup costs a tenth of a conversion. Emptied when
 * full, which keeps the bound without bookkeeping on each hit.
 */
class ConversionMemo {
  private readonly entries = new Map<string, string>()
  constructor(private readonly limit: number) {}

  get(key: string): string | undefined {
    return this.entries.get(key)
  }

  set(key: string, value: string): string {
    if (this.entries.size >= this.limit) this.entries.clear()
    this.entries.set(key, value)
    return value
  }
}

const MEMO_LIMIT = 10_000
const uuidsOfIds = new ConversionMemo(MEMO_LIMIT)
const idsOfUuids = new ConversionMemo(MEMO_LIMIT)

export function idToUuid(id: string): string {
  const known = uuidsOfIds.get(id)
  if (known !== undefined) return known
  const limbs = idLimbs(id)
  if (!limbs) throw new Error(`not an id: ${id}`)
  const hex = (j: number) => HEX_BYTES[limbs[j] >> 8] + HEX_BYTES[limbs[j] & 0xff]
  return uuidsOfIds.set(id, `${hex(0)}${hex(1)}-${hex(2)}-${hex(3)}-${hex(4)}-${hex(5)}${hex(6)}${hex(7)}`)
}

export function uuidToId(uuid: string): Id {
  const known = idsOfUuids.get(uuid)
  if (known !== undefined) return known
  if (!UUID_PATTERN.test(uuid)) throw new SyntaxError(`not a uuid: ${uuid}`)
  const hex = uuid.length === 32 ? uuid : uuid.replace(/-/g, '')
  const limbs = new Array<number>(LIMBS)
  for (let j = 0; j < LIMBS; j++) limbs[j] = parseInt(hex.slice(j * 4, j * 4 + 4), 16)
  return idsOfUuids.set(uuid, limbsToId(limbs))
}

/** Milliseconds since the epoch encoded in an id. */
export function idTime(id: Id): number {
  const v = decodeId(id)
  return v === null ? 0 : Number(v >> 64n)
}
