import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ShopfusionError } from '../core/errors.js';
import {
  createAttributeExtractor,
  createLlmExtractor,
  createWordSegmenter,
  extractAttributes,
  extractPatterns,
  Gazetteer,
  LlmExtractorError,
  type GazetteerItem,
  productTypes,
  type ExtractedAttribute,
  type LlmExtractorOptions,
} from './extract.js';

/** `[key, value, mention]` triples, the mention cut from the text by the span. */
function triples(text: string, found: ExtractedAttribute[]): Array<[string, string, string]> {
  return found.map((a) => [a.key, a.value, text.slice(a.span[0], a.span[1])]);
}

describe('quantity patterns', () => {
  const cases: Array<[string, string, string, string]> = [
    // text, key, value, mention
    ['SanDisk 32gb card', 'capacity', '32 GB', '32gb'],
    ['1TB drive', 'capacity', '1 TB', '1TB'],
    ['Brass 1/2-inch nipple', 'size', '0.5 in', '1/2-inch'],
    ['Sanding roll 4 1/2-Inch wide', 'size', '4.5 in', '4 1/2-Inch'],
    ['Wheel 4-1/2-Inch', 'size', '4.5 in', '4-1/2-Inch'],
    ['Pipe ½ in. brass', 'size', '0.5 in', '½ in.'],
    ['Tape 10yd roll', 'size', '10 yd', '10yd'],
    ['Cord 10 ft. long', 'size', '10 ft', '10 ft.'],
    ['Drill bit 25 mm', 'size', '25 mm', '25 mm'],
    ['Glue, 8 ounce Bottle', 'weight', '8 oz', '8 ounce'],
    ['Salt 40 lb. bag', 'weight', '40 lb', '40 lb.'],
    ['Flour 2 kg', 'weight', '2 kg', '2 kg'],
    ['Coffee 250 g', 'weight', '250 g', '250 g'],
    ['Beaker 500 ml', 'volume', '500 ml', '500 ml'],
    ['Sealer 1-gal. can', 'volume', '1 gal', '1-gal.'],
    ['Cleaner 12 fl oz', 'volume', '12 fl oz', '12 fl oz'],
    ['Batteries (2-pack)', 'pack', '2', '2-pack'],
    ['Spray paint, Pack of 6', 'pack', '6', 'Pack of 6'],
    ['Bit Set (4-Piece)', 'count', '4', '4-Piece'],
    ['DEWALT 18V drill', 'voltage', '18 V', '18V'],
    ['Heater 750-Watt', 'power', '750 W', '750-Watt'],
    ['Breaker 15 Amp', 'current', '15 A', '15 Amp'],
    ['Power bank 5000mAh', 'battery', '5000 mAh', '5000mAh'],
    ['Sandpaper 120 grit', 'grit', '120', '120 grit'],
    ['Angle 12-Gauge steel', 'gauge', '12', '12-Gauge'],
    ['Wire 14 AWG', 'gauge', '14', '14 AWG'],
    ['Tile (16 sq. ft. / case)', 'area', '16 sq ft', '16 sq. ft.'],
    ['Poster 24 x 36 in glossy', 'dimensions', '24 x 36 in', '24 x 36 in'],
    ['Wheel 4-1/2-Inch by 1/4-Inch by 7/8-Inch', 'dimensions', '4.5 x 0.25 x 0.875 in', '4-1/2-Inch by 1/4-Inch by 7/8-Inch'],
    ['Roll 4 1/2-Inch x 10yd', 'dimensions', '4.5 in x 10 yd', '4 1/2-Inch x 10yd'],
    ['Board 1 in. x 4 in. x 8 ft. poplar', 'dimensions', '1 in x 4 in x 8 ft', '1 in. x 4 in. x 8 ft.'],
    ['Cart 33 L x 20 W x 34 H', 'dimensions', '33 x 20 x 34', '33 L x 20 W x 34 H'],
    ['洗发水500毫升', 'volume', '500 ml', '500毫升'],
    ['咖啡豆250克', 'weight', '250 g', '250克'],
    ['笔记本电脑15.6英寸', 'size', '15.6 in', '15.6英寸'],
    ['牙刷3件装', 'pack', '3', '3件装'],
    ['毛巾两件装', 'pack', '2', '两件装'],
    ['复印纸100张', 'count', '100', '100张'],
    ['纸袋 32*11*25 大号', 'dimensions', '32 x 11 x 25', '32*11*25'],
  ];
  for (const [text, key, value, mention] of cases) {
    it(`${mention} → ${key}=${value}`, () => {
      assert.deepEqual(triples(text, extractPatterns(text)), [[key, value, mention]]);
    });
  }

  it('reads several quantities of one title, in order', () => {
    const text = 'Acme 7400 4 1/2-Inch x 10yd 80 Grit Sanding Roll (2-Pack)';
    assert.deepEqual(triples(text, extractPatterns(text)), [
      ['dimensions', '4.5 in x 10 yd', '4 1/2-Inch x 10yd'],
      ['grit', '80', '80 Grit'],
      ['pack', '2', '2-Pack'],
    ]);
  });

  it('reports spans in the original text when NFKC changes lengths', () => {
    const text = 'ＳＤカード ３２ＧＢ and ８ fl oz';
    assert.deepEqual(triples(text, extractPatterns(text)), [
      ['capacity', '32 GB', '３２ＧＢ'],
      ['volume', '8 fl oz', '８ fl oz'],
    ]);
  });

  it('does not read brands, model numbers, "2-in-1" or torque as quantities', () => {
    for (const text of ['3M Scotch tape', '5G router', 'DEWALT DW4524 grinder', '2-in-1 screwdriver', 'Model SC-141', 'Wrench 80 ft. lbs.']) {
      assert.deepEqual(triples(text, extractPatterns(text)), [], text);
    }
    // The thread spec keeps its diameter and loses the bogus "20 x …" dimension.
    assert.deepEqual(triples('Bolt 1/4 in.-20 thread', extractPatterns('Bolt 1/4 in.-20 thread')), [['size', '0.25 in', '1/4 in.']]);
  });
});

