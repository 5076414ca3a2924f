import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { ShopfusionError } from '../core/errors.js';
import { HttpEmbedder, type HttpEmbedderOptions } from './http.js';
import { dot } from './types.js';

const DIMS = 6;

/** The fake model: a deterministic, text-specific vector (not normalised, so the client must do it). */
function fakeVector(text: string, dims = DIMS): number[] {
  const v = new Array<number>(dims).fill(0);
  for (let i = 0; i < text.length; i++) {
    const j = i % dims;
    v[j] = (v[j] as number) + ((text.charCodeAt(i) * (j + 3)) % 17) - 5;
  }
  return v.map((x, j) => x + j + 1);
}

function normalised(values: number[]): number[] {
  const norm = Math.hypot(...values);
  return values.map((x) => x / norm);
}

interface Recorded {
  url: string;
  authorization: string | undefined;
  body: { model: string; input: string[]; dimensions?: number };
}

/** What the server does with one request; the default answers correctly, in reverse order. */
type Behaviour = (req: Recorded, res: ServerResponse) => void;

function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
}

const correct: Behaviour = (req, res) => {
  // Reversed on purpose: the client must sort by `index`, not trust the order.
  const data = req.body.input.map((text, index) => ({ object: 'embedding', index, embedding: fakeVector(text) })).reverse();
  answer(res, 200, { object: 'list', data, model: req.body.model });
};

