/**
 * Chinese word segmentation for extraction, and product-type words from Chinese titles.
 *
 * Segmentation uses jieba (@node-rs/jieba with its bundled dictionary; `new Jieba()` alone has no
 * dictionary and cuts every character apart), falling back to `Intl.Segmenter` when the native
 * module cannot load. jieba also tags parts of speech, which the product-type rule uses.
 *
 * Product types: Chinese compounds are right-headed, so a product noun ends in a morpheme naming a
 * kind of thing (手机壳 "phone shell", 三脚架 "tripod stand", 果汁机 "juice machine"). The rule keeps
 * nominal words of two or more Han characters whose last character is such a head, after gluing a
 * one-character head that jieba cut off back onto the word before it (手机|壳 → 手机壳).
 */
import type { ExtractedAttribute } from './extract-types.js';
import type { SegmentedWord, WordSegmenter } from '../text/segment.js';

export { createWordSegmenter, defaultSegmenter, type SegmentedWord, type WordSegmenter } from '../text/segment.js';

/**
 * Head morphemes of product nouns: containers, tools, devices, furniture, stationery, clothes.
 * From general Chinese word formation, not learned from any one catalog.
 */
export const PRODUCT_HEADS: ReadonlySet<string> = new Set(
  [...'壳套架机器仪表灯笔本纸夹袋包盒箱柜桌椅凳床垫膜贴线管板杯瓶壶锅碗盘刀剪尺镜扣带绳链球鞋帽巾被枕毯伞刷梳膏霜液卡键鼠筒桶罐盆篮筐钳锤锯钻扇炉柄棒针钉轮片圈环座台具册牌章芯头罩衣裤裙袜'],
);

/** Words ending in a head character that name a use or a property, not a thing. */
const NOT_PRODUCTS = new Set(['无线', '有线', '全包', '多功能', '大容量', '全自动', '半自动', '一体机身', '新款', '加厚', '透明', '通用', '专用', '家用', '商用']);
/** Colours (…色), styles (…款, …式, …型, …号) and uses (…用). */
const NOT_HEAD_SUFFIX = /[色款式型号用性]$/u;
const HAN = /^\p{Script=Han}+$/u;
const HAS_HAN = /\p{Script=Han}/u;
/** Nominal jieba tags; jieba often tags unknown compounds as names or places (双肩包/nr), so those count. */
const NOMINAL = /^(?:n|nz|ng|nr|ns|vn|x)$/u;

export interface ProductTypeOptions {
  /** Head characters (default {@link PRODUCT_HEADS}); a shop can add its own, e.g. from its category names. */
  heads?: ReadonlySet<string>;
}

/**
 * Product-type mentions in a Chinese title (key `product_type`, source `segmenter`). Texts without
 * Han characters give none.
 */
export function productTypes(text: string, segmenter: WordSegmenter, options: ProductTypeOptions = {}): ExtractedAttribute[] {
  if (!HAS_HAN.test(text)) return [];
  const heads = options.heads ?? PRODUCT_HEADS;
  const words = segmenter.cut(text);
  const out: ExtractedAttribute[] = [];
  for (let i = 0; i < words.length; i++) {
    let w = words[i] as SegmentedWord;
    if (!HAN.test(w.word)) continue;
    const next = words[i + 1];
    let nominal = w.tag === undefined || NOMINAL.test(w.tag);
    if (next && next.start === w.end && next.word.length === 1 && heads.has(next.word)) {
      w = { word: w.word + next.word, start: w.start, end: next.end };
      nominal = true;
      i++;
    }
    if (!nominal || [...w.word].length < 2) continue;
    if (!heads.has(w.word.slice(-1)) || NOT_PRODUCTS.has(w.word) || NOT_HEAD_SUFFIX.test(w.word)) continue;
    out.push({ key: 'product_type', value: w.word, span: [w.start, w.end], source: 'segmenter' });
  }
  return out;
}
