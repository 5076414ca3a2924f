/**
 * Quantities in product text: a number (integer, decimal, "1/2", "4 1/2", "4-1/2", "½") and a unit,
 * read into a normalised attribute: "32gb" → `capacity=32 GB`, "1/2-inch" → `size=0.5 in`,
 * "500 ml" → `volume=500 ml`, "2-pack" → `pack=2`, "18V" → `voltage=18 V`, "120 grit" → `grit=120`,
 * "24 x 36 in" → `dimensions=24 x 36 in`, "16 sq. ft." → `area=16 sq ft`, and the common Chinese units (毫升, 克, 寸, 件装).
 *
 * Units are kept as written (inches stay inches): converting would invent precision a shop did not
 * state, and facets show the shop's own unit. Where rules overlap, the longest match wins.
 */
import type { ExtractedAttribute } from './extract-types.js';
import { nfkcView, sourceSpan } from './extract-text.js';

interface UnitRule {
  key: string;
  /** Canonical unit appended to the number; '' for unitless values (`grit=120`). */
  unit: string;
  /** Regex source of the unit's spellings. */
  spell: string;
  /** Case matters ("3M" is a brand, "3 m" three metres; "5G" a network, "5 g" five grams). */
  caseSensitive?: boolean;
  /** CJK units follow a number directly and need no word boundary after them. */
  cjk?: boolean;
}

/** A number: mixed fraction, fraction, thousands, decimal or integer ("⁄" is NFKC's fraction slash). */
const NUM = String.raw`(?:\d+(?:\s+|-)\d+\s?[/⁄]\s?\d+|\d+\s?[/⁄]\s?\d+|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d*\.\d+|\d+)`;
/** Not inside a model number ("DW4524", "SC-141"), a thread spec ("1/4 in.-20") or another number. */
const BEFORE = String.raw`(?<![A-Za-z0-9.,/⁄-])`;
const AFTER = String.raw`(?![A-Za-z0-9])`;

const LENGTH_RULES: UnitRule[] = [
  // "in" is a word too: not in "2-in-1" or "3 in 1".
  { key: 'size', unit: 'in', spell: String.raw`inch(?:es)?|in\.|in(?![\s-]*\d)|"|″|''` },
  // Not torque ("80 ft. lbs.").
  { key: 'size', unit: 'ft', spell: String.raw`(?:feet|foot|ft\.?)(?![.\s-]*lbs?\b)` },
  { key: 'size', unit: 'yd', spell: String.raw`yards?|yds?\.?` },
  { key: 'size', unit: 'mm', spell: String.raw`mm|millimet(?:er|re)s?` },
  { key: 'size', unit: 'cm', spell: String.raw`cm|centimet(?:er|re)s?` },
  { key: 'size', unit: 'm', spell: String.raw`met(?:er|re)s?` },
  { key: 'size', unit: 'm', spell: 'm', caseSensitive: true },
  { key: 'size', unit: 'in', spell: '英寸|寸', cjk: true },
  { key: 'size', unit: 'mm', spell: '毫米', cjk: true },
  { key: 'size', unit: 'cm', spell: '厘米|公分', cjk: true },
  { key: 'size', unit: 'm', spell: '米(?![色白黄奇])', cjk: true },
];

