/**
 * The same kernel tests in headless Chromium (Debian's package, WebGPU on its SwiftShader
 * adapter with --enable-unsafe-webgpu): the test files are bundled with esbuild, 'vitest' replaced
 * by test/browser/vitest-shim.ts, and run in a page served from 127.0.0.1 (WebGPU needs a secure
 * context). Skipped with a printed reason when Chromium is not installed.
 */
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ShimResult } from './browser/vitest-shim.js';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  const reason = `WebGPU browser tests skipped: ${CHROMIUM} is not installed (apt-get install chromium)`;
  if (process.env.LERS_REQUIRE_WEBGPU === '1') throw new Error(`LERS_REQUIRE_WEBGPU=1 but ${reason}`);
  console.log(reason);
}

const testDir = fileURLToPath(new URL('.', import.meta.url));
/** Test files that do not run in the page: Node's Dawn and device loss, and this file. */
const NODE_ONLY = new Set(['device', 'browser']);
/** The kernel test files that run in the page: every `*.test.ts` here but NODE_ONLY, so a new one runs in Chromium too. */
const FILES = readdirSync(testDir)
  .filter((f) => f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -'.test.ts'.length))
  .filter((f) => !NODE_ONLY.has(f))
  .sort();

let server: Server | undefined;
let base = '';

beforeAll(async () => {
  if (!hasChromium) return;
  const esbuild = await import('esbuild');
  const entry = `${FILES.map((f) => `import './${f}.test.ts';`).join('\n')}
import { runAll } from './browser/vitest-shim.ts';
window.lersResults = await runAll();`;
  const bundle = await esbuild.build({
    stdin: { contents: entry, resolveDir: testDir, loader: 'ts', sourcefile: 'browser-entry.ts' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    alias: { vitest: `${testDir}browser/vitest-shim.ts` },
    external: ['webgpu', 'node:*'],
    // The package says sideEffects: false; the test files are imported for their side effects.
    ignoreAnnotations: true,
    logLevel: 'error',
  });
  const code = bundle.outputFiles[0].text;
  const page = '<!doctype html><meta charset="utf-8"><title>lers webgpu tests</title><script type="module" src="/tests.js"></script>';
  server = createServer((req, res) => {
    if (req.url === '/tests.js') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(code);
    else if (req.url === '/' || req.url === '/index.html') res.writeHead(200, { 'Content-Type': 'text/html' }).end(page);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(() => {
  server?.close();
});

describe.skipIf(!hasChromium)('in headless Chromium (SwiftShader WebGPU)', () => {
  it('every kernel test file passes against the reference in a page', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--enable-unsafe-webgpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`${base}/index.html`);
      await page.waitForFunction('window.lersResults !== undefined || false', undefined, { timeout: 520_000, polling: 500 }).catch(() => undefined);
      expect(errors, 'page errors').toEqual([]);
      const results = await page.evaluate<ShimResult[] | undefined>('window.lersResults');
      expect(results, 'the page finished').toBeDefined();
      const failed = results!.filter((r) => r.status !== 'passed');
      for (const r of failed) console.log(`in Chromium: ${r.status} ${r.name}${r.error ? `: ${r.error}` : ''}`);
      const seconds = results!.reduce((s, r) => s + r.ms, 0) / 1000;
      console.log(`in Chromium: ${results!.length - failed.length} of ${results!.length} WebGPU kernel tests passed (${seconds.toFixed(1)} s)`);
      expect(failed.map((r) => `${r.name}: ${r.status} ${r.error ?? ''}`)).toEqual([]);
      expect(results!.length).toBeGreaterThan(25);
    } finally {
      await browser.close();
    }
  }, 540_000);
});
