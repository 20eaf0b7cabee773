// `rookery import ...` as a real process. On PGlite the commands run while `serve` holds the data folder, so they go
// through its socket; on PostgreSQL they connect directly.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { renderToString } from 'ink'
import { createElement } from 'react'
import type { Ctx } from '../../src/core/context'
import { blocks, follows, mutes } from '../../src/db/schema'
import { ProgressBar } from '../../src/cli/ui'
import { cliEnvironment, inspect, rookery, startServe, TEST_DOMAIN, unique, type CliEnv, type ServeProcess } from './run'

let cli: CliEnv
let server: ServeProcess | null = null
let ctx: Ctx
let dir: string

beforeAll(async () => {
  cli = await cliEnvironment()
  if (cli.dataDir) server = await startServe(cli)
  else expect((await rookery(cli, ['migrate'])).code).toBe(0)
  ctx = await inspect(cli)
  dir = mkdtempSync(join(tmpdir(), 'rookery-import-'))
})

afterAll(async () => {
  await ctx?.database.close()
  if (server) expect((await server.stop()).code).toBe(0)
  await cli?.cleanup()
  if (dir) rmSync(dir, { recursive: true, force: true })
})

async function newUser(extra: string[] = []): Promise<{ nick: string; id: string }> {
  const nick = unique('u')
  const r = await rookery(cli, ['user', 'new', nick, `${nick}@example.com`, '--password', 'correct horse', '--json', ...extra])
  expect(r.code).toBe(0)
  return { nick, id: r.json().id }
}

function file(name: string, text: string): string {
  const path = join(dir, name)
  writeFileSync(path, text)
  return path
}

describe('rookery import follows', () => {
  test('imports a Mastodon CSV export with its columns and prints a JSON summary', async () => {
    const [me, a, b] = [await newUser(), await newUser(), await newUser()]
    const csv = file('following.csv', 'Account address,Show boosts,Notify on new posts,Languages\n'
      + `${a.nick}@${TEST_DOMAIN},false,true,en\n${b.nick}@${TEST_DOMAIN},true,false,\nghost@nowhere.example,true,false,\n`)
    const r = await rookery(cli, ['import', 'follows', me.nick, csv, '--json'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.json()).toEqual({ user: me.nick, kind: 'follows', total: 3, imported: 2, skipped: ['ghost@nowhere.example'], failed: [] })
    const rows = await ctx.db.select().from(follows).where(eq(follows.accountId, me.id))
    const byTarget = new Map(rows.map((f) => [f.targetAccountId, f]))
    expect(byTarget.get(a.id)).toMatchObject({ showReblogs: false, notify: true, languages: ['en'] })
    expect(byTarget.get(b.id)).toMatchObject({ showReblogs: true, notify: false })

    // Running the same file again changes nothing and still succeeds.
    const again = await rookery(cli, ['import', 'follows', me.nick, csv, '--json'])
    expect(again.code).toBe(0)
    expect(again.json().imported).toBe(2)
    expect(await ctx.db.select().from(follows).where(eq(follows.accountId, me.id))).toHaveLength(2)
  })

  test('piped: one plain line per entry, the summary, and warnings on stderr', async () => {
    const [me, a] = [await newUser(), await newUser()]
    const r = await rookery(cli, ['import', 'follows', me.nick, '-'], { stdin: `@${a.nick}\nnobody_known\n${me.nick}\n` })
    expect(r.code).toBe(0)
    expect(r.stdout).toBe(`followed ${a.nick}\nskipped nobody_known (unknown here)\nfailed ${me.nick} (Can not follow yourself)\n`
      + `Imported 1 of 3 follows for @${me.nick}\n`)
    expect(r.stdout).not.toContain('\x1b[')
    expect(r.stderr).toContain('warning: 1 unknown here, skipped: nobody_known')
    expect(r.stderr).toContain(`warning: 1 refused: ${me.nick} (Can not follow yourself)`)
  })
})

describe('rookery import blocks and mutes', () => {
  test('blocks from a plain list; mutes with Hide notifications', async () => {
    const [me, a, b] = [await newUser(), await newUser(), await newUser()]
    const blocked = await rookery(cli, ['import', 'blocks', me.nick, file('blocks.txt', `${a.nick}@${TEST_DOMAIN}\n`), '--json'])
    expect(blocked.code).toBe(0)
    expect(blocked.json()).toMatchObject({ kind: 'blocks', imported: 1 })
    expect((await ctx.db.select().from(blocks).where(eq(blocks.accountId, me.id))).map((x) => x.targetAccountId)).toEqual([a.id])

    const muted = await rookery(cli, ['import', 'mutes', me.nick, file('mutes.csv', `Account address,Hide notifications\n${b.nick},false\n`), '--json'])
    expect(muted.code).toBe(0)
    const [row] = await ctx.db.select().from(mutes).where(eq(mutes.accountId, me.id))
    expect(row).toMatchObject({ targetAccountId: b.id, hideNotifications: false })
  })
})

describe('bad input', () => {
  test('a missing file, an empty list, an unknown user or nothing importable exit 1; an unknown kind exits 2', async () => {
    const me = await newUser()
    const missing = await rookery(cli, ['import', 'follows', me.nick, join(dir, 'nope.csv')])
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('no such file')

    const empty = await rookery(cli, ['import', 'follows', me.nick, file('empty.csv', 'Account address,Show boosts\n')])
    expect(empty.code).toBe(1)
    expect(empty.stderr).toContain('names no accounts')

    const nobody = await rookery(cli, ['import', 'blocks', unique('nobody'), file('one.txt', 'someone\n')])
    expect(nobody.code).toBe(1)

    const none = await rookery(cli, ['import', 'mutes', me.nick, file('ghosts.txt', 'ghost1 ghost2@far.example\n'), '--json'])
    expect(none.code).toBe(1)
    expect(none.json()).toMatchObject({ imported: 0, skipped: ['ghost1', 'ghost2@far.example'] })
    expect(none.stderr).toContain('nothing was imported')

    const kind = await rookery(cli, ['import', 'friends', me.nick, 'x'])
    expect(kind.code).toBe(2)
    const usage = await rookery(cli, ['import', 'follows', me.nick])
    expect(usage.code).toBe(2)
  })
})

describe('terminal progress', () => {
  test('the progress bar shows how far the import got', () => {
    const text = renderToString(createElement(ProgressBar, { label: 'Importing follows', done: 3, total: 4, width: 8 })).replace(/\x1b\[[0-9;]*m/g, '')
    expect(text).toBe('Importing follows ██████░░ 3/4')
  })
})