describe('gazetteer learned from structured attributes', () => {
  const items: GazetteerItem[] = [
    { title: 'Acme stainless steel mixing bowl', brand: 'ACME', attributes: { material: 'Stainless Steel', color: 'silver' } },
    { title: 'Steel wool pads', brand: 'Brillo', attributes: { material: 'Steel' } },
    { title: 'Orange peeler', attributes: { color: 'orange' } },
    { title: 'Orange bucket', attributes: { color: 'Orange' } },
    { title: 'Orange handle scissors', attributes: { color: 'orange' } },
    { title: 'Orange soda', attributes: { flavor: 'orange' } },
    { title: 'Crème brûlée torch', attributes: { category: 'Crème Brûlée' } },
  ];

  it('matches leftmost-longest and reports the shop spelling with spans', () => {
    const g = Gazetteer.learn(items);
    const text = 'ACME-branded Stainless-Steel bowl with a steel lid';
    assert.deepEqual(triples(text, g.match(text)), [
      ['brand', 'ACME', 'ACME'],
      ['material', 'Stainless Steel', 'Stainless-Steel'],
      ['material', 'Steel', 'steel'],
    ]);
  });

  it('folds case and accents, respects word boundaries, and keeps NFKC spans', () => {
    const g = Gazetteer.learn(items);
    assert.deepEqual(triples('CREME BRULEE set', g.match('CREME BRULEE set')), [['category', 'Crème Brûlée', 'CREME BRULEE']]);
    assert.deepEqual(g.match('acmex steelworks'), []);
    const text = 'ﬁne ACME bowl';
    assert.deepEqual(triples(text, g.match(text)), [['brand', 'ACME', 'ACME']]);
  });

  it('gives an ambiguous value to its dominant key, or skips it', () => {
    const frequent = Gazetteer.learn(items);
    assert.equal(frequent.lookup('ORANGE')?.key, 'color');
    assert.deepEqual(frequent.lookup('orange')?.alternatives, [{ key: 'flavor', support: 1 }]);
    assert.equal(Gazetteer.learn(items, { ambiguity: 'skip' }).lookup('orange'), undefined);
    // 3 of 4 = 0.75 < 0.8: no key dominates enough.
    assert.equal(Gazetteer.learn(items, { dominance: 0.8 }).lookup('orange'), undefined);
    // A tie is never resolved.
    const tie = Gazetteer.learn([{ attributes: { color: 'rose' } }, { attributes: { scent: 'rose' } }]);
    assert.equal(tie.lookup('rose'), undefined);
  });

  it('applies minimum support and learned text precision', () => {
    assert.equal(Gazetteer.learn(items, { minSupport: 2 }).lookup('acme'), undefined);
    assert.equal(Gazetteer.learn(items, { minSupport: 2 }).lookup('orange')?.support, 3);
    // "Universal" is one item's brand but appears in four other titles: precision 1/5.
    const universal = [
      { title: 'Universal remote', brand: 'Universal' },
      ...['Universal charger', 'Universal joint', 'Universal mount', 'Universal adapter'].map((title) => ({ title, brand: 'Other' })),
    ];
    assert.equal(Gazetteer.learn(universal).lookup('universal'), undefined);
    assert.equal(Gazetteer.learn(universal, { minPrecision: 0 }).lookup('universal')?.textHits, 5);
    const kept = Gazetteer.learn(universal, { minPrecision: 0 }).match('universal remote')[0];
    assert.equal(kept?.confidence, 0.2);
  });

  it('finds CJK values inside unspaced titles and round-trips through JSON', () => {
    const g = Gazetteer.learn([{ title: '华为手机', brand: '华为' }, { title: 'x', attributes: { material: '硅胶' } }]);
    const text = '华为P20手机壳硅胶防摔';
    assert.deepEqual(triples(text, g.match(text)), [
      ['brand', '华为', '华为'],
      ['material', '硅胶', '硅胶'],
    ]);
    const copy = Gazetteer.fromEntries(JSON.parse(JSON.stringify(g)));
    assert.deepEqual(copy.match(text), g.match(text));
  });

  it('rejects invalid options', () => {
    assert.throws(() => Gazetteer.learn(items, { minSupport: 0 }), /minSupport must be an integer >= 1/);
    assert.throws(() => Gazetteer.learn(items, { dominance: 0.5 }), /dominance must be in \(0.5, 1\]/);
  });
});

