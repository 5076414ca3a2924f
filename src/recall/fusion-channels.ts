/**
 * The trained `fusion` model in the serving cascade: each of its channels (trained models kept
 * inside its snapshot) becomes a recall channel `fusion/<model>`, and its learned weights and
 * ranker score the candidates those channels recalled. Items added to a channel after training
 * (sasrec-text takes new items by their text) are scored as items the fusion has no signals for.
 */
import { CandidateSet } from '../fusion/candidates.js';
import { Fusion } from '../models/fusion.js';
import type { LoadedModel } from '../models/repository.js';
import type { ModelServing } from '../models/serving.js';
import type { RecallChannel, RecallContext, RecallOptions, RecallResult } from './types.js';

export const FUSION_PREFIX = 'fusion/';

export interface LearnedScores {
  /** Which fusion version answered. */
  digest: string;
  /** The learned linear fusion score of each candidate. */
  fused: Map<string, number>;
  /** The ranker's score of each candidate, where the fusion has a ranker. */
  ranked?: Map<string, number>;
  /** The fusion has a ranker but was asked not to run it. */
  rankerSkipped?: boolean;
}

export class LearnedFusion {
  private set: CandidateSet | undefined;
  private setFor: LoadedModel | undefined;
  private fused = new Float64Array(0);
  private ranked = new Float64Array(0);

  constructor(
    private readonly models: ModelServing,
    readonly name = 'fusion',
  ) {}

  /** The loaded fusion, if one is trained and loaded. */
  loaded(): { fusion: Fusion; model: LoadedModel } | undefined {
    if (!this.models.has(this.name)) return undefined;
    const model = this.models.get(this.name);
    return model.model instanceof Fusion ? { fusion: model.model, model } : undefined;
  }

  /** How many candidates each channel of the loaded fusion recalled in training. */
  depth(): number | undefined {
    return this.loaded()?.fusion.params.depth;
  }

  /** One recall channel per channel of the loaded fusion (none when no fusion is loaded). */
  channels(): RecallChannel[] {
    const loaded = this.loaded();
    if (!loaded) return [];
    return loaded.fusion.channelLabels().map((label, c) => ({
      id: `${FUSION_PREFIX}${label}`,
      recall: (context: RecallContext, options: RecallOptions) => Promise.resolve(this.recallChannel(c, label, context, options)),
    }));
  }

  private recallChannel(c: number, label: string, context: RecallContext, options: RecallOptions): RecallResult {
    const channel = `${FUSION_PREFIX}${label}`;
    const loaded = this.loaded();
    if (!loaded) return { channel, digest: 'fusion: not loaded', items: [] };
    const { fusion, model } = loaded;
    const source = context.itemId !== undefined ? [context.itemId] : context.history;
    const history = Int32Array.from(source.map((id) => model.items.get(id) ?? -1).filter((i) => i >= 0));
    const user = context.userId === undefined ? -1 : (model.users.get(context.userId) ?? -1);
    const items: RecallResult['items'] = [];
    const digest = `${this.name}@${model.version}:${label}`;
    if (user < 0 && history.length === 0) return { channel, digest, items };
    // Over-fetch for the items the caller rejects.
    for (let want = options.k + 10; ; want *= 4) {
      const top = fusion.channelTop(c, user, history, want);
      items.length = 0;
      for (let r = 0; r < top.items.length && items.length < options.k; r++) {
        const itemId = model.items.ids[top.items[r] as number] as string;
        if (options.exclude?.(itemId) !== true) items.push({ itemId, score: top.scores[r] as number });
      }
      if (items.length >= options.k || top.items.length < want) return { channel, digest, items };
    }
  }

  /**
   * The learned scores of the union of the `fusion/*` results (`history`: what the channels
   * recalled from, the page item for an item placement), or undefined when no fusion is
   * loaded or one of its channels has no result (it ran out of time): a partial set of channels
   * would feed the ranker features it was not trained on.
   */
  rank(results: readonly RecallResult[], history: readonly string[], options: { ranker?: boolean } = {}): LearnedScores | undefined {
    const loaded = this.loaded();
    if (!loaded) return undefined;
    const { fusion, model } = loaded;
    const labels = fusion.channelLabels();
    const byChannel = labels.map((label) => results.find((r) => r.channel === `${FUSION_PREFIX}${label}`));
    if (byChannel.some((r) => r === undefined)) return undefined;
    if (!this.set || this.setFor !== model) {
      this.set = new CandidateSet(labels.length, model.items.size);
      this.setFor = model;
    }
    const set = this.set;
    set.reset();
    // The fusion's channels answer from its own id map, which may have grown since the set was made.
    set.ensureItems(model.items.size);
    byChannel.forEach((result, c) => {
      const items = (result as RecallResult).items;
      set.addList(c, items.map((i) => model.items.get(i.itemId) as number), items.map((i) => i.score));
    });
    if (this.fused.length < set.size) {
      this.fused = new Float64Array(set.size * 2);
      this.ranked = new Float64Array(set.size * 2);
    }
    const historyDense = history.map((id) => model.items.get(id) ?? -1).filter((i) => i >= 0);
    const withRanker = options.ranker !== false;
    const hasRanker = fusion.rankCandidates(set, historyDense, this.fused, this.ranked, withRanker);
    const idOf = (m: number) => model.items.ids[set.items[m] as number] as string;
    const fused = new Map<string, number>();
    const ranked = hasRanker ? new Map<string, number>() : undefined;
    for (let m = 0; m < set.size; m++) {
      const id = idOf(m);
      fused.set(id, this.fused[m] as number);
      ranked?.set(id, this.ranked[m] as number);
    }
    return { digest: `${this.name}@${model.version}`, fused, ...(ranked ? { ranked } : {}), ...(!withRanker && fusion.hasRanker ? { rankerSkipped: true } : {}) };
  }
}
