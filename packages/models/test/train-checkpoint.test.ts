import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type HostBackend } from '@lers/kernels';
import { generateSyntheticCf } from '@lers/data';
import { nodeCheckpointFiles } from '../src/node/checkpoint-files.js';
import { CHECKPOINT_FORMAT, CheckpointError, decodeCheckpoint, encodeCheckpoint, installCheckpointFiles, LightGcn, train, type CheckpointFiles, type EpochRecord, type ExtraTrainState, type TrainConfig, type TrainEvent } from '../src/index.js';

let be: HostBackend;
let dir: string;
beforeAll(async () => {
  be = await createWasmBackend({ threads: 2 });
  dir = mkdtempSync(join(tmpdir(), 'lers-ckpt-'));
});
afterAll(() => {
  be.dispose();
  rmSync(dir, { recursive: true, force: true });
});

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

describe('checkpoint codec', () => {
  it('round-trips the header (non-finite numbers included) and the sections bit-exactly', () => {
    const sections = { a: new Float32Array([1.5, -0, NaN, Infinity]), 'b/c': new Float32Array(0), d: new Float32Array([3]) };
    const header = { epoch: 3, metrics: { ndcg: NaN, x: -Infinity, y: 0.25 }, list: [1, 'two', null], $num: 'not a tag here' };
    const back = decodeCheckpoint(encodeCheckpoint({ header, sections }));
    expect(back.header).toEqual(header);
    expect(Object.keys(back.sections)).toEqual(['a', 'b/c', 'd']);
    for (const k of Object.keys(sections) as (keyof typeof sections)[]) expect(bits(back.sections[k])).toEqual(bits(sections[k]));
  });

  it('rejects foreign, truncated, corrupted, padded and old-format files, naming the file', () => {
    const bytes = encodeCheckpoint({ header: { x: 1 }, sections: { s: new Float32Array([1, 2, 3]) } });
    expect(new TextDecoder().decode(bytes.subarray(0, 8))).toBe(CHECKPOINT_FORMAT.magic);
    expect(() => decodeCheckpoint(new TextEncoder().encode('hello world, not a checkpoint'), 'c.ckpt')).toThrow(/c\.ckpt.*not a lers checkpoint/);
    expect(() => decodeCheckpoint(bytes.subarray(0, bytes.length - 4))).toThrow(/truncated/);
    expect(() => decodeCheckpoint(bytes.subarray(0, 20))).toThrow(CheckpointError);
    const flipped = bytes.slice();
    flipped[bytes.length - 10] ^= 1;
    expect(() => decodeCheckpoint(flipped)).toThrow(/checksum/);
    const longer = new Uint8Array(bytes.length + 4);
    longer.set(bytes);
    expect(() => decodeCheckpoint(longer)).toThrow(/after the checksum/);
    const old = new TextEncoder().encode('LERSCKP1\0\0\0\0{}');
    expect(() => decodeCheckpoint(old, 'run.ckpt')).toThrow(/run\.ckpt: written by an earlier lers/);
  });
});

