/**
 * The test page (fixtures/page) built the ways the runtime's README describes, each with only
 * what the README says: Vite (no configuration; the dev server with the README's vite.config.js
 * when isolated), webpack 5 (no configuration: production mode, default entry src/index.js),
 * esbuild (the README's three commands), and no bundler (the README's import map).
 */
import { copyFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build as esbuild } from 'esbuild';
import { build as viteBuild, createServer as viteServer } from 'vite';
import webpack from 'webpack';
import { serveStatic, type RunningServer } from './static-server.js';
import { FIXTURES } from './workspace.js';

/** Where a target's build goes: next to the project, not in it, so that Vite's dev server (rooted at the project) scans only its own index.html. */
function outDir(project: string, target: string): string {
  return join(project, '..', `dist-${target}`);
}

/** A page from fixtures/pages (kept out of the project, where Vite's dev server would scan it; copied into the builds). */
function fixturePage(name: string): string {
  return join(FIXTURES, 'pages', name);
}

/** One way of building and serving the page. */
export interface PageTarget {
  readonly name: string;
  /** Builds (once, before serving); none for the dev server and the unbundled page. */
  readonly build?: (project: string) => Promise<void>;
  /** Serves the page with or without the isolation headers. */
  serve(project: string, isolated: boolean): Promise<RunningServer>;
  /** Whether the page also runs the requests in a Web Worker. */
  readonly worker: boolean;
}

/** Puts the page and the model into a build. */
function withPageAndModel(project: string, out: string, page: string): void {
  copyFileSync(fixturePage(page), join(out, 'index.html'));
  copyFileSync(join(project, 'model.lers'), join(out, 'model.lers'));
}

const viteBuildTarget: PageTarget = {
  name: 'Vite build',
  worker: true,
  async build(project) {
    await viteBuild({ root: project, configFile: false, logLevel: 'error', build: { outDir: outDir(project, 'vite'), emptyOutDir: true } });
  },
  serve: (project, isolated) => serveStatic(outDir(project, 'vite'), isolated),
};

const viteDevTarget: PageTarget = {
  name: 'Vite dev server',
  worker: true,
  async serve(project, isolated) {
    // Isolated: the README's vite.config.js (its headers); otherwise no configuration at all.
    const server = await viteServer({ root: project, configFile: isolated ? join(project, 'vite.config.js') : false, logLevel: 'error', server: { host: '127.0.0.1', port: 0, strictPort: false } });
    await server.listen();
    const url = server.resolvedUrls?.local[0];
    if (url === undefined) throw new Error('the Vite dev server has no local URL');
    return { url, close: () => server.close() };
  },
};

const webpackTarget: PageTarget = {
  name: 'webpack 5',
  worker: true,
  async build(project) {
    const out = outDir(project, 'webpack');
    rmSync(out, { recursive: true, force: true });
    const stats = await new Promise<webpack.Stats>((resolve, reject) => {
      webpack({ mode: 'production', context: project, output: { path: out } }, (err, result) => {
        if (err) reject(err);
        else if (!result) reject(new Error('webpack gave no stats'));
        else resolve(result);
      });
    });
    if (stats.hasErrors()) throw new Error(stats.toString({ all: false, errors: true }).slice(0, 2000));
    const warnings = stats.compilation.warnings.filter((w) => !/asset size limit|entrypoint size limit|performance recommendations/i.test(w.message));
    if (warnings.length > 0) throw new Error(`webpack warned: ${warnings.map((w) => w.message.split('\n')[0]).join('; ')}`);
    withPageAndModel(project, out, 'webpack.html');
  },
  serve: (project, isolated) => serveStatic(outDir(project, 'webpack'), isolated),
};

const esbuildTarget: PageTarget = {
  name: 'esbuild',
  worker: true,
  async build(project) {
    const out = outDir(project, 'esbuild');
    rmSync(out, { recursive: true, force: true });
    const common = { absWorkingDir: project, bundle: true, format: 'esm' as const, logLevel: 'error' as const };
    // esbuild src/esbuild/index.js src/esbuild/worker.js --bundle --format=esm --outdir=dist
    await esbuild({ ...common, entryPoints: ['src/esbuild/index.js', 'src/esbuild/worker.js'], outdir: out });
    // esbuild @lers/kernels/worker --bundle --format=esm --outfile=dist/lers-worker.js
    await esbuild({ ...common, entryPoints: ['@lers/kernels/worker'], outfile: join(out, 'lers-worker.js') });
    for (const variant of ['simd', 'simd-threads']) copyFileSync(join(project, 'node_modules', '@lers', 'kernels', 'build', `kernels-${variant}.wasm`), join(out, `kernels-${variant}.wasm`));
    withPageAndModel(project, out, 'esbuild.html');
  },
  serve: (project, isolated) => serveStatic(outDir(project, 'esbuild'), isolated),
};

const plainTarget: PageTarget = {
  name: 'no bundler (import map)',
  worker: false,
  // The project as installed, its / being the fixture's page with the import map.
  serve: (project, isolated) => serveStatic(project, isolated, fixturePage('plain.html')),
};

export const PAGE_TARGETS: readonly PageTarget[] = [viteBuildTarget, viteDevTarget, webpackTarget, esbuildTarget, plainTarget];