const RULES: UnitRule[] = [
  ...LENGTH_RULES,
  { key: 'capacity', unit: 'TB', spell: 'tb|terabytes?' },
  { key: 'capacity', unit: 'GB', spell: 'gb|gigabytes?' },
  { key: 'capacity', unit: 'MB', spell: 'mb|megabytes?' },
  { key: 'volume', unit: 'fl oz', spell: String.raw`fl\.?\s?oz\.?|fluid\s+ounces?` },
  { key: 'volume', unit: 'ml', spell: 'ml|millilit(?:er|re)s?' },
  { key: 'volume', unit: 'l', spell: 'lit(?:er|re)s?' },
  { key: 'volume', unit: 'l', spell: 'L|l', caseSensitive: true },
  { key: 'volume', unit: 'gal', spell: String.raw`gal\.?|gallons?` },
  { key: 'volume', unit: 'qt', spell: String.raw`qt\.?|quarts?` },
  { key: 'volume', unit: 'ml', spell: '毫升', cjk: true },
  { key: 'volume', unit: 'l', spell: '升(?![级降])', cjk: true },
  { key: 'weight', unit: 'oz', spell: String.raw`oz\.?|ounces?` },
  { key: 'weight', unit: 'lb', spell: String.raw`lbs?\.?|pounds?` },
  { key: 'weight', unit: 'kg', spell: 'kg|kilograms?' },
  { key: 'weight', unit: 'mg', spell: 'mg|milligrams?' },
  { key: 'weight', unit: 'g', spell: 'grams?' },
  { key: 'weight', unit: 'g', spell: 'g', caseSensitive: true },
  { key: 'weight', unit: 'kg', spell: '千克|公斤', cjk: true },
  { key: 'weight', unit: 'g', spell: '克(?![拉隆力])', cjk: true },
  { key: 'voltage', unit: 'V', spell: 'v|volts?' },
  { key: 'power', unit: 'W', spell: 'w(?!/)|watts?' },
  { key: 'current', unit: 'A', spell: 'amps?|amperes?' },
  { key: 'battery', unit: 'mAh', spell: 'mah' },
  { key: 'battery', unit: 'mAh', spell: '毫安(?:时)?', cjk: true },
  { key: 'area', unit: 'sq ft', spell: String.raw`sq\.?\s?ft\.?|square\s+f(?:ee|oo)t` },
  { key: 'flow', unit: 'GPM', spell: 'gpm' },
  { key: 'airflow', unit: 'CFM', spell: 'cfm' },
  { key: 'grit', unit: '', spell: 'grit' },
  { key: 'gauge', unit: '', spell: 'gauge|awg' },
  { key: 'pack', unit: '', spell: 'pack|pk' },
  { key: 'count', unit: '', spell: 'pcs|pc|pieces?|count|ct' },
  { key: 'pack', unit: '', spell: '[件个只支瓶盒袋片包双条卷]装', cjk: true },
  { key: 'count', unit: '', spell: '[张个只支枚本片粒卷瓶](?!月|装)', cjk: true },
];

interface CompiledRule {
  rule: UnitRule;
  re: RegExp;
}

const COMPILED: CompiledRule[] = RULES.map((rule) => ({
  rule,
  re: new RegExp(`${BEFORE}(${NUM})\\s?-?\\s?(?:${rule.spell})${rule.cjk ? '' : AFTER}`, rule.caseSensitive ? 'gu' : 'giu'),
}));

/** "Pack of 6", "set of 3", "case of 12". */
const PACK_OF = new RegExp(String.raw`\b(?:pack|set|case|box|bag)\s+of\s+(\d+)${AFTER}`, 'giu');
/** "两件装", "三个装": small Chinese numerals before a pack word. */
const CHINESE_PACK = /([一二两三四五六七八九十]{1,3})[件个只支瓶盒袋片包双条]装/gu;

const LENGTH_SPELL = LENGTH_RULES.filter((r) => !r.caseSensitive).map((r) => r.spell).join('|');
/** One measure of a dimension: number, optional length unit, optional axis letter ("33 L", "24in W"). */
const MEASURE = String.raw`${NUM}(?:\s?-?\s?(?:${LENGTH_SPELL}))?(?:\s?[LWHD](?![A-Za-z]))?`;
const SEPARATOR = String.raw`(?:\s?[x×*]\s?|\s+by\s+)`;
const DIMENSIONS = new RegExp(`${BEFORE}${MEASURE}(?:${SEPARATOR}${MEASURE}){1,2}(?![A-Za-z0-9])`, 'giu');
const ONE_MEASURE = new RegExp(String.raw`(${NUM})(?:\s?-?\s?(${LENGTH_SPELL}))?`, 'iu');
const SPLIT = new RegExp(SEPARATOR, 'iu');

const CHINESE_DIGITS: Record<string, number> = { 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9, 十: 10 };

