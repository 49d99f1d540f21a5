import { Rng, type Backend, type Buf } from '@lers/kernels';
import type { Parameter } from '@lers/embeddings';
import type { Metrics, Model } from '../model.js';
import { createOptimizer } from '../optim/create.js';
import type { Optimizer } from '../optim/optimizer.js';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-codec.js';
import { checkpointFiles } from './checkpoint-file.js';
import { resolveTrainConfig, type ResolvedTrainConfig, type TrainConfig } from './config.js';
import { CheckpointError, TrainingDivergedError } from './errors.js';
import { EventLoopYielder } from './event-loop.js';
import type { EpochRecord, TrainEvent, TrainEventHandler, TrainResult } from './events.js';
import type { ExtraTrainState } from './extra-state.js';
import { prefixed, restoreBuffers, snapshotBuffers, unprefixed, type HostState, type NamedBuffers } from './snapshot.js';

/** Options of `train` besides the config. */
export interface TrainOptions {
  /** Receives progress events (synchronously; throwing aborts the run). */
  readonly onEvent?: TrainEventHandler;
  /** State besides parameters, buffers and optimizer that checkpoints keep and a resume restores. */
  readonly extraState?: ExtraTrainState;
}

/** The loop's random stream id, kept apart from streams models derive from the same seed. */
const LOOP_STREAM = 0x7472; // "tr"
const CHECKPOINT_VERSION = 1;

/** The best validated state so far, on the host. */
interface Best {
  readonly epoch: number;
  readonly value: number;
  readonly metrics: Metrics;
  readonly params: HostState;
  readonly buffers: HostState;
}

/** Everything that a resumed run needs to continue exactly where a checkpoint left off. */
interface RunState {
  /** Epochs completed. */
  epoch: number;
  rng: Rng;
  best: Best | null;
  /** Validations since the last improvement. */
  sinceImproved: number;
  stoppedEarly: boolean;
  history: EpochRecord[];
}

/**
 * Trains `model` for `config.epochs` epochs: seeded batches, optimizer steps, validation every
 * `validEvery` epochs with the best state (by `model.selectionMetric`) kept on the host, early
 * stopping after `patience` validations without improvement, an atomic checkpoint after every
 * epoch (and resume from it to the same result as an uninterrupted run), and the test metrics at
 * the best state. The model ends holding the best state (the last one without validation).
 * Throws TrainingDivergedError on a NaN/Inf loss or parameter.
 */
