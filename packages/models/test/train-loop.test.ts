import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type Buf, type HostBackend, type Rng } from '@lers/kernels';
import type { Parameter } from '@lers/embeddings';
import { train, TrainingDivergedError, type Metrics, type Model, type TrainEvent } from '../src/index.js';

let be: HostBackend;
beforeAll(async () => {
  be = await createWasmBackend({ threads: 1 });
});
afterAll(() => {
  be.dispose();
});

/**
 * A model whose behaviour is scripted: one weight that SGD (lr 1, gradient -1) raises by one per
 * step, a buffer counting steps, validation scores from a list, and an optional bad batch.
 */
class ScriptedModel implements Model<number> {
  readonly task = 'cf' as const;
  readonly selectionMetric = 'score';
  readonly backend: HostBackend;
  readonly w: Parameter;
  readonly steps: Buf<'f32'>;
  epoch = 0;
  constructor(
    backend: HostBackend,
    readonly scores: readonly number[],
    readonly bad: { epoch: number; batch: number; loss: number } | null = null,
    readonly batchCount = 3,
  ) {
    this.backend = backend;
    this.w = { name: 'w', value: backend.alloc('f32', 1), grad: backend.alloc('f32', 1), shape: [1] };
    this.steps = backend.alloc('f32', 1);
  }
  parameters(): readonly Parameter[] {
    return [this.w];
  }
  buffers(): Readonly<Record<string, Buf<'f32'>>> {
    return { steps: this.steps };
  }
  batchesPerEpoch(): number {
    return this.batchCount;
  }
  samplesIn(): number {
    return 10;
  }
  *batches(_epoch: number, _rng: Rng): Generator<number> {
    for (let b = 0; b < this.batchCount; b++) yield b;
  }
  trainStep(batch: number): Promise<number> {
    this.backend.view(this.w.grad)[0] += -1;
    this.backend.view(this.steps)[0] += 1;
    if (this.bad !== null && this.bad.epoch === this.epoch && this.bad.batch === batch) return Promise.resolve(this.bad.loss);
    return Promise.resolve(1 / (this.epoch + batch));
  }
  evaluate(split: 'valid' | 'test'): Promise<Metrics> {
    const w = this.backend.view(this.w.value)[0];
    const metrics: Metrics = split === 'valid' ? { score: this.scores[this.epoch - 1], w } : { w, steps: this.backend.view(this.steps)[0] };
    return Promise.resolve(metrics);
  }
  onEpochStart(epoch: number): void {
    this.epoch = epoch;
  }
  dispose(): void {
    for (const b of [this.w.value, this.w.grad, this.steps]) this.backend.free(b);
  }
}

const sgd = { kind: 'sgd', lr: 1 } as const;

