#!/usr/bin/env node
/**
 * Regenerates the embedded bench results (public/demo/results-synthetic-quick.json): runs
 * `lers bench --quick` on the embedded synthetic data in a temporary folder, drops the cells'
 * model paths (they name files on the machine that ran it) and writes the file. Needs the CLI
 * built (`pnpm build`). Usage: pnpm --filter @lers/web demo:results
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const app = fileURLToPath(new URL('..', import.meta.url));
const cli = join(app, '..', 'cli', 'dist', 'main.js');
const target = join(app, 'public', 'demo', 'results-synthetic-quick.json');
if (!existsSync(cli)) {
  console.error(`demo:results: ${cli} does not exist: build the CLI first (pnpm build)`);
  process.exit(1);
}

const out = mkdtempSync(join(tmpdir(), 'lers-demo-results-'));
try {
  const run = spawnSync(process.execPath, [cli, 'bench', '--quick', '--out', out], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (run.status !== 0) {
    console.error(`demo:results: lers bench --quick exited ${run.status ?? run.signal}; ${target} is unchanged`);
    process.exit(1);
  }
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
  for (const cell of results.cells) delete cell.model;
  results.note = `lers bench --quick on the embedded synthetic data (${process.arch}, Node ${process.versions.node.split('.')[0]}), model paths removed by apps/web/scripts/demo-results.mjs; the web app and lers advise read it`;
  // Written next to the target and renamed over it: a failed write leaves the old file whole.
  const partial = `${target}.partial`;
  writeFileSync(partial, `${JSON.stringify(results, null, 2)}\n`);
  renameSync(partial, target);
  console.log(`demo:results: ${results.cells.length} cells -> ${target}`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