describe('checkpoint and resume', () => {
  const { dataset } = generateSyntheticCf({ users: 150, items: 120, meanInteractions: 12, seed: 21 });
  const modelConfig = { dim: 16, batchSize: 256, seed: 4 };
  const config = (path?: string): TrainConfig => ({
    epochs: 4,
    seed: 77,
    optimizer: { kind: 'adam', lr: 0.01 },
    validEvery: 1,
    ...(path !== undefined ? { checkpoint: { path } } : {}),
  });
  const withoutTimes = (h: readonly EpochRecord[]) => h.map(({ seconds: _s, samplesPerSec: _r, validSeconds: _v, ...rest }) => rest);

  it('2 epochs + crash + resume + 2 epochs equals 4 straight epochs, bit for bit', async () => {
    const straight = LightGcn.create(be, dataset, modelConfig);
    const r1 = await train(straight, config());
    const straightParams = straight.parameters().map((p) => be.view(p.value).slice());

    const path = join(dir, 'run.ckpt');
    const first = LightGcn.create(be, dataset, modelConfig);
    const crash = new Error('simulated crash after epoch 2');
    const checkpoints: number[] = [];
    await expect(
      train(first, config(path), {
        onEvent: (e) => {
          if (e.type === 'checkpoint') checkpoints.push(e.epoch);
          if (e.type === 'epoch-end' && e.record.epoch === 2) throw crash;
        },
      }),
    ).rejects.toBe(crash);
    expect(checkpoints).toEqual([1, 2]);
    first.dispose();

    const resumed = LightGcn.create(be, dataset, modelConfig);
    const events: TrainEvent[] = [];
    const r2 = await train(resumed, config(path), { onEvent: (e) => events.push(e) });
    expect(events[0]).toMatchObject({ type: 'start', resumed: true, startEpoch: 3 });
    expect(events.filter((e) => e.type === 'epoch-start').map((e) => (e.type === 'epoch-start' ? e.epoch : 0))).toEqual([3, 4]);
    resumed.parameters().forEach((p, k) => {
      expect(bits(be.view(p.value))).toEqual(bits(straightParams[k]));
    });
    expect(r2.test).toEqual(r1.test);
    expect(r2.bestEpoch).toBe(r1.bestEpoch);
    expect(withoutTimes(r2.history)).toEqual(withoutTimes(r1.history));
    // The atomic write leaves no temporary files behind.
    expect(readdirSync(dir)).toEqual(['run.ckpt']);
    straight.dispose();
    resumed.dispose();
  });

  it('keeps extra run state in every checkpoint and restores it on resume; refuses a checkpoint without it', async () => {
    /** A counter of training batches with a byte array: state the loop knows nothing about. */
    const counter = (model: LightGcn): { state: ExtraTrainState; batches: () => number; restored: unknown[] } => {
      let batches = 0;
      const inner = model.trainStep.bind(model);
      model.trainStep = (batch, rng) => {
        batches++;
        return inner(batch, rng);
      };
      const restored: unknown[] = [];
      const state: ExtraTrainState = {
        save: () => ({ header: { batches }, sections: { bytes: new Float32Array([batches, -batches]) } }),
        restore(header, sections) {
          restored.push(header);
          batches = (header as { batches: number }).batches;
          expect(Array.from(sections.bytes)).toEqual([batches, -batches]);
        },
      };
      return { state, batches: () => batches, restored };
    };
    const path = join(dir, 'extra.ckpt');
    const first = LightGcn.create(be, dataset, modelConfig);
    const a = counter(first);
    const crash = new Error('crash after epoch 2');
    await expect(
      train(first, config(path), {
        extraState: a.state,
        onEvent: (e) => {
          if (e.type === 'epoch-end' && e.record.epoch === 2) throw crash;
        },
      }),
    ).rejects.toBe(crash);
    const perEpoch = first.batchesPerEpoch();
    expect(a.batches()).toBe(2 * perEpoch);
    expect(decodeCheckpoint(readFileSync(path)).header.extra).toEqual({ batches: 2 * perEpoch });
    first.dispose();

    const second = LightGcn.create(be, dataset, modelConfig);
    const b = counter(second);
    await train(second, config(path), { extraState: b.state });
    expect(b.restored).toEqual([{ batches: 2 * perEpoch }]);
    expect(b.batches()).toBe(4 * perEpoch);
    await expect(train(second, config(path))).rejects.toThrow(/keeps extra run state/);
    second.dispose();

    const plainPath = join(dir, 'plain.ckpt');
    const third = LightGcn.create(be, dataset, modelConfig);
    await train(third, { ...config(plainPath), epochs: 1 });
    await expect(train(third, config(plainPath), { extraState: counter(third).state })).rejects.toThrow(/lacks the extra run state/);
    third.dispose();
  });

  it('refuses a checkpoint of another seed, another model or a broken file; resume: false starts over', async () => {
    const path = join(dir, 'other.ckpt');
    const a = LightGcn.create(be, dataset, modelConfig);
    await train(a, { ...config(path), epochs: 1 });
    a.dispose();
    const b = LightGcn.create(be, dataset, modelConfig);
    await expect(train(b, { ...config(path), seed: 78 })).rejects.toThrow(/seed 77, the config says 78/);
    await expect(train(b, { ...config(path), optimizer: { kind: 'sgd', lr: 0.1 } })).rejects.toThrow(/optimizer is adam/);
    const fresh = await train(b, { ...config(path), epochs: 1, checkpoint: { path, resume: false } });
    expect(fresh.history).toHaveLength(1);
    b.dispose();
    const wider = LightGcn.create(be, dataset, { ...modelConfig, dim: 8 });
    await expect(train(wider, config(path))).rejects.toThrow(/"user.weight" has \d+ saved values, the model has/);
    wider.dispose();
    writeFileSync(path, readFileSync(path).subarray(0, 100));
    const c = LightGcn.create(be, dataset, modelConfig);
    await expect(train(c, config(path))).rejects.toBeInstanceOf(CheckpointError);
    c.dispose();
    expect(existsSync(path)).toBe(true);
  });
});

describe('checkpoint file operations', () => {
  it('train reads and writes checkpoints through the installed operations (an in-memory store here), and says when there are none', async () => {
    const { dataset } = generateSyntheticCf({ users: 60, items: 50, meanInteractions: 8, seed: 5 });
    const files = new Map<string, Uint8Array>();
    const memory: CheckpointFiles = {
      write: (path, bytes) => { files.set(path, bytes.slice()); return Promise.resolve(); },
      read: (path) => Promise.resolve(files.get(path) ?? null),
      makeDir: () => Promise.resolve(),
      remove: (path) => { files.delete(path); return Promise.resolve(); },
    };
    const config: TrainConfig = { epochs: 2, seed: 3, optimizer: { kind: 'adam', lr: 0.01 }, checkpoint: { path: 'mem/run.ckpt' } };
    try {
      installCheckpointFiles(memory);
      const model = LightGcn.create(be, dataset, { dim: 8, batchSize: 128, seed: 1 });
      await train(model, config);
      model.dispose();
      expect([...files.keys()]).toEqual(['mem/run.ckpt']);
      expect(decodeCheckpoint(files.get('mem/run.ckpt')!).header).toMatchObject({ epoch: 2 });
      installCheckpointFiles(null);
      const again = LightGcn.create(be, dataset, { dim: 8, batchSize: 128, seed: 1 });
      await expect(train(again, config)).rejects.toThrow(/mem\/run\.ckpt: checkpoint files need a file system/);
      again.dispose();
    } finally {
      installCheckpointFiles(nodeCheckpointFiles);
    }
  });
});
