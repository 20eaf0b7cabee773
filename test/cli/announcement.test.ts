// `rookery announcement new|list|rm` as real processes; what they write is what the API shows.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { cliEnvironment, rookery, type CliEnv } from './run'

let cli: CliEnv

beforeAll(async () => {
  cli = await cliEnvironment()
})

afterAll(async () => {
  await cli?.cleanup()
})

describe('announcement', () => {
  test('new, list, rm; plain lines when piped, JSON with --json', async () => {
    const shown = await rookery(cli, ['announcement', 'new', 'Maintenance at #night, see https://example.org/status', '--json'])
    expect(shown.code).toBe(0)
    const a = shown.json()
    expect(a).toMatchObject({ state: 'shown', all_day: false, starts_at: null, ends_at: null })
    expect(a.content).toContain('<a href="https://example.org/status"')
    expect(a.content).toContain('#<span>night</span>')

    const scheduled = await rookery(cli, ['announcement', 'new', 'Meetup', '--starts-at', '2099-07-01', '--ends-at', '2099-07-02', '--all-day'])
    expect(scheduled.code).toBe(0)
    const scheduledId = /^Created announcement (\S+) \(scheduled\)$/m.exec(scheduled.stdout)?.[1]
    expect(scheduledId).toBeTruthy()
    const draft = (await rookery(cli, ['announcement', 'new', '-', '--draft', '--json'], { stdin: 'From stdin\n' })).json()
    expect(draft).toMatchObject({ state: 'draft', text: 'From stdin', published_at: null })

    const listed = await rookery(cli, ['announcement', 'list', '--json'])
    expect(listed.json().map((x: any) => x.id)).toEqual([draft.id, scheduledId, a.id])
    const plain = await rookery(cli, ['announcement', 'ls'])
    const lines = plain.stdout.trim().split('\n')
    expect(lines[0]).toMatch(/^ID\s+STATE\s+STARTS\s+ENDS\s+TEXT$/)
    expect(lines[1]).toMatch(new RegExp(`^${draft.id}\\s+draft\\s+-\\s+-\\s+From stdin$`))
    expect(lines[2]).toMatch(new RegExp(`^${scheduledId}\\s+scheduled\\s+2099-07-01T00:00:00.000Z\\s+2099-07-02T00:00:00.000Z\\s+Meetup$`))

    const removed = await rookery(cli, ['announcement', 'rm', a.id])
    expect(removed.code).toBe(0)
    expect(removed.stdout).toBe(`Deleted announcement ${a.id}\n`)
    expect((await rookery(cli, ['announcement', 'list', '--json'])).json().map((x: any) => x.id)).not.toContain(a.id)
  })

  test('bad input is refused with a message and a non-zero exit', async () => {
    const before = (await rookery(cli, ['announcement', 'list', '--json'])).json().length
    const missing = await rookery(cli, ['announcement', 'rm', 'no-such-id'])
    expect(missing.code).not.toBe(0)
    expect(missing.stderr).toContain('Record not found')
    const blank = await rookery(cli, ['announcement', 'new', '   '])
    expect(blank.code).not.toBe(0)
    expect(blank.stderr).toContain("content can't be blank")
    const badDate = await rookery(cli, ['announcement', 'new', 'x', '--starts-at', 'soon'])
    expect(badDate.code).toBe(2)
    const backwards = await rookery(cli, ['announcement', 'new', 'x', '--starts-at', '2099-01-02', '--ends-at', '2099-01-01'])
    expect(backwards.code).not.toBe(0)
    expect(backwards.stderr).toContain('ends_at must be after starts_at')
    expect((await rookery(cli, ['announcement', 'list', '--json'])).json().length).toBe(before)
  })
})
