/**
 * Evaluation reports: the JSON a harness run produces, rendered as Markdown with standalone SVG
 * bar charts (no scripts, no external fonts: generic `sans-serif` only).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';

/** One model's outcome in a report. */
export interface ReportRow {
  model: string;
  params: Record<string, unknown>;
  /** Keys `name@k`, as produced by `MetricAccumulator.result()`. */
  metrics: Record<string, number>;
  fitSeconds: number;
  scoreSeconds?: number;
  /** What the fit did (epochs, early stopping), where the model says. */
  training?: Record<string, unknown>;
  /** Why the model did not run (then its metrics are empty). */
  skipped?: string;
}

/** A harness run: one dataset under one protocol. */
export interface EvalReport {
  dataset: string;
  protocol: string;
  results: ReportRow[];
}

/** One bar of a chart. */
export interface ChartRow {
  model: string;
  value: number;
}

/** Columns of the main table, in order. */
export const MAIN_METRICS = [
  'ndcg@10',
  'hr@10',
  'recall@10',
  'precision@10',
  'mrr@10',
  'map@10',
  'coverage@10',
] as const;

/** One-line descriptions of the protocols of DESIGN.md ("Evaluation protocols"). */
export const PROTOCOL_DESCRIPTIONS: Readonly<Record<string, string>> = {
  msr:
    'per-user random 75/25 split (Microsoft Recommenders python_stratified_split, seed 42); ' +
    'full ranking with training items excluded; relevant = all test items',
  loo:
    'per-user chronological leave-one-out (last = test, second-last = valid); ' +
    'full ranking with training items masked',
  random: 'random 80/10/10 split over interactions (RecBole-style); full ranking',
  'cold-items': '20% of items get no training interactions; full ranking; cold-recall over those items',
  replay: 'train on the first 80% by time, then replay the rest event by event; next-item HR/NDCG',
};

/** File name of a metric's chart: `ndcg@10` → `ndcg-at-10.svg`. */
export function chartFileName(metric: string): string {
  return `${metric.replace(/@/g, '-at-').replace(/[^A-Za-z0-9._-]/g, '_')}.svg`;
}

/** Options of {@link renderMarkdown}. */
export interface MarkdownOptions {
  /** Folder of the chart files, relative to the Markdown file; charts are not referenced if unset. */
  chartDir?: string;
  /** Metrics that get a chart (default: the main metrics any result has). */
  chartMetrics?: readonly string[];
}

/** The metrics that get a chart: the given list, or the main metrics some result reports. */
export function chartedMetrics(report: EvalReport, chartMetrics?: readonly string[]): string[] {
  if (chartMetrics) return [...chartMetrics];
  return MAIN_METRICS.filter((m) => report.results.some((r) => !r.skipped && Number.isFinite(r.metrics[m])));
}

/**
 * The report as Markdown: title, protocol line, main table (models × ndcg@10, hr@10, recall@10,
 * precision@10, mrr@10, map@10, coverage@10, fit s), skipped models with reasons, a chart
 * reference per metric, the parameters of each model and a table of every metric.
 */
export function renderMarkdown(report: EvalReport, options: MarkdownOptions = {}): string {
  const ran = report.results.filter((r) => !r.skipped);
  const skipped = report.results.filter((r) => r.skipped);
  const out: string[] = [];
  out.push(`# ${esc(report.dataset)} — protocol \`${report.protocol}\``, '');
  const description = PROTOCOL_DESCRIPTIONS[report.protocol];
  out.push(
    `Protocol \`${report.protocol}\`${description ? `: ${description}` : ''}. ` +
      'Numbers are only comparable under the same protocol.',
    '',
  );
  out.push(`| model | ${MAIN_METRICS.join(' | ')} | fit s |`);
  out.push(`|---|${MAIN_METRICS.map(() => '---:').join('|')}|---:|`);
  for (const r of ran) {
    out.push(`| ${esc(r.model)} | ${MAIN_METRICS.map((m) => fmt(r.metrics[m])).join(' | ')} | ${fmtSeconds(r.fitSeconds)} |`);
  }
  out.push('');
  if (skipped.length > 0) {
    out.push('## Skipped', '');
    for (const r of skipped) out.push(`- **${esc(r.model)}**: ${esc(r.skipped ?? '')}`);
    out.push('');
  }
  if (options.chartDir !== undefined) {
    const metrics = chartedMetrics(report, options.chartMetrics);
    if (metrics.length > 0) {
      out.push('## Charts', '');
      for (const m of metrics) out.push(`![${m}](${options.chartDir}/${encodeURI(chartFileName(m))})`, '');
    }
  }
  if (ran.length > 0) {
    out.push('## Parameters', '');
    for (const r of ran) {
      const params = Object.entries(r.params)
        .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
        .join(', ');
      const score = r.scoreSeconds !== undefined ? `; scoring ${fmtSeconds(r.scoreSeconds)} s` : '';
      const training = r.training ? `; training: ${esc(Object.entries(r.training).map(([k, v]) => `${k}=${String(v)}`).join(', '))}` : '';
      out.push(`- **${esc(r.model)}**: ${params.length > 0 ? esc(params) : '(defaults)'}${score}${training}`);
    }
    out.push('');
    const keys = [...new Set(ran.flatMap((r) => Object.keys(r.metrics)))].sort(compareMetricKeys);
    if (keys.length > 0) {
      out.push('## All metrics', '');
      out.push(`| metric | ${ran.map((r) => esc(r.model)).join(' | ')} |`);
      out.push(`|---|${ran.map(() => '---:').join('|')}|`);
      for (const key of keys) out.push(`| ${key} | ${ran.map((r) => fmt(r.metrics[key])).join(' | ')} |`);
      out.push('');
    }
  }
  return out.join('\n');
}

