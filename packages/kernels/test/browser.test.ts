/**
 * The same package in a browser: headless Chromium (Debian's package; skipped with a printed reason
 * when it is not installed) loads dist/ as plain ES modules over HTTP, fetches the .wasm through
 * the URL path (no fs), and runs kernels single-threaded and on the worker pool (Web Workers over
 * shared memory, which needs a cross-origin-isolated page: the server sends COOP/COEP headers).
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.log(`browser tests skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);

const root = fileURLToPath(new URL('..', import.meta.url));
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
// The page imports the built package like any app would and leaves its results on window.
// (Plain JS in a string: vitest would rewrite imports inside page.evaluate callbacks.)
const PAGE = `<!doctype html><meta charset="utf-8"><title>lers kernels</title>
<script type="module">
const k = await import('/dist/index.js');
const out = { isolated: globalThis.crossOriginIsolated };
try {
  for (const threads of [1, 2]) {
    const be = await k.createWasmBackend({ threads });
    const a = be.upload('f32', Array.from({ length: 64 * 32 }, (_, i) => (i % 7) - 3));
    const b = be.upload('f32', Array.from({ length: 32 * 48 }, (_, i) => (i % 5) - 2));
    const c = be.alloc('f32', 64 * 48);
    be.gemm(false, false, 64, 48, 32, 1, a, b, 0, c);
    const ids = be.upload('i32', [3, 0, 5]);
    const g = be.alloc('f32', 3 * 32);
    be.gather(a, 64, 32, ids, g);
    const idx = be.alloc('i32', 64 * 2);
    const val = be.alloc('f32', 64 * 2);
    be.topk(64, 48, c, 2, idx, val);
    out['t' + threads] = { c: Array.from(be.view(c)), g: Array.from(be.view(g)), idx: Array.from(be.view(idx)), threads: be.threads };
    be.dispose();
  }
} catch (e) {
  out.error = String(e && e.stack || e);
}
window.lersResult = out;
</script>`;

let server: Server;
let base = '';

beforeAll(async () => {
  if (!hasChromium) return;
  server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = join(root, path);
    const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html' }).end(PAGE);
    } else if (file.startsWith(root) && existsSync(file)) {
      res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server?.close();
});

describe.skipIf(!hasChromium)('in headless Chromium', () => {
  it('runs GEMM, gather and top-k from dist/ with 1 and 2 threads', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`${base}/index.html`);
      await page.waitForFunction('window.lersResult !== undefined', undefined, { timeout: 30_000 });
      const result = await page.evaluate<Record<string, unknown>>('window.lersResult');
      expect(result.error).toBeUndefined();
      expect(result.isolated).toBe(true);
      const one = result.t1 as { c: number[]; g: number[]; idx: number[]; threads: number };
      const two = result.t2 as typeof one;
      expect(two.threads).toBe(2);
      // C[i, j] = sum_p A[i, p] B[p, j] with A[i, p] = ((32 i + p) % 7) - 3 and B[p, j] = ((48 p + j) % 5) - 2.
      const want = (i: number, j: number) => {
        let s = 0;
        for (let p = 0; p < 32; p++) s += (((32 * i + p) % 7) - 3) * (((48 * p + j) % 5) - 2);
        return s;
      };
      for (const [i, j] of [[0, 0], [5, 17], [63, 47]]) expect(one.c[i * 48 + j]).toBe(want(i, j));
      expect(two.c).toEqual(one.c);
      expect(one.g.slice(0, 32)).toEqual(Array.from({ length: 32 }, (_, p) => ((32 * 3 + p) % 7) - 3));
      expect(two.idx).toEqual(one.idx);
    } finally {
      await browser.close();
    }
  });
});
