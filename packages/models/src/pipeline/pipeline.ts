import type { Model } from '../model.js';
import { decodeCheckpoint, encodeCheckpoint } from '../train/checkpoint-codec.js';
import { checkpointFiles } from '../train/checkpoint-file.js';
import { CheckpointError } from '../train/errors.js';
import type { TrainResult } from '../train/events.js';
import { train } from '../train/train.js';
import { artifactType, fromSection, toSection, type Artifact, type ArtifactEntry } from './artifacts.js';
import type { Backbone } from './backbone.js';
import { StageModel, StageStop } from './stage-model.js';
import { tablesTrainState } from './table-state.js';
import type { PipelineDefinition, PipelineEvent, PipelineOptions, PipelineResult, Stage, StageContext, StageRecord } from './stage.js';

const STATE_FILE = 'pipeline.ckpt';
const STATE_VERSION = 1;

/** The persisted progress of a pipeline. */
interface PipelineState {
  readonly completed: StageRecord[];
  readonly artifacts: Map<string, Artifact>;
}

/**
 * Runs a method's pipeline: saves the initial weights of every `definition.initial` spec (a fresh
 * model each, then disposed), then runs the stages in order, each on the artifacts of those before
 * it. With `options.dir`, the state (initial weights, completed stages, their artifacts and info)
 * is written atomically after the initial weights and after every stage, and a later call with the
 * same fingerprint resumes after the last completed stage; a resumable stage also resumes inside
 * itself from its train() checkpoint (which keeps the tables' training state too). Deterministic
 * stages give the same result either way. Models that stages hand out are returned by stage name
 * (rebuilt by `reload` for stages completed in an earlier run); the caller disposes them, and on
 * an error they are disposed here.
 */
export async function runPipeline<M extends Model>(definition: PipelineDefinition<M>, backbone: Backbone<M>, options: PipelineOptions = {}): Promise<PipelineResult<M>> {
  const emit = (e: PipelineEvent): void => options.onEvent?.(e);
  const names = definition.stages.map((s) => s.name);
  if (new Set(names).size !== names.length) throw new Error(`pipeline ${definition.method}: stage names must be unique, got ${names.join(', ')}`);
  const fingerprint = JSON.stringify(options.fingerprint ?? null);
  const dir = options.dir ?? null;
  const statePath = dir === null ? null : await prepareDir(dir);

  let state: PipelineState | null = statePath === null ? null : await loadState(statePath, definition.method, names, fingerprint);
  if (state !== null) emit({ type: 'resume', completed: state.completed.map((s) => s.name) });
  else {
    state = { completed: [], artifacts: await initialWeights(definition, backbone) };
    if (statePath !== null) await saveState(statePath, definition.method, names, fingerprint, state);
    emit({ type: 'initial', keys: Object.keys(definition.initial) });
  }
  const records: StageRecord[] = state.completed.map((r) => ({ ...r, resumed: true }));
  const resumedCount = state.completed.length;
  const handedOut = new Map<string, M>();

  try {
    for (let index = resumedCount; index < definition.stages.length; index++) {
      const stage = definition.stages[index];
      emit({ type: 'stage-start', index, name: stage.name });
      const trainPath = dir === null || stage.resumable !== true ? null : `${dir}/stage-${index}-${stage.name.replace(/[^A-Za-z0-9.@_-]/g, '_')}.train.ckpt`;
      const t0 = performance.now();
      const output = await stage.run(contextFor(stage, index, backbone, state, trainPath, options));
      if (output.model !== undefined) handedOut.set(stage.name, output.model);
      const seconds = (performance.now() - t0) / 1000;
      for (const [name, a] of Object.entries(output.artifacts ?? {})) {
        if (state.artifacts.has(name)) throw new Error(`pipeline ${definition.method}: stage ${stage.name} produced artifact "${name}", which already exists`);
        state.artifacts.set(name, a);
      }
      const record: StageRecord = { name: stage.name, seconds, info: output.info ?? {}, resumed: false };
      state.completed.push(record);
      records.push(record);
      if (statePath !== null) await saveState(statePath, definition.method, names, fingerprint, state);
      if (trainPath !== null) await removeFile(trainPath);
      emit({ type: 'stage-end', index, name: stage.name, seconds, info: record.info });
    }
    const models: Record<string, M> = {};
    definition.stages.forEach((stage, index) => {
      const model = index < resumedCount ? stage.reload?.(contextFor(stage, index, backbone, state, null, options)) : handedOut.get(stage.name);
      if (model === undefined) return;
      handedOut.set(stage.name, model);
      models[stage.name] = model;
    });
    return { stages: records, artifacts: Object.fromEntries(state.artifacts), models };
  } catch (e) {
    for (const model of handedOut.values()) model.dispose();
    throw e;
  }
}

