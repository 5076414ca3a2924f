/**
 * One shopping session at a time: who visits, what they browse and how far down the funnel
 * (view → click → add_to_cart → purchase) each item gets. The visitor's hidden taste picks the
 * category, item popularity picks within it, and an "appeal" made of item quality, brand affinity
 * and price fit sets the conversion odds, so the events carry signal a recommender can learn.
 */
import type { EventContext, EventInput, EventType } from '../../core/schema.js';
import { ADJECTIVES, BRANDS, COLOURS, MATERIALS, type Words } from './catalog-words.js';
import { COLOUR_KEYS, MATERIAL_KEYS, type CatalogModel, type FlatLeaf } from './catalog.js';
import { isFavourite, sampleTaste, type AudienceModel } from './audience.js';
import type { AliasTable, Random } from './random.js';

const SECOND_MS = 1000;
const DAY_MS = 86_400_000;

/** Share of sessions by a signed-in user; the rest are anonymous (sessionId only). */
const REGISTERED_SHARE = 0.8;
/**
 * Click rate on a viewed item per unit of appeal, and add-to-cart rate after a click. Appeal
 * averages about 1.2 over views and 1.5 over clicks (appealing items get clicked), so these give
 * roughly 30% of views clicked and 10% carted.
 */
const CLICK_RATE = 0.25;
const CART_RATE = 0.23;
/**
 * Carts reach checkout a bit over half the time, and most distinct items in them are bought; with
 * repeated add_to_cart of one item, about 40% of add_to_cart events end in a purchase.
 */
const CHECKOUT_RATE = 0.55;
const BUY_RATE = 0.9;
/** Share of purchases rated later, by signed-in users. */
const RATING_RATE = 0.3;

export interface SessionWorld {
  catalog: CatalogModel;
  audience: AudienceModel;
  /** No event may be later than this. */
  now: number;
  /** Prefix of recommendation ids, so that two demo runs do not share them. */
  prefix: string;
}

/** A recommendation or search result the visitor follows to the item's page. */
interface Lead {
  item: number;
  context: EventContext;
}

export class SessionSimulator {
  private out: EventInput[] = [];
  private cap = 0;
  private closed = false;
  private user = -1;
  private userId: string | undefined;
  private sessionId = '';
  private sessionNo = 0;
  private zh = false;
  private lists = 0;

  constructor(
    private readonly world: SessionWorld,
    private readonly rng: Random,
  ) {}

  /**
   * Appends the session's events to `out`, at most `cap` of them, in time order within the session
   * (a rating, days after its purchase, comes last). The first event is at `start`, which must not
   * be later than `world.now`, so a session with `cap >= 1` yields at least one event.
   */
  run(sessionNo: number, start: number, cap: number, out: EventInput[]): void {
    const { rng, world } = this;
    const { catalog, audience } = world;
    this.out = out;
    this.cap = cap;
    this.closed = false;
    this.lists = 0;
    this.sessionNo = sessionNo;
    this.sessionId = `sess-${world.prefix}-${sessionNo}`;
    this.user = -1;
    if (rng.chance(REGISTERED_SHARE)) {
      // Users who sign up during the window cannot shop before they exist.
      for (let k = 0; k < 4 && this.user < 0; k++) {
        const u = audience.activity.sample(rng);
        if ((audience.createdAt[u] as number) <= start) this.user = u;
      }
    }
    this.userId = this.user >= 0 ? audience.ids[this.user] : undefined;
    this.zh = this.user >= 0 ? audience.zh[this.user] === 1 : rng.chance(0.12);

    let top = this.pickTop();
    let leaf = this.pickLeaf(top);
    let t = start;
    let lead: Lead | undefined;
    const entry = rng.next();
    if (this.user >= 0 && entry < 0.25) {
      lead = this.showList('home-feed', t, 5, () => this.pickLeaf(this.pickTop()));
    } else if (entry < 0.5) {
      lead = this.search(leaf, t);
    }

    const views = Math.min(40, 1 + Math.floor(rng.logNormal(1.2, 0.8)));
    const cart: number[] = [];
    for (let v = 0; v < views && !this.closed; v++) {
      const item = lead ? lead.item : this.pickItem(leaf, t);
      // Following a recommendation or a search result takes a few seconds.
      if (lead) t += rng.int(2, 12) * SECOND_MS;
      if (!this.emit('view', item, t, lead?.context)) break;
      lead = undefined;
      const appeal = this.appeal(item);
      if (rng.chance(Math.min(0.9, CLICK_RATE * appeal))) {
        t += rng.int(3, 40) * SECOND_MS;
        if (!this.emit('click', item, t)) break;
        if (rng.chance(0.05 * appeal)) this.emit('like', item, (t += rng.int(1, 5) * SECOND_MS));
        if (catalog.available[item] === 1 && rng.chance(Math.min(0.9, CART_RATE * appeal))) {
          t += rng.int(5, 90) * SECOND_MS;
          if (!this.emit('add_to_cart', item, t)) break;
          cart.push(item);
          if (rng.chance(0.2)) lead = this.showList('cart-upsell', t + SECOND_MS, 3, () => this.pickLeaf(top));
        }
      } else if (rng.chance((catalog.quality[item] as number) < -0.8 ? 0.06 : 0.006)) {
        this.emit('dislike', item, (t += rng.int(2, 20) * SECOND_MS));
      }
      // Time on the page before the next step: seconds to minutes.
      t += Math.round(Math.min(900, Math.max(3, rng.logNormal(Math.log(35), 0.9))) * SECOND_MS);
      if (!lead) {
        const r = rng.next();
        if (r < 0.15) lead = this.showList('product-similar', t, 4, () => leaf);
        else if (r < 0.24) lead = this.search(rng.chance(0.6) ? leaf : this.pickLeaf(top), t);
      }
      if (rng.chance(0.12)) leaf = this.pickLeaf(top);
      if (rng.chance(0.06)) {
        top = this.pickTop();
        leaf = this.pickLeaf(top);
      }
    }
    this.checkout(cart, t);
  }

