// `rookery domain block | unblock | allow | list` as real processes, straight on the database.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { cliEnvironment, rookery, unique, type CliEnv } from './run'

let cli: CliEnv

beforeAll(async () => {
  cli = await cliEnvironment()
}, 120_000)

afterAll(async () => {
  await cli?.cleanup()
}, 60_000)

describe('domain', () => {
  test('block, change, list and unblock a domain; allow one for limited federation', async () => {
    const domain = `${unique('blk').toLowerCase().replace(/_/g, '-')}.example`
    const blocked = await rookery(cli, ['domain', 'block', domain, '--severity', 'silence', '--public-comment', 'loud', '--json'])
    expect(blocked.code).toBe(0)
    expect(blocked.json()).toMatchObject({ domain, severity: 'silence', reject_media: false, public_comment: 'loud' })
    const changed = await rookery(cli, ['domain', 'block', domain, '--reject-media'])
    expect(changed.code).toBe(0)
    expect(changed.stdout).toContain(`Blocked ${domain} (suspend, reject media)`)
    const listed = await rookery(cli, ['domain', 'list', '--json'])
    expect(listed.json().blocks).toContainEqual(expect.objectContaining({ domain, severity: 'suspend', reject_media: true }))

    const allowed = await rookery(cli, ['domain', 'allow', `friends.${domain}`])
    expect(allowed.code).toBe(0)
    expect(allowed.stdout).toContain('limited federation is off')
    expect((await rookery(cli, ['domain', 'allow', `friends.${domain}`, '--remove'])).code).toBe(0)

    expect((await rookery(cli, ['domain', 'unblock', domain])).code).toBe(0)
    const again = await rookery(cli, ['domain', 'unblock', domain])
    expect(again.code).not.toBe(0)
    expect(again.stderr).toContain('is not blocked')
    const bad = await rookery(cli, ['domain', 'block', 'not a domain'])
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain('not a valid domain')
  }, 600_000)
})

