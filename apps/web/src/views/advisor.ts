/**
 * Advisor: budgets (bytes held, ms per request), a bench result (the embedded synthetic run or a
 * loaded one) and its dataset/backbone, the dataset's shape; the page measures the candidates'
 * models on this device (files the user gives, else stand-ins of the same structure; progress and
 * a Stop button) and shows @lers/advisor's pick with its explanation and the table behind it.
 */
import { advise, candidateSets, formatBytes, formatMs, metricTitle, parseBytes, parseMs, shapeOfCell, type Advice, type CandidateSet, type DatasetShape, type DeviceProfile } from '@lers/advisor';
import { EngineClient, StoppedError } from '../engine/client.js';
import type { EnvironmentReport, MeasuredCell } from '../engine/protocol.js';
import { resultsStore, type LoadedResults } from '../state.js';
import { el, field, message, replace } from '../ui/dom.js';
import { fileSource, type LoadedFile } from '../ui/files.js';
import { progressView } from '../ui/progress.js';
import { backendSelect, parsePick } from './backend-select.js';

/** The shape fields of a task, prefilled from the bench's synthetic settings. */
function shapeInputs(set: CandidateSet): { element: HTMLElement; read: () => DatasetShape } {
  const shape = set.candidates.map((c) => shapeOfCell(c.cell)).find((s) => s !== null) ?? null;
  if (set.group.task === 'cf') {
    const s = shape?.task === 'cf' ? shape : null;
    const users = el('input', { type: 'number', min: 1, value: s?.users ?? '', name: 'shape-users', required: true });
    const items = el('input', { type: 'number', min: 1, value: s?.items ?? '', name: 'shape-items', required: true });
    const mean = el('input', { type: 'number', min: 1, value: s?.meanInteractions ?? 33, name: 'shape-mean' });
    return {
      element: el('div', { class: 'row' }, field('users', users), field('items', items), field('interactions per user', mean, 'mean')),
      read: () => {
        const u = Number(users.value);
        const i = Number(items.value);
        if (!(u > 0 && i > 0)) throw new RangeError('the dataset shape needs users and items (the bench ran on real data, so give them)');
        return { task: 'cf', users: u, items: i, meanInteractions: Number(mean.value) || 33, ...(s?.seed !== undefined ? { seed: s.seed } : {}) };
      },
    };
  }
  const s = shape?.task === 'ctr' ? shape : null;
  const cards = el('input', { type: 'text', size: 40, value: s?.cardinalities?.join(', ') ?? '', name: 'shape-cardinalities', placeholder: 'the generator\'s default fields' });
  return {
    element: el('div', { class: 'row' }, field('values per field', cards, 'comma separated; empty: the synthetic generator\'s default 10 fields')),
    read: () => {
      const list = cards.value.split(/[\s,]+/).filter((x) => x !== '').map(Number);
      if (list.some((n) => !(Number.isInteger(n) && n > 0))) throw new RangeError(`values per field must be positive integers, got "${cards.value}"`);
      return { task: 'ctr', ...(list.length > 0 ? { cardinalities: list } : {}), rows: s?.rows ?? 20000, ...(s?.seed !== undefined ? { seed: s.seed } : {}) };
    },
  };
}

