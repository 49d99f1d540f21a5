/**
 * Gradients of the CTR pieces: the FM term against float64 finite differences, and the whole
 * DeepFM / DCN-Mix training step (embedding table, first-order weights, bias, FM, cross network,
 * DNN with dropout and BatchNorm) against float32 finite differences of the model's own loss, with
 * a step chosen for float32 (a plumbing check; every layer is checked in float64 elsewhere).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReferenceBackend, createWasmBackend, Rng, type HostBackend } from '@lers/kernels';
import { generateSyntheticCtr } from '@lers/data';
import type { Parameter } from '@lers/embeddings';
import { DcnMix, DeepFm, FieldIndex, FmInteraction, type CtrModel } from '../src/ctr/index.js';

const backends: [string, () => Promise<HostBackend>][] = [
  ['reference', () => Promise.resolve(createReferenceBackend())],
  ['wasm-2', () => createWasmBackend({ threads: 2 })],
];

/** fm_b = 1/2 sum_d [(sum_f e)^2 - sum_f e^2] in float64. */
function fm64(e: Float64Array, rows: number, F: number, D: number): Float64Array {
  const out = new Float64Array(rows);
  for (let b = 0; b < rows; b++) {
    for (let d = 0; d < D; d++) {
      let s = 0;
      let q = 0;
      for (let f = 0; f < F; f++) {
        const v = e[(b * F + f) * D + d];
        s += v;
        q += v * v;
      }
      out[b] += 0.5 * (s * s - q);
    }
  }
  return out;
}

function close(actual: number, expected: number, rtol: number, atol: number): boolean {
  return Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
}