export async function train<B>(model: Model<B>, config: TrainConfig, options: TrainOptions = {}): Promise<TrainResult> {
  const cfg = resolveTrainConfig(config);
  const emit = (e: TrainEvent): void => options.onEvent?.(e);
  const be = model.backend;
  const params = model.parameters();
  const paramBufs: NamedBuffers = Object.fromEntries(params.map((p) => [p.name, p.value]));
  const modelBufs: NamedBuffers = model.buffers();
  const optimizer = createOptimizer(be, params, cfg.optimizer);
  const sums = be.alloc('f32', Math.max(1, params.length));
  try {
    const run: RunState = { epoch: 0, rng: new Rng(cfg.seed, LOOP_STREAM), best: null, sinceImproved: 0, stoppedEarly: false, history: [] };
    let resumed = false;
    if (cfg.checkpoint !== null && cfg.checkpoint.resume !== false) {
      const bytes = await checkpointFiles(cfg.checkpoint.path).read(cfg.checkpoint.path);
      if (bytes !== null) {
        resumeFrom(bytes, cfg.checkpoint.path, cfg, run, be, paramBufs, modelBufs, optimizer, options.extraState ?? null);
        resumed = true;
      }
    }
    const perEpoch = model.batchesPerEpoch?.() ?? null;
    emit({ type: 'start', epochs: cfg.epochs, startEpoch: run.epoch + 1, resumed, batchesPerEpoch: perEpoch });
    optimizer.zeroGrad();

    while (run.epoch < cfg.epochs && !run.stoppedEarly) {
      const epoch = run.epoch + 1;
      let record = await runEpoch(model, optimizer, run.rng, epoch, cfg.epochs, perEpoch, emit);
      await checkParametersFinite(be, params, sums, epoch);

      if (cfg.validEvery > 0 && (epoch % cfg.validEvery === 0 || epoch === cfg.epochs)) {
        const t0 = performance.now();
        const metrics = await model.evaluate('valid');
        const seconds = (performance.now() - t0) / 1000;
        const value = metrics[model.selectionMetric];
        if (typeof value !== 'number') throw new Error(`model.evaluate('valid') returned no "${model.selectionMetric}" (its selection metric)`);
        const improved = !Number.isNaN(value) && (run.best === null || value > run.best.value);
        if (improved) {
          run.best = { epoch, value, metrics, params: await snapshotBuffers(be, paramBufs), buffers: await snapshotBuffers(be, modelBufs) };
          run.sinceImproved = 0;
        } else run.sinceImproved++;
        record = { ...record, valid: metrics, validSeconds: seconds };
        emit({ type: 'validation', epoch, metrics, metric: model.selectionMetric, value, improved, bestEpoch: run.best?.epoch ?? null, seconds });
        if (run.sinceImproved >= cfg.patience) run.stoppedEarly = true;
      }
      run.history.push(record);
      run.epoch = epoch;

      if (cfg.checkpoint !== null) {
        const bytes = encodeCheckpoint(await checkpointOf(cfg, run, be, paramBufs, modelBufs, optimizer, options.extraState ?? null));
        await checkpointFiles(cfg.checkpoint.path).write(cfg.checkpoint.path, bytes);
        emit({ type: 'checkpoint', epoch, path: cfg.checkpoint.path, bytes: bytes.length });
      }
      emit({ type: 'epoch-end', record });
      if (run.stoppedEarly) emit({ type: 'early-stop', epoch, bestEpoch: run.best?.epoch ?? null });
    }

    if (run.best !== null) {
      restoreBuffers(be, paramBufs, run.best.params, 'best state');
      restoreBuffers(be, modelBufs, run.best.buffers, 'best state');
    }
    const bestEpoch = run.best?.epoch ?? (run.history.length > 0 ? run.history[run.history.length - 1].epoch : null);
    let test: Metrics | null = null;
    if (cfg.test) {
      test = await model.evaluate('test');
      emit({ type: 'test', metrics: test, bestEpoch });
    }
    const result: TrainResult = {
      bestEpoch,
      bestValid: run.best?.metrics ?? null,
      test,
      history: run.history,
      lastEpoch: run.epoch,
      stoppedEarly: run.stoppedEarly,
      trainSeconds: run.history.reduce((s, r) => s + r.seconds, 0),
    };
    emit({ type: 'end', result });
    return result;
  } finally {
    be.free(sums);
    optimizer.dispose();
  }
}

/** One pass over the model's batches: step, zero, report. */
async function runEpoch<B>(
  model: Model<B>,
  optimizer: Optimizer,
  rng: Rng,
  epoch: number,
  epochs: number,
  perEpoch: number | null,
  emit: (e: TrainEvent) => void,
): Promise<EpochRecord> {
  model.onEpochStart?.(epoch);
  emit({ type: 'epoch-start', epoch });
  const t0 = performance.now();
  let batch = 0;
  let lossSum = 0;
  let samples = 0;
  const yielder = new EventLoopYielder();
  for (const b of model.batches(epoch, rng)) {
    await yielder.maybeYield();
    const loss = await model.trainStep(b, rng);
    if (!Number.isFinite(loss)) throw new TrainingDivergedError(epoch, batch, 'the loss', loss);
    optimizer.step();
    optimizer.zeroGrad();
    lossSum += loss;
    samples += model.samplesIn?.(b) ?? 1;
    batch++;
    const elapsed = (performance.now() - t0) / 1000;
    const left = perEpoch === null ? null : perEpoch - batch + (epochs - epoch) * perEpoch;
    emit({
      type: 'batch',
      epoch,
      batch: batch - 1,
      batches: perEpoch,
      loss,
      samplesPerSec: samples / Math.max(elapsed, 1e-9),
      etaSec: left === null ? null : (left * elapsed) / batch,
    });
  }
  model.onEpochEnd?.(epoch);
  const seconds = (performance.now() - t0) / 1000;
  return { epoch, loss: batch > 0 ? lossSum / batch : NaN, batches: batch, samples, seconds, samplesPerSec: samples / Math.max(seconds, 1e-9) };
}

/**
 * Throws TrainingDivergedError naming the first parameter with a NaN or infinite value (one sum of
 * squares per parameter into `sums`, read back once).
 */
