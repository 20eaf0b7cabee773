import { describe, expect, test } from 'bun:test'
import { clientIp, inRange, ipBucket, normalizeIp } from '../../src/core/security/client-ip'
import { normalizePath, requestLimits } from '../../src/core/security/rate-limit'

describe('client address', () => {
  test('normalises spellings', () => {
    expect(normalizeIp('::ffff:127.0.0.1')).toBe('127.0.0.1')
    expect(normalizeIp('[2001:DB8::1]')).toBe('2001:0db8:0000:0000:0000:0000:0000:0001')
    expect(normalizeIp('fe80::1%eth0')).toBe('fe80:0000:0000:0000:0000:0000:0000:0001')
    expect(normalizeIp('not an ip')).toBeNull()
    expect(normalizeIp('')).toBeNull()
  })

  test('IPv6 counts by /64', () => {
    const a = normalizeIp('2001:db8:1:2:aaaa::1')!
    const b = normalizeIp('2001:db8:1:2:ffff::9')!
    const c = normalizeIp('2001:db8:1:3::1')!
    expect(ipBucket(a)).toBe(ipBucket(b))
    expect(ipBucket(a)).not.toBe(ipBucket(c))
    expect(ipBucket('10.1.2.3')).toBe('10.1.2.3')
  })

  test('CIDR ranges', () => {
    expect(inRange('10.2.3.4', '10.0.0.0/8')).toBe(true)
    expect(inRange('11.2.3.4', '10.0.0.0/8')).toBe(false)
    expect(inRange('172.16.5.4', '172.16.0.0/12')).toBe(true)
    expect(inRange('172.32.0.1', '172.16.0.0/12')).toBe(false)
    expect(inRange(normalizeIp('fd00::5')!, 'fc00::/7')).toBe(true)
    expect(inRange('127.0.0.1', '127.0.0.1')).toBe(true)
    expect(inRange('127.0.0.1', '::1')).toBe(false)
  })

  test('X-Forwarded-For is believed only from a trusted proxy, read from the right', () => {
    expect(clientIp('203.0.113.9', '1.1.1.1', [])).toBe('203.0.113.9')
    expect(clientIp('203.0.113.9', '1.1.1.1', ['10.0.0.0/8'])).toBe('203.0.113.9')
    expect(clientIp('10.0.0.2', '1.1.1.1', ['10.0.0.0/8'])).toBe('1.1.1.1')
    // the client wrote "6.6.6.6" itself; the proxy appended the address it saw
    expect(clientIp('10.0.0.2', '6.6.6.6, 198.51.100.7', ['10.0.0.0/8'])).toBe('198.51.100.7')
    expect(clientIp('10.0.0.2', '198.51.100.7, 10.0.0.3', ['10.0.0.0/8'])).toBe('198.51.100.7')
    expect(clientIp('10.0.0.2', 'garbage', ['10.0.0.0/8'])).toBe('10.0.0.2')
    expect(clientIp('::ffff:10.0.0.2', '198.51.100.7', ['10.0.0.0/8'])).toBe('198.51.100.7')
    expect(clientIp(null, '1.1.1.1', ['10.0.0.0/8'])).toBeNull()
  })
})

describe('which buckets a request counts in', () => {
  const base = { input: {}, token: null, basicLogin: null, ip: '192.0.2.1' }
  const names = (req: Partial<Parameters<typeof requestLimits>[0]> & { method: string; path: string }) =>
    requestLimits({ ...base, ...req }).map((h) => `${h.name}:${h.subject.kind}`)

  test('paths are normalised so spellings share a bucket', () => {
    for (const p of ['/api/v1/apps', '/API/v1/apps', '/api//v1/apps/', '/api/v1/apps.json', '/api/v1/%61pps']) expect(normalizePath(p)).toBe('/api/v1/apps')
  })

  test('rules', () => {
    expect(names({ method: 'GET', path: '/api/v1/timelines/home' })).toEqual(['api:ip'])
    expect(names({ method: 'GET', path: '/api/v1/timelines/home', token: 't' })).toEqual(['api:token'])
    expect(names({ method: 'GET', path: '/.well-known/nodeinfo' })).toEqual([])
    expect(names({ method: 'POST', path: '/oauth/token', input: { grant_type: 'password', username: 'Alice' } })).toEqual(['loginIp:ip', 'loginAccount:login'])
    expect(names({ method: 'POST', path: '/oauth/token', input: { grant_type: 'client_credentials' } })).toEqual([])
    expect(names({ method: 'POST', path: '/oauth/authorize', input: { authorization: { name: 'a', password: 'b' } } })).toEqual(['loginIp:ip', 'loginAccount:login'])
    expect(names({ method: 'POST', path: '/oauth/authorize', input: { decision: 'approve' } })).toEqual([])
    expect(names({ method: 'POST', path: '/oauth/mfa/challenge' })).toEqual(['loginIp:ip'])
    expect(names({ method: 'GET', path: '/api/v1/accounts/verify_credentials', basicLogin: 'alice' })).toEqual(['api:ip', 'loginIp:ip', 'loginAccount:login'])
    expect(names({ method: 'POST', path: '/api/v1/accounts', token: 'app' })).toEqual(['api:token', 'signUp:ip'])
    expect(names({ method: 'POST', path: '/api/v1/apps' })).toEqual(['api:ip', 'apps:ip'])
    expect(names({ method: 'POST', path: '/api/v1/statuses', token: 't' })).toEqual(['api:token', 'statuses:account'])
    expect(names({ method: 'POST', path: '/api/v1/statuses/abc/reblog', token: 't' })).toEqual(['api:token', 'statuses:account'])
    expect(names({ method: 'POST', path: '/api/v1/reports', token: 't' })).toEqual(['api:token', 'reports:account'])
    expect(names({ method: 'POST', path: '/api/pleroma/change_password', token: 't' })).toEqual(['api:token', 'password:account'])
    expect(names({ method: 'DELETE', path: '/api/pleroma/accounts/mfa/totp', token: 't' })).toEqual(['api:token', 'password:account'])
    expect(names({ method: 'POST', path: '/auth/password', input: { email: 'a@b.c' } })).toEqual(['emailIp:ip', 'emailAccount:login'])
  })
})