describe.each(backends)('CTR gradients on %s', (_name, make) => {
  let be: HostBackend;
  beforeAll(async () => {
    be = await make();
  });
  afterAll(() => {
    be.dispose();
  });

  it('FM term: forward and backward match float64 (also on a smaller second batch)', () => {
    const [F, D] = [4, 3];
    const index = new FieldIndex(be, F);
    const fm = new FmInteraction(be, F, D, index);
    const rng = new Rng(31);
    for (const rows of [5, 2]) {
      const e = Float64Array.from({ length: rows * F * D }, () => rng.nextNormal());
      const dz = Float64Array.from({ length: rows }, () => rng.nextNormal());
      const out = be.view(fm.forward(be.upload('f32', e), rows, true));
      const expected = fm64(e, rows, F, D);
      for (let b = 0; b < rows; b++) expect(out[b]).toBeCloseTo(expected[b], 4);
      const dEmb = be.alloc('f32', rows * F * D);
      fm.backward(be.upload('f32', dz), dEmb);
      const got = be.view(dEmb);
      const h = 1e-6;
      for (let i = 0; i < e.length; i++) {
        const keep = e[i];
        e[i] = keep + h;
        const up = fm64(e, rows, F, D);
        e[i] = keep - h;
        const down = fm64(e, rows, F, D);
        e[i] = keep;
        let numeric = 0;
        for (let b = 0; b < rows; b++) numeric += (dz[b] * (up[b] - down[b])) / (2 * h);
        expect(close(got[i], numeric, 1e-3, 1e-4), `dEmb[${i}] = ${got[i]}, expected ${numeric}`).toBe(true);
      }
    }
    fm.dispose();
    index.dispose();
  });

  /**
   * Checks every element of the listed parameters (all rows a batch touches, for tables) against
   * central differences of trainStep's loss; the step seed is replayed so dropout masks match.
   * ReLU kinks make the loss non-smooth: where differences at steps h and h/2 disagree, the point
   * straddles a kink and is skipped (they must stay rare).
   */
  async function checkModel(model: CtrModel, picks: (p: Parameter) => number[]): Promise<number> {
    const batch = { rows: model.dataset.split.train.subarray(0, 6) };
    const replay = (): Rng => new Rng(99);
    for (const p of model.parameters()) be.fill(p.grad, 0);
    await model.trainStep(batch, replay());
    const analytic = new Map(model.parameters().map((p) => [p.name, Float32Array.from(be.view(p.grad))]));
    const central = async (p: Parameter, i: number, h: number): Promise<number> => {
      const keep = be.view(p.value)[i];
      be.view(p.value)[i] = keep + h;
      const up = await model.trainStep(batch, replay());
      be.view(p.value)[i] = keep - h;
      const down = await model.trainStep(batch, replay());
      be.view(p.value)[i] = keep;
      return (up - down) / (2 * h);
    };
    let checked = 0;
    let kinks = 0;
    for (const p of model.parameters()) {
      for (const i of picks(p)) {
        const coarse = await central(p, i, 1e-3);
        const fine = await central(p, i, 5e-4);
        if (!close(coarse, fine, 1e-2, 3e-4)) {
          kinks++;
          continue;
        }
        const got = analytic.get(p.name)![i];
        expect(close(got, fine, 2e-2, 3e-4), `${p.name}[${i}]: analytic ${got}, numeric ${fine}`).toBe(true);
        checked++;
      }
    }
    expect(kinks, `${kinks} non-smooth points of ${checked + kinks}`).toBeLessThan(0.05 * (checked + kinks));
    return checked;
  }

  /** Table elements of the rows the batch uses, and a spread of elements of every other parameter. */
  function picker(model: CtrModel): (p: Parameter) => number[] {
    const rows = new Set<number>();
    const F = model.fields;
    for (const r of model.dataset.split.train.subarray(0, 6)) for (let f = 0; f < F; f++) rows.add(model.dataset.x[r * F + f]);
    return (p) => {
      if (p.name === 'embedding.weight') {
        const D = model.embedDim;
        return [...rows].flatMap((row) => Array.from({ length: D }, (_, d) => row * D + d));
      }
      if (p.name === 'linear.weight') return [...rows];
      const n = p.value.length;
      const step = Math.max(1, Math.floor(n / 12));
      return Array.from({ length: Math.ceil(n / step) }, (_, k) => k * step);
    };
  }

  const data = generateSyntheticCtr({ rows: 60, cardinalities: [6, 5, 4], factorDim: 2, seed: 5 }).dataset;

  it('DeepFM: the training step gradient of every parameter matches finite differences', async () => {
    const model = new DeepFm({ dataset: data, backend: be, embedDim: 4, hidden: [7, 5], dropout: 0.3, batchSize: 6, seed: 3, table: { method: 'full', options: { init: { kind: 'normal', std: 0.5 } } } });
    expect(model.parameters().map((p) => p.name)).toEqual([
      'embedding.weight', 'bias', 'linear.weight',
      'dnn.0.weight', 'dnn.0.bias', 'dnn.1.weight', 'dnn.1.bias',
      'dnn.4.weight', 'dnn.4.bias', 'dnn.5.weight', 'dnn.5.bias', 'dnn.8.weight', 'dnn.8.bias',
    ]);
    expect(await checkModel(model, picker(model))).toBeGreaterThan(100);
    model.dispose();
  });

  it.each(['identity', 'softmax'] as const)('DCN-Mix (%s gates): the training step gradient of every parameter matches finite differences', async (gate) => {
    const model = new DcnMix({ dataset: data, backend: be, embedDim: 4, crossLayers: 2, experts: 3, rank: 3, gate, hidden: [6], dropout: 0.3, batchSize: 6, seed: 4, table: { method: 'full', options: { init: { kind: 'normal', std: 0.5 } } } });
    expect(model.parameters().map((p) => p.name)).toEqual([
      'embedding.weight',
      'cross_head.U.0', 'cross_head.C.0', 'cross_head.V.0', 'cross_head.biases.0',
      'cross_head.U.1', 'cross_head.C.1', 'cross_head.V.1', 'cross_head.biases.1', 'cross_head.gates',
      'dnn.0.weight', 'dnn.0.bias', 'dnn.1.weight', 'dnn.1.bias', 'dnn.4.weight', 'dnn.4.bias',
    ]);
    expect(await checkModel(model, picker(model))).toBeGreaterThan(100);
    model.dispose();
  });
});
