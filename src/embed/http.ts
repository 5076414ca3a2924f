/**
 * `http`: any OpenAI-compatible embeddings endpoint (`POST {baseUrl}/v1/embeddings`), as served by
 * OpenAI, Ollama, vLLM and Hugging Face text-embeddings-inference. Request `{ model, input }`,
 * response `{ data: [{ index, embedding }] }`.
 *
 * The endpoint is another process that can be down, slow, overloaded or simply wrong, so every
 * answer is checked (count, order, dimensions, finite values) before a vector leaves this file:
 * a bad answer is an `embedder_unavailable` error that names the URL and the model, never a
 * vector stored against the wrong product. Transient failures (network errors, timeouts, 429 and
 * 5xx) are retried with exponential backoff and jitter; other 4xx answers are not, since sending
 * the same request again cannot change them.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ShopfusionError } from '../core/errors.js';
import { prepareText } from './text.js';
import { normalise, type Embedder } from './types.js';
import { QueryCache } from './query-cache.js';

export interface HttpEmbedderOptions {
  /** Server root, with or without a trailing `/v1` (`http://localhost:11434`, `https://api.openai.com/v1`). */
  baseUrl: string;
  /** Model name as the endpoint knows it (`nomic-embed-text`, `text-embedding-3-small`). */
  model: string;
  /** Sent as `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /**
   * Expected vector length; every answer is checked against it. Left out, it is learned from the
   * first answer (or probe once with {@link HttpEmbedder.connect}).
   */
  dimensions?: number;
  /**
   * Also send `dimensions` in the request body, for models that can shorten their vectors
   * (OpenAI `text-embedding-3-*`, Matryoshka models on vLLM). Off by default: other servers refuse it.
   */
  requestDimensions?: boolean;
  /** Per attempt, covering connection, answer and body. Default 10 000 ms. */
  timeoutMs?: number;
  /** Further attempts after a network error, timeout, 429 or 5xx. Default 3. */
  retries?: number;
  /** First backoff delay; it doubles per attempt, with jitter. Default 250 ms. */
  backoffMs?: number;
  /** Cap on any one wait, including a server's `Retry-After`. Default 20 000 ms. */
  maxBackoffMs?: number;
  /** Texts per request on the indexing path. Default 64. */
  batchSize?: number;
  /** Texts longer than this are cut before sending (see `prepareText`). Default 2 000. */
  maxChars?: number;
  /** Query vectors kept in the LRU cache. Default 10 000. */
  cacheSize?: number;
}

interface Attempt {
  status: number;
  statusText: string;
  retryAfter: string | null;
  body: string;
}

export class HttpEmbedder implements Embedder {
  readonly id: string;
  /** `POST` target, `{baseUrl}/v1/embeddings`. */
  readonly url: string;
  private readonly model: string;
  private readonly headers: Record<string, string>;
  private readonly requestDimensions: boolean;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly batchSize: number;
  private readonly maxChars: number;
  /** Promises, so that concurrent requests for one query share one round trip. */
  private readonly cache: QueryCache;
  private readonly closing = new AbortController();
  private expected: number | undefined;
  /** Whether `expected` came from the options (a configuration mismatch) or from an earlier answer. */
  private readonly configured: boolean;

  constructor(options: HttpEmbedderOptions) {
    let root: URL;
    try {
      root = new URL(options.baseUrl);
    } catch {
      throw new ShopfusionError('invalid_config', `http embedder: baseUrl ${JSON.stringify(options.baseUrl)} is not a URL (expected e.g. http://localhost:11434)`);
    }
    if (root.protocol !== 'http:' && root.protocol !== 'https:') {
      throw new ShopfusionError('invalid_config', `http embedder: baseUrl must be http:// or https://, got ${root.protocol}//`);
    }
    if (typeof options.model !== 'string' || options.model.trim() === '') {
      throw new ShopfusionError('invalid_config', 'http embedder: model is required (the name the endpoint knows it by)');
    }
    const path = root.pathname.replace(/\/+$/u, '').replace(/\/v1$/u, '');
    this.url = `${root.origin}${path}/v1/embeddings`;
    this.model = options.model;
    this.id = `http:${options.model}@${root.host}`;
    this.headers = { 'content-type': 'application/json', accept: 'application/json' };
    if (options.apiKey) this.headers.authorization = `Bearer ${options.apiKey}`;
    this.expected = options.dimensions === undefined ? undefined : positive('dimensions', options.dimensions, 0);
    this.configured = this.expected !== undefined;
    this.requestDimensions = options.requestDimensions ?? false;
    if (this.requestDimensions && !this.configured) {
      throw new ShopfusionError('invalid_config', 'http embedder: requestDimensions needs dimensions (the length to ask for)');
    }
    this.timeoutMs = positive('timeoutMs', options.timeoutMs, 10_000);
    this.retries = nonNegative('retries', options.retries, 3);
    this.backoffMs = nonNegative('backoffMs', options.backoffMs, 250);
    this.maxBackoffMs = nonNegative('maxBackoffMs', options.maxBackoffMs, 20_000);
    this.batchSize = positive('batchSize', options.batchSize, 64);
    this.maxChars = positive('maxChars', options.maxChars, 2_000);
    this.cache = new QueryCache(nonNegative('cacheSize', options.cacheSize, 10_000));
  }

