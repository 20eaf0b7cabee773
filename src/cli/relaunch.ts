// The first module the CLI evaluates. `serve` and `worker` with a memory budget run themselves again with the engine
// sized for it (src/core/memory-budget.ts) before the rest of the CLI loads, so the restart repeats only Bun's own
// start and this module: done from the command's action, after the database driver and the schema had loaded, it
// doubled the CPU a start of the binary takes to its first answer.
import { loadConfig } from '../config'
import { ENGINE_RAM_ENV, restartSizedForBudget } from '../core/memory-budget'
import { LONG_RUNNING } from './jit'
import { commandOf } from './program'

/** The value of `--config FILE` or `--config=FILE` among the arguments, if any. */
export function configFlag(argv: string[]): string | undefined {
  for (let i = 2; i < argv.length; i++) {
    if (argv[i] === '--') return undefined
    if (argv[i] === '--config') return argv[i + 1]
    if (argv[i].startsWith('--config=')) return argv[i].slice('--config='.length)
  }
  return undefined
}

const command = commandOf(process.argv)
// Once the engine is sized (this is the process run again, or the environment sizes it) nothing is restarted, so the
// configuration is left for the command to load.
if (command && LONG_RUNNING.has(command) && !process.env[ENGINE_RAM_ENV]) {
  const file = configFlag(process.argv)
  let budgetMb = 0
  try {
    budgetMb = loadConfig(file ? { ...process.env, ROOKERY_CONFIG: file } : process.env).memoryBudgetMb
  } catch {
    // the command reports the configuration's error itself
  }
  restartSizedForBudget(budgetMb)
}