async function checkParametersFinite(be: Backend, params: readonly Parameter[], sums: Buf<'f32'>, epoch: number): Promise<void> {
  params.forEach((p, i) => {
    be.sumSquares(p.value, be.slice(sums, i, 1));
  });
  const values = await be.read(sums);
  params.forEach((p, i) => {
    if (!Number.isFinite(values[i])) throw new TrainingDivergedError(epoch, null, `parameter ${p.name} (sum of squares)`, values[i]);
  });
}

/** The run state as a checkpoint. */
async function checkpointOf(
  cfg: ResolvedTrainConfig,
  run: RunState,
  be: Backend,
  paramBufs: NamedBuffers,
  modelBufs: NamedBuffers,
  optimizer: Optimizer,
  extra: ExtraTrainState | null,
): Promise<{ header: Record<string, unknown>; sections: Record<string, Float32Array> }> {
  const extraNow = extra?.save() ?? null;
  const sections: Record<string, Float32Array> = {
    ...prefixed('param/', await snapshotBuffers(be, paramBufs)),
    ...prefixed('buffer/', await snapshotBuffers(be, modelBufs)),
    ...prefixed('optim/', await snapshotBuffers(be, optimizer.stateBuffers())),
    ...(extraNow !== null ? prefixed('extra/', extraNow.sections) : {}),
  };
  if (run.best !== null) {
    Object.assign(sections, prefixed('best/param/', run.best.params), prefixed('best/buffer/', run.best.buffers));
  }
  const header = {
    format: 'lers-checkpoint',
    version: CHECKPOINT_VERSION,
    seed: cfg.seed,
    epoch: run.epoch,
    rng: run.rng.getState(),
    optimizer: { kind: optimizer.kind, step: optimizer.stepCount },
    best: run.best === null ? null : { epoch: run.best.epoch, value: run.best.value, metrics: run.best.metrics },
    sinceImproved: run.sinceImproved,
    stoppedEarly: run.stoppedEarly,
    history: run.history,
    ...(extraNow !== null ? { extra: extraNow.header } : {}),
  };
  return { header, sections };
}

/** Restores model, optimizer and loop state from checkpoint bytes (validating that they fit). */
function resumeFrom(
  bytes: Uint8Array,
  path: string,
  cfg: ResolvedTrainConfig,
  run: RunState,
  be: Backend,
  paramBufs: NamedBuffers,
  modelBufs: NamedBuffers,
  optimizer: Optimizer,
  extra: ExtraTrainState | null,
): void {
  const { header: h, sections } = decodeCheckpoint(bytes, path);
  if (h.format !== 'lers-checkpoint' || h.version !== CHECKPOINT_VERSION) throw new CheckpointError(`unsupported checkpoint format ${String(h.format)} v${String(h.version)}`);
  if (h.seed !== cfg.seed) throw new CheckpointError(`checkpoint was written with seed ${String(h.seed)}, the config says ${cfg.seed}`);
  const opt = h.optimizer as { kind?: unknown; step?: unknown } | undefined;
  if (opt?.kind !== optimizer.kind || typeof opt.step !== 'number') throw new CheckpointError(`checkpoint optimizer is ${String(opt?.kind)}, the config says ${optimizer.kind}`);
  if (typeof h.epoch !== 'number' || !Array.isArray(h.rng)) throw new CheckpointError('checkpoint header lacks epoch or rng state');
  restoreBuffers(be, paramBufs, unprefixed('param/', sections), 'checkpoint parameters');
  restoreBuffers(be, modelBufs, unprefixed('buffer/', sections), 'checkpoint buffers');
  restoreBuffers(be, optimizer.stateBuffers(), unprefixed('optim/', sections), 'checkpoint optimizer state');
  if ((h.extra === undefined) !== (extra === null)) {
    throw new CheckpointError(extra === null ? 'the checkpoint keeps extra run state that this run has no place for' : 'the checkpoint lacks the extra run state this run needs (e.g. mask captures)');
  }
  if (extra !== null) extra.restore(h.extra, unprefixed('extra/', sections));
  optimizer.restoreStepCount(opt.step);
  run.epoch = h.epoch;
  run.rng = Rng.fromState(h.rng as number[]);
  run.sinceImproved = Number(h.sinceImproved);
  run.stoppedEarly = h.stoppedEarly === true;
  run.history = h.history as EpochRecord[];
  const best = h.best as { epoch: number; value: number; metrics: Metrics } | null;
  run.best =
    best === null
      ? null
      : { ...best, params: unprefixed('best/param/', sections), buffers: unprefixed('best/buffer/', sections) };
}
