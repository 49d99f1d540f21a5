// Compiles assembly/index.ts into the three WASM variants the host loads:
//   kernels-simd.wasm          SIMD, imported non-shared memory (browsers without cross-origin isolation)
//   kernels-simd-threads.wasm  SIMD + threads, imported shared memory (worker pool)
//   kernels-scalar.wasm        no SIMD (the benchmark's scalar baseline; same sources via ASC_FEATURE_SIMD)
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const asc = join(dirname(createRequire(import.meta.url).resolve('assemblyscript/package.json')), 'bin', 'asc.js');
const common = ['assembly/index.ts', '-O3', '--noAssert', '--runtime', 'stub', '--importMemory', '--initialMemory', '2', '--maximumMemory', '65536'];
const variants = {
  'kernels-simd.wasm': ['--enable', 'simd'],
  'kernels-simd-threads.wasm': ['--enable', 'simd', '--enable', 'threads', '--sharedMemory'],
  'kernels-scalar.wasm': ['--disable', 'simd'],
};
mkdirSync(join(root, 'build'), { recursive: true });
for (const [file, flags] of Object.entries(variants)) {
  execFileSync(process.execPath, [asc, ...common, ...flags, '-o', join('build', file)], { cwd: root, stdio: 'inherit' });
}
console.log(`built ${Object.keys(variants).join(', ')}`);
