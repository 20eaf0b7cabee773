// Rules, about page, privacy policy and terms of service: public through Mastodon's API, written through Pleroma's
// admin API. Everything written here is removed again: other files of the run read the configured defaults.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { makeUser, type MadeUser } from '../support/factories'
import { call } from '../support/http'
import { expectShape } from '../support/shape'

const ADMIN = '/api/v1/pleroma/admin'
let admin: MadeUser
let user: MadeUser
const ruleIds: string[] = []

beforeAll(async () => {
  admin = await makeUser(undefined, { scopes: ['read', 'write', 'admin:read', 'admin:write'], user: { isAdmin: true } })
  user = await makeUser(undefined, { scopes: ['read', 'write', 'admin:read', 'admin:write'] })
})

afterAll(async () => {
  for (const id of ruleIds) await call('DELETE', `${ADMIN}/rules/${id}`, { token: admin.token })
  for (const name of ['privacy-policy', 'terms-of-service', 'extended-description']) {
    await call('DELETE', `${ADMIN}/instance_document/${name}`, { token: admin.token })
  }
})

describe('privacy policy and terms of service', () => {
  test('404 until written, then Mastodon 4.4 shapes', async () => {
    for (const path of ['/api/v1/instance/privacy_policy', '/api/v1/instance/terms_of_service']) {
      const missing = await call('GET', path)
      expect(missing.status).toBe(404)
      expect(typeof missing.json.error).toBe('string')
    }
    const policy = '<h1>Privacy</h1><p>We keep your e-mail address.</p>'
    const set = await call('PATCH', `${ADMIN}/instance_document/privacy-policy`, { token: admin.token, json: { file: policy } })
    expect(set.status).toBe(200)
    expect(set.json.url).toEndWith('/api/v1/instance/privacy_policy')
    const got = await call('GET', '/api/v1/instance/privacy_policy')
    expect(got.status).toBe(200)
    expectShape(got.json, 'PrivacyPolicy')
    expect(got.json.content).toBe(policy)

    const terms = '<p>Be nice.</p>'
    expect((await call('PATCH', `${ADMIN}/instance_document/terms-of-service`, { token: admin.token, json: { file: terms } })).status).toBe(200)
    const tos = await call('GET', '/api/v1/instance/terms_of_service')
    expect(tos.status).toBe(200)
    expectShape(tos.json, 'TermsOfService')
    expect(tos.json).toMatchObject({ content: terms, effective: true, succeeded_by: null })
    const byDate = await call('GET', `/api/v1/instance/terms_of_service/${tos.json.effective_date}`)
    expect(byDate.json.content).toBe(terms)
    expect((await call('GET', '/api/v1/instance/terms_of_service/1999-01-01')).status).toBe(404)
    // the same terms are Pleroma's page
    expect((await call('GET', '/static/terms-of-service.html')).text).toBe(terms)

    expect((await call('DELETE', `${ADMIN}/instance_document/privacy-policy`, { token: admin.token })).status).toBe(200)
    expect((await call('GET', '/api/v1/instance/privacy_policy')).status).toBe(404)
  })

  test('the about page follows the admin, falling back to the configuration', async () => {
    const before = (await call('GET', '/api/v1/instance/extended_description')).json.content
    const about = '<p>About us: a <em>small</em> server.</p>'
    expect((await call('PATCH', `${ADMIN}/instance_document/extended-description`, { token: admin.token, json: { file: about } })).status).toBe(200)
    const got = await call('GET', '/api/v1/instance/extended_description')
    expectShape(got.json, 'ExtendedDescription')
    expect(got.json.content).toBe(about)
    expect((await call('DELETE', `${ADMIN}/instance_document/extended-description`, { token: admin.token })).status).toBe(200)
    expect((await call('GET', '/api/v1/instance/extended_description')).json.content).toBe(before)
  })

  test('only admins write them', async () => {
    expect((await call('PATCH', `${ADMIN}/instance_document/privacy-policy`, { json: { file: 'x' } })).status).toBe(401)
    expect((await call('PATCH', `${ADMIN}/instance_document/privacy-policy`, { token: user.token, json: { file: 'x' } })).status).toBe(403)
    expect((await call('GET', '/api/v1/instance/privacy_policy')).status).toBe(404)
  })
})

describe('rules', () => {
  test('written rules replace the configured ones, ordered by priority, on every surface', async () => {
    const configured = (await call('GET', '/api/v1/instance/rules')).json
    const second = await call('POST', `${ADMIN}/rules`, { token: admin.token, json: { text: 'No spam', hint: 'Ads included.', priority: 2 } })
    expect(second.status).toBe(200)
    expect(second.json).toMatchObject({ text: 'No spam', hint: 'Ads included.', priority: 2 })
    ruleIds.push(second.json.id)
    const first = await call('POST', `${ADMIN}/rules`, { token: admin.token, json: { text: 'Be kind', priority: 1 } })
    ruleIds.push(first.json.id)

    const rules = (await call('GET', '/api/v1/instance/rules')).json
    for (const r of rules) expectShape(r, 'Rule')
    expect(rules).toEqual([
      { id: first.json.id, text: 'Be kind', hint: '' },
      { id: second.json.id, text: 'No spam', hint: 'Ads included.' },
    ])
    expect((await call('GET', '/api/v2/instance')).json.rules).toEqual(rules)
    expect((await call('GET', `${ADMIN}/rules`, { token: admin.token })).json.map((r: any) => r.id)).toEqual([first.json.id, second.json.id])

    // reports may cite them
    const target = await makeUser()
    const report = await call('POST', '/api/v1/reports', { token: user.token, json: { account_id: target.account.id, category: 'violation', rule_ids: [first.json.id] } })
    expect(report.status).toBe(200)
    expect(report.json.rule_ids).toEqual([first.json.id])

    const edited = await call('PATCH', `${ADMIN}/rules/${second.json.id}`, { token: admin.token, json: { text: 'No spam, ever', priority: 0 } })
    expect(edited.json).toMatchObject({ id: second.json.id, text: 'No spam, ever', hint: 'Ads included.', priority: 0 })
    expect((await call('GET', '/api/v1/instance/rules')).json.map((r: any) => r.text)).toEqual(['No spam, ever', 'Be kind'])

    for (const id of ruleIds.splice(0)) expect((await call('DELETE', `${ADMIN}/rules/${id}`, { token: admin.token })).status).toBe(200)
    expect((await call('GET', '/api/v1/instance/rules')).json).toEqual(configured)
  })

  test('bad input, unknown ids and non-admins', async () => {
    const blank = await call('POST', `${ADMIN}/rules`, { token: admin.token, json: { text: '  ' } })
    expect(blank.status).toBe(422)
    expect(typeof blank.json.error).toBe('string')
    expect((await call('POST', `${ADMIN}/rules`, { token: admin.token, json: { text: 'x', priority: 'first' } })).status).toBe(422)
    expect((await call('PATCH', `${ADMIN}/rules/nope`, { token: admin.token, json: { text: 'x' } })).status).toBe(404)
    expect((await call('DELETE', `${ADMIN}/rules/nope`, { token: admin.token })).status).toBe(404)
    expect((await call('POST', `${ADMIN}/rules`, { token: user.token, json: { text: 'mine' } })).status).toBe(403)
    expect((await call('GET', `${ADMIN}/rules`)).status).toBe(401)
  })
})