  private checkout(cart: number[], t: number): void {
    const { rng } = this;
    if (cart.length === 0 || this.closed || !rng.chance(CHECKOUT_RATE)) return;
    t += rng.int(30, 300) * SECOND_MS;
    const bought: number[] = [];
    for (const item of new Set(cart)) {
      if (!rng.chance(BUY_RATE)) continue;
      if (!this.emit('purchase', item, (t += rng.int(0, 2) * SECOND_MS))) return;
      bought.push(item);
    }
    if (this.user < 0) return;
    const { catalog, now } = this.world;
    for (const item of bought) {
      if (!rng.chance(RATING_RATE)) continue;
      const at = t + Math.floor((1 + rng.exponential(3)) * DAY_MS);
      // Later than the window: the rating has not happened yet.
      if (at > now || this.out.length >= this.cap) continue;
      // A hidden quality of 0 rates about 3.6 on average; noise makes every value possible.
      const stars = Math.round(Math.min(5, Math.max(1, 3.6 + 0.9 * (catalog.quality[item] as number) + rng.normal(0, 0.8))));
      this.out.push({ id: '', userId: this.userId as string, itemId: catalog.ids[item] as string, type: 'rating', value: stars, timestamp: at });
    }
  }

  /** false, and the session ends, once the cap is reached or the clock passes `now`. */
  private emit(type: EventType, item: number, t: number, context?: EventContext): boolean {
    if (this.closed || this.out.length >= this.cap || t > this.world.now) {
      this.closed = true;
      return false;
    }
    const itemId = this.world.catalog.ids[item] as string;
    const e: EventInput =
      this.userId !== undefined
        ? { id: '', userId: this.userId, sessionId: this.sessionId, itemId, type, timestamp: t }
        : { id: '', sessionId: this.sessionId, itemId, type, timestamp: t };
    if (context) e.context = context;
    this.out.push(e);
    return true;
  }

  private pickTop(): number {
    const { audience, catalog } = this.world;
    // Even loyal shoppers wander off their usual categories now and then.
    if (this.user >= 0 && !this.rng.chance(0.1)) return sampleTaste(audience, this.user, this.rng);
    return catalog.topSampler.sample(this.rng);
  }

  private pickLeaf(top: number): number {
    const { catalog } = this.world;
    return catalog.topLeaves[top]?.[(catalog.topLeafSamplers[top] as AliasTable).sample(this.rng)] as number;
  }

