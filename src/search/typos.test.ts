import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng } from '../models/random.js';
import { allowedTypos, editDistance, TypoDictionary, type TypoMatch } from './typos.js';

/** Optimal string alignment distance over the full matrix, uncapped: the reference to check against. */
function osa(a: string, b: string): number {
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [];
    for (let j = 0; j <= b.length; j++) {
      if (i === 0 || j === 0) {
        row.push(i + j);
        continue;
      }
      const up = d[i - 1] as number[];
      let best = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, ((d[i - 2] as number[])[j - 2] as number) + 1);
      row.push(best);
    }
    d.push(row);
  }
  return (d[a.length] as number[])[b.length] as number;
}

function randomWord(rng: Rng, alphabet: string, minLength: number, maxLength: number): string {
  const length = minLength + rng.int(maxLength - minLength + 1);
  let word = '';
  for (let i = 0; i < length; i++) word += alphabet[rng.int(alphabet.length)];
  return word;
}

/** `word` with `edits` random insertions, deletions, substitutions or neighbour swaps. */
function misspell(rng: Rng, word: string, edits: number, alphabet: string): string {
  let out = word;
  for (let e = 0; e < edits; e++) {
    const at = rng.int(out.length + 1);
    const letter = alphabet[rng.int(alphabet.length)] as string;
    const kind = rng.int(4);
    if (kind === 0 || out.length === 0) out = out.slice(0, at) + letter + out.slice(at);
    else if (kind === 1) out = out.slice(0, Math.min(at, out.length - 1)) + out.slice(Math.min(at, out.length - 1) + 1);
    else if (kind === 2) out = out.slice(0, Math.min(at, out.length - 1)) + letter + out.slice(Math.min(at, out.length - 1) + 1);
    else if (out.length >= 2) {
      const i = Math.min(at, out.length - 2);
      out = out.slice(0, i) + out[i + 1] + out[i] + out.slice(i + 2);
    }
  }
  return out;
}

describe('allowedTypos', () => {
  it('allows none below 4 characters, one below 8, two from 8 on', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 4, 7, 8, 20].map((n) => allowedTypos(n)),
      [0, 0, 0, 0, 1, 1, 2, 2],
    );
  });
});

describe('editDistance (optimal string alignment, capped)', () => {
  const cases: Array<[string, string, number, number]> = [
    // a, b, max, expected
    ['kitten', 'sitting', 5, 3], // k→s, e→i, +g
    ['flaw', 'lawn', 5, 2], // −f, +n
    ['abc', 'abc', 0, 0],
    ['', 'abc', 5, 3],
    ['abc', '', 5, 3],
    ['ab', 'ba', 5, 1], // one swap of neighbours
    ['shoes', 'sheos', 5, 1],
    ['abcdef', 'badcfe', 5, 3], // three swaps
    // OSA does not edit a substring twice: ca → ac → abc would be 2 in true Damerau–Levenshtein.
    ['ca', 'abc', 5, 3],
    // The cap: past `max` the answer is max + 1, whether found in the matrix or by the length gap.
    ['kitten', 'sitting', 2, 3],
    ['kitten', 'sitting', 1, 2],
    ['a', 'abcd', 1, 2],
    ['abcdefgh', 'hgfedcba', 3, 4],
  ];
  for (const [a, b, max, expected] of cases) {
    it(`${JSON.stringify(a)} ↔ ${JSON.stringify(b)} (max ${max}) = ${expected}`, () => {
      assert.equal(editDistance(a, b, max), expected);
      assert.equal(editDistance(b, a, max), expected);
    });
  }

  it('equals min(OSA, max + 1) of a full-matrix reference on 3,000 random pairs', () => {
    const rng = new Rng(7);
    for (let n = 0; n < 3000; n++) {
      const a = randomWord(rng, 'abc', 0, 8);
      const b = rng.int(2) === 0 ? randomWord(rng, 'abc', 0, 8) : misspell(rng, a, 1 + rng.int(3), 'abc');
      const max = rng.int(4);
      assert.equal(editDistance(a, b, max), Math.min(osa(a, b), max + 1), `${a} ↔ ${b}, max ${max}`);
    }
  });
});

describe('TypoDictionary', () => {
  const vocabulary = ['abcdefgh', 'abcdefghij', 'xbcdefgy', 'bacdefhg', 'abcdef', 'abcdxyzw', 'shoe', 'shoes', 'sheo'];
  const dict = new TypoDictionary();
  vocabulary.forEach((term, id) => dict.add(term, id));
  const termOf = (id: number) => vocabulary[id] as string;
  const found = (matches: TypoMatch[]) => matches.map((m) => [termOf(m.term), m.distance]);

  it('finds every term two edits from a long word, whichever edits, and nothing further', () => {
    // Two insertions, two substitutions, two swaps, two deletions; abcdxyzw is four away.
    assert.deepEqual(found(dict.lookup('abcdefgh', termOf)), [
      ['abcdefghij', 2],
      ['xbcdefgy', 2],
      ['bacdefhg', 2],
      ['abcdef', 2],
    ]);
  });

  it('allows one typo below 8 characters, none below 4, and never returns the word itself', () => {
    assert.deepEqual(found(dict.lookup('shoe', termOf)), [['shoes', 1], ['sheo', 1]]);
    assert.deepEqual(found(dict.lookup('sho', termOf)), []);
    assert.deepEqual(found(dict.lookup('sho', termOf, 1)), [['shoe', 1], ['sheo', 1]]);
  });

  it('finds exactly the terms a brute-force scan finds, on a random vocabulary (seeded)', () => {
    const rng = new Rng(20240607);
    const alphabet = 'abcde';
    const words = new Set<string>();
    while (words.size < 400) words.add(randomWord(rng, alphabet, 3, 11));
    const vocab = [...words];
    const random = new TypoDictionary();
    vocab.forEach((term, id) => random.add(term, id));
    const of = (id: number) => vocab[id] as string;
    let compared = 0;
    let nonEmpty = 0;
    for (let q = 0; q < 600; q++) {
      const base = vocab[rng.int(vocab.length)] as string;
      const word = q % 5 === 0 ? randomWord(rng, alphabet, 2, 12) : misspell(rng, base, rng.int(4), alphabet);
      for (const maxTypos of [allowedTypos(word.length), 1, 2]) {
        const expected = vocab
          .map((term, id) => ({ term: id, distance: osa(word, term) }))
          .filter((m) => vocab[m.term] !== word && m.distance <= maxTypos && maxTypos > 0)
          .sort((a, b) => a.distance - b.distance || a.term - b.term);
        assert.deepEqual(random.lookup(word, of, maxTypos), expected, `${word}, ${maxTypos} typos`);
        compared++;
        if (expected.length > 0) nonEmpty++;
      }
    }
    // The scan is only a check if many lookups had something to find.
    assert.ok(nonEmpty > compared / 3, `${nonEmpty} of ${compared} lookups had a term in reach`);
  });
});