function adviceTable(a: Advice): HTMLTableElement {
  const rows = a.rows.map((r) => {
    const p = r.profile;
    const status = p === null ? 'not measured' : r.fits ? 'fits' : [r.overMemory ? 'over memory' : '', r.overLatency ? 'over latency' : ''].filter((x) => x !== '').join(', ');
    return el(
      'tr',
      { class: r === a.pick ? 'pick' : r.fits ? 'fits' : 'out', 'data-label': r.candidate.label, 'data-status': status, 'data-memory': p?.memoryBytes ?? '', 'data-metric': r.candidate.metric },
      el('td', {}, r === a.pick ? 'pick' : r.onFront ? 'front' : ''),
      el('th', { scope: 'row' }, r.candidate.label),
      el('td', {}, r.candidate.metric.toFixed(4)),
      el('td', {}, formatBytes(r.candidate.cell.embeddingBytes)),
      el('td', {}, p === null ? '-' : formatBytes(p.memoryBytes)),
      el('td', {}, p === null ? '-' : formatMs(p.latencyMs)),
      el('td', {}, status),
    );
  });
  return el(
    'table',
    { class: 'grid advice', 'data-name': 'advice-table' },
    el('thead', {}, el('tr', {}, el('th', {}, ''), el('th', {}, 'method'), el('th', {}, `test ${metricTitle(a.metricName)} (bench)`), el('th', {}, 'embedding bytes (bench)'), el('th', {}, 'held here'), el('th', {}, 'ms / request here'), el('th', {}, 'status'))),
    el('tbody', {}, ...rows),
  );
}

