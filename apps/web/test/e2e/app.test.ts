/**
 * The built app (dist/) in headless Chromium (Debian's package; skipped with a printed reason when
 * missing), served from a sub-path like any static host: with COOP/COEP (threads) and without
 * (1 thread, the reason shown). It trains the demo model, recommends, profiles, survives a
 * truncated model file, plots a results file with one mark per cell, and runs the advisor under a
 * budget. Screenshots of each view go to a temp folder; their paths are printed. Any console error
 * fails the test.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { serve } from './serve.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
// CI installs Chromium (.ci/run): there, a missing browser is a failure, not a skip.
if (!hasChromium && process.env.CI === 'true') throw new Error(`web e2e: ${CHROMIUM} is missing on CI (.ci/run installs it with apt-get)`);
if (!hasChromium) console.log(`web e2e skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);

const app = fileURLToPath(new URL('../..', import.meta.url));
const dist = join(app, 'dist');
const PREFIX = '/some/sub/path/';
const shots = mkdtempSync(join(tmpdir(), 'lers-web-e2e-'));
const consoleErrors: string[] = [];

interface Cell { status: string; metric?: string; test?: Record<string, number> | null; embeddingBytes?: number; method: string; dataset: string; backbone: string }
const embedded = JSON.parse(readFileSync(join(app, 'public', 'demo', 'results-synthetic-quick.json'), 'utf8')) as { cells: Cell[] };
const plotted = (c: Cell): boolean => c.status === 'ok' && c.metric !== undefined && typeof c.test?.[c.metric] === 'number' && (c.embeddingBytes ?? 0) > 0;

let browser: Browser;
let isolated: Awaited<ReturnType<typeof serve>>;
let open: Awaited<ReturnType<typeof serve>>;

async function newPage(url: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1320, height: 1000 } });
  page.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(`${url}: ${m.text()}`); });
  page.on('pageerror', (e) => { consoleErrors.push(`${url}: ${e.message}`); });
  await page.goto(url);
  await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
  return page;
}

async function shot(page: Page, name: string): Promise<void> {
  const path = join(shots, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot ${name}: ${path}`);
}

/** A screenshot of one element (a closer look than the whole page). */
async function shotOf(page: Page, selector: string, name: string): Promise<void> {
  const path = join(shots, `${name}.png`);
  await (await page.$(selector))!.screenshot({ path });
  console.log(`screenshot ${name}: ${path}`);
}

async function trainDemo(page: Page, backend: string): Promise<void> {
  await page.selectOption('[data-name=try-backend]', backend);
  await page.click('[data-name=train-demo]');
  await page.waitForSelector('[data-name=model-info]', { timeout: 180_000 });
}

beforeAll(async () => {
  if (!hasChromium) return;
  if (!existsSync(join(dist, 'index.html'))) throw new Error(`${dist} has no build: run \`pnpm --filter @lers/web test:e2e\` (it builds first)`);
  isolated = await serve(dist, PREFIX, true);
  open = await serve(dist, PREFIX, false);
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'] });
});

afterAll(async () => {
  await browser?.close();
  await isolated?.close();
  await open?.close();
});

