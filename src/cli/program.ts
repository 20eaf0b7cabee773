import { Command } from 'commander'
import { ROOKERY_VERSION as VERSION } from '../version'

/**
 * Every command, in the order help lists them. Each is imported only when it runs: a command's module pulls in the
 * code it works with (the admin actions, the database schema, the job queue…), which a start should not pay for when
 * another command runs.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  serve: async () => (await import('./commands/serve')).serveCommand(),
  worker: async () => (await import('./commands/worker')).workerCommand(),
  migrate: async () => (await import('./commands/migrate')).migrateCommand(),
  user: async () => (await import('./commands/user')).userCommand(),
  invite: async () => (await import('./commands/invite')).inviteCommand(),
  emoji: async () => (await import('./commands/emoji')).emojiCommand(),
  frontend: async () => (await import('./commands/frontend')).frontendCommand(),
  import: async () => (await import('./commands/import')).importCommand(),
  media: async () => (await import('./commands/media')).mediaCommand(),
  db: async () => (await import('./commands/db')).dbCommand(),
  instance: async () => (await import('./commands/instance')).instanceCommand(),
  announcement: async () => (await import('./commands/announcement')).announcementCommand(),
  config: async () => (await import('./commands/config')).configCommand(),
  top: async () => (await import('./commands/top')).topCommand(),
  doctor: async () => (await import('./commands/doctor')).doctorCommand(),
  federation: async () => (await import('./commands/federation')).federationCommand(),
  domain: async () => (await import('./commands/domain')).domainCommand(),
}

/** Global options that take a value (the next argument, unless written `--name=value` or `-xvalue`). */
const VALUE_OPTIONS = new Set(['-c', '--config', '-d', '--data-dir'])

/** The command `argv` names (`[node, script, ...args]`), when it is one of ours; else undefined (help, typos, none). */
export function commandOf(argv: string[]): string | undefined {
  const args = argv.slice(2)
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (arg === '--') return undefined
    if (VALUE_OPTIONS.has(arg)) i++
    else if (!arg.startsWith('-')) return Object.hasOwn(COMMANDS, arg) ? arg : undefined
  }
  return undefined
}

/** Applies settings commander only copies to subcommands made with `.command()`, not to added ones. */
function configureTree(cmd: Command) {
  cmd.exitOverride().showHelpAfterError('(add --help for usage and examples)')
  for (const sub of cmd.commands) configureTree(sub)
}

/**
 * The `rookery` program. Given the arguments it is to parse, it holds only the command they name (so that one command's
 * start loads one command's code); none for `--version`; otherwise, and for help and mistyped commands, every command.
 */
export async function createProgram(argv?: string[]): Promise<Command> {
  const only = argv && commandOf(argv)
  const versionOnly = !only && !!argv?.slice(2).some((arg) => arg === '-V' || arg === '--version') && !argv.includes('--help') && !argv.includes('-h')
  const names = only ? [only] : versionOnly ? [] : Object.keys(COMMANDS)
  const commands = await Promise.all(names.map((name) => COMMANDS[name]()))
  const program = new Command('rookery')
    .description('Rookery: a fediverse server speaking the Mastodon client API with Pleroma extensions')
    .version(VERSION, '-V, --version', 'print the version')
    .option('-c, --config <file>', 'JSON config file (default: $ROOKERY_CONFIG, else ./rookery.json when present)')
    .option('-d, --data-dir <dir>', 'folder of the embedded database (default: $ROOKERY_DATA_DIR or ./data)')
    .addHelpText('after', `
Configuration comes from environment variables (PORT, ROOKERY_HOST, ROOKERY_DOMAIN, ROOKERY_BASE_URL, DATABASE_URL,
ROOKERY_DATA_DIR, ROOKERY_REGISTRATIONS, ...) and an optional JSON file. Every command accepts --help and --json.

Examples:
  $ rookery serve --port 4000
  $ rookery user new alice alice@example.com --admin
  $ rookery invite new --max-use 1 --expires-in 7d
  $ rookery migrate status
  $ rookery db status
  $ rookery top
  $ rookery doctor`)
  for (const command of commands) program.addCommand(command)
  configureTree(program)
  return program
}
