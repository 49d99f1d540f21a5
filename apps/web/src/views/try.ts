/**
 * Try a model: load a `.lers` file (picker, URL, drop) or train the demo model here, pick the
 * backend, ask for a user's top-k (CF) or a click probability (CTR), and profile it: latency by
 * phase, memory held, and the backend that really ran with the runtime's reason.
 */
import { formatBytes, formatMs, metricTitle } from '@lers/advisor';
import { Rng } from '@lers/kernels/random';
import type { CfServingMode } from '@lers/runtime';
import { EngineClient, StoppedError } from '../engine/client.js';
import type { EnvironmentReport, LoadedReport } from '../engine/protocol.js';
import { el, field, message, replace, select } from '../ui/dom.js';
import { fileSource, type LoadedFile } from '../ui/files.js';
import { progressView } from '../ui/progress.js';
import { latencyChart } from '../plots/latency.js';
import { backendSelect, parsePick } from './backend-select.js';

const DEMO_METHODS: readonly (readonly [string, string])[] = [
  ['full', 'full (uncompressed)'],
  ['qr', 'QR (quotient-remainder)'],
  ['ttrec', 'TT-Rec (tensor train)'],
  ['dhe', 'DHE (deep hash embedding)'],
  ['qat', 'QAT (quantisation-aware)'],
];

function infoTable(r: LoadedReport, fileName: string): HTMLElement {
  const i = r.info;
  const sizes = i.sizes as { params?: number; sparsity?: number; memoryBytes?: number };
  const metrics = Object.entries(i.metrics).filter(([k]) => k.startsWith('test.') && !k.endsWith('users'));
  const rows: [string, string][] = [
    ['model', `${i.backbone} (${i.task === 'cf' ? 'collaborative filtering' : 'click-through rate'}), method ${i.method.name}${i.method.target !== null ? ` at ${Math.round(i.method.target * 1000) / 10}% sparsity` : ''}`],
    ['dataset', i.task === 'cf' ? `${i.dataset.name}: ${i.dataset.users} users x ${i.dataset.items} items` : `${i.dataset.name}: ${i.dataset.fields} fields`],
    ['file', `${fileName}, ${formatBytes(i.file.bytes)} (written by ${i.file.libraryVersion}, ${i.file.createdAt})`],
    ['embeddings', `${formatBytes(sizes.memoryBytes)} (${sizes.params ?? '-'} parameters, sparsity ${(sizes.sparsity ?? 0).toFixed(3)})`],
    ['memory held', `${formatBytes(i.memoryBytes)} on the backend (tables, graph, dense layers, the file where used in place)`],
    ['backend that ran', `${i.backend.kind}, ${i.backend.threads} thread${i.backend.threads > 1 ? 's' : ''}: ${i.backend.reason}`],
    ...(i.serving !== null ? [['serving', `${i.serving.mode} (${i.serving.why})`] as [string, string]] : []),
    ['load', formatMs(r.loadMs)],
    ...(metrics.length > 0 ? [['test metrics (at save)', metrics.map(([k, v]) => `${metricTitle(k.slice(5))} ${v.toFixed(4)}`).join(', ')] as [string, string]] : []),
  ];
  return el('table', { class: 'kv', 'data-name': 'model-info' }, el('tbody', {}, ...rows.map(([k, v]) => el('tr', {}, el('th', { scope: 'row' }, k), el('td', {}, v)))));
}

