/**
 * The stage/pipeline engine: initial weights saved before the first stage, artifacts passed between
 * stages and kept bit-exactly in the state file, resume after an interruption (between stages and
 * inside a retraining stage) to the same result, and the per-step hooks (gradient clipping, early stop).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWasmBackend, type HostBackend } from '@lers/kernels';
import { generateSyntheticCf } from '@lers/data';
import {
  cerpPipeline,
  CheckpointError,
  clipGradNorm,
  fromSection,
  lightGcnBackbone,
  optEmbedPipeline,
  pepPipeline,
  runMethodPipeline,
  runPipeline,
  StageModel,
  targetResults,
  toSection,
  train,
  artifactType,
  type LightGcn,
  type PipelineDefinition,
  type PipelineEvent,
  type PipelineResult,
  type TrainConfig,
} from '../src/index.js';

let be: HostBackend;
let dir: string;
beforeAll(async () => {
  be = await createWasmBackend({ threads: 2 });
  dir = mkdtempSync(join(tmpdir(), 'lers-pipeline-'));
});
afterAll(() => {
  be.dispose();
  rmSync(dir, { recursive: true, force: true });
});

const { dataset } = generateSyntheticCf({ users: 60, items: 50, meanInteractions: 10, seed: 3 });
const backbone = () => lightGcnBackbone(be, dataset, { dim: 8, layers: 2, batchSize: 128, seed: 5 });
const trainConfig: TrainConfig = { epochs: 3, seed: 11, optimizer: { kind: 'adam', lr: 0.02 } };
const pepOptions = () => ({
  backbone: backbone(),
  targets: [0.5, 0.8],
  train: trainConfig,
  searchTrain: { epochs: 40 },
  tableOptions: { thresholdInit: -3, thresholdDecay: 0.1, capture: 'exact', weightDecay: 3e-3 },
});

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

/** Every artifact of `b` equals that of `a` byte for byte, and they have the same names. */
function expectSameArtifacts(a: PipelineResult, b: PipelineResult): void {
  expect(Object.keys(b.artifacts).sort()).toEqual(Object.keys(a.artifacts).sort());
  for (const name of Object.keys(a.artifacts)) {
    const [x, y] = [a.artifacts[name], b.artifacts[name]];
    expect(new Uint8Array(y.buffer, y.byteOffset, y.byteLength), name).toEqual(new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
  }
}

/** Stage records without their times. */
function recordsOf(r: PipelineResult): { name: string; info: unknown }[] {
  return r.stages.map(({ name, info }) => ({ name, info }));
}

/**
 * Runs `definition()` in `path`, crashing at the end of epoch `epoch` of stage `stageName`, then
 * runs it again there; returns the second run and the (stage, first epoch) of each train() it started.
 */
async function crashInsideThenResume(definition: () => PipelineDefinition<LightGcn>, path: string, stageName: string, epoch: number): Promise<{ resumed: PipelineResult<LightGcn>; starts: [string, number, boolean][] }> {
  let stage = '';
  const onEvent = (e: PipelineEvent): void => {
    if (e.type === 'stage-start') stage = e.name;
  };
  const crash = new Error(`simulated crash in ${stageName}, epoch ${epoch}`);
  await expect(
    runPipeline(definition(), backbone(), {
      dir: path,
      onEvent,
      onTrainEvent: (e) => {
        if (stage === stageName && e.type === 'epoch-end' && e.record.epoch === epoch) throw crash;
      },
    }),
  ).rejects.toBe(crash);
  const starts: [string, number, boolean][] = [];
  const resumed = await runPipeline(definition(), backbone(), {
    dir: path,
    onEvent,
    onTrainEvent: (e) => {
      if (e.type === 'start') starts.push([stage, e.startEpoch, e.resumed]);
    },
  });
  return { resumed, starts };
}

describe('pipeline engine', () => {
  it('artifacts of every type survive the state file byte for byte', () => {
    const u8 = Uint8Array.from([1, 0, 255, 7, 9]);
    const i32 = Int32Array.from([-1, 0x7fc00001, 5]);
    const f32 = new Float32Array(new Uint32Array([0x7fa00001, 0xff800000, 0x80000000]).buffer);
    for (const a of [u8, i32, f32]) {
      const s = toSection(a);
      expect(s.byteLength % 4).toBe(0);
      const back = fromSection({ name: 'x', type: artifactType(a), length: a.length }, s.slice());
      expect(back.constructor).toBe(a.constructor);
      expect(new Uint8Array(back.buffer, back.byteOffset, back.byteLength)).toEqual(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    }
  });

  it('saves the initial weights before the first stage and passes artifacts and info between stages', async () => {
    const seen: number[] = [];
    const definition: PipelineDefinition<LightGcn> = {
      method: 'toy',
      initial: { full: { method: 'full' } },
      stages: [
        {
          name: 'train',
          async run(ctx) {
            const model = ctx.backbone.create({ method: 'full' });
            expect(ctx.restoreInitial(model, 'full')).toBe(2);
            await ctx.train(model, { ...trainConfig, epochs: 1, test: false });
            const trained = await be.read(model.userTable.parameters()[0].value);
            model.dispose();
            return { artifacts: { trained, counts: Int32Array.from([1, 2, 3]) }, info: { note: 'trained' } };
          },
        },
        {
          name: 'check',
          run(ctx) {
            const model = ctx.backbone.create({ method: 'full', options: { init: { kind: 'zeros' } } });
            const zero = be.view(model.userTable.parameters()[0].value).slice();
            expect(zero.every((x) => x === 0)).toBe(true);
            ctx.restoreInitial(model, 'full');
            const initial = be.view(model.userTable.parameters()[0].value).slice();
            expect(bits(initial)).toEqual(bits(ctx.artifact('initial/full/user.weight') as Float32Array));
            expect(bits(initial)).not.toEqual(bits(ctx.artifact('trained') as Float32Array));
            expect(Array.from(ctx.artifact('counts'))).toEqual([1, 2, 3]);
            expect(ctx.info('train')).toEqual({ note: 'trained' });
            expect(() => ctx.artifact('nope')).toThrow(/no artifact "nope"/);
            seen.push(1);
            model.dispose();
            return Promise.resolve({});
          },
        },
      ],
    };
    const result = await runPipeline(definition, backbone());
    expect(seen).toEqual([1]);
    expect(result.stages.map((s) => s.name)).toEqual(['train', 'check']);
    expect(Object.keys(result.artifacts).sort()).toEqual(['counts', 'initial/full/item.weight', 'initial/full/user.weight', 'trained']);
  });

  it('a pipeline interrupted after its first stage resumes to the same result', async () => {
    const straight = await runPipeline(pepPipeline(pepOptions()), pepOptions().backbone);

    const path = join(dir, 'pep-resume');
    const crash = new Error('simulated crash after the search');
    const first: PipelineEvent[] = [];
    await expect(
      runPipeline(pepPipeline(pepOptions()), pepOptions().backbone, {
        dir: path,
        fingerprint: 'pep-test',
        onEvent: (e) => {
          first.push(e);
          if (e.type === 'stage-end' && e.index === 0) throw crash;
        },
      }),
    ).rejects.toBe(crash);
    expect(first.map((e) => e.type)).toEqual(['initial', 'stage-start', 'stage-end']);

    const second: PipelineEvent[] = [];
    const resumed = await runPipeline(pepPipeline(pepOptions()), pepOptions().backbone, { dir: path, fingerprint: 'pep-test', onEvent: (e) => second.push(e) });
    expect(second[0]).toEqual({ type: 'resume', completed: ['search'] });
    expect(second.filter((e) => e.type === 'stage-start').map((e) => (e as { name: string }).name)).toEqual(['retrain@0.5', 'retrain@0.8']);
    expect(resumed.stages.map((s) => s.resumed)).toEqual([true, false, false]);

    for (const name of Object.keys(straight.artifacts)) {
      const a = straight.artifacts[name];
      const b = resumed.artifacts[name];
      expect(new Uint8Array(b.buffer, b.byteOffset, b.byteLength)).toEqual(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
    }
    const strip = (r: typeof straight) => targetResults('pep', r).map(({ secondsPerStage: _s, search: { searchSeconds: _a, retrainSeconds: _b, ...search }, ...rest }) => ({ ...rest, search }));
    expect(strip(resumed)).toEqual(strip(straight));
    for (const r of targetResults('pep', straight)) {
      expect(Math.abs(r.size.sparsity - r.target)).toBeLessThan(0.01);
      expect(Object.keys(r.secondsPerStage)).toEqual(['search', 'retrain']);
    }

    // A completed pipeline resumes to its recorded result without running anything.
    const third: PipelineEvent[] = [];
    const again = await runPipeline(pepPipeline(pepOptions()), pepOptions().backbone, { dir: path, fingerprint: 'pep-test', onEvent: (e) => third.push(e) });
    expect(third.map((e) => e.type)).toEqual(['resume']);
    expect(strip(again)).toEqual(strip(straight));
  });

  it('a retraining stage interrupted in the middle resumes inside itself to the same result', async () => {
    const straight = await runPipeline(pepPipeline(pepOptions()), pepOptions().backbone);
    const path = join(dir, 'pep-mid');
    const crash = new Error('simulated crash in retrain@0.8, epoch 2');
    let stage = '';
    const onEvent = (e: PipelineEvent): void => {
      if (e.type === 'stage-start') stage = e.name;
    };
    await expect(
      runPipeline(pepPipeline(pepOptions()), pepOptions().backbone, {
        dir: path,
        onEvent,
        onTrainEvent: (e) => {
          if (stage === 'retrain@0.8' && e.type === 'epoch-end' && e.record.epoch === 2) throw crash;
        },
      }),
    ).rejects.toBe(crash);
    const starts: number[] = [];
    const resumed = await runPipeline(pepPipeline(pepOptions()), pepOptions().backbone, {
      dir: path,
      onTrainEvent: (e) => {
        if (e.type === 'start') starts.push(e.startEpoch);
      },
    });
    expect(starts).toEqual([3]);
    const strip = (r: typeof straight) => targetResults('pep', r).map(({ secondsPerStage: _s, search: { searchSeconds: _a, retrainSeconds: _b, ...search }, ...rest }) => ({ ...rest, search }));
    expect(strip(resumed)).toEqual(strip(straight));
  });

  it('PEP\'s search interrupted in the middle resumes inside itself (captures so far restored) to the same result', async () => {
    const straight = await runPipeline(pepPipeline(pepOptions()), pepOptions().backbone);
    const captured = straight.stages[0].info.captured as Record<string, Record<string, { step: number }>>;
    // 0.5 is captured in epoch 2 and 0.8 in epoch 3 (5 batches per epoch): the crash falls between.
    expect(Math.max(captured['0.5'].user.step, captured['0.5'].item.step)).toBeLessThan(10);
    expect(Math.min(captured['0.8'].user.step, captured['0.8'].item.step)).toBeGreaterThanOrEqual(10);
    const { resumed, starts } = await crashInsideThenResume(() => pepPipeline(pepOptions()), join(dir, 'pep-search-mid'), 'search', 2);
    expect(starts).toEqual([['search', 3, true], ['retrain@0.5', 1, false], ['retrain@0.8', 1, false]]);
    expectSameArtifacts(straight, resumed);
    expect(recordsOf(resumed)).toEqual(recordsOf(straight));
  });

  it('CERP\'s search interrupted in the middle resumes inside itself to the same result', async () => {
    const options = () => ({ ...pepOptions(), targets: [0.8] });
    const straight = await runPipeline(cerpPipeline(options()), backbone());
    expect((straight.stages[0].info.captured as Record<string, Record<string, { step: number }>>)['0.8'].user.step).toBeGreaterThan(15);
    const { resumed, starts } = await crashInsideThenResume(() => cerpPipeline(options()), join(dir, 'cerp-search-mid'), 'search@0.8', 3);
    expect(starts[0]).toEqual(['search@0.8', 4, true]);
    expectSameArtifacts(straight, resumed);
    expect(recordsOf(resumed)).toEqual(recordsOf(straight));
  });

  it('OptEmbed\'s supernet interrupted in the middle resumes inside itself (sampling stream restored) to the same result', async () => {
    const options = () => ({ backbone: backbone(), targets: [0.8], train: trainConfig, evolution: { generations: 2, population: 4, crossovers: 2, mutations: 2, keep: 3 } });
    const straight = await runPipeline(optEmbedPipeline(options()), backbone());
    const { resumed, starts } = await crashInsideThenResume(() => optEmbedPipeline(options()), join(dir, 'optembed-supernet-mid'), 'supernet', 1);
    expect(starts[0]).toEqual(['supernet', 2, true]);
    expectSameArtifacts(straight, resumed);
    expect(recordsOf(resumed)).toEqual(recordsOf(straight));
  });

  it('keepModels hands back each target\'s retrained model, and a resumed run rebuilds the same models', async () => {
    const options = { ...pepOptions(), keepModels: true };
    const plain = await runMethodPipeline('pep', pepOptions());
    expect(plain.every((r) => r.model === undefined)).toBe(true);
    const path = join(dir, 'pep-keep');
    const kept = await runMethodPipeline('pep', options, { dir: path });
    expect(kept.map((r) => r.target)).toEqual([0.5, 0.8]);
    const again = await runMethodPipeline('pep', options, { dir: path });
    for (const [i, r] of kept.entries()) {
      const model = r.model!;
      // The handed-out model is the retrained one: its test metrics and sizes are the result's.
      expect(await model.evaluate('test')).toEqual(r.metrics);
      expect((await Promise.all(Object.values(backbone().tables(model)).map(async (t) => (await t.size()).params))).reduce((a, b) => a + b, 0)).toBe(r.size.params);
      expect(r.metrics).toEqual(plain[i].metrics);
      const rebuilt = again[i].model!;
      expect(rebuilt).not.toBe(model);
      rebuilt.parameters().forEach((p, k) => {
        expect(bits(be.view(p.value))).toEqual(bits(be.view(model.parameters()[k].value)));
      });
      expect(await rebuilt.evaluate('test')).toEqual(r.metrics);
      model.dispose();
      rebuilt.dispose();
    }
    // A state completed without keepModels cannot give models back (its weights were not kept).
    const bare = join(dir, 'pep-bare');
    await runPipeline(pepPipeline(pepOptions()), backbone(), { dir: bare });
    await expect(runPipeline(pepPipeline(options), backbone(), { dir: bare })).rejects.toThrow(/without keepModels/);
  });

  it('refuses a state written for another configuration or pipeline', async () => {
    const path = join(dir, 'pep-refuse');
    const quick = { ...pepOptions(), targets: [0.5] };
    await runPipeline(pepPipeline(quick), quick.backbone, { dir: path, fingerprint: { lr: 0.02 } });
    await expect(runPipeline(pepPipeline(quick), quick.backbone, { dir: path, fingerprint: { lr: 0.03 } })).rejects.toThrow(CheckpointError);
    await expect(runPipeline(pepPipeline({ ...quick, targets: [0.8] }), quick.backbone, { dir: path, fingerprint: { lr: 0.02 } })).rejects.toThrow(/belongs to pipeline/);
  });
});

describe('stage hooks', () => {
  it('clipGradNorm scales all gradients to the global norm bound (and leaves smaller ones alone)', async () => {
    const a = be.upload('f32', [3, 0, 0]);
    const b = be.upload('f32', [0, 4]);
    const params = [a, b].map((grad, i) => ({ name: `p${i}`, value: grad, grad, shape: [grad.length] }));
    const sums = be.alloc('f32', 2);
    await expect(clipGradNorm(be, params, 1, be.alloc('f32', 1))).rejects.toThrow(/sums has 1 elements for 2 parameters/);
    expect(await clipGradNorm(be, params, 1, sums)).toBeCloseTo(5, 6);
    expect(Array.from(be.view(a))).toEqual([3, 0, 0].map((x) => expect.closeTo(x / 5, 5) as unknown as number));
    expect(Array.from(be.view(b))).toEqual([0, 4].map((x) => expect.closeTo(x / 5, 5) as unknown as number));
    const before = be.view(a).slice();
    expect(await clipGradNorm(be, params, 10, sums)).toBeCloseTo(1, 5);
    expect(bits(be.view(a))).toEqual(bits(before));
    for (const x of [a, b, sums]) be.free(x);
  });

  it('stopWhen ends training before the next batch; clipping applies after every step', async () => {
    const model = backbone().create({ method: 'full' });
    let steps = 0;
    let maxNorm = 0;
    const wrapped = new StageModel(model, { clipGradNorm: 1e-3, stopWhen: () => steps >= 5 });
    const scalar = be.alloc('f32', 1);
    const inner = model.trainStep.bind(model);
    model.trainStep = (batch, rng) => {
      steps++;
      return inner(batch, rng);
    };
    const original = wrapped.trainStep.bind(wrapped);
    wrapped.trainStep = async (batch, rng) => {
      const loss = await original(batch, rng);
      let total = 0;
      for (const p of model.parameters()) {
        be.sumSquares(p.grad, scalar);
        total += be.view(scalar)[0];
      }
      maxNorm = Math.max(maxNorm, Math.sqrt(total));
      return loss;
    };
    await expect(train(wrapped, { ...trainConfig, epochs: 10 })).rejects.toThrow(/stage finished early/);
    expect(steps).toBe(5);
    expect(maxNorm).toBeLessThanOrEqual(1e-3 * 1.0001);
    expect(maxNorm).toBeGreaterThan(0);
    wrapped.dispose();
    be.free(scalar);
    model.dispose();
  });
});