describe('Chinese segmentation and product types', () => {
  const jieba = createWordSegmenter({ engine: 'jieba' });

  it('segments a known title with jieba and its dictionary', () => {
    // Without the dictionary jieba cuts every character apart.
    const title = '不锈钢保温杯大容量便携水杯';
    const words = jieba.cut(title);
    assert.equal(jieba.id, 'jieba');
    assert.deepEqual(
      words.map((w) => w.word),
      ['不锈钢', '保温杯', '大容量', '便携', '水杯'],
    );
    for (const w of words) assert.equal(title.slice(w.start, w.end), w.word);
    assert.equal(words[0]?.tag, 'n');
  });

  it('finds product-type words, gluing heads jieba cut off', () => {
    const title = '华为P20手机壳硅胶防摔保护套 黑色';
    assert.deepEqual(triples(title, productTypes(title, jieba)), [
      ['product_type', '手机壳', '手机壳'],
      ['product_type', '保护套', '保护套'],
    ]);
    assert.deepEqual(productTypes('Stainless steel bowl', jieba), []);
  });

  it('falls back to Intl.Segmenter with spans covering the text', () => {
    const intl = createWordSegmenter({ engine: 'intl' });
    const title = '蓝牙耳机 运动';
    const words = intl.cut(title);
    assert.equal(intl.id, 'intl');
    assert.equal(words.map((w) => w.word).join(''), title);
    for (const w of words) assert.equal(title.slice(w.start, w.end), w.word);
  });

  it('combines gazetteer, patterns and segmenter without overlaps', () => {
    const gazetteer = Gazetteer.learn([{ title: '华为手机', brand: '华为' }, { attributes: { material: '不锈钢' } }]);
    const text = '华为 不锈钢保温杯500毫升 两件装';
    assert.deepEqual(
      extractAttributes(text, { gazetteer, segmenter: jieba }).map((a) => [a.key, a.value, text.slice(...a.span), a.source]),
      [
        ['brand', '华为', '华为', 'gazetteer'],
        ['material', '不锈钢', '不锈钢', 'gazetteer'],
        ['product_type', '保温杯', '保温杯', 'segmenter'],
        ['volume', '500 ml', '500毫升', 'pattern'],
        ['pack', '2', '两件装', 'pattern'],
      ],
    );
    assert.deepEqual(extractAttributes(text, { segmenter: null, patterns: false }), []);
  });
});

interface Seen {
  url: string;
  authorization: string | undefined;
  body: { model: string; messages: Array<{ role: string; content: string }>; response_format?: unknown };
}

