/** Unit tests: progress rendering, settings parsing, Pareto front, target parsing. */
import { describe, expect, it } from 'vitest';
import { Progress, formatDuration } from '../src/cli/progress.js';
import { exitCodeOf, DataError, UsageError, InterruptedError } from '../src/cli/errors.js';
import { lightGcnConfig, parseTarget, resolveSettings, effectiveConfig, SettingsError } from '@lers/models';
import { parseConfigText, settingsFromObject } from '../src/config/file.js';
import { paretoFront } from '@lers/advisor';
import { expandGrid, optionsFor, PROFILES } from '../src/bench/grid.js';
import { benchTune } from '../src/bench/tune-options.js';

function sink(isTTY: boolean): { text: string[]; write: (t: string) => void; isTTY: boolean; columns: number } {
  const text: string[] = [];
  return {
    text,
    isTTY,
    columns: 80,
    write: (t: string) => {
      text.push(t);
    },
  };
}

describe('progress', () => {
  it('redraws one line on a TTY with bar and ETA, after the delay', () => {
    let now = 0;
    const s = sink(true);
    const p = new Progress(s, 'train', { total: 10, unit: 'batches', now: () => now });
    p.update(1);
    expect(s.text).toEqual([]); // within the first second: nothing
    now = 2000;
    p.update(5, 'loss 0.5');
    expect(s.text[0]).toMatch(/^\rtrain \[#{12}-{12}\] 5\/10 \(50%\) 2\.5 batches\/s ETA 2s loss 0\.5/);
    now = 2050;
    p.update(6);
    expect(s.text).toHaveLength(1); // throttled
    now = 4000;
    p.finish();
    expect(s.text.at(-1)).toBe('\n');
    expect(s.text.at(-2)).toContain('done in 4s');
  });

  it('prints plain lines, at most every few seconds, when not a TTY', () => {
    let now = 0;
    const s = sink(false);
    const p = new Progress(s, 'bench', { total: null, now: () => now });
    for (let i = 1; i <= 100; i++) {
      now = i * 100;
      p.update(i);
    }
    expect(s.text.every((l) => !l.includes('\r') && l.endsWith('\n'))).toBe(true);
    expect(s.text.length).toBeLessThanOrEqual(3);
    p.finish();
    expect(s.text.at(-1)).toMatch(/done in 10s/);
  });

  it('draws nothing when quiet (no sink)', () => {
    const p = new Progress(null, 'x', { total: 3 });
    p.update(3);
    p.note('hello');
    p.finish();
  });

  it('formats durations', () => {
    expect(formatDuration(42.4)).toBe('42s');
    expect(formatDuration(187)).toBe('3m07s');
    expect(formatDuration(3720)).toBe('1h02m');
  });
});

describe('settings', () => {
  it('parses targets as fractions or percentages', () => {
    expect(parseTarget('0.8', 't')).toBe(0.8);
    expect(parseTarget('95%', 't')).toBe(0.95);
    expect(parseTarget(50, 't')).toBe(0.5);
    expect(() => parseTarget('1.2', 't')).toThrow(SettingsError);
  });

  it('infers the task and backbone and applies the protocol defaults', () => {
    const cf = resolveSettings({});
    expect(cf).toMatchObject({ task: 'cf', backbone: 'lightgcn', data: 'synthetic-cf', dim: 64, layers: 3, batchSize: 2048, lr: 1e-3, l2: 1e-4, clWeight: 0.1, epochs: 40, seed: 2023 });
    const ctr = resolveSettings({ backbone: 'dcnmix' });
    expect(ctr).toMatchObject({ task: 'ctr', data: 'synthetic-ctr', dim: 16, hidden: [400, 400, 400], dropout: 0.5, weightDecay: 1e-6, epochs: 15, crossLayers: 3, experts: 4, rank: 64 });
    expect(resolveSettings({ data: 'avazu' }).dropout).toBe(0.2);
    expect(effectiveConfig(ctr)).toHaveProperty('rank');
    expect(effectiveConfig(resolveSettings({ backbone: 'deepfm' }))).not.toHaveProperty('rank');
    expect(() => resolveSettings({ method: 'full', target: 0.5 })).toThrow(/full has no target/);
  });

  it('reads config objects with kebab/snake keys and rejects unknown ones', () => {
    const raw = parseConfigText('batch-size: 512\nw_cl: 0\nks: [10, 20]\n', 'c.yaml');
    expect(settingsFromObject(raw, 'c.yaml')).toEqual({ batchSize: 512, clWeight: 0, ks: [10, 20] });
    expect(() => settingsFromObject({ nope: 1 }, 'c.json')).toThrow(/c\.json: unknown setting "nope"/);
    expect(() => parseConfigText('[1, 2]', 'c.json')).toThrow(/must hold an object/);
  });

  it('defaults InfoNCE to the benchmark\'s one softmax, takes per-side, rejects other forms, and hands it to LightGCN', () => {
    expect(resolveSettings({}).clSoftmax).toBe('joint');
    const raw = parseConfigText('cl-softmax: per-side\n', 'c.yaml');
    const given = settingsFromObject(raw, 'c.yaml');
    expect(given).toEqual({ clSoftmax: 'per-side' });
    expect(lightGcnConfig(resolveSettings(given)).clSoftmax).toBe('per-side');
    expect(() => settingsFromObject({ clSoftmax: 'both' }, 'c.json')).toThrow(/clSoftmax.*joint, per-side/);
  });
});

describe('errors', () => {
  it('maps errors to the documented exit codes', () => {
    expect(exitCodeOf(new UsageError('x'))).toBe(1);
    expect(exitCodeOf(new DataError('x'))).toBe(2);
    expect(exitCodeOf(new InterruptedError('SIGINT'))).toBe(130);
    expect(exitCodeOf(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe(2);
    class BudgetError extends RangeError {}
    expect(exitCodeOf(new BudgetError('x'))).toBe(1);
    class CheckpointError extends Error {}
    expect(exitCodeOf(new CheckpointError('x'))).toBe(2);
  });
});

describe('pareto front', () => {
  it('keeps the points no other point beats on bytes and metric', () => {
    const pts = [
      { method: 'a', target: 0.5, bytes: 100, metric: 0.5 },
      { method: 'b', target: 0.5, bytes: 50, metric: 0.4 },
      { method: 'c', target: 0.5, bytes: 60, metric: 0.3 },
      { method: 'd', target: 0.5, bytes: 200, metric: 0.5 },
    ];
    expect(paretoFront(pts).map((p) => p.method)).toEqual(['b', 'a']);
  });
});

describe('bench method options', () => {
  it('flat options apply to every method, a method-named object to that method only', () => {
    const options = { seed: 3, pep: { thresholdInit: -5 }, cerp: { thresholdInit: -8 } };
    expect(optionsFor('pep', options)).toEqual({ seed: 3, thresholdInit: -5 });
    expect(optionsFor('cerp', options)).toEqual({ seed: 3, thresholdInit: -8 });
    expect(optionsFor('qr', options)).toEqual({ seed: 3 });
  });

  it('tuning one method leaves the other cells and their hashes alone', () => {
    const spec = { datasets: ['synthetic-cf'], backbones: ['lightgcn' as const], methods: ['qr', 'pep'], targets: [0.8] };
    const plain = expandGrid(spec, PROFILES.quick, {});
    const tuned = expandGrid(spec, PROFILES.quick, { methodOptions: { pep: { thresholdInit: -5 } } });
    const hash = (cells: typeof plain, method: string): string => cells.find((c) => c.method === method)!.hash;
    expect(hash(tuned, 'full')).toBe(hash(plain, 'full'));
    expect(hash(tuned, 'qr')).toBe(hash(plain, 'qr'));
    expect(hash(tuned, 'pep')).not.toBe(hash(plain, 'pep'));
    expect(tuned.find((c) => c.method === 'pep')!.settings.methodOptions.thresholdInit).toBe(-5);
  });
});

describe('bench tuning options', () => {
  const spec = { datasets: ['synthetic-cf'], backbones: ['lightgcn' as const], methods: ['qr'], targets: [0.8] };
  const qrHash = (tune: ReturnType<typeof benchTune>): string => expandGrid(spec, PROFILES.quick, {}, tune).find((c) => c.method === 'qr')!.hash;

  it('the sampler keys are absent by default, so the cells keep the hashes they had before the keys existed', () => {
    const plain = benchTune({ tune: '4' }, undefined, 'config');
    expect(plain!.options).toEqual({ trials: 4, trialEpochs: null, space: { backbone: false, thresholds: 'start' } });
    const startup = benchTune({ tune: '4' }, { startupTrials: 2 }, 'config');
    expect(startup!.options.startupTrials).toBe(2);
    expect(qrHash(startup)).not.toBe(qrHash(plain));
    expect(benchTune({ tune: '4' }, { multivariate: false }, 'config')!.options).toEqual(plain!.options);
  });

  it('takes startupTrials and multivariate from the config, the flags over them', () => {
    const config = { startupTrials: 3, multivariate: true };
    expect(benchTune({ tune: '6' }, config, 'c.json')!.options).toMatchObject({ startupTrials: 3, multivariate: true });
    expect(benchTune({ tune: '6', tuneStartup: '0', tuneMultivariate: false }, config, 'c.json')!.options).toMatchObject({ startupTrials: 0 });
    expect(benchTune({ tune: '6', tuneStartup: '0', tuneMultivariate: false }, config, 'c.json')!.options.multivariate).toBeUndefined();
  });

  it('rejects a bad start-up count or multivariate value, naming where it came from', () => {
    expect(() => benchTune({ tune: '4', tuneStartup: '-1' }, undefined, 'c.json')).toThrow(/--tune-startup must be an integer >= 0, got "-1"/);
    expect(() => benchTune({ tune: '4' }, { startupTrials: 1.5 }, 'c.json')).toThrow(/c.json: tune.startupTrials must be an integer >= 0, got 1.5/);
    expect(() => benchTune({ tune: '4' }, { multivariate: 'yes' }, 'c.json')).toThrow(/c.json: tune.multivariate must be true or false, got "yes"/);
    expect(() => benchTune({ tuneStartup: '2' }, undefined, 'c.json')).toThrow(UsageError);
  });
});
