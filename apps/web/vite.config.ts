/**
 * The web app's build: static files (relative URLs, so dist/ works from any host and sub-path),
 * COOP/COEP headers on the dev and preview servers so WASM threads run, module workers.
 */
import { defineConfig } from 'vite';

/** Cross-origin isolation: without it, SharedArrayBuffer is unavailable and the kernels run on 1 thread. */
export const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

export default defineConfig({
  base: './',
  worker: { format: 'es' },
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  build: { target: 'es2022', outDir: 'dist', chunkSizeWarningLimit: 2000 },
});
