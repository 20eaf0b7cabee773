import { isIP } from 'node:net'

/**
 * Which address a request comes from: the connection's peer, or, only when that peer is one of the configured trusted
 * proxies, the nearest address in `X-Forwarded-For` that is not itself a trusted proxy (a client can write anything to
 * the left of what its proxy appended, so the list is read from the right).
 */
export function clientIp(peer: string | null | undefined, forwardedFor: string | null | undefined, trustedProxies: readonly string[]): string | null {
  const direct = normalizeIp(peer)
  if (!direct || !forwardedFor || !trustedProxies.length || !isTrusted(direct, trustedProxies)) return direct
  const hops = forwardedFor.split(',').map((s) => normalizeIp(s.trim())).filter((s): s is string => !!s)
  for (let i = hops.length - 1; i >= 0; i--) {
    if (!isTrusted(hops[i], trustedProxies)) return hops[i]
  }
  return hops[0] ?? direct
}

/** A canonical spelling: IPv4-mapped IPv6 becomes IPv4, IPv6 is fully expanded in lower case; null if not an address. */
export function normalizeIp(value: string | null | undefined): string | null {
  if (!value) return null
  let ip = value.trim()
  if (ip.startsWith('[') && ip.includes(']')) ip = ip.slice(1, ip.indexOf(']'))
  const zone = ip.indexOf('%')
  if (zone >= 0) ip = ip.slice(0, zone)
  const version = isIP(ip)
  if (version === 4) return ip
  if (version !== 6) return null
  const groups = expandIpv6(ip)
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `${groups[6] >> 8}.${groups[6] & 255}.${groups[7] >> 8}.${groups[7] & 255}`
  }
  return groups.map((g) => g.toString(16).padStart(4, '0')).join(':')
}

/** The bucket an address counts in: IPv4 as is, IPv6 by its /64 (one subscriber usually holds a whole /64). */
export function ipBucket(ip: string): string {
  if (!ip.includes(':')) return ip
  return `${ip.split(':').slice(0, 4).join(':')}::/64`
}

function expandIpv6(ip: string): number[] {
  let text = ip
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (v4) {
    const [a, b, c, d] = v4[1].split('.').map(Number)
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`
  }
  const [head, tail] = text.split('::')
  const left = head ? head.split(':') : []
  const right = tail !== undefined && tail ? tail.split(':') : []
  const missing = 8 - left.length - right.length
  const parts = tail === undefined ? left : [...left, ...Array(missing).fill('0'), ...right]
  return parts.map((p) => parseInt(p, 16))
}

function toBytes(ip: string): number[] {
  if (!ip.includes(':')) return ip.split('.').map(Number)
  return expandIpv6(ip).flatMap((g) => [g >> 8, g & 255])
}

/** Is `ip` (normalised) inside `range`, an address or a CIDR block (`10.0.0.0/8`, `fd00::/8`)? */
export function inRange(ip: string, range: string): boolean {
  const [base, bitsText] = range.split('/')
  const network = normalizeIp(base)
  if (!network) return false
  const a = toBytes(ip)
  const b = toBytes(network)
  if (a.length !== b.length) return false
  const bits = bitsText === undefined ? a.length * 8 : Number(bitsText)
  if (!Number.isInteger(bits) || bits < 0 || bits > a.length * 8) return false
  for (let i = 0; i < a.length; i++) {
    const take = Math.max(0, Math.min(8, bits - i * 8))
    const mask = take === 0 ? 0 : (0xff << (8 - take)) & 0xff
    if ((a[i] & mask) !== (b[i] & mask)) return false
  }
  return true
}

function isTrusted(ip: string, trustedProxies: readonly string[]): boolean {
  return trustedProxies.some((range) => inRange(ip, range))
}