const ROW_HEIGHT = 26;
const BAR_HEIGHT = 18;
const CHAR_WIDTH = 7.2;
const PLOT_WIDTH = 420;

/**
 * A standalone horizontal bar chart of one metric: a bar per row (model name on the left, value
 * at the bar's end), an x axis with ticks. Rows with a non-finite value are left out.
 */
export function renderSvgChart(metric: string, rows: readonly ChartRow[]): string {
  const data = rows.filter((r) => Number.isFinite(r.value));
  const labelWidth = Math.ceil(Math.max(60, ...data.map((r) => r.model.length * CHAR_WIDTH)) + 12);
  const left = labelWidth;
  const top = 34;
  const width = left + PLOT_WIDTH + 70;
  const height = top + Math.max(1, data.length) * ROW_HEIGHT + 34;
  const max = niceMax(Math.max(0, ...data.map((r) => r.value)));
  const x = (v: number) => left + (Math.max(0, v) / max) * PLOT_WIDTH;
  const parts: string[] = [];
  parts.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
      `font-family="sans-serif" font-size="12" role="img" aria-label="${xml(metric)}">`,
  );
  parts.push(`<title>${xml(metric)}</title>`);
  parts.push(`<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`);
  parts.push(`<text x="${left}" y="20" font-size="14" font-weight="bold">${xml(metric)}</text>`);
  const axisY = top + Math.max(1, data.length) * ROW_HEIGHT + 4;
  const ticks = 5;
  for (let t = 0; t <= ticks; t++) {
    const v = (max * t) / ticks;
    const tx = x(v).toFixed(1);
    parts.push(`<line x1="${tx}" y1="${top - 4}" x2="${tx}" y2="${axisY}" stroke="#e0e0e0"/>`);
    parts.push(`<text x="${tx}" y="${axisY + 16}" text-anchor="middle" fill="#555">${xml(fmtTick(v))}</text>`);
  }
  parts.push(`<line x1="${left}" y1="${axisY}" x2="${left + PLOT_WIDTH}" y2="${axisY}" stroke="#333"/>`);
  parts.push(`<line x1="${left}" y1="${top - 4}" x2="${left}" y2="${axisY}" stroke="#333"/>`);
  data.forEach((r, i) => {
    const y = top + i * ROW_HEIGHT;
    const w = Math.max(0, x(r.value) - left);
    parts.push(
      `<text x="${left - 6}" y="${(y + BAR_HEIGHT / 2 + 4).toFixed(1)}" text-anchor="end">${xml(r.model)}</text>`,
    );
    parts.push(
      `<rect class="bar" x="${left}" y="${y}" width="${w.toFixed(1)}" height="${BAR_HEIGHT}" fill="#4c78a8">` +
        `<title>${xml(`${r.model}: ${fmt(r.value)}`)}</title></rect>`,
    );
    parts.push(`<text x="${(left + w + 4).toFixed(1)}" y="${(y + BAR_HEIGHT / 2 + 4).toFixed(1)}">${xml(fmt(r.value))}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** Paths written by {@link writeReport}. */
export interface WrittenReport {
  json: string;
  markdown: string;
  charts: string[];
}

/**
 * Writes `report` as JSON to `outJsonPath`, its Markdown beside it (`ml.json` → `ml.md`) and one
 * SVG per charted metric into a folder beside it (`ml-charts/ndcg-at-10.svg`). Creates folders.
 */
export async function writeReport(report: EvalReport, outJsonPath: string): Promise<WrittenReport> {
  const dir = dirname(outJsonPath);
  const stem = basename(outJsonPath, extname(outJsonPath));
  const chartDirName = `${stem}-charts`;
  const chartDir = join(dir, chartDirName);
  await mkdir(chartDir, { recursive: true });
  const json = outJsonPath;
  await writeFile(json, JSON.stringify(report, null, 2) + '\n');
  const charts: string[] = [];
  const ran = report.results.filter((r) => !r.skipped);
  for (const metric of chartedMetrics(report)) {
    const rows = ran.map((r) => ({ model: r.model, value: r.metrics[metric] ?? Number.NaN }));
    const path = join(chartDir, chartFileName(metric));
    await writeFile(path, renderSvgChart(metric, rows));
    charts.push(path);
  }
  const markdown = join(dir, `${stem}.md`);
  await writeFile(markdown, renderMarkdown(report, { chartDir: chartDirName }) + '\n');
  return { json, markdown, charts };
}

/** Orders `name@k` keys by name, then numerically by k. */
function compareMetricKeys(a: string, b: string): number {
  const [na = '', ka = ''] = a.split('@');
  const [nb = '', kb = ''] = b.split('@');
  return na.localeCompare(nb) || Number(ka) - Number(kb) || a.localeCompare(b);
}

/** The smallest 1, 2, 2.5 or 5 × 10^n that is ≥ v (1 when v is 0). */
function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmt(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return '–';
  return Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4);
}

function fmtTick(v: number): string {
  return Number(v.toPrecision(3)).toString();
}

function fmtSeconds(v: number): string {
  return Number.isFinite(v) ? v.toFixed(v < 10 ? 2 : 1) : '–';
}

/** Escapes text for a Markdown table cell. */
function esc(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function xml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
