/**
 * A recall channel answered by a trained model: `graph/lightgcn` serves the knowledge-aware
 * LightGCN where one is trained (`kg-lightgcn`), else plain LightGCN. The first of the channel's
 * models that the server has loaded answers; the digest names it and its version.
 */
import { ShopfusionError } from '../core/errors.js';
import type { ModelServing } from '../models/serving.js';
import type { RecallChannel, RecallContext, RecallOptions, RecallResult } from './types.js';

export class ModelChannel implements RecallChannel {
  static readonly GRAPH_LIGHTGCN = 'graph/lightgcn';

  constructor(
    readonly id: string,
    private readonly models: ModelServing,
    /** Model names in order of preference. */
    private readonly names: readonly string[],
  ) {}

  recall(context: RecallContext, options: RecallOptions): Promise<RecallResult> {
    const name = this.names.find((n) => this.models.has(n));
    if (name === undefined) {
      throw new ShopfusionError('model_not_found', `channel ${this.id} needs a trained ${this.names.join(' or ')} model; run \`shopfusion train --models ${this.names.join(',')}\` and reload`);
    }
    const { version, data } = this.models.candidates(name, context, options.k, options.exclude ?? (() => false));
    return Promise.resolve({ channel: this.id, digest: `${name}@${version}`, items: data });
  }
}