  /** A popular item of the leaf that exists at time t, with a second draw if its brand is not a favourite. */
  private pickItem(leaf: number, t: number): number {
    const { catalog, audience } = this.world;
    const items = catalog.leafItems[leaf] as Int32Array;
    const sampler = catalog.leafSamplers[leaf] as AliasTable;
    let item = items[0] as number; // the leaf's first item predates the window
    for (let k = 0; k < 4; k++) {
      const candidate = items[sampler.sample(this.rng)] as number;
      if ((catalog.createdAt[candidate] as number) > t) continue;
      item = candidate;
      break;
    }
    if (this.user >= 0 && !isFavourite(audience, this.user, catalog.brandOf[item] as number) && this.rng.chance(0.25)) {
      const other = items[sampler.sample(this.rng)] as number;
      if ((catalog.createdAt[other] as number) <= t && isFavourite(audience, this.user, catalog.brandOf[other] as number)) item = other;
    }
    return item;
  }

  /**
   * How much this visitor likes the item, around 1: quality, price against the category median
   * raised to the visitor's price sensitivity, and a boost for a favourite brand.
   */
  private appeal(item: number): number {
    const { catalog, audience } = this.world;
    let a = Math.exp(0.35 * (catalog.quality[item] as number));
    const sensitivity = this.user >= 0 ? (audience.priceSensitivity[this.user] as number) : 0.5;
    a *= Math.pow(catalog.priceRatio[item] as number, -sensitivity);
    if (this.user >= 0 && isFavourite(audience, this.user, catalog.brandOf[item] as number)) a *= 1.8;
    return Math.min(3, Math.max(0.15, a));
  }

  /**
   * A recommendation list: one impression per slot, then perhaps a click on one of them, more
   * likely near the top and on appealing items.
   */
  private showList(placement: string, t: number, size: number, leafOf: () => number): Lead | undefined {
    const recommId = `rec-${this.world.prefix}-${this.sessionNo}-${this.lists++}`;
    const shown: number[] = [];
    for (let position = 0; position < size; position++) {
      let item = this.pickItem(leafOf(), t);
      if (shown.includes(item)) item = this.pickItem(leafOf(), t);
      if (shown.includes(item)) continue;
      if (!this.emit('impression', item, t, { recommId, position: shown.length, placement })) return undefined;
      shown.push(item);
    }
    if (shown.length === 0 || !this.rng.chance(0.3)) return undefined;
    const weights = shown.map((item, position) => this.appeal(item) / (position + 1));
    const position = this.rng.weightedPick(weights);
    return { item: shown[position] as number, context: { recommId, position, placement } };
  }

  /** A search for an item of the leaf, in the visitor's language, and a click on it in the results. */
  private search(leaf: number, t: number): Lead | undefined {
    const item = this.pickItem(leaf, t);
    const query = this.queryFor(item);
    const position = Math.min(19, Math.floor(this.rng.exponential(1.5)));
    if (!this.emit('search_click', item, t, { query, position })) return undefined;
    return { item, context: { query } };
  }

  /** A few words of the item's title, as a shopper would type them. */
  private queryFor(item: number): string {
    const { catalog } = this.world;
    const leaf = catalog.leaves[catalog.leafOf[item] as number] as FlatLeaf;
    const noun = leaf.def.nouns[catalog.nounOf[item] as number] as Words;
    const brand = BRANDS[catalog.brandOf[item] as number]?.name;
    const adj = ADJECTIVES[catalog.adjectiveOf[item] as number];
    const materialKey = MATERIAL_KEYS[catalog.materialOf[item] as number];
    const material: Words | undefined = materialKey ? MATERIALS[materialKey] : undefined;
    const colourKey = COLOUR_KEYS[catalog.colourOf[item] as number];
    const colour: Words | undefined = colourKey ? COLOURS[colourKey] : undefined;
    const lang = this.zh ? 'zh' : 'en';
    const forms: Array<Array<string | undefined>> = [
      [noun[lang]],
      [noun[lang]],
      [material?.[lang], noun[lang]],
      [brand, noun[lang]],
      [adj?.[lang], noun[lang]],
      // The title carries the colour in English only.
      [colour?.en, noun.en],
    ];
    const words = this.rng.pick(forms).filter((w): w is string => Boolean(w));
    const query = words.join(' ');
    return lang === 'en' ? query.toLowerCase() : query;
  }
}
