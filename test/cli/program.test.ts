// The command tree, option parsers and renderers, in-process (fast); the commands themselves run as processes elsewhere.
import { describe, expect, test } from 'bun:test'
import type { Command } from 'commander'
import { dateOrDay, duration, port, positiveInt } from '../../src/cli/options'
import { plainTable, renderPlain } from '../../src/cli/output'
import { commandOf, createProgram } from '../../src/cli/program'
import { blocksToString } from '../../src/cli/ui'

function leaves(cmd: Command, path: string[] = []): { path: string[]; cmd: Command }[] {
  const subs = cmd.commands.filter((c) => c.name() !== 'help')
  if (!subs.length) return [{ path, cmd }]
  return subs.flatMap((c) => leaves(c, [...path, c.name()]))
}

async function helpOf(args: string[]): Promise<{ text: string; code: string }> {
  const program = await createProgram()
  let text = ''
  const capture = (c: Command) => {
    c.configureOutput({ writeOut: (s) => { text += s }, writeErr: (s) => { text += s } })
    c.commands.forEach(capture)
  }
  capture(program)
  try {
    program.parse(['node', 'rookery', ...args, '--help'])
  } catch (e) {
    return { text, code: (e as { code: string }).code }
  }
  return { text, code: 'none' }
}

const all = leaves(await createProgram())

describe('command tree', () => {

  test('has the expected commands', () => {
    expect(all.map((l) => l.path.join(' '))).toEqual([
      'serve', 'worker', 'migrate up', 'migrate status',
      'user new', 'user list', 'user show', 'user set', 'user activate', 'user deactivate', 'user reset-password', 'user sign-out', 'user reset-mfa', 'user rm',
      'user import', 'user tag', 'user untag', 'user confirm', 'user sessions list', 'user sessions revoke', 'user backup',
      'invite new', 'invite list', 'invite revoke',
      'emoji list', 'emoji import', 'emoji get-packs', 'emoji ls-packs', 'emoji gen-pack',
      'frontend install', 'frontend list', 'frontend use', 'frontend rm',
      'import follows', 'import blocks', 'import mutes',
      'media prune',
      'media move',
      'db status', 'db vacuum', 'db backup', 'db restore', 'db move', 'instance show', 'instance set', 'announcement new', 'announcement list', 'announcement rm', 'config show', 'top', 'doctor',
      'federation lookup', 'federation deliveries', 'federation refresh', 'federation instances',
      'domain block', 'domain unblock', 'domain allow', 'domain list',
    ])
  })

  test('every command has --json and a help text with examples', async () => {
    for (const { path, cmd } of all) {
      expect(cmd.options.some((o) => o.long === '--json'), path.join(' ')).toBe(true)
      const { text, code } = await helpOf(path)
      expect(code).toBe('commander.helpDisplayed')
      expect(text, path.join(' ')).toContain(`Usage: rookery ${path.join(' ')}`)
      expect(text, path.join(' ')).toMatch(new RegExp(`Examples:\\n  \\$ rookery ${path[0]}`))
    }
    for (const group of [[], ['user'], ['invite'], ['emoji'], ['migrate'], ['import'], ['media'], ['announcement'], ['federation'], ['domain']]) expect((await helpOf(group)).text).toContain('Examples:')
  })

  test('a run holds only the command it names; help, typos and no command get them all', async () => {
    const argv = (...args: string[]) => ['bun', 'rookery', ...args]
    expect(commandOf(argv('serve', '--port', '0'))).toBe('serve')
    expect(commandOf(argv('-d', 'serve', 'user', 'list'))).toBe('user')
    expect(commandOf(argv('--config', 'c.json', '--json', 'migrate', 'status'))).toBe('migrate')
    expect(commandOf(argv('--data-dir=x', 'db', 'status'))).toBe('db')
    for (const args of [[], ['help', 'serve'], ['serv'], ['--help'], ['--', 'serve']]) expect(commandOf(argv(...args))).toBeUndefined()
    const program = await createProgram(argv('user', 'list'))
    expect(program.commands.map((c) => c.name())).toEqual(['user'])
    expect(leaves(program).map((l) => l.path.join(' '))).toEqual(all.filter((l) => l.path[0] === 'user').map((l) => l.path.join(' ')))
    expect((await createProgram(argv('--version'))).commands).toEqual([])
    expect((await createProgram(argv('serv'))).commands.length).toBe(Object.keys(Object.groupBy(all, (l) => l.path[0])).length)
  })
})

describe('option parsers', () => {
  test('numbers', () => {
    expect(positiveInt('12')).toBe(12)
    for (const bad of ['0', '-1', '1.5', 'x', '', '1e3']) expect(() => positiveInt(bad)).toThrow('expected a whole number')
    expect(port('0')).toBe(0)
    expect(port('65535')).toBe(65535)
    for (const bad of ['65536', '-1', 'http']) expect(() => port(bad)).toThrow('expected a port number')
  })

  test('durations', () => {
    expect(duration('90s')).toBe(90_000)
    expect(duration('7d')).toBe(7 * 86_400_000)
    expect(duration('1d12h')).toBe(36 * 3_600_000)
    expect(duration('2W')).toBe(14 * 86_400_000)
    for (const bad of ['7', 'd', '7 days', '0d', '1y']) expect(() => duration(bad)).toThrow()
  })

  test('dates: a bare day lasts through its end (UTC)', () => {
    expect(dateOrDay('2099-12-31').toISOString()).toBe('2100-01-01T00:00:00.000Z')
    expect(dateOrDay('2099-06-01T12:30:00Z').toISOString()).toBe('2099-06-01T12:30:00.000Z')
    for (const bad of ['2099-02-30', '31/12/2099', 'tomorrow', '2099-13-01']) expect(() => dateOrDay(bad)).toThrow()
  })
})

describe('rendering', () => {
  const table = { kind: 'table' as const, columns: ['Nickname', 'Role'], rows: [['alice', 'admin'], ['bob', 'user']], empty: 'No users found.' }

  test('plain tables are aligned, upper-case headed, without colour', () => {
    expect(plainTable(table.columns, table.rows)).toBe('NICKNAME  ROLE\nalice     admin\nbob       user\n')
    const out = renderPlain([{ kind: 'success', text: 'Done' }, table, { kind: 'warning', text: 'careful' }, { kind: 'secret', label: 'Password', value: 'p', note: 'once' }])
    expect(out.stdout).toBe('Done\nNICKNAME  ROLE\nalice     admin\nbob       user\nPassword: p\n')
    expect(out.stderr).toBe('warning: careful\nonce\n')
    expect(renderPlain([{ ...table, rows: [] }])).toEqual({ stdout: '', stderr: 'No users found.\n' })
  })

  test('terminal output draws bordered tables and result lines with Ink', () => {
    const text = blocksToString([{ kind: 'success', text: 'Created @alice' }, table], 60).replace(/\x1b\[[0-9;]*m/g, '')
    const lines = text.split('\n')
    expect(lines[0]).toBe('✔ Created @alice')
    expect(lines[1]).toMatch(/^╭─+╮$/)
    expect(lines[2]).toMatch(/^│ Nickname\s+Role\s+│$/)
    expect(lines[3]).toMatch(/^│ alice\s+admin\s+│$/)
    expect(lines[1].length).toBe(lines[3].length)
    expect(lines[1].length).toBeLessThan(60)
  })
})
