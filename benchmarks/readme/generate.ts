/**
 * `pnpm results:readme`: rewrites the generated blocks of README.md, benchmarks/results/README.md, apps/cli/README.md and packages/webgpu/README.md
 * from the results files, so that no figure in a README is typed by hand. A block sits between
 * `<!-- generated:NAME -->` and `<!-- /generated:NAME -->`; `--check` only compares and exits 1
 * naming the stale blocks (the test suite runs it).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { measuredTable } from './measured.js';
import { methodTable, tuningNote } from './method-tables.js';
import { ResultsFolder } from './sources.js';
import { webGpuTable } from './webgpu-table.js';

/** The repository root (this file is benchmarks/readme/generate.ts). */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A results file that may not be there yet (a grid still running): its block says so instead of failing. */
function optional(r: ResultsFolder, file: string, make: () => string): string {
  try {
    r.file(file);
  } catch {
    return `(\`${file}\` is not committed yet.)`;
  }
  return make();
}

/** The text of every generated block, by name. */
export function blocks(r: ResultsFolder): Record<string, string> {
  const table = (file: string, title: string, backbone?: string): string =>
    optional(r, file, () => [`${title} (test metric / served embedding bytes; \`${file}\`). ${tuningNote(r, file)}`, '', methodTable(r, file, { ...(backbone !== undefined ? { backbone } : {}), capture: true })].join('\n'));
  return {
    measured: measuredTable(r),
    'lastfm-table': optional(r, 'method-table-lastfm.json', () => [tuningNote(r, 'method-table-lastfm.json'), '', methodTable(r, 'method-table-lastfm.json')].join('\n')),
    'method-tables': [
      table('method-table-lastfm.json', 'lastfm-lightgcn, LightGCN, NDCG@20'),
      table('method-table-ml-1m.json', 'ml-1m-lightgcn, LightGCN, NDCG@20'),
      table('method-table-criteo-sample.json', 'criteo-sample, DeepFM, AUC', 'deepfm'),
      table('method-table-criteo-sample-dcnmix.json', 'criteo-sample, DCN-Mix, AUC', 'dcnmix'),
    ].join('\n\n'),
    'webgpu-bench': webGpuTable(r),
  };
}

/** `text` with every generated block replaced; throws naming a block that is opened but not closed. */
export function fill(text: string, values: Readonly<Record<string, string>>, file: string): string {
  return text.replace(/<!-- generated:([a-z0-9-]+) -->\n[^]*?(?=<!-- \/generated:([a-z0-9-]+) -->)/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${file}: unknown generated block "${name}" (known: ${Object.keys(values).join(', ')})`);
    return `<!-- generated:${name} -->\n${value}\n`;
  });
}

/** Regenerates (or with `check`, compares) the READMEs; returns the files whose blocks were stale. */
export function run(check: boolean, root = ROOT): string[] {
  const r = new ResultsFolder(join(root, 'benchmarks', 'results'));
  const values = blocks(r);
  const stale: string[] = [];
  for (const file of [join(root, 'README.md'), join(root, 'benchmarks', 'results', 'README.md'), join(root, 'apps', 'cli', 'README.md'), join(root, 'packages', 'webgpu', 'README.md')]) {
    const before = readFileSync(file, 'utf8');
    const opened = [...before.matchAll(/<!-- generated:([a-z0-9-]+) -->/g)].map((m) => m[1]);
    for (const name of opened) if (!before.includes(`<!-- /generated:${name} -->`)) throw new Error(`${file}: block "${name}" is not closed`);
    const after = fill(before, values, file);
    if (after === before) continue;
    stale.push(file);
    if (!check) writeFileSync(file, after);
  }
  return stale;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const check = process.argv.includes('--check');
  const stale = run(check);
  if (check && stale.length > 0) {
    process.stderr.write(`generated README blocks are stale in ${stale.join(', ')}: run pnpm results:readme\n`);
    process.exit(1);
  }
  process.stdout.write(stale.length === 0 ? 'README blocks up to date\n' : `${check ? 'stale' : 'rewrote'}: ${stale.join(', ')}\n`);
}