describe.skipIf(!hasChromium)('the web app in headless Chromium', () => {
  it('trains the demo model on 2 threads, recommends, profiles, and keeps working after a truncated file', async () => {
    const page = await newPage(`${isolated.url}#try`);
    expect(await page.textContent('[data-name=threads]')).toMatch(/WASM threads: available \(cross-origin isolated/);
    // Headless Chromium without --enable-unsafe-webgpu has no adapter: the page says why instead of offering it.
    expect(await page.textContent('[data-name=webgpu]')).toMatch(/WebGPU: not used\. Why: backend webgpu: .*(no WebGPU adapter|not available)/);
    expect(await page.$eval('[data-name=try-backend] option[value="webgpu:1"]', (o) => (o as HTMLOptionElement).disabled)).toBe(true);
    await trainDemo(page, 'wasm:2');
    expect(await page.textContent('[data-name=demo-result]')).toMatch(/Trained: lightgcn full, 5 epochs .* on wasm \(wasm as asked; 2 threads\); test ndcg@20 0\.\d+/);
    expect(await page.textContent('[data-name=model-info]')).toMatch(/backend that ranwasm, 2 threads: wasm as asked; 2 threads/);
    await page.fill('[data-name=user]', '7');
    await page.click('[data-name=recommend]');
    await page.waitForSelector('[data-name=topk] li');
    expect(await page.$$eval('[data-name=topk] li', (l) => l.length)).toBe(10);
    await page.selectOption('select[name=try-serving]', 'propagate');
    await page.waitForFunction(() => document.querySelector('[data-name=model-info]')?.textContent?.includes('propagate as asked') === true);
    await page.click('[data-name=profile]');
    await page.waitForSelector('[data-name=profile-result] table', { timeout: 60_000 });
    const phases = await page.$$eval('[data-name=profile-result] tbody th', (l) => l.map((x) => x.textContent));
    expect(phases).toEqual(['propagation', 'scoring', 'filtering', 'topk', 'total']);
    expect(await page.$$eval('[data-name=profile-result] svg g[aria-description="latency phases"] rect', (l) => l.length)).toBe(4);
    await shot(page, 'try-a-model');

    // A truncated copy of the demo file: the runtime's error is shown, the loaded model stays.
    const bytes = await page.evaluate(async () => {
      const a = document.querySelector<HTMLAnchorElement>('[data-name=demo-download]')!;
      return Array.from(new Uint8Array(await (await fetch(a.href)).arrayBuffer()));
    });
    await page.setInputFiles('[data-name=model-file]', { name: 'truncated.lers', mimeType: 'application/octet-stream', buffer: Buffer.from(bytes.slice(0, Math.floor(bytes.length / 2))) });
    await page.waitForSelector('[data-name=try-status] [role=alert]');
    const alert = await page.textContent('[data-name=try-status] [role=alert]');
    expect(alert).toMatch(/truncated\.lers: .*(truncated|shorter|bytes)/i);
    await shot(page, 'try-truncated-file');
    await page.click('[data-name=recommend]');
    await page.waitForFunction(() => document.querySelectorAll('[data-name=topk] li').length === 10);
    await page.close();
  });

  it('plots a results file with one mark per cell, per dataset/backbone, and filters them', async () => {
    const page = await newPage(`${isolated.url}#results`);
    await page.click('[data-name=results-embedded]');
    await page.waitForSelector('[data-name=paper-table]');
    const marks = 'figure[data-plot=bytes] g[aria-description="bench cells"] > *';
    const perGroup = await page.$$eval('section.group', (gs, sel) => gs.map((g) => [g.getAttribute('data-group')!, g.querySelectorAll(sel).length] as const), marks);
    const expected = new Map<string, number>();
    for (const c of embedded.cells.filter(plotted)) expected.set(`${c.dataset}/${c.backbone}`, (expected.get(`${c.dataset}/${c.backbone}`) ?? 0) + 1);
    expect(new Map(perGroup)).toEqual(expected);
    // Axes with units and a legend.
    const text = await page.textContent('figure[data-plot=bytes]');
    expect(text).toMatch(/embedding bytes as served \(log scale\)/);
    expect(text).toMatch(/test NDCG@20/);
    expect(await page.$$eval('figure[data-plot=bytes] svg', (l) => l.length)).toBeGreaterThanOrEqual(2);
    await shot(page, 'results');
    await shotOf(page, 'section.group[data-group="synthetic-cf/lightgcn"]', 'results-cf-group');
    // Unticking a method removes exactly its cells.
    const qr = embedded.cells.filter((c) => plotted(c) && c.method === 'qr').length;
    await page.uncheck('[data-name=filter-methods] input[value=qr]');
    await page.waitForFunction((n) => document.querySelectorAll('figure[data-plot=bytes] g[aria-description="bench cells"] > *').length === n, embedded.cells.filter(plotted).length - qr);
    await page.close();
  });

  it('advises under a memory and latency budget: the pick is the most accurate candidate that fits', async () => {
    const page = await newPage(`${isolated.url}#advisor`);
    await page.waitForSelector('[data-name=advisor-group]');
    const ctr = await page.$$eval('[data-name=advisor-group] option', (os) => os.findIndex((o) => o.textContent.startsWith('synthetic-ctr/deepfm')));
    await page.selectOption('[data-name=advisor-group]', String(ctr));
    await page.fill('input[name=budget-bytes]', '500KB');
    await page.fill('input[name=budget-ms]', '20');
    await page.click('[data-name=advise]');
    await page.waitForSelector('[data-name=verdict]', { timeout: 180_000 });
    const rows = await page.$$eval('[data-name=advice-table] tbody tr', (trs) => trs.map((tr) => ({ label: tr.getAttribute('data-label')!, status: tr.getAttribute('data-status')!, memory: Number(tr.getAttribute('data-memory') || NaN), metric: Number(tr.getAttribute('data-metric')) })));
    const budget = 500 * 1024;
    for (const r of rows) {
      if (r.status.includes('over memory')) expect(r.memory).toBeGreaterThan(budget);
      if (r.status === 'fits') expect(r.memory).toBeLessThanOrEqual(budget);
    }
    const pick = await page.getAttribute('[data-name=verdict]', 'data-pick');
    const verdict = await page.textContent('[data-name=verdict]');
    const explanation = await page.$$eval('.explanation li', (l) => l.map((x) => x.textContent));
    console.log(`advisor (synthetic-ctr/deepfm, 500KB, 20 ms): ${verdict}\n  ${explanation.join('\n  ')}`);
    const fitting = rows.filter((r) => r.status === 'fits');
    expect(fitting.length).toBeGreaterThan(0);
    const best = Math.max(...fitting.map((r) => r.metric));
    expect(fitting.find((r) => r.label === pick)?.metric).toBe(best);
    expect(verdict).toMatch(new RegExp(`^Ship ${pick!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    // PEP, OptEmbed and CERP have no stand-in: listed as not measured, with the reason.
    expect(rows.filter((r) => r.status === 'not measured').map((r) => r.label.split('@')[0]).sort()).toEqual(expect.arrayContaining(['cerp', 'optembed', 'pep']));
    await shot(page, 'advisor');
    await shotOf(page, '[data-name=advice]', 'advisor-advice');

    // Stop part-way: what was measured is advised on, the rest is listed as not measured.
    await page.selectOption('[data-name=advisor-group]', String(1 - ctr));
    await page.click('[data-name=advise]');
    await page.waitForFunction(() => (document.querySelector<HTMLProgressElement>('[data-name=advisor-measure] progress')?.value ?? 0) >= 2, undefined, { timeout: 120_000 });
    await page.click('[data-name=advisor-measure] button.stop');
    await page.waitForSelector('[data-name=advice] .msg-warn');
    expect(await page.textContent('[data-name=advice] .msg-warn')).toMatch(/^Stopped after \d+ of \d+ candidates: the rest are not measured and cannot be picked\.$/);
    expect(await page.textContent('[data-name=verdict]')).toMatch(/^(Ship |No method fits)/);
    await page.close();
  });

  it('runs without cross-origin isolation on 1 thread and says why', async () => {
    const page = await newPage(`${open.url}#try`);
    expect(await page.textContent('[data-name=threads]')).toMatch(/WASM threads: unavailable, models run on 1 thread\. Why: .*not cross-origin isolated/);
    await trainDemo(page, 'wasm:2');
    expect(await page.textContent('[data-name=model-info]')).toMatch(/backend that ranwasm, 1 thread: wasm as asked; 1 thread: .*cross-origin isolated.* \(2 asked\)/);
    await page.click('[data-name=recommend]');
    await page.waitForSelector('[data-name=topk] li');
    await shot(page, 'try-not-isolated');
    await page.close();
  });

  it('logged no console error on any page', () => {
    expect(consoleErrors).toEqual([]);
  });
});
