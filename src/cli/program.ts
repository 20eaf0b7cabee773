import { Command } from 'commander'
import { announcementCommand } from './commands/announcement'
import { emojiCommand } from './commands/emoji'
import { frontendCommand } from './commands/frontend'
import { importCommand } from './commands/import'
import { inviteCommand } from './commands/invite'
import { mediaCommand } from './commands/media'
import { migrateCommand } from './commands/migrate'
import { serveCommand } from './commands/serve'
import { workerCommand } from './commands/worker'
import { userCommand } from './commands/user'
import { configCommand } from './commands/config'
import { dbCommand } from './commands/db'
import { instanceCommand } from './commands/instance'
import { topCommand } from './commands/top'
import { doctorCommand } from './commands/doctor'
import { domainCommand } from './commands/domain'
import { federationCommand } from './commands/federation'
import { ROOKERY_VERSION as VERSION } from '../version'

/** Applies settings commander only copies to subcommands made with `.command()`, not to added ones. */
function configureTree(cmd: Command) {
  cmd.exitOverride().showHelpAfterError('(add --help for usage and examples)')
  for (const sub of cmd.commands) configureTree(sub)
}

export function createProgram(): Command {
  const program = new Command('rookery')
    .description('Rookery: a fediverse server speaking the Mastodon client API with Pleroma extensions')
    .version(VERSION, '-V, --version', 'print the version')
    .option('-c, --config <file>', 'JSON config file (default: $ROOKERY_CONFIG, else ./rookery.json when present)')
    .option('-d, --data-dir <dir>', 'folder of the embedded database (default: $ROOKERY_DATA_DIR or ./data)')
    .addCommand(serveCommand())
    .addCommand(workerCommand())
    .addCommand(migrateCommand())
    .addCommand(userCommand())
    .addCommand(inviteCommand())
    .addCommand(emojiCommand())
    .addCommand(frontendCommand())
    .addCommand(importCommand())
    .addCommand(mediaCommand())
    .addCommand(dbCommand())
    .addCommand(instanceCommand())
    .addCommand(announcementCommand())
    .addCommand(configCommand())
    .addCommand(topCommand())
    .addCommand(doctorCommand())
    .addCommand(federationCommand())
    .addCommand(domainCommand())
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
  configureTree(program)
  return program
}