  /** Builds the embedder and sends one probe, so that `dimensions` is known and the endpoint is known to work. */
  static async connect(options: HttpEmbedderOptions): Promise<HttpEmbedder> {
    const embedder = new HttpEmbedder(options);
    await embedder.send(['dimension probe']);
    return embedder;
  }

  /** Throws until known: a made-up length would size indexes wrongly. */
  get dimensions(): number {
    if (this.expected === undefined) {
      throw new ShopfusionError(
        'invalid_config',
        `http embedder ${this.id}: dimensions are not known yet; set dimensions, embed something first, or use HttpEmbedder.connect()`,
      );
    }
    return this.expected;
  }

  async embedQuery(text: string): Promise<Float32Array> {
    const prepared = prepareText(text, this.maxChars);
    return this.cache.get(prepared, () => this.send([prepared]).then((vectors) => vectors[0] as Float32Array));
  }

  async embedBatch(texts: readonly string[]): Promise<Float32Array[]> {
    // Every text is checked before the first request, so a bad row costs no round trips.
    const prepared = texts.map((t, i) => prepareText(t, this.maxChars, i));
    const out: Float32Array[] = [];
    for (let i = 0; i < prepared.length; i += this.batchSize) out.push(...(await this.send(prepared.slice(i, i + this.batchSize))));
    return out;
  }

  /** Aborts requests in flight and forgets cached queries; later calls fail. */
  async close(): Promise<void> {
    this.closing.abort();
    this.cache.clear();
  }

  /** One batch: the request with its retries, then the checked, normalised vectors in input order. */
  private async send(texts: string[]): Promise<Float32Array[]> {
    const body: Record<string, unknown> = { model: this.model, input: texts };
    if (this.requestDimensions) body.dimensions = this.expected;
    const answer = await this.post(JSON.stringify(body));
    let json: unknown;
    try {
      json = JSON.parse(answer.body);
    } catch {
      throw this.unavailable(`answered HTTP ${answer.status} with a body that is not JSON (starts ${JSON.stringify(answer.body.slice(0, 80))})`);
    }
    return this.vectors(json, texts.length);
  }

  private async post(body: string): Promise<Attempt> {
    const attempts = this.retries + 1;
    for (let attempt = 1; ; attempt++) {
      if (this.closing.signal.aborted) throw new ShopfusionError('not_ready', `http embedder ${this.id} is closed`);
      const timeout = AbortSignal.timeout(this.timeoutMs);
      let answer: Attempt | undefined;
      let failure: string;
      try {
        const res = await fetch(this.url, {
          method: 'POST',
          headers: this.headers,
          body,
          signal: AbortSignal.any([timeout, this.closing.signal]),
        });
        answer = { status: res.status, statusText: res.statusText, retryAfter: res.headers.get('retry-after'), body: await res.text() };
      } catch (cause) {
        if (this.closing.signal.aborted) throw new ShopfusionError('not_ready', `http embedder ${this.id} was closed during a request`, { cause });
        if (timeout.aborted) {
          failure = `did not answer within ${this.timeoutMs} ms`;
        } else {
          failure = `is unreachable (${networkReason(cause)})`;
        }
        if (attempt < attempts) {
          await this.wait(attempt, null);
          continue;
        }
        throw this.unavailable(`${failure}, after ${plural(attempts, 'attempt')}`, cause);
      }
      if (answer.status >= 200 && answer.status < 300) return answer;
      const transient = answer.status === 429 || answer.status >= 500;
      if (transient && attempt < attempts) {
        await this.wait(attempt, answer.retryAfter);
        continue;
      }
      const said = answer.body.trim() ? `: ${answer.body.trim().slice(0, 200)}` : '';
      const hint = answer.status === 401 || answer.status === 403 ? ' (check apiKey)' : answer.status === 404 ? ' (check baseUrl and model)' : '';
      const tries = transient ? `, after ${plural(attempts, 'attempt')}` : ' (not retried: the same request would fail again)';
      throw this.unavailable(`answered HTTP ${answer.status} ${answer.statusText}${hint}${tries}${said}`);
    }
  }