describe('http embedder (OpenAI-compatible /v1/embeddings)', () => {
  const requests: Recorded[] = [];
  let behaviours: Behaviour[] = [];
  let baseUrl = '';
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (raw += chunk));
    req.on('end', () => {
      const recorded: Recorded = { url: req.url ?? '', authorization: req.headers.authorization, body: JSON.parse(raw) };
      requests.push(recorded);
      // One behaviour per request while the script lasts; the last one repeats.
      const behaviour = (behaviours.length > 1 ? behaviours.shift() : behaviours[0]) ?? correct;
      behaviour(recorded, res);
    });
  });

  const make = (options: Partial<HttpEmbedderOptions> = {}): HttpEmbedder =>
    new HttpEmbedder({ baseUrl, model: 'fake-embed', backoffMs: 1, maxBackoffMs: 20, ...options });

  const failsWith = (code: string, pattern: RegExp) => (e: unknown) => {
    assert.ok(e instanceof ShopfusionError, `expected a ShopfusionError, got ${String(e)}`);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  };

  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    requests.length = 0;
    behaviours = [correct];
  });

  it('returns the server vectors, normalised, in input order across batches, with the bearer key', async () => {
    const embedder = make({ baseUrl: `${baseUrl}/v1/`, apiKey: 'sk-test', batchSize: 2, dimensions: DIMS });
    const texts = ['red cotton t-shirt', 'kitchen knife', 'garden hose 50 ft', 'power drill', 'tent'];
    const vectors = await embedder.embedBatch(texts);
    assert.equal(requests.length, 3, '5 texts in batches of 2');
    assert.deepEqual(
      requests.map((r) => r.body.input),
      [texts.slice(0, 2), texts.slice(2, 4), texts.slice(4)],
    );
    for (const r of requests) {
      assert.equal(r.url, '/v1/embeddings', 'a trailing /v1 in baseUrl is not doubled');
      assert.equal(r.authorization, 'Bearer sk-test');
      assert.equal(r.body.model, 'fake-embed');
      assert.equal(r.body.dimensions, undefined, 'dimensions are not sent unless asked');
    }
    texts.forEach((text, i) => {
      const v = vectors[i] as Float32Array;
      assert.ok(v instanceof Float32Array);
      assert.ok(Math.abs(dot(v, v) - 1) < 1e-5, 'unit length');
      const want = normalised(fakeVector(text));
      v.forEach((x, j) => assert.ok(Math.abs(x - (want[j] as number)) < 1e-6, `text ${i}, component ${j}`));
    });
    assert.equal(embedder.id, `http:fake-embed@${new URL(baseUrl).host}`);
  });

  it('caches queries (one request for repeated, whitespace-variant and concurrent queries), with no auth header unless given', async () => {
    const embedder = make();
    const [a, b] = await Promise.all([embedder.embedQuery('garden hose'), embedder.embedQuery('garden hose')]);
    assert.equal(a, b);
    assert.equal(await embedder.embedQuery('  garden   hose '), a);
    assert.equal(requests.length, 1);
    assert.equal(requests[0]?.authorization, undefined);
    await embedder.embedQuery('kitchen knife');
    assert.equal(requests.length, 2);
  });

  it('learns dimensions from the first answer, or probes once with connect(); sends dimensions when asked', async () => {
    const lazy = make();
    assert.throws(() => lazy.dimensions, /dimensions are not known yet/);
    await lazy.embedQuery('tent');
    assert.equal(lazy.dimensions, DIMS);

    const connected = await HttpEmbedder.connect({ baseUrl, model: 'fake-embed' });
    assert.equal(connected.dimensions, DIMS);
    assert.equal(requests.length, 2);

    await make({ dimensions: DIMS, requestDimensions: true }).embedQuery('tent');
    assert.equal(requests[2]?.body.dimensions, DIMS);
  });

  it('retries a 503 (honouring a capped Retry-After) and a 429, then succeeds', async () => {
    const unavailable: Behaviour = (_req, res) => answer(res, 503, { error: 'loading model' }, { 'retry-after': '1' });
    const limited: Behaviour = (_req, res) => answer(res, 429, { error: 'slow down' });
    behaviours = [unavailable, limited, correct];
    const started = performance.now();
    const v = await make({ maxBackoffMs: 150 }).embedQuery('tent');
    const elapsed = performance.now() - started;
    assert.equal(requests.length, 3);
    assert.equal(v.length, DIMS);
    assert.ok(elapsed >= 140, `Retry-After waited (${elapsed.toFixed(0)} ms)`);
    assert.ok(elapsed < 900, `Retry-After 1 s capped at maxBackoffMs (${elapsed.toFixed(0)} ms)`);
  });

  it('gives up on a persistent 500 after the configured retries, with a clear error', async () => {
    behaviours = [(_req, res) => answer(res, 500, { error: 'CUDA out of memory' })];
    await assert.rejects(
      make({ retries: 2 }).embedBatch(['tent']),
      failsWith('embedder_unavailable', /\/v1\/embeddings \(model "fake-embed"\) answered HTTP 500 .*after 3 attempts.*CUDA out of memory/),
    );
    assert.equal(requests.length, 3);
  });

  it('does not retry a 400, and says why', async () => {
    behaviours = [(_req, res) => answer(res, 400, { error: 'model "fake-embed" not found' })];
    await assert.rejects(make().embedQuery('tent'), failsWith('embedder_unavailable', /HTTP 400 .*not retried.*not found/));
    assert.equal(requests.length, 1);
  });

  it('times out on a server that never answers', async () => {
    behaviours = [() => undefined];
    const started = performance.now();
    await assert.rejects(
      make({ timeoutMs: 60, retries: 1 }).embedQuery('tent'),
      failsWith('embedder_unavailable', /did not answer within 60 ms, after 2 attempts/),
    );
    assert.equal(requests.length, 2);
    assert.ok(performance.now() - started < 1_000);
    server.closeAllConnections();
  });

  it('says a closed port is unreachable, naming the URL and the attempts', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await assert.rejects(
      make({ baseUrl: `http://127.0.0.1:${port}`, retries: 2 }).embedQuery('tent'),
      failsWith('embedder_unavailable', new RegExp(`http://127\\.0\\.0\\.1:${port}/v1/embeddings .* is unreachable \\(.*ECONNREFUSED.*\\), after 3 attempts`)),
    );
  });

  it('refuses wrong dimensions, naming the model and both lengths', async () => {
    await assert.rejects(
      make({ dimensions: 512 }).embedQuery('tent'),
      failsWith('invalid_config', /model "fake-embed" at .* returned 6-dimensional vectors, expected 512/),
    );
    // Learned, then the endpoint changes its mind (a different model behind the same name).
    const lazy = make();
    await lazy.embedQuery('tent');
    behaviours = [(req, res) => answer(res, 200, { data: req.body.input.map((t, index) => ({ index, embedding: fakeVector(t, 4) })) })];
    await assert.rejects(lazy.embedQuery('knife'), failsWith('embedder_unavailable', /returned 4-dimensional vectors, expected 6/));
  });

  it('refuses a wrong vector count, malformed or non-JSON answers and non-finite values', async () => {
    behaviours = [(req, res) => answer(res, 200, { data: [{ index: 0, embedding: fakeVector(req.body.input[0] ?? '') }] })];
    await assert.rejects(make().embedBatch(['tent', 'knife', 'hose']), failsWith('embedder_unavailable', /returned 1 vector for 3 texts/));

    behaviours = [(_req, res) => answer(res, 200, '<html>gateway</html>')];
    await assert.rejects(make().embedQuery('tent'), failsWith('embedder_unavailable', /not JSON/));

    behaviours = [(_req, res) => answer(res, 200, { embeddings: [[1, 2]] })];
    await assert.rejects(make().embedQuery('tent'), failsWith('embedder_unavailable', /without a "data" array/));

    behaviours = [(_req, res) => answer(res, 200, { data: [{ index: 0, embedding: [1, null, 2] }] })];
    await assert.rejects(make().embedQuery('tent'), failsWith('embedder_unavailable', /non-finite value \(null\) at position 1/));

    behaviours = [(_req, res) => answer(res, 200, '{"data":[{"index":0,"embedding":[1,1e39,2]}]}')];
    await assert.rejects(make().embedQuery('tent'), failsWith('embedder_unavailable', /non-finite value/));

    behaviours = [(_req, res) => answer(res, 200, { data: [{ index: 1, embedding: [1, 2] }, { index: 1, embedding: [3, 4] }] })];
    await assert.rejects(make().embedBatch(['a', 'b']), failsWith('embedder_unavailable', /returned index 1; expected each of 0\.\.1 once/));
  });

  it('errors on empty text naming its position, before any request, and truncates 100 kB text to maxChars', async () => {
    const embedder = make({ maxChars: 500 });
    await assert.rejects(embedder.embedBatch(['tent', 'knife', ' \n ']), failsWith('invalid_argument', /text 2 is empty/));
    await assert.rejects(embedder.embedQuery(''), failsWith('invalid_argument', /the text is empty/));
    assert.equal(requests.length, 0);

    const long = `waterproof hiking boots ${'with extra grip '.repeat(6_400)}`;
    assert.ok(long.length > 100_000);
    const [v] = await embedder.embedBatch([long]);
    assert.equal(v?.length, DIMS);
    const sent = requests[0]?.body.input[0] ?? '';
    assert.ok(sent.length > 0 && sent.length <= 500, `server saw ${sent.length} chars`);
    assert.ok(sent.startsWith('waterproof hiking boots'));
  });

  it('rejects bad options up front', () => {
    assert.throws(() => make({ baseUrl: 'localhost:11434/' }), failsWith('invalid_config', /http:\/\/ or https:\/\//));
    assert.throws(() => make({ baseUrl: 'not a url' }), failsWith('invalid_config', /is not a URL/));
    assert.throws(() => make({ model: ' ' }), failsWith('invalid_config', /model is required/));
    assert.throws(() => make({ batchSize: 0 }), failsWith('invalid_config', /batchSize must be a positive integer, got 0/));
    assert.throws(() => make({ requestDimensions: true }), failsWith('invalid_config', /requestDimensions needs dimensions/));
  });
});
