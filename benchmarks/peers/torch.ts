/**
 * The PyTorch peers' side of the benchmarks: Debian's python3 with torch (python3-torch), whether
 * it is there, and the environment a peer runs in (its thread count, and which BLAS torch calls).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const PYTHON = '/usr/bin/python3';

/** Whether `python3 -c 'import <modules>'` works (torch and whatever else the peer imports). */
export function torchAvailable(modules: readonly string[] = ['torch']): boolean {
  return spawnSync(PYTHON, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore' }).status === 0;
}

/**
 * The peer's environment: its thread count for OpenMP and OpenBLAS, and OpenBLAS in front of the
 * library path when one is found (LERS_OPENBLAS_DIR, or Debian's libopenblas0-openmp / -pthread
 * folder; the OpenMP build shares torch's thread pool, the pthread one oversubscribes at 2 threads).
 * Debian's torch calls whatever libblas.so.3 resolves to for its GEMMs; the default alternative is
 * the reference BLAS (about 6 GFLOP/s here), which would make any speed comparison meaningless.
 */
export function peerEnv(threads: number): NodeJS.ProcessEnv {
  const debian = ['openblas-openmp', 'openblas-pthread'].map((d) => join('/usr/lib/x86_64-linux-gnu', d)).find((d) => existsSync(join(d, 'libblas.so.3')));
  const dir = process.env.LERS_OPENBLAS_DIR ?? debian;
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads) };
  if (dir !== undefined) env.LD_LIBRARY_PATH = [dir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':');
  return env;
}

/** A short name of the BLAS a peer reported loading (paths from its /proc/self/maps). */
export function blasName(paths: string): string {
  if (/openblas/i.test(paths)) return 'OpenBLAS';
  if (/mkl/i.test(paths)) return 'MKL';
  if (/\/blas\/libblas/.test(paths)) return 'reference BLAS';
  return paths.split('/').pop() ?? 'unknown BLAS';
}
