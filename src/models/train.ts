/**
 * Training from the store: the whole event log as interactions (event-type weights, ratings as
 * confidence, optional time decay), each configured model fitted and saved as a new version.
 */
import type { EventType } from '../core/schema.js';
import { interactionsFromStore } from '../data/from-store.js';
import { buildTrainData } from '../data/interactions.js';
import { contentFromStore } from '../embed/store-content.js';
import type { Store } from '../store/types.js';
import { modelRef } from './registry.js';
import { newVersion, type ModelRepository } from './repository.js';
import { ModelNotApplicable, type TrainData } from './types.js';

export interface TrainOptions {
  store: Store;
  repository: ModelRepository;
  models: readonly string[];
  weights: Readonly<Record<EventType, number>>;
  halfLifeDays?: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface TrainedModel {
  model: string;
  version?: string;
  fitSeconds: number;
  skipped?: string;
}

export async function trainModels(options: TrainOptions): Promise<TrainedModel[]> {
  const log = options.log ?? (() => {});
  for (const name of options.models) modelRef(name);
  const ia = await interactionsFromStore(options.store);
  const data: TrainData = buildTrainData(ia, undefined, {
    scheme: 'events',
    weights: options.weights,
    halfLifeDays: options.halfLifeDays,
  });
  // Text and vectors are read only if a content model asks for them.
  data.content = await contentFromStore(options.store, ia.items.ids, { log });
  log(`training on ${ia.length} events: ${ia.users.size} users, ${ia.items.size} items, ${data.matrix.nnz} positive pairs`);
  const out: TrainedModel[] = [];
  for (const name of options.models) {
    const { spec, fixed } = modelRef(name);
    const model = spec.create(fixed);
    const started = performance.now();
    try {
      await model.fit(data, { seed: options.seed ?? 42 });
    } catch (error) {
      if (!(error instanceof ModelNotApplicable)) throw error;
      out.push({ model: name, fitSeconds: 0, skipped: error.message });
      log(`${name}: skipped (${error.message})`);
      continue;
    }
    const fitSeconds = (performance.now() - started) / 1000;
    const version = options.repository.save({
      snapshot: model.save(),
      users: ia.users.ids,
      items: ia.items.ids,
      version: newVersion(),
      createdAt: new Date().toISOString(),
      trainedOn: { events: ia.length, users: ia.users.size, items: ia.items.size, pairs: data.matrix.nnz },
    });
    out.push({ model: name, version, fitSeconds });
    log(`${name}: version ${version} (fit ${fitSeconds.toFixed(1)} s)`);
  }
  return out;
}
