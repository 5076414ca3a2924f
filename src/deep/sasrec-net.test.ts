import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Rng } from '../models/random.js';
import { SasrecNet, SasrecWork, initSasrec, type SasrecBatch, type SasrecShape } from './sasrec-net.js';

/** Two sequences (3 and 5 tokens) of a 7-item catalog, positions ending at L − 1, three negatives. */
function tinyBatch(maxLength: number): SasrecBatch {
  const inputs = [1, 2, 3, 0, 4, 5, 6, 2];
  const targets = [2, 3, 4, 4, 5, 6, 2, 1];
  return {
    starts: Int32Array.from([0, 3, 8]),
    sequences: 2,
    inputs: Int32Array.from(inputs),
    targets: Int32Array.from(targets),
    positions: Int32Array.from([maxLength - 3, maxLength - 2, maxLength - 1, 0, 1, 2, 3, 4]),
    // Item 4 is also a target: the softmax must leave it out for those tokens.
    negatives: Int32Array.from([0, 4, 6]),
    numNegatives: 3,
    normaliser: 8,
    seed: 11,
  };
}

function randomText(items: number, dim: number): Float32Array {
  const rng = new Rng(5);
  return Float32Array.from({ length: items * dim }, () => rng.normal());
}

/** Finite differences of the loss against the hand-written gradient, every parameter. */
function gradientCheck(shape: SasrecShape, dropout: number, idDropout = 0) {
  const net = new SasrecNet(shape, dropout, idDropout);
  const theta = initSasrec(shape, net.layout, 3);
  // Move the layer-norm gains and biases off 1 and 0, so that their gradients are exercised.
  const rng = new Rng(9);
  for (let i = 0; i < theta.length; i++) theta[i] = (theta[i] as number) + 0.1 * rng.normal();
  const text = shape.textDim > 0 ? randomText(shape.items, shape.textDim) : undefined;
  const work = new SasrecWork(net, text);
  const batch = tinyBatch(shape.maxLength);
  const grad = new Float64Array(theta.length);
  work.forward(theta, batch, true);
  work.backward(theta, batch, grad);
  const h = 1e-6;
  let worst = 0;
  for (let i = 0; i < theta.length; i++) {
    const keep = theta[i] as number;
    theta[i] = keep + h;
    const up = work.forward(theta, batch, true);
    theta[i] = keep - h;
    const down = work.forward(theta, batch, true);
    theta[i] = keep;
    const numeric = (up - down) / (2 * h);
    const error = Math.abs(numeric - (grad[i] as number)) / Math.max(1e-3, Math.abs(numeric) + Math.abs(grad[i] as number));
    worst = Math.max(worst, error);
    assert.ok(error < 1e-5, `parameter ${i}: numeric ${numeric}, analytic ${grad[i]}`);
  }
  return worst;
}

describe('SASRec network', () => {
  test('gradient check: ids only, two heads, two blocks, with dropout masks fixed by the seed', () => {
    gradientCheck({ items: 7, dim: 4, maxLength: 6, blocks: 2, heads: 2, textDim: 0 }, 0.3);
  });

  test('gradient check: text adapter, one head, no dropout', () => {
    gradientCheck({ items: 7, dim: 4, maxLength: 5, blocks: 1, heads: 1, textDim: 3 }, 0);
  });

  test('gradient check: text adapter with half the items trained by their text alone', () => {
    gradientCheck({ items: 7, dim: 4, maxLength: 5, blocks: 1, heads: 1, textDim: 3 }, 0.2, 0.5);
  });

  test('causal: a token’s output does not depend on later tokens; sequences do not see each other', () => {
    const shape = { items: 7, dim: 8, maxLength: 6, blocks: 2, heads: 2, textDim: 0 };
    const net = new SasrecNet(shape, 0);
    const theta = initSasrec(shape, net.layout, 1);
    const work = new SasrecWork(net);
    const batch = tinyBatch(shape.maxLength);
    const before = work.hidden(theta, batch).slice(0, batch.inputs.length * 8);
    // Change the last token of each sequence: only those tokens' outputs may change.
    batch.inputs[2] = 6;
    batch.inputs[7] = 1;
    const after = work.hidden(theta, batch);
    for (let t = 0; t < 8; t++) {
      const changed = [...before.subarray(t * 8, t * 8 + 8)].some((v, k) => Math.abs(v - (after[t * 8 + k] as number)) > 1e-12);
      assert.equal(changed, t === 2 || t === 7, `token ${t}`);
    }
  });

  test('a workspace reused across batches of growing size gives the losses of a fresh one', () => {
    const shape = { items: 7, dim: 4, maxLength: 6, blocks: 1, heads: 1, textDim: 0 };
    const net = new SasrecNet(shape, 0);
    const theta = initSasrec(shape, net.layout, 2);
    const small: SasrecBatch = { ...tinyBatch(6), starts: Int32Array.from([0, 2]), sequences: 1, negatives: Int32Array.from([5]), numNegatives: 1, normaliser: 2 };
    const reused = new SasrecWork(net);
    reused.forward(theta, small, false);
    // The tiny batch has more items than the small one: the item slots grow.
    assert.equal(reused.forward(theta, tinyBatch(6), false), new SasrecWork(net).forward(theta, tinyBatch(6), false));
    assert.equal(reused.forward(theta, small, false), new SasrecWork(net).forward(theta, small, false));
  });

  test('the loss is the softmax cross-entropy written out, negatives equal to the target left out', () => {
    const shape = { items: 7, dim: 4, maxLength: 6, blocks: 1, heads: 1, textDim: 0 };
    const net = new SasrecNet(shape, 0);
    const theta = initSasrec(shape, net.layout, 2);
    const work = new SasrecWork(net);
    const batch = tinyBatch(shape.maxLength);
    const loss = work.forward(theta, batch, false);
    const h = work.hidden(theta, batch);
    const e = (item: number, k: number) => theta[net.layout.E + item * 4 + k] as number;
    const dot = (t: number, item: number) => [0, 1, 2, 3].reduce((sum, k) => sum + (h[t * 4 + k] as number) * e(item, k), 0);
    let expected = 0;
    for (let t = 0; t < 8; t++) {
      const target = batch.targets[t] as number;
      const logits = [dot(t, target), ...[...batch.negatives].filter((n) => n !== target).map((n) => dot(t, n))];
      const max = Math.max(...logits);
      expected += max + Math.log(logits.reduce((s, z) => s + Math.exp(z - max), 0)) - (logits[0] as number);
    }
    assert.ok(Math.abs(loss - expected / 8) < 1e-12, `${loss} vs ${expected / 8}`);
  });
});