/** Quantity attributes of `text`, in span order, non-overlapping. */
export function extractPatterns(text: string): ExtractedAttribute[] {
  const view = nfkcView(text);
  const found: Array<{ from: number; to: number; key: string; value: string }> = [];
  for (const { rule, re } of COMPILED) {
    for (const m of view.text.matchAll(re)) {
      const n = parseNumber(m[1] as string);
      if (n === undefined || n === 0) continue;
      found.push({ from: m.index, to: m.index + m[0].length, key: rule.key, value: withUnit(n, rule.unit) });
    }
  }
  for (const m of view.text.matchAll(PACK_OF)) {
    const n = Number(m[1]);
    if (n > 0) found.push({ from: m.index, to: m.index + m[0].length, key: 'pack', value: String(n) });
  }
  for (const m of view.text.matchAll(CHINESE_PACK)) {
    const n = chineseNumber(m[1] as string);
    if (n !== undefined) found.push({ from: m.index, to: m.index + m[0].length, key: 'pack', value: String(n) });
  }
  for (const m of view.text.matchAll(DIMENSIONS)) {
    const measures = readDimensions(m[0]);
    if (measures) for (const d of measures) found.push({ ...d, from: m.index + d.from, to: m.index + d.to });
  }
  // Longest first, then leftmost; a match overlapping an accepted one is dropped.
  found.sort((a, b) => b.to - b.from - (a.to - a.from) || a.from - b.from);
  const taken: typeof found = [];
  for (const f of found) if (!taken.some((t) => f.from < t.to && t.from < f.to)) taken.push(f);
  taken.sort((a, b) => a.from - b.from);
  return taken.map((t) => ({ key: t.key, value: t.value, span: sourceSpan(view, t.from, t.to), source: 'pattern' }));
}

/**
 * A dimension match as one `dimensions` attribute. A unit written once applies to all measures
 * ("24 x 36 in"); measures in different units keep their own ("1 in x 4 in x 8 ft"). "by" without
 * any unit is prose ("2 by 4 rows"), not a dimension.
 */
function readDimensions(match: string): Array<{ from: number; to: number; key: string; value: string }> | undefined {
  const parts: Array<{ n: number; unit: string | undefined }> = [];
  for (const piece of match.split(SPLIT)) {
    const m = ONE_MEASURE.exec(piece);
    const n = m ? parseNumber(m[1] as string) : undefined;
    if (!m || n === undefined || n === 0) return undefined;
    // Axis letters are capitals ("33 L x 20 W"); "3d x 1-1/4 in." is a nail size, not a depth.
    if (/[a-z]$/u.test(piece.slice(m[0].length).trim())) return undefined;
    parts.push({ n, unit: m[2] === undefined ? undefined : canonicalLength(m[2]) });
  }
  const units = new Set(parts.map((p) => p.unit).filter((u): u is string => u !== undefined));
  if (units.size === 0 && /\sby\s/iu.test(match)) return undefined;
  const value =
    units.size <= 1
      ? parts.map((p) => formatNumber(p.n)).join(' x ') + (units.size ? ` ${[...units][0] as string}` : '')
      : parts.map((p) => withUnit(p.n, p.unit ?? '')).join(' x ');
  return [{ from: 0, to: match.length, key: 'dimensions', value }];
}

function canonicalLength(spelled: string): string | undefined {
  for (const rule of LENGTH_RULES) {
    if (!rule.caseSensitive && new RegExp(`^(?:${rule.spell})$`, 'iu').test(spelled)) return rule.unit;
  }
  return undefined;
}

/** "4 1/2" and "4-1/2" → 4.5, "1/2" → 0.5, "1,000" → 1000; undefined for a zero denominator. */
export function parseNumber(raw: string): number | undefined {
  const s = raw.replace(/⁄/gu, '/').replace(/\s*\/\s*/gu, '/').trim();
  const mixed = /^(\d+)(?:\s+|-)(\d+)\/(\d+)$/u.exec(s);
  if (mixed) return fraction(Number(mixed[2]), Number(mixed[3]), Number(mixed[1]));
  const frac = /^(\d+)\/(\d+)$/u.exec(s);
  if (frac) return fraction(Number(frac[1]), Number(frac[2]), 0);
  const n = Number(s.replace(/,/gu, ''));
  return Number.isFinite(n) ? n : undefined;
}

function fraction(numerator: number, denominator: number, whole: number): number | undefined {
  return denominator === 0 ? undefined : whole + numerator / denominator;
}

/** At most four decimals, no trailing zeros: 0.875, 4.5, 0.3333. */
export function formatNumber(n: number): string {
  return String(Number(n.toFixed(4)));
}

function withUnit(n: number, unit: string): string {
  return unit ? `${formatNumber(n)} ${unit}` : formatNumber(n);
}

function chineseNumber(s: string): number | undefined {
  if (s.length === 1) return CHINESE_DIGITS[s];
  // 十二 = 12, 二十 = 20, 二十三 = 23
  const ten = s.indexOf('十');
  if (ten < 0) return undefined;
  const tens = ten === 0 ? 1 : CHINESE_DIGITS[s.slice(0, ten)];
  const units = ten === s.length - 1 ? 0 : CHINESE_DIGITS[s.slice(ten + 1)];
  return tens === undefined || units === undefined ? undefined : tens * 10 + units;
}
