import { lookup as dnsLookup } from 'node:dns'
import http from 'node:http'
import https from 'node:https'
import { isIP, type LookupFunction } from 'node:net'
import { ROOKERY_VERSION } from '../../version'
import { BadRequestError, ValidationError } from '../errors'

/**
 * Outbound HTTP for untrusted addresses (emoji and pack downloads, preview cards, frontends, Web Push endpoints).
 * Only http(s); the address is checked when the connection is made (in the DNS lookup the socket uses, so a
 * rebinding answer cannot slip past), private and reserved ranges are refused, every redirect hop is checked again,
 * the whole exchange has one deadline, and the body is cut at a byte cap.
 */

export interface FetchOptions {
  maxBytes: number
  /** total time for the request, redirects and body */
  timeoutMs?: number
  accept?: string
  /**
   * Permit loopback and private addresses (tests, and the CLI when an admin asks for it); `'loopback'` permits this
   * machine's loopback addresses only.
   */
  allowPrivateNetwork?: boolean | 'loopback'
  /** Keep the first `maxBytes` of a longer body instead of failing (a web page's head is what matters). */
  truncate?: boolean
}

export interface FetchedResponse {
  url: string
  contentType: string | null
  body: Uint8Array
}

export class RemoteFetchError extends ValidationError {}

const MAX_REDIRECTS = 3
const DEFAULT_TIMEOUT_MS = 30_000

type Range4 = [number, number]
const v4 = (a: string): number => a.split('.').reduce((n, o) => n * 256 + Number(o), 0)
const cidr4 = (s: string): Range4 => {
  const [ip, bits] = s.split('/')
  const size = 2 ** (32 - Number(bits))
  const start = Math.floor(v4(ip) / size) * size
  return [start, start + size - 1]
}

/** IPv4 ranges that are not the public internet (RFC 6890 and friends). */
const RESERVED_V4 = [
  '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8', '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24',
  '192.0.2.0/24', '192.31.196.0/24', '192.52.193.0/24', '192.88.99.0/24', '192.168.0.0/16', '192.175.48.0/24',
  '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
].map(cidr4)

function isPublicV4(ip: string): boolean {
  const n = v4(ip)
  return !RESERVED_V4.some(([a, b]) => n >= a && n <= b)
}

/** Expands an IPv6 address (with an optional dotted IPv4 tail) to a 128-bit number. */
function v6(ip: string): bigint {
  let text = ip.toLowerCase().replace(/%.*$/, '')
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)
  if (dotted) {
    const n = v4(dotted[1])
    text = text.slice(0, -dotted[1].length) + `${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null]
  const headParts = head ? head.split(':') : []
  const tailParts = tail ? tail.split(':') : []
  const fill = tail === null ? [] : Array(8 - headParts.length - tailParts.length).fill('0')
  return [...headParts, ...fill, ...tailParts].reduce((n, h) => (n << 16n) | BigInt(parseInt(h || '0', 16)), 0n)
}

const in6 = (n: bigint, prefix: string, bits: number) => (n >> BigInt(128 - bits)) === (v6(prefix) >> BigInt(128 - bits))

/** Only global unicast (2000::/3) counts as public, minus the blocks inside it that tunnel or document. */
function isPublicV6(ip: string): boolean {
  const n = v6(ip)
  if ((n >> 32n) === 0xffffn) return isPublicV4([24n, 16n, 8n, 0n].map((s) => String((n >> s) & 0xffn)).join('.')) // ::ffff:a.b.c.d
  if (!in6(n, '2000::', 3)) return false
  const reserved: [string, number][] = [['2001::', 23], ['2001:db8::', 32], ['2002::', 16], ['3fff::', 20]]
  return !reserved.some(([p, b]) => in6(n, p, b))
}

export function isPublicAddress(ip: string): boolean {
  const family = isIP(ip)
  if (family === 4) return isPublicV4(ip)
  if (family === 6) return isPublicV6(ip)
  return false
}

const isLoopback = (ip: string) => (isIP(ip) === 4 ? ip.startsWith('127.') : /^(::1|::ffff:127\.[\d.]+)$/i.test(ip))

function permitted(ip: string, allow: FetchOptions['allowPrivateNetwork']): boolean {
  return allow === true || isPublicAddress(ip) || (allow === 'loopback' && isLoopback(ip))
}

function refused(host: string, address: string) {
  return new RemoteFetchError(`Refusing to fetch from ${host}: ${address} is not a public address`)
}

/** The lookup the socket uses: resolves, then refuses the connection unless every address is public. */
function guardedLookup(allow: FetchOptions['allowPrivateNetwork']): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0)
      const list = addresses as unknown as { address: string; family: number }[]
      const bad = list.find((a) => !permitted(a.address, allow))
      if (bad) return callback(refused(hostname, bad.address) as NodeJS.ErrnoException, '', 0)
      if (!list.length) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0)
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: typeof list) => void)(null, list)
      callback(null, list[0].address, list[0].family)
    })
  }
}

/** Parses and checks a URL given by a user: absolute http(s), no credentials. */
export function parseRemoteUrl(raw: unknown): URL {
  if (typeof raw !== 'string' || !raw.trim()) throw new BadRequestError('A URL is required')
  let url: URL
  try {
    url = new URL(raw.trim())
  } catch {
    throw new BadRequestError(`Invalid URL "${raw}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new BadRequestError(`Only http and https URLs can be fetched, not "${url.protocol}"`)
  if (url.username || url.password) throw new BadRequestError('URLs with credentials are not fetched')
  return url
}

