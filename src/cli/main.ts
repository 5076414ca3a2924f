/**
 * The `shopfusion` command. Each subcommand builds the configuration (file < env < flags), opens
 * the store and calls the engine; nothing here decides how the engine behaves.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { environmentVariables } from '../core/config.js';
import { ShopfusionError } from '../core/errors.js';
import { importCommand } from './commands/import.js';
import { serveCommand } from './commands/serve.js';
import { generateCommand } from './commands/generate.js';
import { statsCommand } from './commands/stats.js';
import { evalCommand } from './commands/eval.js';
import { evalSearchCommand } from './commands/eval-search.js';
import { trainCommand } from './commands/train.js';
import { embedCommand } from './commands/embed.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

function program(): Command {
  const cli = new Command('shopfusion')
    .description('Shopfusion: search and recommendations for online shops')
    .version(version())
    .option('-c, --config <file>', 'JSON config file (also SHOPFUSION_CONFIG)')
    .option('-s, --store <url>', 'store URL: sqlite:<path> or memory: (default sqlite:./data/shop.db)')
    .showHelpAfterError()
    .addHelpText('after', `\nEnvironment variables (config file < environment < flags):\n  ${environmentVariables().join('\n  ')}`)
    .exitOverride();
  serveCommand(cli);
  importCommand(cli);
  generateCommand(cli);
  statsCommand(cli);
  evalCommand(cli);
  evalSearchCommand(cli);
  trainCommand(cli);
  embedCommand(cli);
  for (const command of cli.commands) command.exitOverride();
  return cli;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    await program().parseAsync([...argv]);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof ShopfusionError) {
      console.error(`error [${error.code}]: ${error.message}`);
      return error.kind === 'internal' ? 1 : 2;
    }
    throw error;
  }
}