export function advisorView(env: EnvironmentReport): HTMLElement {
  const engine = new EngineClient();
  const source = el('div', { 'data-name': 'advisor-source' });
  const groupBox = el('div');
  const shapeBox = el('div');
  const budgetBytes = el('input', { type: 'text', value: '500KB', name: 'budget-bytes', size: 10 });
  const budgetMs = el('input', { type: 'text', value: '20', name: 'budget-ms', size: 6 });
  const backend = backendSelect(env, 'advisor-backend');
  const run = el('button', { type: 'button', 'data-name': 'advise' }, 'Measure here and advise');
  const progressBox = el('div');
  const output = el('div', { 'data-name': 'advice', 'aria-live': 'polite' });
  let files: LoadedFile[] = [];
  let sets: CandidateSet[] = [];
  let group: HTMLSelectElement | null = null;
  let readShape: (() => DatasetShape) | null = null;

  const showSet = (): void => {
    const set = sets[Number(group?.value ?? 0)];
    const s = shapeInputs(set);
    readShape = s.read;
    replace(shapeBox, el('h4', {}, 'Dataset shape (stand-in models are built on synthetic data of this shape)'), s.element);
  };
  const useResults = (loaded: LoadedResults): void => {
    try {
      sets = candidateSets(loaded.results, {}, loaded.name);
    } catch (err) {
      replace(source, message('error', (err as Error).message));
      return;
    }
    replace(source, message('ok', `Accuracy from ${loaded.name}.`));
    group = el('select', { name: 'advisor-group', 'data-name': 'advisor-group', onchange: showSet });
    sets.forEach((s, i) => group!.appendChild(el('option', { value: i }, `${s.group.dataset}/${s.group.backbone} (${s.group.task}, ${s.candidates.length} candidates)`)));
    replace(groupBox, field('dataset / backbone', group));
    showSet();
  };
  resultsStore.onChange(useResults);

  const render = (set: CandidateSet, measured: readonly MeasuredCell[], budget: { memoryBytes: number | null; latencyMs: number | null }, stopped: boolean): void => {
    const profiles = new Map<string, DeviceProfile>();
    for (const m of measured) if (m.profile !== null) profiles.set(m.id, m.profile);
    const a = advise(set, profiles, budget);
    const notes = measured.filter((m): m is Extract<MeasuredCell, { profile: null }> => m.profile === null);
    const standIns = measured.filter((m) => m.profile !== null && 'source' in m && m.source === 'stand-in').length;
    replace(
      output,
      el('div', { class: a.pick === null ? 'verdict none' : 'verdict', 'data-name': 'verdict', 'data-pick': a.pick?.candidate.label ?? '' }, a.explanation[0]),
      el('ul', { class: 'explanation' }, ...a.explanation.slice(1).map((l) => el('li', {}, l))),
      stopped ? message('warn', `Stopped after ${measured.length} of ${set.candidates.length} candidates: the rest are not measured and cannot be picked.`) : null,
      el('p', { class: 'hint' }, `${standIns} candidate${standIns === 1 ? ' was' : 's were'} measured on a stand-in (same structure, untrained weights: the same bytes and kernels), ${measured.length - standIns - notes.length} on a model file you gave.`),
      adviceTable(a),
      notes.length > 0 ? el('details', {}, el('summary', {}, `${notes.length} not measured: why`), el('ul', {}, ...notes.map((n) => el('li', {}, `${n.id}: ${n.why}`)))) : null,
    );
  };

  run.addEventListener('click', () => {
    if (sets.length === 0) return;
    const set = sets[Number(group?.value ?? 0)];
    let budget: { memoryBytes: number | null; latencyMs: number | null };
    let shape: DatasetShape;
    try {
      budget = {
        memoryBytes: budgetBytes.value.trim() === '' ? null : parseBytes(budgetBytes.value, 'memory budget'),
        latencyMs: budgetMs.value.trim() === '' ? null : parseMs(budgetMs.value, 'latency budget'),
      };
      shape = readShape!();
    } catch (err) {
      replace(output, message('error', (err as Error).message));
      return;
    }
    const measured: MeasuredCell[] = [];
    const bar = progressView('advisor-measure', () => {
      engine.stop();
      bar.finish(`stopped after ${measured.length} of ${set.candidates.length}`);
    });
    replace(progressBox, bar.element);
    replace(output);
    run.disabled = true;
    const pick = parsePick(backend.value);
    engine
      .call({ kind: 'measure', cells: set.candidates.map((c) => c.cell), shape, files: files.map((f) => ({ name: f.name, bytes: f.bytes.slice() })), backend: pick.backend, threads: pick.threads, repeats: 5 }, (p, partial) => {
        if (partial !== undefined) measured.push(partial);
        bar.update(p.done, p.total, `measured ${p.label}`);
      })
      .then(
        () => {
          bar.finish(`measured ${measured.filter((m) => m.profile !== null).length} of ${set.candidates.length} candidates on this device`);
          render(set, measured, budget, false);
        },
        (err: unknown) => {
          if (err instanceof StoppedError) render(set, measured, budget, true);
          else replace(output, message('error', (err as Error).message));
        },
      )
      .finally(() => { run.disabled = false; });
  });

  const fail = (err: Error): void => { replace(source, message('error', err.message)); };
  const modelFiles = fileSource({
    name: 'advisor-models',
    accept: '.lers',
    multiple: true,
    prompt: 'Optional: the bench\'s model files (its models/ folder)',
    urlPlaceholder: 'or one model URL',
    onFiles: (fs) => { files = [...files, ...fs]; replace(fileCount, `${files.length} model file${files.length === 1 ? '' : 's'} given; the others are measured on stand-ins.`); },
    onError: fail,
  });
  const fileCount = el('p', { class: 'hint' }, 'No model files given: every candidate is measured on a stand-in (PEP, OptEmbed and CERP need their own files).');

  queueMicrotask(() => {
    if (resultsStore.current === null) resultsStore.loadEmbedded().catch(fail);
  });

  return el(
    'section',
    { class: 'view', 'data-view': 'advisor' },
    el('h2', {}, 'Which method should I ship on this device?'),
    el('div', { class: 'cols' },
      el('div', { class: 'card' },
        el('h3', {}, 'Budgets'),
        el('div', { class: 'row' }, field('memory held', budgetBytes, 'e.g. 500KB, 2MB; empty: none'), field('ms per request', budgetMs, 'median; empty: none')),
        el('h3', {}, 'Accuracy from a bench'),
        source,
        el('p', { class: 'hint' }, 'The Results view loads another results.json; the embedded synthetic run is used until then.'),
        groupBox,
        shapeBox,
      ),
      el('div', { class: 'card' }, el('h3', {}, 'Measure on'), field('backend', backend), modelFiles, fileCount, run, progressBox),
    ),
    output,
  );
}
