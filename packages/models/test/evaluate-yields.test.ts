import { afterAll, describe, expect, it } from 'vitest';
import { createReferenceBackend, type Backend } from '@lers/kernels';
import { generateSyntheticCf, generateSyntheticCtr } from '@lers/data';
import { LightGcn } from '../src/index.js';
import { DeepFm } from '../src/ctr/index.js';

/**
 * Evaluation lets the event loop turn between its batches, as training does (a full ranking of
 * ml-1m holds the CPU for seconds): a timer due at once fires before the evaluation ends. The
 * backend is slowed by 30 ms per batch so that the run spans several yield intervals.
 */
describe('evaluation yields to the event loop', () => {
  const be = createReferenceBackend();
  afterAll(() => { be.dispose(); });

  /** `be` with `method` busy-waiting 30 ms first; `calls` counts the calls, `firedAt` notes when the timer had fired. */
  function slowed(method: 'topk' | 'read'): { backend: Backend; calls: () => number; firedAt: () => number } {
    let calls = 0;
    let firedAt = -1;
    setTimeout(() => (firedAt = calls), 0);
    const backend = new Proxy(be, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver);
        if (typeof value !== 'function') return value;
        if (prop !== method) return (value as (...a: unknown[]) => unknown).bind(target);
        return (...args: unknown[]) => {
          calls++;
          const until = performance.now() + 30;
          while (performance.now() < until);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
    return { backend, calls: () => calls, firedAt: () => firedAt };
  }

  it('LightGCN full ranking: a timer fires between user batches', async () => {
    const { dataset } = generateSyntheticCf({ users: 100, items: 300, meanInteractions: 8, seed: 3 });
    const s = slowed('topk');
    const model = LightGcn.create(s.backend, dataset, { dim: 8, ks: [20], evalBatchUsers: 10, seed: 1 });
    await model.evaluate('valid');
    model.dispose();
    expect(s.calls()).toBeGreaterThanOrEqual(8);
    expect(s.firedAt()).toBeGreaterThanOrEqual(0);
    expect(s.firedAt()).toBeLessThan(s.calls());
  });

  it('CTR AUC/LogLoss: a timer fires between row chunks', async () => {
    const { dataset } = generateSyntheticCtr({ rows: 4000, cardinalities: [20, 10, 5], seed: 3 });
    const s = slowed('read');
    const model = new DeepFm({ dataset, backend: s.backend, embedDim: 4, hidden: [8], evalBatchSize: 50, seed: 1 });
    await model.evaluate('valid');
    model.dispose();
    expect(s.calls()).toBeGreaterThanOrEqual(8);
    expect(s.firedAt()).toBeGreaterThanOrEqual(0);
    expect(s.firedAt()).toBeLessThan(s.calls());
  });
});
