// Mastodon 4.6's /api/v1/profile, and the profile settings it brought to the Account entity and update_credentials.
import { beforeAll, describe, expect, test } from 'bun:test'
import type { Ctx } from '../../src/core/context'
import { getTestContext } from '../support/context'
import { makeUser } from '../support/factories'
import { call } from '../support/http'
import { fileOf, pngFixture } from '../support/media-fixtures'
import { expectShape } from '../support/shape'

let ctx: Ctx

beforeAll(async () => {
  ctx = await getTestContext()
})

describe('GET /api/v1/profile', () => {
  test('the owner\'s profile with source values; pictures are null until set', async () => {
    const alice = await makeUser(ctx)
    expect((await call('PATCH', '/api/v1/accounts/update_credentials', {
      token: alice.token,
      json: { note: 'I like *birds* #rooks', fields_attributes: [{ name: 'site', value: 'https://example.com' }] },
    })).status).toBe(200)
    expect((await call('POST', '/api/v1/featured_tags', { token: alice.token, json: { name: 'rooks' } })).status).toBe(200)

    const res = await call('GET', '/api/v1/profile', { token: alice.token })
    expect(res.status).toBe(200)
    expectShape(res.json, 'Profile')
    expect(res.json.id).toBe(alice.account.id)
    expect(res.json.note).toBe('I like *birds* #rooks')
    expect(res.json.fields).toEqual([{ name: 'site', value: 'https://example.com', verified_at: null }])
    expect(res.json.avatar).toBeNull()
    expect(res.json.header).toBeNull()
    expect(res.json).toMatchObject({ show_media: true, show_media_replies: true, show_featured: true, attribution_domains: [], avatar_description: '' })
    expect(res.json.featured_tags.map((t: any) => t.name)).toEqual(['rooks'])
  })

  test('needs a token with read:accounts', async () => {
    expect((await call('GET', '/api/v1/profile')).status).toBe(401)
    const limited = await makeUser(ctx, { scopes: ['read:statuses'] })
    expect((await call('GET', '/api/v1/profile', { token: limited.token })).status).toBe(403)
  })
})

describe('PATCH /api/v1/profile', () => {
  test('changes what it is given and answers the Profile; the Account entity shows the same', async () => {
    const alice = await makeUser(ctx)
    const res = await call('PATCH', '/api/v1/profile', {
      token: alice.token,
      multipart: {
        display_name: 'Alice A.',
        avatar: fileOf(pngFixture(), 'image/png', 'me.png'),
        avatar_description: '  a rook on a fence  ',
        header_description: 'a field',
        show_media: 'false',
        show_media_replies: '0',
        show_featured: 'false',
        'attribution_domains[]': ['News.Example.com', 'blog.example.org', 'news.example.com', 'bücher.example'],
      },
    })
    expect(res.status).toBe(200)
    expectShape(res.json, 'Profile')
    expect(res.json).toMatchObject({
      display_name: 'Alice A.',
      avatar_description: 'a rook on a fence',
      header_description: 'a field',
      show_media: false,
      show_media_replies: false,
      show_featured: false,
      attribution_domains: ['news.example.com', 'blog.example.org', 'xn--bcher-kva.example'],
    })
    expect(res.json.avatar).toStartWith('http')
    expect(res.json.header).toBeNull()

    const own = await call('GET', '/api/v1/accounts/verify_credentials', { token: alice.token })
    expectShape(own.json, 'CredentialAccount')
    expect(own.json.source.attribution_domains).toEqual(['news.example.com', 'blog.example.org', 'xn--bcher-kva.example'])
    const seen = await call('GET', `/api/v1/accounts/${alice.account.id}`)
    expectShape(seen.json, 'Account')
    expect(seen.json).toMatchObject({ avatar_description: 'a rook on a fence', show_media: false, show_media_replies: false, show_featured: false })
    expect(seen.json.avatar).toBe(res.json.avatar)

    // update_credentials takes the same settings; an empty list clears the domains
    const back = await call('PATCH', '/api/v1/accounts/update_credentials', { token: alice.token, json: { show_media: true, attribution_domains: [] } })
    expect(back.json.source.attribution_domains).toEqual([])
    expect(back.json.show_media).toBe(true)
  })

  test('bad values are a 422 that changes nothing', async () => {
    const alice = await makeUser(ctx)
    const bad: Record<string, unknown>[] = [
      { attribution_domains: ['not a domain'] },
      { attribution_domains: ['https://example.com/path'] },
      { attribution_domains: Array.from({ length: 11 }, (_, i) => `d${i}.example`) },
      { avatar_description: 'x'.repeat(1501) },
      { show_media: 'maybe' },
    ]
    for (const json of bad) {
      const res = await call('PATCH', '/api/v1/profile', { token: alice.token, json: { display_name: 'changed', ...json } })
      expect(res.status).toBe(422)
      expect(res.json.error).toBeString()
    }
    expect((await call('GET', '/api/v1/profile', { token: alice.token })).json.display_name).not.toBe('changed')
  })

  test('needs a token with write:accounts', async () => {
    expect((await call('PATCH', '/api/v1/profile', { json: { display_name: 'x' } })).status).toBe(401)
    const reader = await makeUser(ctx, { scopes: ['read'] })
    expect((await call('PATCH', '/api/v1/profile', { token: reader.token, json: { display_name: 'x' } })).status).toBe(403)
  })
})