describe('LLM extractor against a local OpenAI-compatible server', () => {
  let behaviour: (seen: Seen, res: ServerResponse) => void = () => undefined;
  let last: Seen | undefined;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      last = { url: req.url ?? '', authorization: req.headers.authorization, body: JSON.parse(raw) as Seen['body'] };
      behaviour(last, res);
    });
  });
  let baseUrl = '';
  before(async () => {
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const reply = (content: string, status = 200) => (_: Seen, res: ServerResponse): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ choices: [{ message: { role: 'assistant', content } }] }));
  };
  const extractor = (options: Partial<LlmExtractorOptions> = {}) => createLlmExtractor({ baseUrl, model: 'tiny', apiKey: 'k1', timeoutMs: 2_000, ...options });
  const text = 'Acme Stainless-Steel Water Bottle, 750 ml';

  it('sends a chat completion and grounds the values it gets back', async () => {
    behaviour = reply(JSON.stringify({ attributes: [{ key: 'material', value: 'stainless steel' }, { key: 'color', value: 'purple' }, { key: 'brand', value: 'ACME' }] }));
    const found = await extractor({ keys: ['material', 'brand'] }).extract(text);
    assert.deepEqual(found.map((a) => [a.key, a.value, text.slice(...a.span), a.source]), [
      ['brand', 'ACME', 'Acme', 'llm'],
      ['material', 'stainless steel', 'Stainless-Steel', 'llm'],
    ]);
    assert.equal(last?.url, '/v1/chat/completions');
    assert.equal(last?.authorization, 'Bearer k1');
    assert.equal(last?.body.model, 'tiny');
    assert.deepEqual(last?.body.response_format, { type: 'json_object' });
    assert.match(last?.body.messages[1]?.content ?? '', /Stainless-Steel Water Bottle[^]*Keys wanted: material, brand/);

    const keep = await extractor({ ungrounded: 'keep', baseUrl: `${baseUrl}/v1/` }).extract(text);
    assert.deepEqual(keep.find((a) => a.key === 'color')?.span, [0, text.length]);
  });

  it('accepts a fenced plain object of keys', async () => {
    behaviour = reply('```json\n{"material": "stainless steel", "volume": ["750 ml"], "recyclable": true}\n```');
    const found = await extractor().extract(text);
    assert.deepEqual(found.map((a) => [a.key, a.value]), [['material', 'stainless steel'], ['volume', '750 ml']]);
  });

  it('fails clearly on malformed JSON, odd shapes and HTTP errors', async () => {
    behaviour = reply('Sure! The material is steel.');
    await assert.rejects(extractor().extract(text), (e: unknown) => {
      assert.ok(e instanceof LlmExtractorError && e instanceof ShopfusionError);
      assert.equal(e.reason, 'malformed');
      assert.match(e.message, /model "tiny"\) returned content that is not JSON \(starts "Sure! The material/);
      return true;
    });
    behaviour = (_, res) => res.end('<html>gateway</html>');
    await assert.rejects(extractor().extract(text), { reason: 'malformed', message: /answered with a body that is not JSON/ });
    behaviour = reply(JSON.stringify({ attributes: [{ value: 'steel' }] }));
    await assert.rejects(extractor().extract(text), { reason: 'shape', message: /attributes\[0\] without a non-empty string key/ });
    behaviour = (_, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"data": []}');
    };
    await assert.rejects(extractor().extract(text), { reason: 'shape', message: /without choices\[0\]\.message\.content/ });
    behaviour = reply('model not found', 404);
    await assert.rejects(extractor().extract(text), { reason: 'http', message: /answered HTTP 404 \(check baseUrl and model\)/ });
  });

  it('times out on a silent endpoint and names the limit', async () => {
    behaviour = () => undefined;
    const started = Date.now();
    await assert.rejects(extractor({ timeoutMs: 150 }).extract(text), { reason: 'timeout', message: /did not answer within 150 ms/ });
    assert.ok(Date.now() - started < 1_500);
  });

  it('rejects bad configuration before any request', () => {
    assert.throws(() => createLlmExtractor({ baseUrl: 'nope', model: 'm' }), { code: 'invalid_config', message: /baseUrl "nope" is not a URL/ });
    assert.throws(() => createLlmExtractor({ baseUrl, model: ' ' }), { code: 'invalid_config', message: /model is required/ });
    assert.throws(() => createLlmExtractor({ baseUrl, model: 'm', timeoutMs: 0 }), { code: 'invalid_config', message: /timeoutMs must be a positive integer/ });
  });

  it('adds LLM values to the local ones without repeating them', async () => {
    behaviour = reply(JSON.stringify({ attributes: [{ key: 'volume', value: '750 ml' }, { key: 'material', value: 'Stainless-Steel' }] }));
    const combined = createAttributeExtractor({ llm: extractor(), segmenter: null });
    assert.match(combined.id, /^local\+llm:tiny@127\.0\.0\.1:\d+$/);
    const found = await combined.extract(text);
    assert.deepEqual(found.map((a) => [a.key, a.value, a.source]), [
      ['material', 'Stainless-Steel', 'llm'],
      ['volume', '750 ml', 'pattern'],
    ]);
  });
});
