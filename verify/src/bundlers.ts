/**
 * pnpm verify:bundlers: the packed packages in a page, built as the runtime's README says with
 * Vite (build and dev server), webpack 5, esbuild and no bundler (page-builds.ts), served with and
 * without the COOP/COEP headers, run in headless Chromium. The page loads a model (trained by the
 * installed CLI) with 1 and 2 threads and recommends, in the page and in a module Web Worker; each
 * cell must give Node's recommendations and the thread count the headers allow (2 with them, 1
 * without, the reason naming COOP/COEP). Prints one line per cell and
 * `verify:bundlers: N passed, N failed`; exits 1 on any failure.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { launchChromium, pageResult } from './chromium.js';
import { CheckRun } from './checks.js';
import { exec } from './exec.js';
import { preparePackedProject } from './packed-project.js';
import { PAGE_TARGETS, type PageTarget } from './page-builds.js';
import { listsDiffer, type RecommendationList } from './recommendations.js';
import { copyFixture } from './workspace.js';

/** What recommend.js reports for one context (page or worker). */
interface ContextResult {
  readonly isolated: boolean | null;
  readonly error?: string;
  readonly [threads: `threads${number}`]: { threads: number; reason: string; lists: RecommendationList[] } | undefined;
}

const run: CheckRun = new CheckRun('verify:bundlers');
const prepared = await preparePackedProject(run, 'lers-verify-bundlers');
if (!prepared) run.finish();
const { project, model } = prepared;
copyFixture('page', project);
mkdirSync(join(project, 'public'), { recursive: true });
copyFileSync(model, join(project, 'public', 'model.lers'));

const expected = await run.check('Node runs the page\'s requests (expected recommendations)', async () => {
  const { stdout } = await exec(process.execPath, ['expected.mjs', 'model.lers'], { cwd: project });
  const result = JSON.parse(stdout) as ContextResult;
  const one = result.threads1;
  const two = result.threads2;
  if (!one || !two) throw new Error(`no result: ${stdout.slice(0, 300)}`);
  const differ = listsDiffer(one.lists, two.lists);
  if (differ) throw new Error(`1 and 2 threads differ: ${differ}`);
  return one.lists;
}, (lists) => `${lists.length} users`);
if (!expected) run.finish();

const browser = await run.check('headless Chromium starts', () => launchChromium());
if (!browser) run.finish();

const matrix: string[] = [];
try {
  for (const target of PAGE_TARGETS) {
    const build = target.build;
    if (build) {
      const built = await run.check(`${target.name}: builds`, async () => {
        await build(project);
        return true;
      });
      if (!built) continue;
    }
    for (const isolated of [true, false]) await checkCells(browser, target, isolated, expected);
  }
} finally {
  await browser.close();
}
console.log(`\n${matrix.join('\n')}\n`);
run.finish(prepared.work);

/** Opens the page of `target` served with or without the headers and checks its 4 (or 2) cells. */
async function checkCells(browser: Browser, target: PageTarget, isolated: boolean, want: readonly RecommendationList[]): Promise<void> {
  const headers = isolated ? 'COOP/COEP' : 'no COOP/COEP';
  const contexts = target.worker ? (['page', 'worker'] as const) : (['page'] as const);
  let result: Record<string, ContextResult | null> | undefined;
  let failure = '';
  const t0 = performance.now();
  try {
    const server = await target.serve(project, isolated);
    try {
      result = (await pageResult(browser, server.url)) as Record<string, ContextResult | null>;
    } finally {
      await server.close();
    }
  } catch (e) {
    failure = e instanceof Error ? e.message : String(e);
  }
  console.log(`     ${target.name}, ${headers}: the page's requests took ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  for (const context of contexts) {
    for (const threads of [1, 2]) {
      const name = `${target.name} | ${headers} | ${context} | threads: ${threads}`;
      const cell = result?.[context];
      const expectThreads = threads === 1 || !isolated ? 1 : 2;
      const problem = failure || cellProblem(cell, threads, expectThreads, isolated, want);
      const got = cell?.[`threads${threads}`];
      run.record(name, problem || null, got ? `ran on ${got.threads}: ${got.reason}` : '');
      matrix.push(`| ${target.name} | ${headers} | ${context} | ${threads} | ${problem ? 'FAIL' : `ok, ${got?.threads ?? '?'} thread(s)`} |`);
    }
  }
}

function cellProblem(cell: ContextResult | null | undefined, threads: number, expectThreads: number, isolated: boolean, want: readonly RecommendationList[]): string {
  if (!cell) return 'no result';
  if (cell.error) return cell.error.split('\n').slice(0, 3).join(' ');
  if (cell.isolated !== isolated) return `crossOriginIsolated is ${String(cell.isolated)}`;
  const got = cell[`threads${threads}`];
  if (!got) return `no result for ${threads} thread(s)`;
  if (got.threads !== expectThreads) return `ran on ${got.threads} thread(s), expected ${expectThreads}: ${got.reason}`;
  if (threads > expectThreads && !got.reason.includes('not cross-origin isolated (serve it with COOP/COEP headers)')) return `the reason does not say why: ${got.reason}`;
  return listsDiffer(want, got.lists) ?? '';
}
