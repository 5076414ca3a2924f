/** `shopfusion train`: fit the configured models on the store's events and save new versions. */
import type { Command } from 'commander';
import { openStore } from '../../store/open.js';
import { configFrom, type GlobalOptions } from '../options.js';

export function trainCommand(cli: Command): void {
  cli
    .command('train')
    .description('fit models on the events in the store and save versioned snapshots the server loads')
    .option('-m, --models <names>', 'comma-separated model names (default: models.train in the config)')
    .option('--dir <folder>', 'where model versions are kept (default: models.dir)')
    .action(async (options: { models?: string; dir?: string }, command: Command) => {
      const flags: Record<string, unknown> = {};
      if (options.models !== undefined || options.dir !== undefined) {
        flags.models = {
          ...(options.models !== undefined ? { train: options.models.split(',').map((m) => m.trim()).filter(Boolean) } : {}),
          ...(options.dir !== undefined ? { dir: options.dir } : {}),
        };
      }
      const config = configFrom(command.optsWithGlobals<GlobalOptions>(), flags);
      const { trainModels } = await import('../../models/train.js');
      const { ModelRepository } = await import('../../models/repository.js');
      const store = openStore(config.store);
      try {
        const trained = await trainModels({
          store,
          repository: new ModelRepository(config.models.dir),
          models: config.models.train,
          weights: config.events.weights,
          halfLifeDays: config.models.halfLifeDays || undefined,
          log: (line) => console.error(line),
        });
        for (const t of trained) {
          console.log(t.skipped ? `${t.model}: skipped: ${t.skipped}` : `${t.model}: version ${t.version} (${t.fitSeconds.toFixed(1)} s)`);
        }
        console.log(`saved in ${config.models.dir}; a running server loads them on POST /models/reload or at restart`);
      } finally {
        await store.close();
      }
    });
}