describe('train loop', () => {
  it('keeps the best state, stops early, and tests at the best state', async () => {
    const model = new ScriptedModel(be, [0.1, 0.5, 0.3, 0.2, 0.9, 0.9]);
    const events: TrainEvent[] = [];
    const result = await train(model, { epochs: 6, seed: 1, optimizer: sgd, patience: 2 }, { onEvent: (e) => events.push(e) });
    expect(result.stoppedEarly).toBe(true);
    expect(result.lastEpoch).toBe(4);
    expect(result.bestEpoch).toBe(2);
    expect(result.bestValid).toEqual({ score: 0.5, w: 6 });
    // Parameters and buffers are back at the end of epoch 2 (3 steps per epoch).
    expect(result.test).toEqual({ w: 6, steps: 6 });
    expect(result.history.map((r) => r.epoch)).toEqual([1, 2, 3, 4]);
    expect(result.history[0].samples).toBe(30);
    expect(result.history[0].batches).toBe(3);
    expect(result.history[0].loss).toBeCloseTo((1 + 1 / 2 + 1 / 3) / 3, 12);
    const types = events.map((e) => e.type);
    expect(types[0]).toBe('start');
    expect(types.filter((t) => t === 'batch')).toHaveLength(12);
    expect(types.filter((t) => t === 'validation')).toHaveLength(4);
    expect(types.slice(-3)).toEqual(['early-stop', 'test', 'end']);
    const firstBatch = events.find((e) => e.type === 'batch');
    expect(firstBatch).toMatchObject({ epoch: 1, batch: 0, batches: 3 });
    if (firstBatch?.type === 'batch') expect(firstBatch.etaSec).toBeGreaterThanOrEqual(0);
    const improved = events.flatMap((e) => (e.type === 'validation' ? [e.improved] : []));
    expect(improved).toEqual([true, true, false, false]);
    model.dispose();
  });

  it('validates every N epochs and at the last epoch; without validation the last state stays', async () => {
    const every = new ScriptedModel(be, [0.1, 0.2, 0.3, 0.4, 0.5]);
    const r1 = await train(every, { epochs: 5, seed: 1, optimizer: sgd, validEvery: 2, test: false });
    expect(r1.history.filter((h) => h.valid !== undefined).map((h) => h.epoch)).toEqual([2, 4, 5]);
    expect(r1.test).toBeNull();
    expect(r1.bestEpoch).toBe(5);
    const none = new ScriptedModel(be, []);
    const r2 = await train(none, { epochs: 2, seed: 1, optimizer: sgd, validEvery: 0 });
    expect(r2.bestValid).toBeNull();
    expect(r2.bestEpoch).toBe(2);
    expect(r2.test).toEqual({ w: 6, steps: 6 });
    every.dispose();
    none.dispose();
  });

  it('a NaN validation metric never counts as the best', async () => {
    const model = new ScriptedModel(be, [NaN, 0.2, NaN]);
    const r = await train(model, { epochs: 3, seed: 1, optimizer: sgd });
    expect(r.bestEpoch).toBe(2);
    model.dispose();
  });

  it('lets the event loop run during an epoch, so a timer (or a signal handler) can stop the run', async () => {
    // 10 batches of 30 ms each: a timer due at once must fire within the epoch, not after the run.
    class SlowModel extends ScriptedModel {
      override trainStep(batch: number): Promise<number> {
        const until = performance.now() + 30;
        while (performance.now() < until);
        return super.trainStep(batch);
      }
    }
    const model = new SlowModel(be, [1], null, 10);
    let stop = false;
    setTimeout(() => (stop = true), 0);
    let seen = -1;
    const onEvent = (e: TrainEvent): void => {
      if (e.type !== 'batch') return;
      seen = e.batch;
      if (stop) throw new Error('stopped by the timer');
    };
    await expect(train(model, { epochs: 1, seed: 1, optimizer: sgd }, { onEvent })).rejects.toThrow(/stopped by the timer/);
    expect(seen).toBeLessThan(9);
    model.dispose();
  });

  it('throws a clear error naming the epoch and batch of a non-finite loss', async () => {
    for (const loss of [NaN, Infinity]) {
      const model = new ScriptedModel(be, [1, 1, 1], { epoch: 2, batch: 1, loss });
      const run = train(model, { epochs: 3, seed: 1, optimizer: sgd });
      await expect(run).rejects.toBeInstanceOf(TrainingDivergedError);
      await expect(train(new ScriptedModel(be, [1, 1, 1], { epoch: 2, batch: 1, loss }), { epochs: 3, seed: 1, optimizer: sgd })).rejects.toThrow(
        `training diverged: the loss is ${loss} at epoch 2, batch 1`,
      );
      model.dispose();
    }
  });

  it('throws after an epoch that left a parameter non-finite', async () => {
    const model = new ScriptedModel(be, [1, 1]);
    const orig = model.trainStep.bind(model);
    model.trainStep = (b: number) => {
      const loss = orig(b);
      if (model.epoch === 2) be.view(model.w.grad)[0] = Infinity;
      return loss;
    };
    await expect(train(model, { epochs: 2, seed: 1, optimizer: sgd })).rejects.toThrow(/parameter w .* after epoch 2/);
    model.dispose();
  });

  it('rejects bad configs with the field named', async () => {
    const model = new ScriptedModel(be, []);
    await expect(train(model, { epochs: -1, seed: 1, optimizer: sgd })).rejects.toThrow(/epochs must be an integer >= 0/);
    await expect(train(model, { epochs: 1, seed: 1, optimizer: sgd, patience: 0 })).rejects.toThrow(/patience/);
    model.dispose();
  });
});
