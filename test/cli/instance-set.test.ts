// `rookery instance set` as a real process; a server started afterwards on the same database shows what it wrote.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseRulesText } from '../../src/cli/commands/instance'
import { cliEnvironment, rookery, startServe, type CliEnv } from './run'

let cli: CliEnv
let dir: string

beforeAll(async () => {
  cli = await cliEnvironment()
  dir = mkdtempSync(join(tmpdir(), 'rookery-texts-'))
})

afterAll(async () => {
  await cli?.cleanup()
  rmSync(dir, { recursive: true, force: true })
})

describe('instance set', () => {
  test('rules text: blocks separated by blank lines, first line the rule', () => {
    expect(parseRulesText('Be kind\n\nNo spam\nAds count too.\r\n\r\n\n  Stay on topic  \n')).toEqual([
      { text: 'Be kind', hint: '' },
      { text: 'No spam', hint: 'Ads count too.' },
      { text: 'Stay on topic', hint: '' },
    ])
    expect(parseRulesText('  \n\n')).toEqual([])
  })

  test('sets texts from values, files and stdin; the API serves them', async () => {
    const rulesFile = join(dir, 'rules.txt')
    writeFileSync(rulesFile, 'Be kind\n\nNo spam\nAds count too.\n')
    const rules = await rookery(cli, ['instance', 'set', 'rules', '--file', rulesFile, '--json'])
    expect(rules.code).toBe(0)
    expect(rules.json().rules.map((r: any) => [r.text, r.hint])).toEqual([['Be kind', ''], ['No spam', 'Ads count too.']])

    const policy = await rookery(cli, ['instance', 'set', 'privacy-policy', '<p>We keep little.</p>'])
    expect(policy.code).toBe(0)
    expect(policy.stdout).toBe('Set privacy-policy (https://cli.rookery.test/api/v1/instance/privacy_policy)\n')
    expect((await rookery(cli, ['instance', 'set', 'terms-of-service', '-', '--json'], { stdin: '<p>Be nice.</p>\n' })).json())
      .toEqual({ key: 'terms-of-service', url: 'https://cli.rookery.test/static/terms-of-service.html' })
    expect((await rookery(cli, ['instance', 'set', 'extended-description', '<p>About</p>'])).code).toBe(0)
    expect((await rookery(cli, ['instance', 'set', 'extended-description', '', '--json'])).json()).toEqual({ key: 'extended-description', cleared: true })

    const serve = await startServe(cli)
    try {
      const get = async (path: string) => {
        const res = await fetch(`${serve.url}${path}`)
        return { status: res.status, json: await res.json() as any }
      }
      expect((await get('/api/v1/instance/rules')).json.map((r: any) => r.text)).toEqual(['Be kind', 'No spam'])
      expect((await get('/api/v1/instance/privacy_policy')).json.content).toBe('<p>We keep little.</p>')
      expect((await get('/api/v1/instance/terms_of_service')).json.content).toBe('<p>Be nice.</p>')
      expect((await get('/api/v1/instance/extended_description')).json.content).not.toBe('<p>About</p>')
    } finally {
      await serve.stop()
    }
  })

  test('unknown keys and missing values are usage errors', async () => {
    const unknown = await rookery(cli, ['instance', 'set', 'motd', 'hello'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('unknown key "motd"')
    expect((await rookery(cli, ['instance', 'set', 'privacy-policy'])).code).toBe(2)
    expect((await rookery(cli, ['instance', 'set', 'privacy-policy', 'x', '--file', join(dir, 'none')])).code).toBe(2)
  })
})
