import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Analyzer } from './analyzer.js';
import { createWordSegmenter, type WordSegmenter } from './segment.js';

const jieba = createWordSegmenter({ engine: 'jieba' });
const analyzer = new Analyzer({ segmenter: jieba });

/** A segmenter that records the runs it is given and answers from a table. */
function recordingSegmenter(answers: Record<string, string[]>): WordSegmenter & { runs: string[] } {
  const runs: string[] = [];
  return {
    id: 'intl',
    runs,
    cut: () => [],
    searchWords(text) {
      runs.push(text);
      return answers[text] ?? [text];
    },
  };
}

describe('Analyzer: Latin words', () => {
  it('folds width, case and accents, drops stop words and one-letter words, stems with Porter', () => {
    assert.deepEqual(analyzer.terms('The Crème BRÛLÉE Torches, a ＴＯＲＣＨ'), ['creme', 'brule', 'torch', 'torch']);
    assert.deepEqual(analyzer.terms('Running shoes for batteries'), ['run', 'shoe', 'batteri']);
  });

  it('keeps the word as written beside its term', () => {
    assert.deepEqual(analyzer.tokens('Running Shelves'), [
      { word: 'running', term: 'run' },
      { word: 'shelves', term: 'shelv' },
    ]);
  });

  it('stemming and stop words can be switched off', () => {
    const plain = new Analyzer({ stemming: false, stopWords: false, segmenter: jieba });
    assert.deepEqual(plain.terms('The running shoes'), ['the', 'running', 'shoes']);
    // One-letter words go either way: they are not stop words but carry nothing alone.
    assert.deepEqual(plain.terms('a b shoe'), ['shoe']);
  });
});

describe('Analyzer: numbers, units and codes', () => {
  const cases: Array<[string, string[]]> = [
    ['SanDisk 32GB card', ['sandisk', '32', 'gb', 'card']],
    ['Brass 1/2-inch nipple', ['brass', '1/2', 'inch', 'nippl']],
    ['Sanding roll 4 1/2-Inch', ['sand', 'roll', '4', '1/2', 'inch']],
    ['Cord 3 ft. long', ['cord', '3', 'ft', 'long']],
    ['Cord 3 feet long', ['cord', '3', 'ft', 'long']],
    ['5-Gallon bucket', ['5', 'gal', 'bucket']],
    ['2.5 gal. tank', ['2.5', 'gal', 'tank']],
    ['40 lbs. bag', ['40', 'lb', 'bag']],
    ['60W bulb', ['60', 'watt', 'bulb']],
    ['12 V 5 A adapter', ['12', 'volt', '5', 'amp', 'adapt']],
    ['Tile 12" x 12"', ['tile', '12', 'inch', '12', 'inch']],
    ['Pipe 3/4” brass', ['pipe', '3/4', 'inch', 'brass']],
  ];
  for (const [text, terms] of cases) {
    it(`${JSON.stringify(text)} → ${terms.join(' ')}`, () => assert.deepEqual(analyzer.terms(text), terms));
  }

  it('"in", "a", "v", "w" are units only right after a number', () => {
    assert.deepEqual(analyzer.terms('3 in. pipe made in USA'), ['3', 'inch', 'pipe', 'made', 'usa']);
    assert.deepEqual(analyzer.terms('a v w'), []);
    assert.equal(analyzer.term('in'), '');
    assert.equal(analyzer.term('in', true), 'inch');
    assert.equal(analyzer.term('inches'), 'inch');
    assert.equal(analyzer.term('42'), '42');
    // A quote that does not follow a number is punctuation.
    assert.deepEqual(analyzer.terms('The "Pro" saw'), ['pro', 'saw']);
  });

  it('codes led by a letter stay whole; digit-led runs are cut where digits meet letters', () => {
    assert.deepEqual(analyzer.terms('A19 LED bulb HDGG11'), ['a19', 'led', 'bulb', 'hdgg11']);
    assert.deepEqual(analyzer.terms('Tile 12x12'), ['tile', '12', '12']);
    assert.deepEqual(analyzer.terms('１２ｘ１２'), ['12', '12']);
    assert.deepEqual(analyzer.terms('4shelves unit'), ['4', 'shelv', 'unit']);
  });

  it('a shop fraction stays one term; a ratio of longer numbers is two numbers', () => {
    assert.deepEqual(analyzer.terms('15/32 plywood'), ['15/32', 'plywood']);
    assert.deepEqual(analyzer.terms('1920/1080 screen'), ['1920', '1080', 'screen']);
  });
});

describe('Analyzer: CJK runs', () => {
  it('indexes jieba search words: each word and the dictionary words inside long ones', () => {
    assert.deepEqual(analyzer.terms('手机三脚架'), ['手机', '三脚', '脚架', '三脚架']);
  });

  it('indexes both scripts of a mixed title, each through its own path', () => {
    assert.deepEqual(analyzer.terms('iphone手机壳'), ['iphon', '手机', '壳']);
    assert.deepEqual(analyzer.terms('Apple 32GB 蓝色'), ['appl', '32', 'gb', '蓝色']);
  });

  it('hands only CJK runs to the segmenter and drops blank words it returns', () => {
    const segmenter = recordingSegmenter({ 手机壳: ['手机', ' ', '壳', ''] });
    const custom = new Analyzer({ segmenter });
    assert.deepEqual(custom.terms('iPhone 15 手机壳, 蓝色!'), ['iphon', '15', '手机', '壳', '蓝色']);
    assert.deepEqual(segmenter.runs, ['手机壳', '蓝色']);
  });

  it('a number before a CJK run does not make the next Latin word a unit', () => {
    assert.deepEqual(analyzer.terms('3 手机 in stock'), ['3', '手机', 'stock']);
  });

  it('with the Intl segmenter, long words also give their character pairs', () => {
    const intl = new Analyzer({ segmenter: createWordSegmenter({ engine: 'intl' }) });
    assert.deepEqual(intl.terms('三脚架'), ['三脚', '脚架', '三脚架']);
  });
});

describe('word segmenters', () => {
  it('jieba cuts a title into words whose offsets cover the text', () => {
    const text = 'iphone手机壳 蓝牙';
    const words = jieba.cut(text);
    assert.deepEqual(
      words.map((w) => [w.word, w.start, w.end]),
      [['iphone', 0, 6], ['手机', 6, 8], ['壳', 8, 9], [' ', 9, 10], ['蓝牙', 10, 12]],
    );
    assert.ok(words.every((w) => typeof w.tag === 'string'));
    assert.equal(jieba.id, 'jieba');
  });

  it('Intl cuts by its own dictionary and has no tags', () => {
    const intl = createWordSegmenter({ engine: 'intl' });
    const text = '手机三脚架直播支架';
    const words = intl.cut(text);
    assert.equal(words.map((w) => w.word).join(''), text);
    for (let i = 1; i < words.length; i++) assert.equal(words[i]?.start, words[i - 1]?.end);
    assert.ok(words.every((w) => w.tag === undefined));
    assert.equal(intl.id, 'intl');
  });
});
