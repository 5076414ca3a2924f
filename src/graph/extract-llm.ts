/**
 * Optional LLM attribute extraction through any OpenAI-compatible chat endpoint the shop
 * configures (`POST {baseUrl}/v1/chat/completions`: OpenAI, vLLM, Ollama, llama.cpp server). The
 * model is asked for JSON `{"attributes": [{"key": …, "value": …}]}`; nothing is contacted unless
 * the shop sets this up.
 *
 * The answer of a language model is untrusted input: it is parsed and shape-checked, and by default
 * a value is kept only if it can be found in the text (grounding), so an invented attribute never
 * reaches the knowledge graph. Every failure is an {@link LlmExtractorError} that names the URL and
 * the model and says what was wrong.
 */
import { ShopfusionError } from '../core/errors.js';
import type { AttributeExtractor, ExtractedAttribute } from './extract-types.js';
import { findKey, matchForm, matchKey, sourceSpan } from './extract-text.js';

export interface LlmExtractorOptions {
  /** Server root, with or without a trailing `/v1` (`http://localhost:11434`, `https://api.openai.com/v1`). */
  baseUrl: string;
  /** Model name as the endpoint knows it. */
  model: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Whole request, connection to last byte. Default 30 000 ms. */
  timeoutMs?: number;
  /** Attribute keys to ask for (`brand`, `material`, `color`…); default: whatever the model finds. */
  keys?: readonly string[];
  /** Text beyond this many characters is cut before sending. Default 4 000. */
  maxChars?: number;
  /** Send `response_format: {type: "json_object"}` (default true; some servers reject it). */
  jsonMode?: boolean;
  /** Values not found in the text: `drop` (default) or `keep` (spanning the whole text). */
  ungrounded?: 'drop' | 'keep';
}

export type LlmFailure = 'timeout' | 'unreachable' | 'http' | 'malformed' | 'shape';

/** Why an LLM extraction failed; `reason` lets callers tell a slow endpoint from a broken one. */
export class LlmExtractorError extends ShopfusionError {
  readonly reason: LlmFailure;
  constructor(reason: LlmFailure, message: string, cause?: unknown) {
    super('extractor_unavailable', message, { details: { reason }, cause });
    this.name = 'LlmExtractorError';
    this.reason = reason;
  }
}

const SYSTEM_PROMPT = [
  'You extract product attributes from shop product text.',
  'Answer with one JSON object only: {"attributes": [{"key": "<attribute>", "value": "<value as written in the text>"}]}.',
  'Use short lower-case keys such as brand, material, color, size, capacity, volume, weight, pack, product_type.',
  'Copy values from the text; do not invent attributes the text does not state. Answer {"attributes": []} if there are none.',
].join(' ');

class LlmExtractor implements AttributeExtractor {
  readonly id: string;
  readonly url: string;
  private readonly headers: Record<string, string>;

