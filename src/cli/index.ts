#!/usr/bin/env bun
// The `rookery` command: server, migrations and administration. Entry point of the single binary.
import './relaunch' // first: it may start the process again
import { CommanderError } from 'commander'
import { DataDirLockedError } from '../db/lock'
import { errorMessage } from './errors'
import { LONG_RUNNING, raiseJitThresholds } from './jit'
import { write } from './output'
import { commandOf, createProgram } from './program'

async function reportError(error: unknown) {
  const message = errorMessage(error)
  if (process.stderr.isTTY && process.env.TERM !== 'dumb') {
    const { errorToString } = await import('./ui')
    await write(process.stderr, errorToString(message) + '\n')
  } else {
    await write(process.stderr, `error: ${message}\n`)
  }
  if (process.env.ROOKERY_DEBUG && error instanceof Error && error.stack) await write(process.stderr, error.stack + '\n')
}

async function main(argv: string[]): Promise<number> {
  const command = commandOf(argv)
  if (command && LONG_RUNNING.has(command)) raiseJitThresholds()
  try {
    await (await createProgram(argv)).parseAsync(argv)
    return 0
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has printed help, the version or the usage error already
      return ['commander.helpDisplayed', 'commander.version'].includes(error.code) ? 0 : 2
    }
    await reportError(error)
    return error instanceof DataDirLockedError ? 1 : ((error as { exitCode?: number }).exitCode ?? 1)
  }
}

process.exit(await main(process.argv))
