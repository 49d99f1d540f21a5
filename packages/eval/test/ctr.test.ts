import { describe, expect, it } from 'vitest';
import { auc, CtrAccumulator, ctrMetrics, EvalArgumentError, logLoss, logLossFromLogits } from '../src/index.js';
import { expectNear, rng } from './helpers.js';

describe('ctrMetrics', () => {
  it('hand case from probabilities: p [0.9, 0.2, 0.6], y [1, 0, 0]', () => {
    // AUC: pos 0.9 beats both negatives -> 1. LogLoss: (-ln 0.9 - ln 0.8 - ln 0.4)/3 = (0.10536 + 0.22314 + 0.91629)/3 = 0.41493
    // accuracy: predictions 1, 0, 1 -> 2/3
    const m = ctrMetrics({ probs: [0.9, 0.2, 0.6] }, [1, 0, 0]);
    expect(m.auc).toBe(1);
    expectNear(m.logLoss, (-Math.log(0.9) - Math.log(0.8) - Math.log(0.4)) / 3, 'logLoss');
    expectNear(m.logLoss, 0.4149313, 'literal', 1e-6);
    expectNear(m.accuracy, 2 / 3, 'accuracy');
    expect(m.count).toBe(3);
    expect(m.positives).toBe(1);
  });

  it('from logits equals the probability form on the same predictions', () => {
    const z = [Math.log(9), Math.log(0.25), Math.log(1.5)]; // p = 0.9, 0.2, 0.6
    const a = ctrMetrics({ logits: z }, [1, 0, 0]);
    expect(a.auc).toBe(1);
    expectNear(a.logLoss, 0.4149313, 'literal', 1e-6);
    expectNear(a.accuracy, 2 / 3, 'accuracy');
  });

  it('throws on empty input', () => {
    expect(() => ctrMetrics({ logits: [] }, [])).toThrow(EvalArgumentError);
  });
});

describe('CtrAccumulator', () => {
  it('batches give the same result as one call; reset() empties it', () => {
    const r = rng(3);
    const n = 1000;
    const z = Float32Array.from({ length: n }, () => (r() - 0.5) * 8);
    const y = Uint8Array.from(z, (v) => (r() < 1 / (1 + Math.exp(-v)) ? 1 : 0));
    const acc = new CtrAccumulator();
    for (let i = 0; i < n; i += 137) acc.add(z.subarray(i, i + 137), y.subarray(i, i + 137));
    expect(acc.count).toBe(n);
    const m = acc.result();
    expect(m.auc).toBe(auc(z, y));
    expectNear(m.logLoss, logLossFromLogits(z, y), 'logLoss', 1e-12);
    expect(m.positives).toBe(y.reduce((a, b) => a + b, 0));
    acc.reset();
    expect(acc.count).toBe(0);
    expect(() => acc.result()).toThrow(EvalArgumentError);
  });

  it('takes probabilities and eps when asked', () => {
    const acc = new CtrAccumulator({ kind: 'probs', eps: 1e-3 });
    acc.add([0, 0.8], [1, 0]);
    acc.add([0.3], [0]);
    expectNear(acc.result().logLoss, logLoss([0, 0.8, 0.3], [1, 0, 0], { eps: 1e-3 }), 'logLoss');
    expectNear(acc.result().logLoss, (-Math.log(1e-3) - Math.log(0.2) - Math.log(0.7)) / 3, 'by hand');
  });

  it('rejects mismatched batches and non-binary labels', () => {
    const acc = new CtrAccumulator();
    expect(() => { acc.add([0.1, 0.2], [1]); }).toThrow(EvalArgumentError);
    expect(() => { acc.add([0.1], [3]); }).toThrow(/0 or 1/);
    expect(acc.count).toBe(0);
  });
});