  /** Exponential backoff with equal jitter; a server's `Retry-After` replaces it. Both capped. */
  private async wait(attempt: number, retryAfter: string | null): Promise<void> {
    const base = this.backoffMs * 2 ** (attempt - 1);
    const asked = retryAfterMs(retryAfter);
    const ms = asked ?? base / 2 + (Math.random() * base) / 2;
    await sleep(Math.min(ms, this.maxBackoffMs), undefined, { signal: this.closing.signal }).catch(() => undefined);
  }

  /** Checks the `{ data: [{ index, embedding }] }` answer and puts the vectors in input order. */
  private vectors(json: unknown, count: number): Float32Array[] {
    const data = (json as { data?: unknown } | null)?.data;
    if (!Array.isArray(data)) throw this.unavailable('answered without a "data" array of embeddings');
    if (data.length !== count) throw this.unavailable(`returned ${plural(data.length, 'vector')} for ${plural(count, 'text')}`);
    const indexed = data.filter((d) => typeof (d as { index?: unknown } | null)?.index === 'number').length;
    if (indexed !== 0 && indexed !== count) throw this.unavailable('gave an "index" to some embeddings but not others');
    const rows = new Array<Float32Array | undefined>(count);
    // Learned only once the whole answer has passed: a broken answer must not set the length.
    let expected = this.expected;
    data.forEach((d: unknown, position) => {
      const { index, embedding } = (d ?? {}) as { index?: unknown; embedding?: unknown };
      const at = indexed ? (index as number) : position;
      if (!Number.isInteger(at) || at < 0 || at >= count || rows[at]) {
        throw this.unavailable(`returned index ${JSON.stringify(index)}; expected each of 0..${count - 1} once`);
      }
      if (!Array.isArray(embedding)) {
        const what = typeof embedding === 'string' ? 'a base64 string (only float arrays are supported)' : typeof embedding;
        throw this.unavailable(`returned embedding ${at} as ${what}, expected an array of numbers`);
      }
      if (embedding.length === 0) throw this.unavailable(`returned an empty embedding ${at}`);
      expected ??= embedding.length;
      if (embedding.length !== expected) this.wrongDimensions(embedding.length, expected);
      const v = Float32Array.from(embedding, (x: unknown) => (typeof x === 'number' ? x : NaN));
      // Float32 overflow (1e39) counts too: Infinity would poison every score it touches.
      const badAt = v.findIndex((x) => !Number.isFinite(x));
      if (badAt >= 0) {
        throw this.unavailable(`returned a non-finite value (${JSON.stringify(embedding[badAt])}) at position ${badAt} of embedding ${at}`);
      }
      if (v.every((x) => x === 0)) throw this.unavailable(`returned an all-zero embedding ${at}, which has no direction`);
      rows[at] = normalise(v);
    });
    this.expected = expected;
    return rows as Float32Array[];
  }

  private wrongDimensions(length: number, expected: number): never {
    const message = `model "${this.model}" at ${this.url} returned ${length}-dimensional vectors, expected ${expected}`;
    if (this.configured) {
      throw new ShopfusionError('invalid_config', `${message} (set dimensions to ${length}, or use the model that makes ${expected})`);
    }
    throw new ShopfusionError('embedder_unavailable', `${message} (the length of its first vectors)`);
  }

  private unavailable(what: string, cause?: unknown): ShopfusionError {
    return new ShopfusionError('embedder_unavailable', `embedding endpoint ${this.url} (model "${this.model}") ${what}`, { cause });
  }
}

function networkReason(cause: unknown): string {
  const inner = (cause as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (inner && typeof inner.message === 'string' && inner.message) return inner.message;
  if (inner && typeof inner.code === 'string') return inner.code;
  return cause instanceof Error ? cause.message : String(cause);
}

/** `Retry-After` is either delay-seconds or an HTTP date (RFC 9110, section 10.2.3). */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header.trim());
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) {
    throw new ShopfusionError('invalid_config', `http embedder: ${name} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

function nonNegative(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new ShopfusionError('invalid_config', `http embedder: ${name} must be a whole number >= 0, got ${JSON.stringify(value)}`);
  }
  return value;
}