export function tryView(env: EnvironmentReport): HTMLElement {
  const engine = new EngineClient();
  const status = el('div', { class: 'status', 'aria-live': 'polite', 'data-name': 'try-status' });
  const modelBox = el('div', { class: 'model-box' }, message('info', 'No model loaded yet: open a .lers file, or train the demo model.'));
  const askBox = el('div', { class: 'ask' });
  const profileBox = el('div', { class: 'profile-box' });
  const backend = backendSelect(env, 'try-backend');
  const serving = select('try-serving', [['cached', 'cached: propagate once at load, keep fp32 final embeddings'], ['cached-int8', 'cached-int8: the final embeddings in int8'], ['propagate', 'propagate per request (the paper\'s edge setting)']], 'cached');
  let current: LoadedFile | null = null;
  let loaded: LoadedReport | null = null;
  const seeds = new Rng(2024);

  const showError = (err: unknown): void => {
    if (err instanceof StoppedError) return;
    replace(status, message('error', (err as Error).message));
  };

  const load = async (file: LoadedFile): Promise<void> => {
    replace(status, message('info', `Loading ${file.name} (${formatBytes(file.bytes.byteLength)})...`));
    const pick = parsePick(backend.value);
    try {
      // The worker takes a copy: the page keeps the bytes to reload them on another backend.
      const report = await engine.call({ kind: 'load', bytes: file.bytes.slice(), name: file.name, backend: pick.backend, threads: pick.threads, serving: serving.value as CfServingMode });
      current = file;
      loaded = report;
      replace(status, message('ok', `Loaded ${file.name} on ${report.info.backend.kind}, ${report.info.backend.threads} thread${report.info.backend.threads > 1 ? 's' : ''}.`));
      replace(modelBox, infoTable(report, file.name));
      replace(askBox, ...askControls(report));
      replace(profileBox, profileButton());
    } catch (err) {
      showError(err);
    }
  };

  const askControls = (r: LoadedReport): HTMLElement[] => {
    const out = el('div', { class: 'answer', 'data-name': 'answer' });
    if (r.info.task === 'cf') {
      const user = el('input', { type: 'text', value: '0', size: 8, 'data-name': 'user' });
      const k = el('input', { type: 'number', value: 10, min: 1, max: 100, 'data-name': 'k' });
      const go = el('button', { type: 'button', 'data-name': 'recommend' }, 'Recommend');
      go.addEventListener('click', () => {
        engine.call({ kind: 'recommend', user: user.value.trim(), k: Number(k.value) }).then((res) => {
          replace(
            out,
            el('p', {}, `Top ${res.items.length} for user ${res.user} in ${formatMs(res.ms)} (train items masked):`),
            el('ol', { class: 'topk', 'data-name': 'topk' }, ...res.items.map((it, i) => el('li', {}, `item ${String(it)}`, el('span', { class: 'score' }, res.scores[i].toFixed(4))))),
          );
        }, (err: unknown) => { replace(out, message('error', (err as Error).message)); });
      });
      return [el('h3', {}, 'Ask: a user\'s top-k'), el('div', { class: 'row' }, field(`user (0-${r.info.dataset.users - 1})`, user), field('k', k), go), out];
    }
    const schema = r.schema!;
    const row = el('input', { type: 'text', size: 40, 'data-name': 'row', 'aria-label': 'feature ids' });
    const randomRow = (): void => {
      row.value = schema.fieldDims.map((d, f) => schema.fieldOffsets[f] + (seeds.nextU32() % d)).join(', ');
    };
    randomRow();
    const go = el('button', { type: 'button', 'data-name': 'predict' }, 'Predict');
    go.addEventListener('click', () => {
      const ids = row.value.split(/[\s,]+/).filter((s) => s !== '').map(Number);
      engine.call({ kind: 'predict', rows: [ids] }).then((res) => {
        replace(out, el('p', { 'data-name': 'probability' }, `Click probability ${res.probabilities[0].toFixed(4)} (in ${formatMs(res.ms)})`));
      }, (err: unknown) => { replace(out, message('error', (err as Error).message)); });
    });
    return [
      el('h3', {}, 'Ask: a click probability'),
      el('p', { class: 'hint' }, `One global feature id per field (${schema.fieldNames.map((n, f) => `${n}: ${schema.fieldOffsets[f]}-${schema.fieldOffsets[f] + schema.fieldDims[f] - 1}`).join('; ')}).`),
      el('div', { class: 'row' }, field('row', row), el('button', { type: 'button', onclick: randomRow }, 'Random row'), go),
      out,
    ];
  };

  const profileButton = (): HTMLElement => {
    const go = el('button', { type: 'button', 'data-name': 'profile' }, 'Profile 20 requests');
    const out = el('div', { 'data-name': 'profile-result' });
    go.addEventListener('click', () => {
      replace(out, message('info', 'Profiling...'));
      engine.call({ kind: 'profile', repeats: 20 }).then((p) => {
        const rows = Object.entries(p.phases).map(([k, t]) => el('tr', {}, el('th', { scope: 'row' }, k), el('td', {}, formatMs(t.minMs)), el('td', {}, formatMs(t.medianMs)), el('td', {}, formatMs(t.maxMs))));
        replace(
          out,
          el('p', {}, `On ${p.backend}, ${p.threads} thread${p.threads > 1 ? 's' : ''} (${p.reason}); ${formatBytes(p.memoryBytes)} held.`),
          latencyChart(p.phases, loaded?.info.task ?? 'cf'),
          el('table', { class: 'grid' }, el('thead', {}, el('tr', {}, el('th', {}, 'phase'), el('th', {}, 'min'), el('th', {}, 'median'), el('th', {}, 'max'))), el('tbody', {}, ...rows)),
        );
      }, (err: unknown) => { replace(out, message('error', (err as Error).message)); });
    });
    return el('div', {}, el('h3', {}, 'Latency on this device'), go, out);
  };

  // The demo: train on synthetic data in the page.
  const task = select('demo-task', [['cf', 'CF: LightGCN on synthetic interactions'], ['ctr', 'CTR: DeepFM on synthetic clicks']], 'cf');
  const method = select('demo-method', DEMO_METHODS, 'full');
  const target = select('demo-target', [['0.5', '50%'], ['0.8', '80%']], '0.8');
  const epochs = el('input', { type: 'number', value: 5, min: 1, max: 40, name: 'demo-epochs' });
  const demoOut = el('div', { 'data-name': 'demo-result' });
  const trainButton = el('button', { type: 'button', 'data-name': 'train-demo' }, 'Train the demo model');
  trainButton.addEventListener('click', () => {
    const bar = progressView('demo-training', () => {
      // Stopping ends the worker, and with it the model it held: load that model again.
      engine.stop();
      bar.finish('stopped');
      trainButton.disabled = false;
      if (current !== null) void load(current);
    });
    replace(demoOut, bar.element);
    trainButton.disabled = true;
    const pick = parsePick(backend.value);
    const t = task.value as 'cf' | 'ctr';
    engine
      .call({ kind: 'train-demo', demo: { task: t, method: method.value, target: Number(target.value), epochs: Number(epochs.value), threads: pick.backend === 'wasm' ? pick.threads : 1 } }, (p) => { bar.update(p.done, p.total, p.label); })
      .then(async (res) => {
        bar.finish(`Trained: ${res.summary}`);
        const name = `demo-${t}-${method.value}.lers`;
        const url = URL.createObjectURL(new Blob([res.bytes as BlobPart], { type: 'application/octet-stream' }));
        demoOut.appendChild(el('p', {}, el('a', { href: url, download: name, 'data-name': 'demo-download' }, `Save ${name} (${formatBytes(res.bytes.byteLength)})`)));
        await load({ name, bytes: res.bytes });
      }, showError)
      .finally(() => { trainButton.disabled = false; });
  });
  for (const s of [backend, serving]) {
    s.addEventListener('change', () => {
      if (current !== null) void load(current);
    });
  }

  return el(
    'section',
    { class: 'view', 'data-view': 'try' },
    el('h2', {}, 'Try a model'),
    el('div', { class: 'cols' },
      el('div', { class: 'card' },
        el('h3', {}, 'Open a .lers model'),
        fileSource({ name: 'model', accept: '.lers', prompt: 'Drop a .lers file here, pick one', urlPlaceholder: 'or a URL: https://.../model.lers', onFiles: (fs) => { void load(fs[0]); }, onError: showError }),
        el('h3', {}, 'Or train the demo model here'),
        el('div', { class: 'row' }, field('task', task), field('method', method), field('target', target, 'full: none; QAT: 50% only'), field('epochs', epochs)),
        trainButton,
        demoOut,
      ),
      el('div', { class: 'card' }, el('h3', {}, 'Backend'), field('run on', backend, 'changing it reloads the model'), field('LightGCN serving', serving, 'CF models only'), status),
    ),
    el('div', { class: 'card' }, el('h3', {}, 'The model'), modelBox),
    el('div', { class: 'cols' }, el('div', { class: 'card' }, askBox), el('div', { class: 'card' }, profileBox)),
  );
}