  constructor(private readonly options: LlmExtractorOptions) {
    let root: URL;
    try {
      root = new URL(options.baseUrl);
    } catch {
      throw new ShopfusionError('invalid_config', `llm extractor: baseUrl ${JSON.stringify(options.baseUrl)} is not a URL (expected e.g. http://localhost:11434)`);
    }
    if (root.protocol !== 'http:' && root.protocol !== 'https:') {
      throw new ShopfusionError('invalid_config', `llm extractor: baseUrl must be http:// or https://, got ${root.protocol}//`);
    }
    if (typeof options.model !== 'string' || options.model.trim() === '') {
      throw new ShopfusionError('invalid_config', 'llm extractor: model is required (the name the endpoint knows it by)');
    }
    for (const [name, value] of [['timeoutMs', options.timeoutMs], ['maxChars', options.maxChars]] as const) {
      if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
        throw new ShopfusionError('invalid_config', `llm extractor: ${name} must be a positive integer, got ${JSON.stringify(value)}`);
      }
    }
    const path = root.pathname.replace(/\/+$/u, '').replace(/\/v1$/u, '');
    this.url = `${root.origin}${path}/v1/chat/completions`;
    this.id = `llm:${options.model}@${root.host}`;
    this.headers = { 'content-type': 'application/json', accept: 'application/json' };
    if (options.apiKey) this.headers.authorization = `Bearer ${options.apiKey}`;
  }

  async extract(text: string, signal?: AbortSignal): Promise<ExtractedAttribute[]> {
    const content = await this.complete(text.slice(0, this.options.maxChars ?? 4_000), signal);
    return this.ground(text, parseAttributes(content, (what) => this.fail('shape', what), (what) => this.fail('malformed', what)));
  }

  /** One chat completion; the model's message content. */
  private async complete(text: string, signal: AbortSignal | undefined): Promise<string> {
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    const timeout = AbortSignal.timeout(timeoutMs);
    const keys = this.options.keys?.length ? `\nKeys wanted: ${this.options.keys.join(', ')}.` : '';
    const body: Record<string, unknown> = {
      model: this.options.model,
      temperature: 0,
      messages: [
        { role: 'system', content: SYSTEM_PROMPT },
        { role: 'user', content: `Product text:\n${text}${keys}` },
      ],
    };
    if (this.options.jsonMode ?? true) body.response_format = { type: 'json_object' };
    let status: number;
    let answer: string;
    try {
      const res = await fetch(this.url, {
        method: 'POST',
        headers: this.headers,
        body: JSON.stringify(body),
        signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
      });
      status = res.status;
      answer = await res.text();
    } catch (cause) {
      if (signal?.aborted) throw cause;
      if (timeout.aborted) throw this.fail('timeout', `did not answer within ${timeoutMs} ms`, cause);
      throw this.fail('unreachable', `is unreachable (${reason(cause)})`, cause);
    }
    if (status < 200 || status >= 300) {
      const hint = status === 401 || status === 403 ? ' (check apiKey)' : status === 404 ? ' (check baseUrl and model)' : '';
      const said = answer.trim() ? `: ${answer.trim().slice(0, 200)}` : '';
      throw this.fail('http', `answered HTTP ${status}${hint}${said}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(answer);
    } catch (cause) {
      throw this.fail('malformed', `answered with a body that is not JSON (starts ${JSON.stringify(answer.slice(0, 80))})`, cause);
    }
    const content = (json as { choices?: Array<{ message?: { content?: unknown } }> } | null)?.choices?.[0]?.message?.content;
    if (typeof content !== 'string') throw this.fail('shape', 'answered without choices[0].message.content (is this a chat completions endpoint?)');
    return content;
  }

  /** Spans for the model's values; values absent from the text are dropped or kept whole-text. */
  private ground(text: string, pairs: Array<{ key: string; value: string }>): ExtractedAttribute[] {
    const view = matchForm(text);
    const out: ExtractedAttribute[] = [];
    for (const { key, value } of pairs) {
      const form = matchKey(value);
      const at = findKey(view.text, form);
      if (at >= 0) out.push({ key, value, span: sourceSpan(view, at, at + form.length), source: 'llm' });
      else if (this.options.ungrounded === 'keep') out.push({ key, value, span: [0, text.length], source: 'llm' });
    }
    return out.sort((a, b) => a.span[0] - b.span[0] || a.span[1] - b.span[1]);
  }

  private fail(why: LlmFailure, what: string, cause?: unknown): LlmExtractorError {
    return new LlmExtractorError(why, `llm endpoint ${this.url} (model "${this.options.model}") ${what}`, cause);
  }
}

/** An extractor that asks the configured chat endpoint; see {@link LlmExtractorOptions}. */
export function createLlmExtractor(options: LlmExtractorOptions): AttributeExtractor {
  return new LlmExtractor(options);
}

/**
 * The model's content as key/value pairs. Accepts `{"attributes": [{key, value}]}`, the same list
 * bare, or a plain object `{"brand": "Acme", "color": ["red", "blue"]}`; tolerates a ```json fence.
 */
function parseAttributes(
  content: string,
  shape: (what: string) => Error,
  malformed: (what: string) => Error,
): Array<{ key: string; value: string }> {
  const unfenced = content.trim().replace(/^```(?:json)?\s*/iu, '').replace(/\s*```$/u, '');
  let json: unknown;
  try {
    json = JSON.parse(unfenced);
  } catch {
    throw malformed(`returned content that is not JSON (starts ${JSON.stringify(content.slice(0, 80))}); expected {"attributes": [{"key": ..., "value": ...}]}`);
  }
  const root = json !== null && typeof json === 'object' && !Array.isArray(json) && 'attributes' in json ? (json as { attributes: unknown }).attributes : json;
  const out: Array<{ key: string; value: string }> = [];
  const add = (key: unknown, value: unknown, where: string): void => {
    if (typeof key !== 'string' || key.trim() === '') throw shape(`returned ${where} without a non-empty string key`);
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) {
      if (typeof v === 'string' && v.trim() !== '') out.push({ key: key.trim(), value: v.trim() });
      else if (typeof v === 'number' && Number.isFinite(v)) out.push({ key: key.trim(), value: String(v) });
      else if (v !== null && v !== '' && typeof v !== 'boolean') throw shape(`returned ${where} with a value that is not a string or number (${JSON.stringify(v)?.slice(0, 40)})`);
    }
  };
  if (Array.isArray(root)) {
    root.forEach((entry: unknown, i) => {
      if (entry === null || typeof entry !== 'object') throw shape(`returned attributes[${i}] as ${JSON.stringify(entry)}, expected {"key", "value"}`);
      const { key, value } = entry as { key?: unknown; value?: unknown };
      add(key, value, `attributes[${i}]`);
    });
  } else if (root !== null && typeof root === 'object') {
    for (const [key, value] of Object.entries(root)) add(key, value, `attribute ${JSON.stringify(key)}`);
  } else {
    throw shape(`returned ${JSON.stringify(root)?.slice(0, 40)}, expected an object with an "attributes" list`);
  }
  return out;
}

function reason(cause: unknown): string {
  const inner = (cause as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (inner && typeof inner.message === 'string' && inner.message) return inner.message;
  if (inner && typeof inner.code === 'string') return inner.code;
  return cause instanceof Error ? cause.message : String(cause);
}