/** A request with a body; without one, `requestOnce` GETs. */
interface Outgoing {
  method: 'POST' | 'PUT'
  headers: Record<string, string>
  body?: Uint8Array
}

function requestOnce(url: URL, opts: FetchOptions, deadline: number, outgoing?: Outgoing): Promise<{ status: number; location: string | null; contentType: string | null; body: Uint8Array }> {
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (isIP(host) && !permitted(host, opts.allowPrivateNetwork)) return Promise.reject(refused(host, host))
  const client = url.protocol === 'https:' ? https : http
  return new Promise((resolve, reject) => {
    let settled = false
    const fail = (e: Error) => {
      if (settled) return
      settled = true
      req.destroy()
      reject(e instanceof RemoteFetchError ? e : new RemoteFetchError(`Could not fetch ${url.href}: ${e.message}`))
    }
    const timer = setTimeout(() => fail(new RemoteFetchError(`Fetching ${url.href} took too long`)), Math.max(1, deadline - Date.now()))
    const req = client.request(url, {
      method: outgoing?.method ?? 'GET',
      agent: false,
      lookup: guardedLookup(opts.allowPrivateNetwork),
      headers: {
        'user-agent': `Rookery/${ROOKERY_VERSION}`, accept: opts.accept ?? '*/*', 'accept-encoding': 'identity',
        ...outgoing?.headers,
        ...(outgoing?.body ? { 'content-length': String(outgoing.body.byteLength) } : {}),
      },
    }, (res) => {
      const status = res.statusCode ?? 0
      if (status >= 300 && status < 400) {
        res.resume()
        clearTimeout(timer)
        settled = true
        req.destroy()
        return resolve({ status, location: res.headers.location ?? null, contentType: null, body: new Uint8Array() })
      }
      const declared = Number(res.headers['content-length'] ?? NaN)
      if (declared > opts.maxBytes && !opts.truncate) return fail(new RemoteFetchError(`${url.href} is larger than ${opts.maxBytes} bytes`))
      const chunks: Buffer[] = []
      let size = 0
      const finish = () => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        const type = res.headers['content-type']
        resolve({ status, location: null, contentType: typeof type === 'string' ? type : null, body: new Uint8Array(Buffer.concat(chunks)) })
      }
      res.on('data', (chunk: Buffer) => {
        if (settled) return
        if (size + chunk.length > opts.maxBytes) {
          if (!opts.truncate) return fail(new RemoteFetchError(`${url.href} is larger than ${opts.maxBytes} bytes`))
          chunks.push(chunk.subarray(0, opts.maxBytes - size))
          size = opts.maxBytes
          finish()
          req.destroy()
          return
        }
        size += chunk.length
        chunks.push(chunk)
      })
      res.on('error', fail)
      res.on('end', finish)
    })
    req.on('error', (e) => { clearTimeout(timer); fail(e) })
    req.end(outgoing?.body)
  })
}

/** GETs a URL under the rules above; non-2xx answers are errors. */
export async function fetchRemote(raw: string | URL, opts: FetchOptions): Promise<FetchedResponse> {
  let url = typeof raw === 'string' ? parseRemoteUrl(raw) : raw
  const deadline = Date.now() + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS)
  for (let hop = 0; ; hop++) {
    const res = await requestOnce(url, opts, deadline)
    if (res.status >= 300 && res.status < 400 && res.location) {
      if (hop >= MAX_REDIRECTS) throw new RemoteFetchError(`Too many redirects from ${url.href}`)
      url = parseRemoteUrl(new URL(res.location, url).href)
      continue
    }
    if (res.status < 200 || res.status >= 300) throw new RemoteFetchError(`${url.href} answered HTTP ${res.status}`)
    return { url: url.href, contentType: res.contentType, body: res.body }
  }
}

/**
 * Sends a body (a Web Push message) under the same address rules; redirects are not followed. Answers the status
 * whatever it is, with at most `maxBytes` of the answer's body.
 */
export async function sendRemote(
  raw: string | URL, outgoing: Outgoing, opts: FetchOptions,
): Promise<{ status: number; body: Uint8Array }> {
  const url = typeof raw === 'string' ? parseRemoteUrl(raw) : raw
  const res = await requestOnce(url, { ...opts, truncate: true }, Date.now() + (opts.timeoutMs ?? DEFAULT_TIMEOUT_MS), outgoing)
  return { status: res.status, body: res.body }
}

/** GETs and parses a JSON document (at most `maxBytes`, 2 MB by default). */
export async function fetchJson(raw: string | URL, opts: Partial<FetchOptions> = {}): Promise<{ url: string; json: unknown }> {
  const res = await fetchRemote(raw, { maxBytes: 2 * 1024 * 1024, accept: 'application/json', ...opts })
  try {
    return { url: res.url, json: JSON.parse(new TextDecoder().decode(res.body)) }
  } catch {
    throw new RemoteFetchError(`${res.url} did not answer with JSON`)
  }
}
