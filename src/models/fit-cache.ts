/**
 * Fitted models shared within one evaluation: the harness's parameter search, its final fits and
 * the fusion's channels fit the same model on the same training data, and each such fit runs once.
 * Keyed by the training data object (held weakly) and the model's name and parameters; a fit that
 * turns out not applicable is remembered as such.
 */
import type { ModelSpec } from './registry.js';
import type { FitOptions, ParamValue, Recommender, TrainData } from './types.js';

const fits = new WeakMap<TrainData, Map<string, Promise<Recommender>>>();

function keyOf(spec: ModelSpec, params: Readonly<Record<string, ParamValue>>): string {
  return `${spec.name}${JSON.stringify(Object.entries(params).sort(([a], [b]) => a.localeCompare(b)))}`;
}

/**
 * The model fitted on `data` with `params` and `seed`: fitted now, or the earlier fit. `extra`
 * (the validation split, logging) is passed to a new fit; it must not change what is learned
 * from one call to the next on the same data.
 */
export function fitShared(
  spec: ModelSpec,
  params: Readonly<Record<string, ParamValue>>,
  data: TrainData,
  seed: number,
  extra: Omit<FitOptions, 'seed'> = {},
): Promise<Recommender> {
  let byKey = fits.get(data);
  if (!byKey) fits.set(data, (byKey = new Map()));
  const key = `${keyOf(spec, params)}#${seed}`;
  let fit = byKey.get(key);
  if (!fit) {
    const model = spec.create({ ...params });
    fit = model.fit(data, { ...extra, seed }).then(() => model);
    byKey.set(key, fit);
  }
  return fit;
}