/** The initial parameters of a fresh model of each spec, as `initial/<key>/<parameter>`. */
async function initialWeights<M extends Model>(definition: PipelineDefinition<M>, backbone: Backbone<M>): Promise<Map<string, Artifact>> {
  const out = new Map<string, Artifact>();
  for (const [key, spec] of Object.entries(definition.initial)) {
    const model = backbone.create(spec);
    try {
      for (const p of model.parameters()) out.set(`initial/${key}/${p.name}`, await model.backend.read(p.value));
    } finally {
      model.dispose();
    }
  }
  return out;
}

function contextFor<M extends Model>(stage: Stage<M>, index: number, backbone: Backbone<M>, state: PipelineState, trainPath: string | null, options: PipelineOptions): StageContext<M> {
  return {
    backbone,
    index,
    name: stage.name,
    artifact(name) {
      const a = state.artifacts.get(name);
      if (a === undefined) throw new Error(`stage ${stage.name}: no artifact "${name}" from an earlier stage`);
      return a;
    },
    artifactsUnder(prefix) {
      const out: Record<string, Artifact> = {};
      for (const [name, a] of state.artifacts) if (name.startsWith(prefix)) out[name.slice(prefix.length)] = a;
      return out;
    },
    info(name) {
      const r = state.completed.find((s) => s.name === name);
      if (r === undefined) throw new Error(`stage ${stage.name}: stage "${name}" has not completed`);
      return r.info;
    },
    restoreInitial(model, key) {
      const prefix = `initial/${key}/`;
      if (![...state.artifacts.keys()].some((n) => n.startsWith(prefix))) throw new Error(`stage ${stage.name}: no initial weights saved under "${key}"`);
      let written = 0;
      for (const p of model.parameters()) {
        const values = state.artifacts.get(prefix + p.name);
        if (values instanceof Float32Array && values.length === p.value.length) {
          model.backend.write(p.value, values);
          written++;
        }
      }
      return written;
    },
    async train(model, config, hooks = {}): Promise<TrainResult | null> {
      const wrapped = new StageModel(model, hooks);
      const { checkpoint: _ignored, ...rest } = config;
      const extraState = tablesTrainState(backbone.tables(model));
      try {
        return await train(wrapped, trainPath === null ? rest : { ...rest, checkpoint: { path: trainPath } }, {
          ...(options.onTrainEvent ? { onEvent: options.onTrainEvent } : {}),
          ...(extraState !== null ? { extraState } : {}),
        });
      } catch (e) {
        if (e instanceof StageStop) return null;
        throw e;
      } finally {
        wrapped.dispose();
      }
    },
  };
}

async function prepareDir(dir: string): Promise<string> {
  await checkpointFiles(dir).makeDir(dir);
  return `${dir}/${STATE_FILE}`;
}

async function removeFile(path: string): Promise<void> {
  await checkpointFiles(path).remove(path);
}

async function saveState(path: string, method: string, stages: readonly string[], fingerprint: string, state: PipelineState): Promise<void> {
  const entries: ArtifactEntry[] = [];
  const sections: Record<string, Float32Array> = {};
  for (const [name, a] of state.artifacts) {
    entries.push({ name, type: artifactType(a), length: a.length });
    sections[`artifact/${name}`] = toSection(a);
  }
  const header = {
    format: 'lers-pipeline',
    version: STATE_VERSION,
    method,
    stages,
    fingerprint,
    completed: state.completed.map(({ name, seconds, info }) => ({ name, seconds, info })),
    artifacts: entries,
  };
  await checkpointFiles(path).write(path, encodeCheckpoint({ header, sections }));
}

/** The state at `path`, or null when there is none; refuses one written for another pipeline or configuration. */
async function loadState(path: string, method: string, stages: readonly string[], fingerprint: string): Promise<PipelineState | null> {
  const bytes = await checkpointFiles(path).read(path);
  if (bytes === null) return null;
  const { header: h, sections } = decodeCheckpoint(bytes, path);
  if (h.format !== 'lers-pipeline' || h.version !== STATE_VERSION) throw new CheckpointError(`${path}: not a lers pipeline state (v${STATE_VERSION})`);
  if (h.method !== method || JSON.stringify(h.stages) !== JSON.stringify(stages)) {
    throw new CheckpointError(`${path}: the state belongs to pipeline ${String(h.method)} [${String(h.stages)}], not ${method} [${stages.join(',')}]`);
  }
  if (h.fingerprint !== fingerprint) throw new CheckpointError(`${path}: the state was written for a different configuration; use another directory or remove it`);
  const artifacts = new Map<string, Artifact>();
  for (const entry of h.artifacts as ArtifactEntry[]) {
    const section = sections[`artifact/${entry.name}`];
    if (section === undefined) throw new CheckpointError(`${path}: artifact "${entry.name}" is missing`);
    artifacts.set(entry.name, fromSection(entry, section));
  }
  const completed = (h.completed as { name: string; seconds: number; info: Record<string, unknown> }[]).map((r) => ({ ...r, resumed: true }));
  return { completed, artifacts };
}
