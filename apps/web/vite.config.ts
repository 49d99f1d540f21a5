/**
 * The web app's build: static files (relative URLs, so dist/ works from any host and sub-path),
 * COOP/COEP headers on the dev and preview servers so WASM threads run, module workers.
 */
import { defineConfig, type Plugin } from 'vite';

/** Cross-origin isolation: without it, SharedArrayBuffer is unavailable and the kernels run on 1 thread. */
export const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/**
 * @lers/kernels 0.1.0 starts its pool workers with `new Worker(WORKER_URL, ...)` where WORKER_URL
 * is a constant: Vite then copies worker.js as a plain asset without its imports, and 2+ threads
 * fail. This rewrites the call into the `new Worker(new URL(...), { type: 'module' })` form Vite
 * bundles (imports included). It only applies while the kernels still have the old form (the
 * bundler issue is being fixed in the package itself); the Node branch never runs in a browser.
 */
function kernelsPoolWorker(): Plugin {
  const OLD_CALL = "new Worker(WORKER_URL, { type: 'module' })";
  return {
    name: 'lers-kernels-pool-worker',
    enforce: 'pre',
    transform(code, id) {
      if (!/[\\/]kernels[\\/]dist[\\/]threads[\\/]pool\.js$/.test(id) || !code.includes(OLD_CALL)) return null;
      return code
        .replace(OLD_CALL, "new Worker(new URL('./worker.js', import.meta.url), { type: 'module' })")
        .replace("new URL('../../dist/threads/worker.js', import.meta.url)", 'null /* browser build: the module worker above is bundled */');
    },
  };
}

export default defineConfig({
  base: './',
  plugins: [kernelsPoolWorker()],
  worker: { format: 'es', plugins: () => [kernelsPoolWorker()] },
  // The dev server's dependency pre-bundling would move the kernels away from their .wasm files and workers.
  optimizeDeps: { exclude: ['@lers/kernels', '@lers/runtime', '@lers/models', '@lers/embeddings', '@lers/data', '@lers/advisor', '@lers/eval'] },
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  build: { target: 'es2022', outDir: 'dist', chunkSizeWarningLimit: 2000 },
});
